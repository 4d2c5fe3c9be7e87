import type Anthropic from '@anthropic-ai/sdk';
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

/** Path of the authenticated proxy under the Jupyter server's base URL. */
export const PROXY_PATH = 'data-engineer/anthropic';

/** Path of the route that reports the server's configuration (never the key). */
export const CONFIG_PATH = 'data-engineer/config';

/** How the browser reaches a Messages API endpoint. */
export interface IConnectionOptions {
  /**
   * Direct mode: the browser talks to `directBaseUrl` with `directApiKey`.
   * The key is then visible to every script on the page; only for setups
   * without the server extension.
   */
  directMode: boolean;
  directApiKey: string;
  directBaseUrl: string;
  /** Retries of the SDK for 408/409/429/5xx before the body starts. */
  maxRetries?: number;
}

/** The SDK module, once `loadSdk` has loaded it. */
type SdkModule = typeof import('@anthropic-ai/sdk');
let sdkLoading: Promise<SdkModule> | null = null;

/**
 * Load the SDK (its own chunk, 88 KB gzip): on the first request, not to draw
 * a chat. Loaded once; later calls share the same promise.
 */
export function loadSdk(): Promise<SdkModule> {
  if (!sdkLoading) {
    sdkLoading = import(
      /* webpackChunkName: "anthropic-sdk" */ '@anthropic-ai/sdk'
    );
    sdkLoading.catch(() => (sdkLoading = null)); // a failed chunk load is tried again next time
  }
  return sdkLoading;
}

/** The proxy's base URL for a Jupyter server. */
export function proxyBaseUrl(
  serverSettings: ServerConnection.ISettings
): string {
  return URLExt.join(serverSettings.baseUrl, PROXY_PATH);
}

/**
 * A fetch for the SDK that goes through Jupyter's own request helper, which
 * adds the Jupyter token and the XSRF header (and handles the hub prefix).
 */
export function jupyterFetch(
  serverSettings: ServerConnection.ISettings
): typeof fetch {
  return ((input: RequestInfo | URL, init?: RequestInit) => {
    const url =
      typeof input === 'string'
        ? input
        : input instanceof URL
          ? input.href
          : input.url;
    return ServerConnection.makeRequest(url, init ?? {}, serverSettings);
  }) as typeof fetch;
}

/**
 * Build the SDK client.
 *
 * Through the proxy, the SDK's `Authorization` header is removed: Jupyter
 * would read `Authorization: bearer ...` as its own token and refuse the
 * request. The placeholder key only stops the SDK from looking for Node-only
 * credential files; the server adds the real key. The SDK itself loads with
 * the first client (`loadSdk`).
 */
export async function createClient(
  options: IConnectionOptions,
  serverSettings: ServerConnection.ISettings
): Promise<Anthropic> {
  const { default: Anthropic } = await loadSdk();
  const maxRetries = options.maxRetries ?? 2;
  if (options.directMode) {
    return new Anthropic({
      apiKey: options.directApiKey || null,
      baseURL: options.directBaseUrl || undefined,
      dangerouslyAllowBrowser: true,
      maxRetries,
      // Anthropic's own endpoint refuses browser calls without this header.
      defaultHeaders: { 'anthropic-dangerous-direct-browser-access': 'true' }
    });
  }
  return new Anthropic({
    apiKey: 'set-on-the-jupyter-server',
    baseURL: proxyBaseUrl(serverSettings),
    dangerouslyAllowBrowser: true,
    maxRetries,
    defaultHeaders: { Authorization: null },
    fetch: jupyterFetch(serverSettings)
  });
}

/** What the server says about its proxy setup. */
export interface IServerConfig {
  /** false when the server extension does not answer at all. */
  available: boolean;
  has_key: boolean;
  upstream: string;
  upstream_is_default: boolean;
  /** Whether the contents API serves dot-folders such as .github/ (null: unknown). */
  allow_hidden?: boolean | null;
  version?: string;
  /** The upstream is the bundled mock in demo mode: replies are scripted. */
  demo?: boolean;
}

/** Ask the server extension whether a key is configured and which upstream it uses. */
export async function fetchServerConfig(
  serverSettings: ServerConnection.ISettings
): Promise<IServerConfig> {
  const url = URLExt.join(serverSettings.baseUrl, CONFIG_PATH);
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, {}, serverSettings);
  } catch (reason) {
    return {
      available: false,
      has_key: false,
      upstream: '',
      upstream_is_default: false
    };
  }
  if (!response.ok) {
    return {
      available: false,
      has_key: false,
      upstream: '',
      upstream_is_default: false
    };
  }
  const data = await response.json();
  return { available: true, ...data };
}
