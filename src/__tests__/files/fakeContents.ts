import { createHash } from 'crypto';
import { FilesService, IFileLimits, ISnapshotStore, MemorySnapshotStore } from '../../tools/files';
import type {
  IContentsEntry,
  IFilesContents,
  IFilesFetchOptions,
  IFilesSaveOptions,
  IOpenDocument
} from '../../tools/files/contentsFiles';
import type { IToolContext, IToolResult } from '../../tools/types';
import { createFileTools } from '../../tools/files';
import { FILES_SERVICE } from '../../tools/files';

/**
 * An in-memory stand-in for jupyter_server's FileContentsManager as seen
 * through JupyterLab's Contents.IManager: hidden paths refused unless
 * allowHidden (404 on reads, 400 on writes), 404 for missing paths, 409 when
 * a rename target exists, last_modified bumped on every save (and kept by
 * renames), sha256 `hash` only when asked, save returning no hash, text or
 * base64 by UTF-8 decodability, notebooks as JSON unless type 'file'.
 */

export class FakeResponseError extends Error {
  constructor(status: number, message: string) {
    super(message);
    this.response = { status };
  }
  response: { status: number };
}

type Node = { type: 'file'; bytes: Buffer; mtime: number } | { type: 'directory'; mtime: number };

const MIMETYPES: Record<string, string> = {
  '.png': 'image/png',
  '.parquet': 'application/vnd.apache.parquet',
  '.csv': 'text/csv',
  '.py': 'text/x-python',
  '.json': 'application/json'
};

