import type { ServerConnection } from '@jupyterlab/services';
import type { IToolFamilyContents, IToolFamilyHost } from '../tokens';
import { SYMBOLS_SERVICE } from '../files';
import { openNotebooksOf } from './openNotebooks';
import { createCodeTools } from './tools';
import { CodeToolsServer, ServerRequest } from './serverRoute';
import { ServerSymbolSearch } from './symbolSearch';

export interface ICodeToolsFamilyOptions {
  serverSettings: ServerConnection.ISettings;
  /** The notebook tracker (its open notebooks are checked as the page holds them). */
  tracker: { forEach(fn: (panel: any) => void): void } | null;
  /** Defaults to `ServerConnection.makeRequest` with the settings (token, XSRF). */
  request?: ServerRequest;
}

/**
 * Code intelligence from the server: `get_problems` (ruff, sqlglot) and the
 * symbol service `find_usages` asks (jedi).
 */
export function createCodeToolsFamily(
  _host: IToolFamilyHost,
  options: ICodeToolsFamilyOptions
): IToolFamilyContents {
  const request: ServerRequest =
    options.request ??
    (async (url, init) => {
      const { ServerConnection } = await import('@jupyterlab/services');
      return ServerConnection.makeRequest(url, init, options.serverSettings);
    });
  const server = new CodeToolsServer(options.serverSettings.baseUrl, request);
  const openNotebooks = openNotebooksOf(options.tracker);
  return {
    tools: createCodeTools({ server: () => server, openNotebooks }),
    services: {
      [SYMBOLS_SERVICE]: new ServerSymbolSearch(server, openNotebooks)
    }
  };
}
