import type { Kernel } from '@jupyterlab/services';
import {
  helperBootstrap,
  IKernelHelper,
  KernelChannel
} from '../kernelChannel';
import type {
  ICatalogTable,
  IDetectedQuery,
  IExplainContext,
  IGatewayConnection,
  IGatewayEstimate,
  IGatewayRun,
  IGatewayVerdict,
  ITableDescription,
  IVerification
} from './types';

/** Which connection a gateway call uses: a kernel variable, else an engine's default one. */
export interface IConnectionRef {
  connection?: string | null;
  engine?: string | null;
}

/** The private module of the query helper in the kernel's `sys.modules`. */
export const QUERY_MODULE = '__jl_data_engineer_query__';

/**
 * The helper's files, in the order they are concatenated (tests/kernel/query_helpers.py too).
 * A chunk of their own (about 185 KB, the SQL gateway included): fetched when a kernel first needs the helper.
 */
export async function loadQuerySources(): Promise<string[]> {
  // Through src/ so that the compiled lib/ module finds the files too (as kernelInspector.ts does).
  const files = await import(
    /* webpackChunkName: "query-helper-py" */ './kernelQuerySources'
  );
  return files.QUERY_SOURCES;
}

/** The query helper, loaded into the kernel on first use. */
export const QUERY_HELPER: IKernelHelper = {
  module: QUERY_MODULE,
  source: async () => (await loadQuerySources()).join('\n\n'),
  filename: '<jl-data-engineer-query>',
  label: 'query helper'
};

/** One expression that runs the helper into a fresh module, assigning no user name (as inspector.py's). */
export async function queryBootstrapCode(): Promise<string> {
  return helperBootstrap({
    ...QUERY_HELPER,
    source: (await loadQuerySources()).join('\n\n')
  });
}

/** A Python literal for a JS value (strings, numbers, booleans, null). */
export function py(
  value: string | number | boolean | null | undefined
): string {
  if (value === null || value === undefined) {
    return 'None';
  }
  if (typeof value === 'boolean') {
    return value ? 'True' : 'False';
  }
  if (typeof value === 'number') {
    return Number.isFinite(value) ? String(value) : 'None';
  }
  return JSON.stringify(value);
}

export type IQueryKernel = Pick<
  Kernel.IKernelConnection,
  'requestExecute' | 'interrupt' | 'info'
> &
  Partial<Pick<Kernel.IKernelConnection, 'status'>>;

export interface IQueryCallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

/**
 * Calls into the query helper with silent execute requests on the kernel's
 * main shell (no execution count, no outputs, no names added). Verification
 * runs the queries there like a cell would; Stop (the signal) interrupts
 * the kernel, which the helper turns into the engine's own cancel.
 */
export class QueryKernel {
  constructor(readonly kernel: IQueryKernel) {
    this._channel = new KernelChannel(kernel);
  }

  /** Which query the cell runs and on what connection; with `rewrite`, the cell's new source. */
  detect(
    source: string,
    rewrite?: string,
    options: IQueryCallOptions = {}
  ): Promise<IDetectedQuery> {
    const args = [`get_ipython().user_ns`, py(source)];
    if (rewrite !== undefined) {
      args.push(py(rewrite));
    }
    return this.call(ref => `${ref}.detect_query(${args.join(', ')})`, {
      timeoutMs: 15000,
      ...options
    });
  }

  /** The plan (EXPLAIN; ANALYZE only when asked: it runs the query) and the catalog facts. */
  explain(
    input: {
      sql?: string;
      connection?: string | null;
      engine?: string | null;
      analyze?: boolean;
      frame?: string | null;
    },
    options: IQueryCallOptions = {}
  ): Promise<IExplainContext> {
    const expr = (ref: string) =>
      `${ref}.explain_context(get_ipython().user_ns, ${py(input.sql ?? null)}, connection=${py(
        input.connection ?? null
      )}, engine=${py(input.engine ?? null)}, analyze=${py(!!input.analyze)}, frame=${py(input.frame ?? null)})`;
    return this.call(expr, {
      timeoutMs: input.analyze ? 600000 : 60000,
      ...options
    });
  }

  /** Verify a rewrite against the original (see query_verify.py for the verdicts). */
  verify(
    input: {
      original: string;
      rewrite: string;
      connection?: string | null;
      engine?: string | null;
      tolerance?: number;
      timeBudgetS?: number;
    },
    options: IQueryCallOptions = {}
  ): Promise<IVerification> {
    const expr = (ref: string) =>
      `${ref}.verify_rewrite(get_ipython().user_ns, ${py(input.original)}, ${py(input.rewrite)}, connection=${py(
        input.connection ?? null
      )}, engine=${py(input.engine ?? null)}, tolerance=${py(input.tolerance ?? null)}, time_budget=${py(
        input.timeBudgetS ?? null
      )})`;
    // The budget is for timing; comparing and the probe come on top.
    const budget = (input.timeBudgetS ?? 30) * 1000;
    return this.call(expr, { timeoutMs: budget * 4 + 600000, ...options });
  }