function clean(path: string): string {
  return path.replace(/^\/+|\/+$/g, '');
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

export class FakeContents implements IFilesContents {
  allowHidden = false;
  /** Server clock (ms); advances one second per write. */
  clock = Date.parse('2026-03-01T10:00:00Z');
  /** Every call, for assertions: "get path", "save path"… */
  calls: string[] = [];
  /** Runs before each operation (to simulate concurrent changes). */
  before?: (op: 'get' | 'save' | 'rename' | 'delete', path: string, options?: any) => void;

  constructor(files: Record<string, string | Buffer> = {}) {
    for (const [path, content] of Object.entries(files)) {
      this.put(path, content);
    }
  }

  // ---- test helpers ----

  /** Create or change a file directly (the user, or another program), parents included. */
  put(path: string, content: string | Buffer): void {
    path = clean(path);
    this.mkdirs(parentOf(path));
    this._nodes.set(path, { type: 'file', bytes: Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8'), mtime: this._tick() });
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

  async get(rawPath: string, options?: IFilesFetchOptions): Promise<IContentsEntry> {
    const path = clean(rawPath);
    this.calls.push(`get ${path}`);
    this.before?.('get', path, options);
    // Contents.IManager sends content=0 whenever options are given without content: true.
    const content = options === undefined ? true : !!options.content;
    if (!this.allowHidden && hidden(path)) {
      throw new FakeResponseError(404, `No such file or directory: ${path}`);
    }
    const node = path ? this._nodes.get(path) : { type: 'directory' as const, mtime: 0 };
    if (!node) {
      throw new FakeResponseError(404, `No such file or directory: ${path}`);
    }
    if (node.type === 'directory') {
      if (options?.type && options.type !== 'directory') {
        throw new FakeResponseError(400, `${path} is a directory, not a ${options.type}`);
      }
      const children = content ? this._children(path).map(child => this._model(child, false, {})) : null;
      return { ...this._base(path, node), type: 'directory', format: content ? 'json' : null, content: children, mimetype: null };
    }
    if (options?.type === 'directory') {
      throw new FakeResponseError(400, `${path} is not a directory`);
    }
    return this._model(path, content, options ?? {});
  }

  async save(rawPath: string, options: IFilesSaveOptions = {}): Promise<IContentsEntry> {
    const path = clean(rawPath);
    this.calls.push(`save ${path}`);
    this.before?.('save', path, options);
    if (!this.allowHidden && hidden(path)) {
      throw new FakeResponseError(400, `Cannot create file or directory '${path}'`);
    }
    const parent = parentOf(path);
    if (parent && this._nodes.get(parent)?.type !== 'directory') {
      throw new FakeResponseError(500, `Unexpected error while saving file: ${path} [Errno 2] No such file or directory`);
    }
    if (options.type === 'directory') {
      const existing = this._nodes.get(path);
      if (existing && existing.type !== 'directory') {
        throw new FakeResponseError(400, `${path} exists and is not a directory`);
      }
      if (!existing) {
        this._nodes.set(path, { type: 'directory', mtime: this._tick() });
      }
      return this.get(path, { content: false });
    }
    let bytes: Buffer;
    if (options.type === 'notebook') {
      bytes = Buffer.from(JSON.stringify(options.content, null, 1) + '\n', 'utf8');
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
    return this._model(path, false, {});
  }

  async rename(rawFrom: string, rawTo: string): Promise<IContentsEntry> {
    const from = clean(rawFrom);
    const to = clean(rawTo);
    this.calls.push(`rename ${from} ${to}`);
    this.before?.('rename', from, to);
    if (!this.allowHidden && (hidden(from) || hidden(to))) {
      throw new FakeResponseError(400, `Cannot rename file or directory '${from}'`);
    }
    if (!this._nodes.has(from)) {
      throw new FakeResponseError(404, `No such file or directory: ${from}`);
    }
    if (this._nodes.has(to)) {
      throw new FakeResponseError(409, `File already exists: ${to}`);
    }
    const parent = parentOf(to);
    if (parent && this._nodes.get(parent)?.type !== 'directory') {
      throw new FakeResponseError(500, `Unknown error renaming file: ${from} No such file or directory`);
    }
    for (const key of [...this._nodes.keys()]) {
      if (key === from || key.startsWith(`${from}/`)) {
        const node = this._nodes.get(key)!;
        this._nodes.delete(key);
        this._nodes.set(to + key.slice(from.length), node); // mtime kept, like os.rename
      }
    }
    return this.get(to, { content: false });
  }

  async delete(rawPath: string): Promise<void> {
    const path = clean(rawPath);
    this.calls.push(`delete ${path}`);
    this.before?.('delete', path);
    if (!this.allowHidden && hidden(path)) {
      throw new FakeResponseError(400, `Cannot delete file or directory '${path}'`);
    }
    if (!this._nodes.has(path)) {
      throw new FakeResponseError(404, `File or directory does not exist: ${path}`);
    }
    this.remove(path);
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

  private _model(path: string, content: boolean, options: IFilesFetchOptions): IContentsEntry {
    const node = this._nodes.get(path)!;
    if (node.type === 'directory') {
      return { ...this._base(path, node), type: 'directory', format: null, content: null, mimetype: null };
    }
    const base = this._base(path, node);
    const hash = options.hash ? { hash: createHash('sha256').update(node.bytes).digest('hex'), hash_algorithm: 'sha256' } : {};
    const ext = path.includes('.') ? path.slice(path.lastIndexOf('.')).toLowerCase() : '';
    if (ext === '.ipynb' && options.type !== 'file') {
      let notebook: unknown = null;
      if (content) {
        try {
          notebook = JSON.parse(node.bytes.toString('utf8'));
        } catch {
          throw new FakeResponseError(400, `Unreadable Notebook: ${path}`);
        }
      }
      return { ...base, type: 'notebook', format: content ? 'json' : null, content: notebook, mimetype: null, ...hash };
    }
    const text = decodeUtf8(node.bytes);
    if (options.format === 'text' && text === null) {
      throw new FakeResponseError(400, `${path} is not UTF-8 encoded`);
    }
    const format = options.format === 'base64' || text === null ? 'base64' : 'text';
    const mimetype = MIMETYPES[ext] ?? (format === 'text' ? 'text/plain' : 'application/octet-stream');
    return {
      ...base,
      type: 'file',
      mimetype,
      format: content ? format : null,
      content: content ? (format === 'text' ? text : node.bytes.toString('base64')) : null,
      ...hash
    };
  }

  private _nodes = new Map<string, Node>();
}

/** A document open in an editor, saving through the contents API like a JupyterLab context. */
export class FakeDocument implements IOpenDocument {
  constructor(contents: FakeContents, path: string) {
    this._contents = contents;
    this.path = path;
    this.text = contents.text(path) ?? '';
  }

  readonly path: string;
  text: string;
  dirty = false;
  saves = 0;
  /** Edits made through setText (the editor's undo history). */
  history: string[] = [];

  getText(): string {
    return this.text;
  }

  setText(text: string): void {
    this.history.push(this.text);
    this.text = text;
    this.dirty = true;
  }

  async save(): Promise<void> {
    await this._contents.save(this.path, { type: 'file', format: 'text', content: this.text });
    this.dirty = false;
    this.saves++;
  }

  private _contents: FakeContents;
}

export interface ISetupOptions {
  files?: Record<string, string | Buffer>;
  baseDir?: string;
  allowHidden?: boolean;
  limits?: Partial<IFileLimits>;
  snapshots?: ISnapshotStore;
  chatId?: string;
}

/** A files service over a fake server, the tools, and a way to run them. */
export function setup(options: ISetupOptions = {}) {
  const contents = new FakeContents(options.files ?? {});
  contents.allowHidden = !!options.allowHidden;
  const docs = new Map<string, FakeDocument>();
  const state = { baseDir: options.baseDir ?? '', chatId: options.chatId ?? 'chat-1', now: 1_000_000 };
  const snapshots = options.snapshots ?? new MemorySnapshotStore();
  const service = new FilesService({
    contents,
    baseDir: () => state.baseDir,
    openDocument: path => docs.get(path) ?? null,
    snapshots,
    chatId: () => state.chatId,
    limits: options.limits,
    now: () => state.now
  });
  const tools = new Map(createFileTools().map(tool => [tool.name, tool]));
  const controller = new AbortController();
  const context: IToolContext = { signal: controller.signal, services: { [FILES_SERVICE]: service } };
  const run = (name: string, input: Record<string, unknown>): Promise<IToolResult> => {
    const tool = tools.get(name);
    if (!tool) {
      throw new Error(`no tool ${name}`);
    }
    return tool.run(input, context);
  };
  /** Run and return the text; fail the test on an error result. */
  const ok = async (name: string, input: Record<string, unknown>): Promise<string> => {
    const result = await run(name, input);
    if (result.isError) {
      throw new Error(`${name} failed: ${result.content}`);
    }
    return result.content as string;
  };
  /** Run and return the error text; fail the test on success. */
  const fails = async (name: string, input: Record<string, unknown>): Promise<string> => {
    const result = await run(name, input);
    if (!result.isError) {
      throw new Error(`${name} succeeded: ${result.content}`);
    }
    return result.content as string;
  };
  const open = (path: string): FakeDocument => {
    const doc = new FakeDocument(contents, path);
    docs.set(path, doc);
    return doc;
  };
  return { contents, service, tools, context, controller, state, snapshots, run, ok, fails, open, docs };
}
