import type {
  IContents,
  IContentsGetOptions,
  IContentsModelLike,
  IContentsSaveOptions
} from '../contents/contents';
import { FileToolError, formatBytes, messageOf, statusOf } from './common';
import { IFileStamp, stampOf } from './conflicts';
import { dirname, extname, isHiddenPath } from './paths';
import { looksBinary, toLf } from './text';

/**
 * The file tools' way into the Jupyter contents API: a narrow interface that
 * `Contents.IManager` satisfies (so tests use an in-memory fake), reading and
 * writing with errors the model can act on, edits of files open in an editor
 * through their document. Conflict tracking is in conflicts.ts.
 */

export { ConflictTracker, sameStamp, stampOf } from './conflicts';
export type { IFileStamp } from './conflicts';

/** A contents model, as far as the file tools read it. */
export type IContentsEntry = IContentsModelLike;

/** Note: `Contents.IManager` treats a missing `content` as false once options are given. */
export type IFilesFetchOptions = IContentsGetOptions;

export type IFilesSaveOptions = IContentsSaveOptions;

/** `Contents.IManager`, as far as the file tools use it: the one contents interface. */
export type IFilesContents = IContents;

/** A document open in JupyterLab (a text editor): edits go through it so the user sees them and can undo. */
export interface IOpenDocument {
  /** Unsaved changes in the editor. */
  readonly dirty: boolean;
  getText(): string;
  setText(text: string): void;
  save(): Promise<void>;
}

/** Finds the open document of a server path, or null. */
export type OpenDocumentLookup = (path: string) => IOpenDocument | null;

/** File extensions that are never text. */
const BINARY_EXTENSIONS = new Set(
  (
    '.png .jpg .jpeg .gif .bmp .ico .webp .tif .tiff .pdf .zip .gz .tgz .bz2 .xz .zst .7z .tar .rar .jar .whl .egg ' +
    '.parquet .feather .arrow .orc .avro .pkl .pickle .joblib .npy .npz .h5 .hdf5 .nc .db .sqlite .sqlite3 .duckdb ' +
    '.so .dylib .dll .exe .bin .pyc .pyo .class .o .a .woff .woff2 .ttf .otf .eot .mp3 .mp4 .wav .mov .avi .mkv ' +
    '.xlsx .xls .docx .pptx .odt .ods .sav .dta .sas7bdat .onnx .pt .pth .ckpt .safetensors'
  ).split(' ')
);

/** True when the name says the file is binary (before reading it). */
export function isBinaryName(path: string): boolean {
  return BINARY_EXTENSIONS.has(extname(path));
}

/** A text file as read from disk. */
export interface ITextFile {
  path: string;
  text: string;
  stamp: IFileStamp;
  size: number | null;
}

/** A file's raw content, for snapshots. */
export interface IRawFile {
  content: string;
  format: 'text' | 'base64';
  stamp: IFileStamp;
}

/** What a write did. */
export interface IWriteResult {
  /** The content now on disk (an editor may have changed line endings). */
  text: string;
  stamp: IFileStamp;
  /** Written through an open editor. */
  viaEditor: boolean;
}

const HIDDEN_HINT =
  'Names starting with "." are hidden, and this Jupyter server refuses hidden files and folders unless ContentsManager.allow_hidden is set to True.';

export class ContentsFiles {
  /**
   * `show` writes a server path in messages (the tools show paths relative
   * to the active notebook's folder).
   */
  constructor(
    contents: IFilesContents,
    openDocument?: OpenDocumentLookup,
    show?: (path: string) => string,
    maxBytes?: () => number
  ) {
    this._contents = contents;
    this._openDocument = openDocument;
    this._show = show ?? (path => path || 'the server root');
    this._maxBytes = maxBytes ?? (() => 10 * 1024 * 1024);
  }

  /** The largest file whose content (or hash) is ever loaded, in bytes. */
  get maxBytes(): number {
    return this._maxBytes();
  }

  get contents(): IFilesContents {
    return this._contents;
  }

  /** A contents API failure as a message the model can act on. */
  toError(error: unknown, path: string, action: string): Error {
    if (error instanceof FileToolError) {
      return error;
    }
    const status = statusOf(error);
    const hidden = isHiddenPath(path);
    const shown = this._show(path);
    if (status === 404) {
      return new FileToolError(
        hidden
          ? `${shown} was not found: it does not exist, or it is hidden. ${HIDDEN_HINT}`
          : `${shown} does not exist.`
      );
    }
    if (hidden && (status === 400 || status === 403)) {
      return new FileToolError(
        `The server refused to ${action} ${shown}. ${HIDDEN_HINT}`
      );
    }
    if (status === 403) {
      return new FileToolError(`Permission denied: cannot ${action} ${shown}.`);
    }
    if (status === 409) {
      return new FileToolError(
        `Cannot ${action} ${shown}: the target already exists.`
      );
    }
    if (status !== undefined) {
      return new FileToolError(
        `Could not ${action} ${shown} (HTTP ${status}): ${messageOf(error)}`
      );
    }
    return error instanceof Error ? error : new Error(String(error));
  }

