import type { IChatContents } from '../agent/chatStore';

export function httpError(status: number, message: string): Error {
  return Object.assign(new Error(message), { response: { status } });
}

/** An in-memory contents service with the server's semantics that matter here. */
export class FakeContents implements IChatContents {
  files = new Map<string, string>();
  dirs = new Set<string>(['']);
  ops: string[] = [];
  /** Refuse hidden paths like a server without allow_hidden (404 on get, 400 on create). */
  refuseHidden = false;
  /** Called after every operation (to check invariants). */
  afterOp: (() => void) | null = null;
  /** Make the next call of an operation fail. */
  failNext: Partial<Record<'get' | 'save' | 'rename' | 'delete', Error>> = {};
  /** Hold saves until released (for in-flight tests). */
  gate: Promise<void> | null = null;

  async get(path: string, options: { content: boolean }): Promise<{ content?: any; last_modified?: string }> {
    this._op('get', path);
    if (this.refuseHidden && this._hidden(path)) {
      throw httpError(404, `No such file or directory: ${path}`);
    }
    if (this.dirs.has(path)) {
      const prefix = path ? `${path}/` : '';
      const children = [...this.files.keys(), ...this.dirs]
        .filter(p => p.startsWith(prefix) && p !== path && !p.slice(prefix.length).includes('/'))
        .map(p => ({
          name: p.slice(prefix.length),
          path: p,
          type: this.dirs.has(p) ? 'directory' : 'file',
          last_modified: this._modified(p)
        }));
      return { content: options.content ? children : null };
    }
    if (this.files.has(path)) {
      return { content: options.content ? this.files.get(path) : null, last_modified: this._modified(path) };
    }
    throw httpError(404, `No such file or directory: ${path}`);
  }

  async save(
    path: string,
    options: { type: 'file'; format: 'text'; content: string } | { type: 'directory' }
  ): Promise<unknown> {
    this._op('save', path);
    if (this.gate) {
      await this.gate;
    }
    if (this.refuseHidden && this._hidden(path)) {
      throw httpError(400, `Cannot create file or directory '${path}'`);
    }
    if (!this.dirs.has(this._parent(path))) {
      throw httpError(500, `Unexpected error while saving file: ${path}`);
    }
    if (options.type === 'directory') {
      this.dirs.add(path);
    } else {
      this.files.set(path, options.content);
      this.mtimes.set(path, ++this.clock);
    }
    this.afterOp?.();
    return {};
  }

  async rename(oldPath: string, newPath: string): Promise<unknown> {
    this._op('rename', `${oldPath} -> ${newPath}`);
    if (!this.files.has(oldPath)) {
      throw httpError(404, `No such file: ${oldPath}`);
    }
    if (this.files.has(newPath) || this.dirs.has(newPath)) {
      throw httpError(409, `File already exists: ${newPath}`);
    }
    this.files.set(newPath, this.files.get(oldPath)!);
    this.mtimes.set(newPath, this.mtimes.get(oldPath) ?? ++this.clock);
    this.files.delete(oldPath);
    this.afterOp?.();
    return {};
  }

  async delete(path: string): Promise<void> {
    this._op('delete', path);
    if (!this.files.delete(path) && !this.dirs.delete(path)) {
      throw httpError(404, `No such file: ${path}`);
    }
    this.afterOp?.();
  }

  /** Modification "times" of files (a counter), like the server's last_modified. */
  mtimes = new Map<string, number>();
  clock = 0;

  private _modified(path: string): string {
    return new Date(Date.UTC(2024, 0, 1) + (this.mtimes.get(path) ?? 0) * 1000).toISOString();
  }

  /** The operations that changed something, in order. */
  get writes(): string[] {
    return this.ops.filter(op => !op.startsWith('get '));
  }

  private _op(kind: 'get' | 'save' | 'rename' | 'delete', what: string): void {
    this.ops.push(`${kind} ${what}`);
    const error = this.failNext[kind];
    if (error) {
      delete this.failNext[kind];
      throw error;
    }
  }

  private _hidden(path: string): boolean {
    return path.split('/').some(part => part.startsWith('.'));
  }

  private _parent(path: string): string {
    return path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '';
  }
}

