import type { ISymbolSearch, ISymbolUsages } from '../files';
import type { OpenNotebooks } from './openNotebooks';
import type { CodeToolsServer } from './serverRoute';

export const USAGES_ROUTE = 'usages';

/** `find_usages`' symbol service: jedi in the Jupyter server (jupyterlab_data_engineer/symbols.py). */
export class ServerSymbolSearch implements ISymbolSearch {
  constructor(
    private readonly _server: CodeToolsServer,
    private readonly _openNotebooks: OpenNotebooks
  ) {}

  usages(
    symbol: string,
    path: string,
    signal: AbortSignal
  ): Promise<ISymbolUsages> {
    const inside = (nb: { path: string }) =>
      !path || nb.path === path || nb.path.startsWith(`${path}/`);
    return this._server.post<ISymbolUsages>(
      USAGES_ROUTE,
      {
        symbol,
        path,
        notebooks: this._openNotebooks().filter(inside).slice(0, 30),
        max: 200
      },
      signal
    );
  }
}
