import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';
import type {
  IMcpCallResult,
  IMcpFailure,
  IMcpList,
  IMcpServerInfo
} from './types';

/** Path of the MCP routes under the Jupyter server's base URL. */
export const MCP_PATH = 'data-engineer/mcp';

/** A refusal or failure of an MCP route, with the server's kind and stderr tail. */
export class McpRouteError extends Error {
  constructor(
    readonly status: number,
    readonly failure: IMcpFailure
  ) {
    super(failure.message);
  }
}

/** The browser's side of the MCP routes; every request goes through Jupyter's auth and XSRF helper. */
export class McpBridge {
  constructor(private _serverSettings: ServerConnection.ISettings) {}

  list(): Promise<IMcpList> {
    return this._request<IMcpList>('servers', 'GET');
  }

  async start(
    name: string,
    inputs: Record<string, string>,
    restart = false
  ): Promise<IMcpServerInfo> {
    const action = restart ? 'restart' : 'start';
    const reply = await this._request<{ server: IMcpServerInfo }>(
      `servers/${encodeURIComponent(name)}/${action}`,
      'POST',
      { inputs }
    );
    return reply.server;
  }

  async call(
    name: string,
    tool: string,
    args: unknown,
    inputs: Record<string, string>,
    signal?: AbortSignal
  ): Promise<IMcpCallResult> {
    const reply = await this._request<{ result: IMcpCallResult }>(
      `servers/${encodeURIComponent(name)}/call`,
      'POST',
      { tool, arguments: args ?? {}, inputs },
      signal
    );
    return reply.result;
  }

  trust(hash: string): Promise<IMcpList> {
    return this._request<IMcpList>('trust', 'POST', { hash });
  }

  private async _request<T>(
    path: string,
    method: string,
    body?: unknown,
    signal?: AbortSignal
  ): Promise<T> {
    const url = URLExt.join(this._serverSettings.baseUrl, MCP_PATH, path);
    const init: RequestInit = { method, signal };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers = { 'Content-Type': 'application/json' };
    }
    const response = await ServerConnection.makeRequest(
      url,
      init,
      this._serverSettings
    );
    let data: any = null;
    try {
      data = await response.json();
    } catch {
      data = null;
    }
    if (!response.ok) {
      const failure: IMcpFailure =
        data?.error && typeof data.error.message === 'string'
          ? data.error
          : {
              kind: 'http',
              message: `The MCP bridge answered ${response.status}.`
            };
      throw new McpRouteError(response.status, failure);
    }
    return data as T;
  }
}
