import type { ICellModel } from '@jupyterlab/cells';
import { findCell } from '../notebook';
import { sourceOf } from '../notebook';
import type { INotebookAccess, INotebookTarget } from '../notebook';
import { IConnectionRef, IQueryKernel, QueryKernel } from './kernelQuery';
import type { IQueryResultData } from './types';

/** The `context.services` key of the query tools' service. */
export const QUERY_SERVICE = 'query';

/** A listing's filter (list_tables' input). */
export interface ICatalogFilter {
  pattern: string | null;
  schema: string | null;
  next: string | null;
  detail: boolean;
}

/** The catalog cache's keys: the tools and the `@` menu share the answers. */
export const catalogKey = {
  list: (ref: IConnectionRef, filter: ICatalogFilter): string =>
    JSON.stringify([
      'list',
      { connection: ref.connection ?? null, engine: ref.engine ?? null },
      filter
    ]),
  describe: (ref: IConnectionRef, name: string): string =>
    JSON.stringify([
      'describe',
      { connection: ref.connection ?? null, engine: ref.engine ?? null },
      name
    ]),
  connections: 'connections'
};

export interface IQuerySettings {
  /** Relative tolerance for floating-point columns. */
  tolerance: number;
  /** Seconds of alternating timing runs. */
  timeBudgetS: number;
  /** run_query runs without asking only under this estimate (`queryBudget`). */
  budget?: { rows: number; bytes: number };
  /** `readOnlyQueries`: 'ask' puts a card before every run_query. */
  readOnlyQueries?: 'auto' | 'ask';
}

/** What a kernel connection signals (a duck type: the tests' kernels may lack them). */
interface IKernelSignals {
  iopubMessage?: {
    connect(fn: (sender: unknown, msg: any) => void): unknown;
  };
  statusChanged?: {
    connect(fn: (sender: unknown, status: string) => void): unknown;
  };
}

type IVerificationData = Extract<IQueryResultData, { kind: 'verification' }>;

/**
 * What the query tools and their cards share: the notebooks, the settings,
 * and the rewrites that passed verification in this session. Apply checks
 * here, so only a rewrite the verifier accepted (for the cell source it
 * saw) can replace a cell, whatever a card or a saved chat says.
 */
export class QueryService {
  constructor(options: {
    notebooks: INotebookAccess | null;
    settings: () => IQuerySettings;
  }) {
    this._notebooks = options.notebooks;
    this.settings = options.settings;
  }

  readonly settings: () => IQuerySettings;

  get notebooks(): INotebookAccess | null {
    return this._notebooks;
  }

  /** The query helper of a notebook's kernel (one per kernel connection). */
  kernelFor(target: INotebookTarget): QueryKernel | null {
    const kernel = target.kernelConnection() as IQueryKernel | null;
    return kernel ? this.helperFor(kernel) : null;
  }

  /** The query helper of a kernel connection (one per connection, shared with `kernelFor`). */
  helperFor(kernel: IQueryKernel): QueryKernel {
    let helper = this._kernels.get(kernel);
    if (!helper) {
      helper = new QueryKernel(kernel);
      this._kernels.set(kernel, helper);
    }
    return helper;
  }

  /**
   * The catalog tools' answers, cached per kernel: `load` runs once per key until the
   * kernel runs a cell (an `execute_input` on its iopub: the user's cells, the agent's
   * run_cell, a console) or restarts, which may have changed the tables. An answer with
   * an `error` is not kept.
   */
  cachedCatalog<T>(
    kernel: QueryKernel,
    key: string,
    load: () => Promise<T>
  ): Promise<T> {
    let cache = this._catalogs.get(kernel);
    if (!cache) {
      const entries = new Map<string, Promise<unknown>>();
      cache = entries;
      this._catalogs.set(kernel, entries);
      const signals = kernel.kernel as unknown as IKernelSignals;
      signals.iopubMessage?.connect((_, msg) => {
        if (msg?.header?.msg_type === 'execute_input') {
          entries.clear();
        }
      });
      signals.statusChanged?.connect((_, status) => {
        if (status === 'restarting' || status === 'autorestarting') {
          entries.clear();
        }
      });
    }
    const entries = cache;
    let answer = entries.get(key) as Promise<T> | undefined;
    if (!answer) {
      answer = load();
      entries.set(key, answer);
      answer.then(
        value => {
          if ((value as { error?: unknown } | null)?.error) {
            entries.delete(key);
          }
        },
        () => entries.delete(key)
      );
    }
    return answer;
  }

  /** Remember a passing verification (called by the verify tool). */
  recordVerified(data: IVerificationData): void {
    if (data.verification.applicable && data.newSource !== undefined) {
      this._verified.add(verifiedKey(data));
    }
  }

  /** True when Apply may replace the cell with this verification's rewrite. */
  canApply(data: IVerificationData): boolean {
    return (
      data.verification.applicable &&
      data.newSource !== undefined &&
      this._verified.has(verifiedKey(data))
    );
  }

  /**
   * Replace the cell's source with the verified rewrite, through the shared
   * model (one transaction: the notebook's undo restores the original).
   */
  async apply(data: IVerificationData): Promise<void> {
    if (!this.canApply(data)) {
      throw new Error(
        'Only a rewrite that passed verification in this session can be applied: verify it again.'
      );
    }
    if (!this._notebooks || !data.cellId) {
      throw new Error('The notebook of this query is not available.');
    }
    const target = await this._notebooks.resolve(data.notebookPath);
    const cell: ICellModel = findCell(
      target.model,
      data.cellId,
      target.path
    ).cell;
    if (sourceOf(cell) !== data.cellSource) {
      throw new Error(
        'The cell changed since the rewrite was verified: verify it again before applying.'
      );
    }
    cell.sharedModel.setSource(data.newSource!);
    target.reveal(data.cellId);
    this._verified.delete(verifiedKey(data));
  }

  private _notebooks: INotebookAccess | null;
  private _kernels = new WeakMap<object, QueryKernel>();
  private _catalogs = new WeakMap<QueryKernel, Map<string, Promise<unknown>>>();
  private _verified = new Set<string>();
}

function verifiedKey(data: IVerificationData): string {
  return JSON.stringify(
    [
      data.notebookPath ?? '',
      data.cellId ?? '',
      data.cellSource ?? '',
      data.newSource ?? ''
    ].map(String)
  );
}
