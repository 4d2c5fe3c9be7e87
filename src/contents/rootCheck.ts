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
    const out = new Set<string>();
    const unique = [...new Set(paths)];
    for (let start = 0; start < unique.length; start += BATCH) {
      const batch = unique.slice(start, start + BATCH);
      let response: Response;
      try {
        response = await this._request(this._url, {
          method: 'POST',
          body: JSON.stringify({ paths: batch }),
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
    }
    return out;
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
