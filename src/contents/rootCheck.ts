import { ServerConnection } from '@jupyterlab/services';

/**
 * The server's answer to "does this path stay inside the root once symlinks
 * are followed?" (route `data-engineer/files/inside`, see
 * jupyterlab_data_engineer/files.py). The contents API follows links
 * silently, so this is the only way the page can know.
 */

export interface IRootCheck {
  /** The server paths among `paths` that resolve outside the server root. */
  outside(paths: readonly string[]): Promise<Set<string>>;
  /**
   * The same, with what each path inside the root really is (links followed):
   * the route's `stat` answer. Absent on checks that cannot tell.
   */
  describe?(paths: readonly string[]): Promise<IRootDescription>;
}

/** A path as it really is once symlinks are followed. */
export interface IPathStat {
  /** `file`: a regular file; `other`: a device, FIFO or socket. */
  kind: 'file' | 'dir' | 'missing' | 'other';
  /** Bytes of the file it leads to (not of the link). */
  size?: number;
  /** For a link: the server path inside the root it leads to. */
  target?: string;
}

export interface IRootDescription {
  /** False when the server has no local root (nothing to follow, nothing described). */
  checked: boolean;
  outside: Set<string>;
  stat: Map<string, IPathStat>;
}

/** A request to the Jupyter server (ServerConnection.makeRequest adds token and XSRF). */
export type ServerRequest = (
  url: string,
  init: RequestInit
) => Promise<Response>;

/** Paths per request (the route takes at most 2000). */
const BATCH = 500;

export const ROOT_CHECK_PATH = 'data-engineer/files/inside';

/** The route's client. `baseUrl` is the Jupyter server's base URL (with its trailing slash). */
export class ServerRootCheck implements IRootCheck {
  constructor(baseUrl: string, request: ServerRequest) {
    this._url = baseUrl.replace(/\/?$/, '/') + ROOT_CHECK_PATH;
    this._request = request;
  }

  async outside(paths: readonly string[]): Promise<Set<string>> {
    return (await this._ask(paths, false)).outside;
  }

  describe(paths: readonly string[]): Promise<IRootDescription> {
    return this._ask(paths, true);
  }

  private async _ask(
    paths: readonly string[],
    stat: boolean
  ): Promise<IRootDescription> {
    const out = new Set<string>();
    const stats = new Map<string, IPathStat>();
    let checked = true;
    const unique = [...new Set(paths)];
    for (let start = 0; start < unique.length; start += BATCH) {
      const batch = unique.slice(start, start + BATCH);
      let response: Response;
      try {
        response = await this._request(this._url, {
          method: 'POST',
          body: JSON.stringify(
            stat ? { paths: batch, stat } : { paths: batch }
          ),
          headers: { 'Content-Type': 'application/json' }
        });
      } catch (error) {
        throw new Error(
          `the server's symlink check could not be reached (${error instanceof Error ? error.message : String(error)})`
        );
      }
      if (!response.ok) {
        throw new Error(
          `the server's symlink check answered HTTP ${response.status}`
        );
      }
      const body = await response.json();
      for (const path of Array.isArray(body?.outside) ? body.outside : []) {
        if (typeof path === 'string') {
          out.add(path);
        }
      }
      if (body?.checked === false) {
        checked = false;
      }
      const described = body?.stat;
      if (described && typeof described === 'object') {
        for (const [path, info] of Object.entries(described)) {
          if (info && typeof info === 'object') {
            stats.set(path, info as IPathStat);
          }
        }
      }
    }
    return { checked, outside: out, stat: stats };
  }

  private _url: string;
  private _request: ServerRequest;
}

/** The route's client for a Jupyter server (token, XSRF and base URL from its settings). */
export function serverRootCheck(
  settings: ServerConnection.ISettings
): ServerRootCheck {
  return new ServerRootCheck(settings.baseUrl, (url, init) =>
    ServerConnection.makeRequest(url, init, settings)
  );
}
