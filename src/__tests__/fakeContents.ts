import { createHash } from 'crypto';
import type { IChatContents } from '../chats/store';
import { normalizeServerPath } from '../contents/paths';
import type {
  IContents,
  IContentsGetOptions as IFilesFetchOptions,
  IContentsModelLike as IContentsEntry,
  IContentsSaveOptions as IFilesSaveOptions
} from '../contents/contents';

/**
 * The one in-memory contents service of the tests: a stand-in for
 * jupyter_server's FileContentsManager as seen through JupyterLab's
 * Contents.IManager. Hidden paths refused when allowHidden is off (404 on
 * reads, 400 on writes), 404 for missing paths, 409 when a rename target
 * exists, last_modified bumped on every save (and kept by renames), sha256
 * `hash` only when asked, save returning no hash, text or base64 by UTF-8
 * decodability, notebooks as JSON unless type 'file'. Tests can make calls
 * fail (failNext), hold saves (gate) and watch every call (calls/ops).
 */

/** A contents API error with its HTTP status, as ServerConnection.ResponseError carries it. */
export class FakeResponseError extends Error {
  constructor(status: number, message: string) {
    super(message);
    this.response = { status };
  }
  response: { status: number };
}

type Node =
  | { type: 'file'; bytes: Buffer; mtime: number }
  | { type: 'directory'; mtime: number };

const MIMETYPES: Record<string, string> = {
  '.png': 'image/png',
  '.parquet': 'application/vnd.apache.parquet',
  '.csv': 'text/csv',
  '.py': 'text/x-python',
  '.json': 'application/json'
};

