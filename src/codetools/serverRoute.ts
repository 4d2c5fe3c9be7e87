/**
 * The code tools' requests to the extension's server routes
 * (`data-engineer/problems`, `data-engineer/usages`, `data-engineer/github/...`):
 * JSON in, JSON out, errors as readable messages. The request function adds
 * the token and the XSRF header (`ServerConnection.makeRequest`).
 */

/** A request to the Jupyter server. */
export type ServerRequest = (
  url: string,
  init: RequestInit
) => Promise<Response>;

/** A failure the model should read (the server said why, or could not be reached). */
export class CodeToolError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly body?: any
  ) {
    super(message);
    this.name = 'CodeToolError';
  }
}

/** The extension's routes on one Jupyter server. */
export class CodeToolsServer {
  constructor(baseUrl: string, request: ServerRequest) {
    this._base = baseUrl.replace(/\/?$/, '/') + 'data-engineer/';
    this._request = request;
  }

  /** POST `body` to a route; the parsed answer, or a CodeToolError with the server's message. */
  async post<T>(
    route: string,
    body: unknown,
    signal?: AbortSignal
  ): Promise<T> {
    return this._call<T>(route, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'Content-Type': 'application/json' },
      signal
    });
  }

  /** GET a route with query parameters. */
  async get<T>(
    route: string,
    params: Record<string, string | undefined>,
    signal?: AbortSignal
  ): Promise<T> {
    const query = Object.entries(params)
      .filter(([, value]) => value !== undefined && value !== '')
      .map(
        ([key, value]) =>
          `${encodeURIComponent(key)}=${encodeURIComponent(value!)}`
      )
      .join('&');
    return this._call<T>(query ? `${route}?${query}` : route, {
      method: 'GET',
      signal
    });
  }

  private async _call<T>(route: string, init: RequestInit): Promise<T> {
    let response: Response;
    try {
      response = await this._request(this._base + route, init);
    } catch (error) {
      if (init.signal?.aborted) {
        throw error;
      }
      throw new CodeToolError(
        `The Jupyter server could not be reached (${error instanceof Error ? error.message : String(error)}).`
      );
    }
    const text = await response.text();
    let parsed: any = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = null;
    }
    if (!response.ok) {
      const message =
        (parsed && (parsed.error?.message ?? parsed.message)) ||
        text.slice(0, 300) ||
        response.statusText;
      if (response.status === 404 && !parsed?.error) {
        throw new CodeToolError(
          'The server extension does not offer this route: the Jupyter server runs an older jupyterlab_data_engineer (restart it after upgrading).',
          404
        );
      }
      throw new CodeToolError(String(message), response.status, parsed);
    }
    return parsed as T;
  }

  private _base: string;
  private _request: ServerRequest;
}