  /**
   * Metadata only: no content and no hash (jupyter_server reads the whole
   * file to hash it, so a hash is asked for only once the size is known to
   * be small, see `statHashed`). Null when the file does not exist (or is hidden).
   */
  async stat(path: string): Promise<IContentsEntry | null> {
    try {
      return await this._contents.get(path, { content: false });
    } catch (error) {
      if (statusOf(error) === 404) {
        return null;
      }
      throw this.toError(error, path, 'read');
    }
  }

  /** `stat`, then the hash too when the file is not larger than `maxBytes` (for conflict checks). */
  async statHashed(path: string): Promise<IContentsEntry | null> {
    const entry = await this.stat(path);
    if (
      !entry ||
      entry.type === 'directory' ||
      (entry.size ?? Infinity) > this.maxBytes
    ) {
      return entry;
    }
    try {
      return await this._contents.get(path, { content: false, hash: true });
    } catch (error) {
      if (statusOf(error) === 404) {
        return null;
      }
      throw this.toError(error, path, 'read');
    }
  }

  /** Refuse before loading a file larger than `maxBytes` (its size from a metadata-only stat). */
  async assertLoadable(path: string, action = 'read'): Promise<IContentsEntry> {
    const entry = await this.stat(path);
    if (!entry) {
      throw this.toError({ status: 404 }, path, action);
    }
    if (entry.type !== 'directory' && (entry.size ?? 0) > this.maxBytes) {
      throw new FileToolError(
        tooLargeMessage(this._show(path), entry.size, this.maxBytes, action)
      );
    }
    return entry;
  }

  /** A folder's entries (without content). */
  async list(path: string): Promise<IContentsEntry[]> {
    let entry: IContentsEntry;
    try {
      entry = await this._contents.get(path, {
        content: true,
        type: 'directory'
      });
    } catch (error) {
      if (statusOf(error) === 400) {
        throw new FileToolError(`${this._show(path)} is a file, not a folder.`);
      }
      throw this.toError(error, path, 'list');
    }
    if (entry.type !== 'directory') {
      throw new FileToolError(`${this._show(path)} is a file, not a folder.`);
    }
    return Array.isArray(entry.content) ? entry.content : [];
  }

  /** The model as the server returns it with content (notebooks as JSON), with its hash. */
  async read(path: string): Promise<IContentsEntry> {
    await this.assertLoadable(path);
    try {
      return await this._contents.get(path, { content: true, hash: true });
    } catch (error) {
      throw this.toError(error, path, 'read');
    }
  }

  /** A text file (notebooks as their raw JSON text); refuses folders and binary files. */
  async readText(path: string, action = 'read'): Promise<ITextFile> {
    const meta = await this.assertLoadable(path, action);
    if (meta.type === 'directory') {
      throw new FileToolError(`${this._show(path)} is a folder, not a file.`);
    }
    let entry: IContentsEntry;
    try {
      entry = await this._contents.get(path, {
        content: true,
        type: 'file',
        hash: true
      });
    } catch (error) {
      if (statusOf(error) === 400 && (await this._isFolder(path))) {
        throw new FileToolError(`${this._show(path)} is a folder, not a file.`);
      }
      throw this.toError(error, path, 'read');
    }
    if (entry.type === 'directory') {
      throw new FileToolError(`${this._show(path)} is a folder, not a file.`);
    }
    const text = typeof entry.content === 'string' ? entry.content : '';
    if (entry.format === 'base64' || looksBinary(text)) {
      throw new FileToolError(binaryMessage(this._show(path), entry));
    }
    return { path, text, stamp: stampOf(entry), size: entry.size ?? null };
  }

  /** Raw content, text or base64, for a snapshot. */
  async readRaw(path: string, action = 'read'): Promise<IRawFile> {
    await this.assertLoadable(path, action);
    let entry: IContentsEntry;
    try {
      entry = await this._contents.get(path, {
        content: true,
        type: 'file',
        hash: true
      });
    } catch (error) {
      throw this.toError(error, path, 'read');
    }
    const format = entry.format === 'base64' ? 'base64' : 'text';
    return {
      content: typeof entry.content === 'string' ? entry.content : '',
      format,
      stamp: stampOf(entry)
    };
  }

  /** The open document of a path, if any. */
  openDocument(path: string): IOpenDocument | null {
    try {
      return this._openDocument?.(path) ?? null;
    } catch {
      return null;
    }
  }

  /** Refuse when the file has unsaved changes in an editor (they would be lost or clash). */
  assertNotDirty(path: string): void {
    if (this.openDocument(path)?.dirty) {
      throw new FileToolError(
        `${this._show(path)} has unsaved changes in an editor; ask the user to save or discard them first. The file was not changed.`
      );
    }
  }