function clean(path: string): string {
  return normalizeServerPath(path);
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

function hidden(path: string): boolean {
  return path.split('/').some(s => s.startsWith('.'));
}

function decodeUtf8(bytes: Buffer): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

type Operation = 'get' | 'save' | 'rename' | 'delete';

export class FakeContents implements IContents, IChatContents {
  /** Serve hidden paths (a server with allow_hidden); `setup` of the file tools turns it off. */
  allowHidden = true;
  /** Server clock (ms); advances one second per write. */
  clock = Date.parse('2026-03-01T10:00:00Z');
  /** Every call, for assertions: "get path", "save path", "rename a -> b", "delete path". */
  calls: string[] = [];
  /** Runs before each operation (to simulate concurrent changes). */
  before?: (op: Operation, path: string, options?: any) => void;
  /** Called after every change that succeeded (to check invariants). */
  afterOp: (() => void) | null = null;
  /** Make the next call of an operation fail with this error. */
  failNext: Partial<Record<Operation, Error>> = {};
  /** Hold saves until this settles (for in-flight tests). */
  gate: Promise<void> | null = null;
  /** The files' texts by path, as a map (writes go straight to the server state). */
  readonly files: FileView;
  /** The folders, as a set ('' is the root). */
  readonly dirs: FolderView;

  /** The inverse of `allowHidden`: refuse hidden paths like a default server. */
  get refuseHidden(): boolean {
    return !this.allowHidden;
  }
  set refuseHidden(value: boolean) {
    this.allowHidden = !value;
  }

  /** The same list as `calls`. */
  get ops(): string[] {
    return this.calls;
  }
  set ops(value: string[]) {
    this.calls = value;
  }

  /** The calls that changed something, in order. */
  get writes(): string[] {
    return this.calls.filter(call => !call.startsWith('get '));
  }

  constructor(files: Record<string, string | Buffer> = {}) {
    this.files = new FileView(this);
    this.dirs = new FolderView(this);
    for (const [path, content] of Object.entries(files)) {
      this.put(path, content);
    }
  }

  // ---- test helpers ----

  /** Create or change a file directly (the user, or another program), parents included. */
  put(path: string, content: string | Buffer, mtime = this._tick()): void {
    path = clean(path);
    this.mkdirs(parentOf(path));
    this._nodes.set(path, {
      type: 'file',
      bytes: Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8'),
      mtime
    });
  }

  mkdirs(path: string): void {
    const segments = clean(path).split('/').filter(Boolean);
    for (let i = 1; i <= segments.length; i++) {
      const dir = segments.slice(0, i).join('/');
      if (!this._nodes.has(dir)) {
        this._nodes.set(dir, { type: 'directory', mtime: this._tick() });
      }
    }
  }

  /** A file's text, or undefined. */
  text(path: string): string | undefined {
    const node = this._nodes.get(clean(path));
    return node?.type === 'file' ? node.bytes.toString('utf8') : undefined;
  }

  bytes(path: string): Buffer | undefined {
    const node = this._nodes.get(clean(path));
    return node?.type === 'file' ? node.bytes : undefined;
  }

  exists(path: string): boolean {
    return this._nodes.has(clean(path));
  }

  /** Remove directly (not through the API). */
  remove(path: string): void {
    path = clean(path);
    for (const key of [...this._nodes.keys()]) {
      if (key === path || key.startsWith(`${path}/`)) {
        this._nodes.delete(key);
      }
    }
  }

  paths(): string[] {
    return [...this._nodes.keys()].sort();
  }

  // ---- Contents.IManager ----

  async get(
    rawPath: string,
    options?: IFilesFetchOptions
  ): Promise<IContentsEntry> {
    const path = clean(rawPath);
    this._record('get', path);
    this.before?.('get', path, options);
    // Contents.IManager sends content=0 whenever options are given without content: true.
    const content = options === undefined ? true : !!options.content;
    if (!this.allowHidden && hidden(path)) {
      throw new FakeResponseError(404, `No such file or directory: ${path}`);
    }
    const node = path
      ? this._nodes.get(path)
      : { type: 'directory' as const, mtime: 0 };
    if (!node) {
      throw new FakeResponseError(404, `No such file or directory: ${path}`);
    }
    if (node.type === 'directory') {
      if (options?.type && options.type !== 'directory') {
        throw new FakeResponseError(
          400,
          `${path} is a directory, not a ${options.type}`
        );
      }
      const children = content
        ? this._children(path).map(child => this._model(child, false, {}))
        : null;
      return {
        ...this._base(path, node),
        type: 'directory',
        format: content ? 'json' : null,
        content: children,
        mimetype: null
      };
    }
    if (options?.type === 'directory') {
      throw new FakeResponseError(400, `${path} is not a directory`);
    }
    return this._model(path, content, options ?? {});
  }

  async save(
    rawPath: string,
    options: IFilesSaveOptions = {}
  ): Promise<IContentsEntry> {
    const path = clean(rawPath);
    this._record('save', path);
    if (this.gate) {
      await this.gate;
    }
    this.before?.('save', path, options);
    if (!this.allowHidden && hidden(path)) {
      throw new FakeResponseError(
        400,
        `Cannot create file or directory '${path}'`
      );
    }
    const parent = parentOf(path);
    if (parent && this._nodes.get(parent)?.type !== 'directory') {
      throw new FakeResponseError(
        500,
        `Unexpected error while saving file: ${path} [Errno 2] No such file or directory`
      );
    }
    if (options.type === 'directory') {
      const existing = this._nodes.get(path);
      if (existing && existing.type !== 'directory') {
        throw new FakeResponseError(
          400,
          `${path} exists and is not a directory`
        );
      }
      if (!existing) {
        this._nodes.set(path, { type: 'directory', mtime: this._tick() });
      }
      this.afterOp?.();
      return this._model(path, false, {});
    }
    let bytes: Buffer;
    if (options.type === 'notebook') {
      bytes = Buffer.from(
        JSON.stringify(options.content, null, 1) + '\n',
        'utf8'
      );
    } else if (options.type === 'file' && options.format === 'text') {
      bytes = Buffer.from(String(options.content), 'utf8');
    } else if (options.type === 'file' && options.format === 'base64') {
      bytes = Buffer.from(String(options.content), 'base64');
    } else {
      throw new FakeResponseError(400, 'Must specify format of file contents');
    }
    if (this._nodes.get(path)?.type === 'directory') {
      throw new FakeResponseError(400, `${path} is a directory`);
    }
    this._nodes.set(path, { type: 'file', bytes, mtime: this._tick() });
    this.afterOp?.();
    return this._model(path, false, {});
  }

  async rename(rawFrom: string, rawTo: string): Promise<IContentsEntry> {
    const from = clean(rawFrom);
    const to = clean(rawTo);
    this._record('rename', `${from} -> ${to}`);
    this.before?.('rename', from, to);
    if (!this.allowHidden && (hidden(from) || hidden(to))) {
      throw new FakeResponseError(
        400,
        `Cannot rename file or directory '${from}'`
      );
    }
    if (!this._nodes.has(from)) {
      throw new FakeResponseError(404, `No such file or directory: ${from}`);
    }
    if (this._nodes.has(to)) {
      throw new FakeResponseError(409, `File already exists: ${to}`);
    }
    const parent = parentOf(to);
    if (parent && this._nodes.get(parent)?.type !== 'directory') {
      throw new FakeResponseError(
        500,
        `Unknown error renaming file: ${from} No such file or directory`
      );
    }
    for (const key of [...this._nodes.keys()]) {
      if (key === from || key.startsWith(`${from}/`)) {
        const node = this._nodes.get(key)!;
        this._nodes.delete(key);
        this._nodes.set(to + key.slice(from.length), node); // mtime kept, like os.rename
      }
    }
    this.afterOp?.();
    return this._model(to, false, {});
  }

  async delete(rawPath: string): Promise<void> {
    const path = clean(rawPath);
    this._record('delete', path);
    this.before?.('delete', path);
    if (!this.allowHidden && hidden(path)) {
      throw new FakeResponseError(
        400,
        `Cannot delete file or directory '${path}'`
      );
    }
    if (!this._nodes.has(path)) {
      throw new FakeResponseError(
        404,
        `File or directory does not exist: ${path}`
      );
    }
    this.remove(path);
    this.afterOp?.();
  }

  /** Log a call; fail it when the test asked for that. */
  private _record(op: Operation, what: string): void {
    this.calls.push(`${op} ${what}`);
    const error = this.failNext[op];
    if (error) {
      delete this.failNext[op];
      throw error;
    }
  }

  /** Whether a folder exists ('' always does). */
  hasFolder(path: string): boolean {
    path = clean(path);
    return path === '' || this._nodes.get(path)?.type === 'directory';
  }

  private _tick(): number {
    this.clock += 1000;
    return this.clock;
  }

  private _children(path: string): string[] {
    return [...this._nodes.keys()]
      .filter(key => parentOf(key) === path && key !== path)
      .filter(key => this.allowHidden || !hidden(key))
      .sort();
  }

  private _base(path: string, node: Node): IContentsEntry {
    return {
      name: path.slice(path.lastIndexOf('/') + 1),
      path,
      type: node.type,
      last_modified: new Date(node.mtime).toISOString(),
      size: node.type === 'file' ? node.bytes.length : null
    };
  }

  private _model(
    path: string,
    content: boolean,
    options: IFilesFetchOptions
  ): IContentsEntry {
    const node = this._nodes.get(path)!;
    if (node.type === 'directory') {
      return {
        ...this._base(path, node),
        type: 'directory',
        format: null,
        content: null,
        mimetype: null
      };
    }
    const base = this._base(path, node);
    const hash = options.hash
      ? {
          hash: createHash('sha256').update(node.bytes).digest('hex'),
          hash_algorithm: 'sha256'
        }
      : {};
    const ext = path.includes('.')
      ? path.slice(path.lastIndexOf('.')).toLowerCase()
      : '';
    if (ext === '.ipynb' && options.type !== 'file') {
      let notebook: unknown = null;
      if (content) {
        try {
          notebook = JSON.parse(node.bytes.toString('utf8'));
        } catch {
          throw new FakeResponseError(400, `Unreadable Notebook: ${path}`);
        }
      }
      return {
        ...base,
        type: 'notebook',
        format: content ? 'json' : null,
        content: notebook,
        mimetype: null,
        ...hash
      };
    }
    const text = decodeUtf8(node.bytes);
    if (options.format === 'text' && text === null) {
      throw new FakeResponseError(400, `${path} is not UTF-8 encoded`);
    }
    const format =
      options.format === 'base64' || text === null ? 'base64' : 'text';
    const mimetype =
      MIMETYPES[ext] ??
      (format === 'text' ? 'text/plain' : 'application/octet-stream');
    return {
      ...base,
      type: 'file',
      mimetype,
      format: content ? format : null,
      content: content
        ? format === 'text'
          ? text
          : node.bytes.toString('base64')
        : null,
      ...hash
    };
  }

  /** @internal The server state (for the views). */
  readonly _nodes = new Map<string, Node>();
}

/** An error of the contents API with this status. */
export function httpError(status: number, message: string): Error {
  return new FakeResponseError(status, message);
}

const PLANTED_MTIME = Date.UTC(2024, 0, 1);

/** The files of a fake as a map of texts (what the chat store tests read and plant). */
class FileView {
  constructor(private _fake: FakeContents) {}

  get(path: string): string | undefined {
    return this._fake.text(path);
  }

  has(path: string): boolean {
    return this._fake._nodes.get(normalizeServerPath(path))?.type === 'file';
  }

  /** Plant a file as if written long before the test (older than anything the test saves). */
  set(path: string, text: string): this {
    this._fake.put(path, text, PLANTED_MTIME);
    return this;
  }

  delete(path: string): boolean {
    const had = this.has(path);
    if (had) {
      this._fake._nodes.delete(normalizeServerPath(path));
    }
    return had;
  }

  keys(): IterableIterator<string> {
    return [...this._fake._nodes]
      .filter(([, node]) => node.type === 'file')
      .map(([path]) => path)
      [Symbol.iterator]();
  }
}

/** The folders of a fake as a set. */
class FolderView {
  constructor(private _fake: FakeContents) {}

  has(path: string): boolean {
    return this._fake.hasFolder(path);
  }

  add(path: string): this {
    this._fake.mkdirs(path);
    return this;
  }
}
