/**
 * The part of JupyterLab's contents service the context loaders use, so they
 * can be unit-tested without a server.
 */
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

/** `Contents.IManager.get`, as far as the loaders need it. */
export interface IContentsLike {
  get(path: string, options?: IContentsGetOptions): Promise<IContentsModelLike>;
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