  /**
   * Write text. A file open in an editor is changed through its document
   * (then saved), so the user sees the change and can undo it there;
   * `basedOn` is the disk text the change was computed from, and the editor
   * must show the same text. Missing parent folders are created.
   */
  async writeText(
    path: string,
    text: string,
    basedOn: string | null
  ): Promise<IWriteResult> {
    const doc = this.openDocument(path);
    if (doc) {
      this.assertNotDirty(path);
      if (basedOn !== null && toLf(doc.getText()) !== toLf(basedOn)) {
        throw new FileToolError(
          `The editor showing ${this._show(path)} holds a different version than the file on disk. Ask the user to reload it (File › Reload from Disk) or save it, then read the file again. The file was not changed.`
        );
      }
      try {
        doc.setText(text);
        await doc.save();
      } catch (error) {
        throw this.toError(error, path, 'save');
      }
      const saved = await this.readText(path);
      return { text: saved.text, stamp: saved.stamp, viaEditor: true };
    }
    const stamp = await this.writeRaw(path, text, 'text');
    return { text, stamp, viaEditor: false };
  }

  /** Write text or base64 content directly through the contents API; returns the new stamp. */
  async writeRaw(
    path: string,
    content: string,
    format: 'text' | 'base64'
  ): Promise<IFileStamp> {
    await this.ensureFolder(dirname(path));
    let saved: IContentsEntry;
    try {
      saved = await this._contents.save(path, {
        type: 'file',
        format,
        content
      });
    } catch (error) {
      throw this.toError(error, path, 'write');
    }
    return this._stampAfterSave(path, saved);
  }

  /** Rename (or move) a file or folder; the target's folder is created if missing. */
  async rename(from: string, to: string): Promise<IContentsEntry> {
    await this.ensureFolder(dirname(to));
    try {
      return await this._contents.rename(from, to);
    } catch (error) {
      throw this.toError(error, statusOf(error) === 409 ? to : from, 'rename');
    }
  }

  async delete(path: string): Promise<void> {
    try {
      await this._contents.delete(path);
    } catch (error) {
      throw this.toError(error, path, 'delete');
    }
  }

  /** Create a folder and its missing parents. */
  async ensureFolder(folder: string): Promise<void> {
    await ensureFolder(
      this._contents,
      folder,
      (error, path) => this.toError(error, path, 'create the folder'),
      this._show
    );
  }

  /**
   * The stamp of what we just saved. `save` returns no hash; ask for it, but
   * keep it only when the file was not touched in between (same mtime), so
   * a concurrent change is never adopted as ours.
   */
  private async _stampAfterSave(
    path: string,
    saved: IContentsEntry
  ): Promise<IFileStamp> {
    const stamp = stampOf(saved);
    if (typeof saved?.size === 'number' && saved.size > this.maxBytes) {
      return stamp;
    }
    try {
      const now = await this._contents.get(path, {
        content: false,
        hash: true
      });
      if (now.hash && now.last_modified === saved.last_modified) {
        stamp.hash = now.hash;
      }
    } catch {
      // The save succeeded; the mtime alone will do.
    }
    return stamp;
  }

  private async _isFolder(path: string): Promise<boolean> {
    const entry = await this.stat(path).catch(() => null);
    return entry?.type === 'directory';
  }

  private _contents: IFilesContents;
  private _openDocument?: OpenDocumentLookup;
  private _show: (path: string) => string;
  private _maxBytes: () => number;
}

/** "big.csv is 2.0 GB, more than the file tools load (10.0 MB)…" */
export function tooLargeMessage(
  shown: string,
  size: number | null | undefined,
  limit: number,
  action = 'read'
): string {
  return (
    `${shown} is too large: ${formatBytes(size)}, more than the file tools ${action === 'read' ? 'read' : 'load to ' + action} (${formatBytes(limit)}). ` +
    'Nothing was loaded. For data, open it in the kernel and look at a sample (e.g. pandas nrows=, polars scan_csv().head()); to find lines in it, use search_files on a smaller file or the shell.'
  );
}

/** Create `folder` and its missing parents through the contents API. */
export async function ensureFolder(
  contents: IFilesContents,
  folder: string,
  toError: (error: unknown, path: string) => Error = error =>
    error instanceof Error ? error : new Error(String(error)),
  show: (path: string) => string = path => path
): Promise<void> {
  const segments = folder.split('/').filter(Boolean);
  for (let i = 1; i <= segments.length; i++) {
    const path = segments.slice(0, i).join('/');
    let entry: IContentsEntry | null = null;
    try {
      entry = await contents.get(path, { content: false });
    } catch (error) {
      if (statusOf(error) !== 404) {
        throw toError(error, path);
      }
    }
    if (entry && entry.type !== 'directory') {
      throw new FileToolError(
        `${show(path)} is a file, so no folder can be created there.`
      );
    }
    if (!entry) {
      try {
        await contents.save(path, { type: 'directory' });
      } catch (error) {
        throw toError(error, path);
      }
    }
  }
}

/** "x.parquet is a binary file (application/octet-stream, 2.1 MB)…" */
export function binaryMessage(
  path: string,
  entry: Pick<IContentsEntry, 'mimetype' | 'size'>
): string {
  const type = entry.mimetype || 'unknown type';
  return (
    `${path} is a binary file (${type}, ${formatBytes(entry.size)}); the file tools only read text. ` +
    'For data files (Parquet, Excel, pickles…) load them in the kernel (e.g. pandas) and inspect the result.'
  );
}