  /** The connections the kernel holds (SQL gateway, query_gateway.py). */
  connections(
    options: IQueryCallOptions = {}
  ): Promise<{ connections?: IGatewayConnection[]; error?: string }> {
    return this.call(
      ref => `${ref}.gateway_connections(get_ipython().user_ns)`,
      {
        timeoutMs: 15000,
        ...options
      }
    );
  }

  /** The gateway's verdict on one statement: allowed only for one plain read of the catalog. */
  classify(
    sql: string,
    ref: IConnectionRef,
    options: IQueryCallOptions = {}
  ): Promise<IGatewayVerdict & { error?: string; engine?: string }> {
    return this.call(
      r =>
        `${r}.gateway_classify(get_ipython().user_ns, ${py(ref.connection || null)}, ${py(sql)}, engine=${py(ref.engine || null)})`,
      { timeoutMs: 30000, ...options }
    );
  }

  /** The engine's own cost estimate (never a run), checked against the budget. */
  estimate(
    sql: string,
    ref: IConnectionRef,
    budget: { rows: number; bytes: number },
    options: IQueryCallOptions = {}
  ): Promise<IGatewayEstimate> {
    return this.call(
      r =>
        `${r}.gateway_estimate(get_ipython().user_ns, ${py(ref.connection || null)}, ${py(sql)}, budget_rows=${py(
          budget.rows
        )}, budget_bytes=${py(budget.bytes)}, engine=${py(ref.engine || null)})`,
      { timeoutMs: 60000, ...options }
    );
  }

  /** One read-only statement through the gateway: the first rows, capped. */
  run(
    sql: string,
    ref: IConnectionRef,
    limits: { maxRows: number; maxBytes?: number; timeoutS?: number },
    options: IQueryCallOptions = {}
  ): Promise<IGatewayRun> {
    const timeoutS = limits.timeoutS ?? 30;
    return this.call(
      r =>
        `${r}.gateway_run(get_ipython().user_ns, ${py(ref.connection || null)}, ${py(sql)}, max_rows=${py(
          limits.maxRows
        )}, max_bytes=${py(limits.maxBytes ?? 32768)}, timeout_s=${py(timeoutS)}, engine=${py(ref.engine || null)})`,
      { timeoutMs: timeoutS * 1000 + 30000, ...options }
    );
  }

  /** Tables and views from the catalog's metadata (never a scan), at most 8 KB a page. */
  listTables(
    ref: IConnectionRef,
    filter: {
      pattern?: string | null;
      schema?: string | null;
      next?: string | null;
      detail?: boolean;
    } = {},
    options: IQueryCallOptions = {}
  ): Promise<{
    tables?: ICatalogTable[];
    total?: number;
    next?: string | null;
    note?: string | null;
    engine?: string;
    error?: string;
  }> {
    return this.call(
      r =>
        `${r}.gateway_list_tables(get_ipython().user_ns, ${py(ref.connection || null)}, pattern=${py(
          filter.pattern ?? null
        )}, schema=${py(filter.schema ?? null)}, next=${py(filter.next ?? null)}, detail=${py(
          !!filter.detail
        )}, engine=${py(ref.engine || null)})`,
      { timeoutMs: 30000, ...options }
    );
  }

  /** One table's columns, keys, comments and estimates, from metadata. */
  describe(
    name: string,
    ref: IConnectionRef,
    options: IQueryCallOptions = {}
  ): Promise<ITableDescription> {
    return this.call(
      r =>
        `${r}.gateway_describe(get_ipython().user_ns, ${py(ref.connection || null)}, ${py(name)}, engine=${py(
          ref.engine || null
        )})`,
      { timeoutMs: 30000, ...options }
    );
  }

  /**
   * Evaluate one helper expression (built from the module's reference), loading the
   * helper first when the kernel lacks it. Stop interrupts the kernel and waits for
   * the helper's own "cancelled" answer.
   */
  call(
    expression: (ref: string) => string,
    options: IQueryCallOptions
  ): Promise<any> {
    return this._channel.callHelper(QUERY_HELPER, expression, {
      timeoutMs: 60000,
      ...options,
      answersInterrupt: true
    });
  }

  private _channel: KernelChannel;
}
