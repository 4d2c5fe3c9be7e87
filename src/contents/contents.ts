/**
 * The part of JupyterLab's contents service (`Contents.IManager`) this
 * extension uses, so loaders and tools can be unit-tested against one
 * in-memory fake. Readers take `IContentsLike` (get only); writers `IContents`.
 */

/** A contents model, as far as the extension reads it. */
export interface IContentsModelLike {
  name: string;
  path: string;
  type: string;
  last_modified?: string;
  size?: number | null;
  format?: string | null;
  mimetype?: string | null;
  content?: any;
  hash?: string;
}

export interface IContentsGetOptions {
  content?: boolean;
  type?: 'file' | 'directory' | 'notebook';
  format?: 'text' | 'base64' | 'json';
  hash?: boolean;
}

/** `Contents.IManager.get`, as far as the readers need it. */
export interface IContentsLike {
  get(path: string, options?: IContentsGetOptions): Promise<IContentsModelLike>;
}

export interface IContentsSaveOptions {
  type?: 'file' | 'directory' | 'notebook';
  format?: 'text' | 'base64' | 'json';
  content?: any;
}

/** `Contents.IManager`, as far as the extension reads and writes with it. */
export interface IContents extends IContentsLike {
  save(
    path: string,
    options?: IContentsSaveOptions
  ): Promise<IContentsModelLike>;
  rename(path: string, newPath: string): Promise<IContentsModelLike>;
  delete(path: string): Promise<void>;
}

/** The HTTP status of a contents API error (ServerConnection.ResponseError or a fake), if any. */
export function statusOf(error: unknown): number | undefined {
  const status = (error as any)?.response?.status ?? (error as any)?.status;
  return typeof status === 'number' ? status : undefined;
}

/** True when the contents API answered "no such file" (404). */
export function isNotFound(error: unknown): boolean {
  return statusOf(error) === 404;
}
