import type { Kernel, KernelMessage } from '@jupyterlab/services';
// Through src/ so that the compiled lib/ module finds the files too (as kernelInspector.ts does).
import enginesSource from '../../src/query/kernel/query_engines.py';
import probeSource from '../../src/query/kernel/query_probe.py';
import verifySource from '../../src/query/kernel/query_verify.py';
import runSource from '../../src/query/kernel/query_run.py';
import explainSource from '../../src/query/kernel/query_explain.py';
import { InspectorUnavailable, pythonStringLiteral } from '../kernel/kernelInspector';
import type { IDetectedQuery, IExplainContext, IVerification } from './types';

/** The private module of the query helper in the kernel's `sys.modules`. */
export const QUERY_MODULE = '__jl_data_engineer_query__';
const MODULE = `__import__('sys').modules['${QUERY_MODULE}']`;

/** The helper's files, in the order they are concatenated (tests/kernel/query_helpers.py too). */
export const QUERY_SOURCES = [enginesSource, probeSource, verifySource, runSource, explainSource];

/** One expression that runs the helper into a fresh module, assigning no user name (as inspector.py's). */
export function queryBootstrapCode(): string {
  const source = QUERY_SOURCES.join('\n\n');
  const template = `(lambda m: (exec(compile(<SOURCE>, '<jl-data-engineer-query>', 'exec'), m.__dict__), __import__('sys').modules.__setitem__(m.__name__, m)) and None)(__import__('types').ModuleType('${QUERY_MODULE}'))`;
  return template.replace('<SOURCE>', () => JSON.stringify(source));
}

/** A Python literal for a JS value (strings, numbers, booleans, null). */
export function py(value: string | number | boolean | null | undefined): string {
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

export type IQueryKernel = Pick<Kernel.IKernelConnection, 'requestExecute' | 'interrupt' | 'info'> &
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
  constructor(readonly kernel: IQueryKernel) {}

  /** Which query the cell runs and on what connection; with `rewrite`, the cell's new source. */
  detect(source: string, rewrite?: string, options: IQueryCallOptions = {}): Promise<IDetectedQuery> {
    const args = [`get_ipython().user_ns`, py(source)];
    if (rewrite !== undefined) {
      args.push(py(rewrite));
    }
    return this.call(`${MODULE}.detect_query(${args.join(', ')})`, { timeoutMs: 15000, ...options });
  }

  /** The plan (EXPLAIN; ANALYZE only when asked: it runs the query) and the catalog facts. */
  explain(
    input: { sql?: string; connection?: string | null; engine?: string | null; analyze?: boolean; frame?: string | null },
    options: IQueryCallOptions = {}
  ): Promise<IExplainContext> {
    const expr = `${MODULE}.explain_context(get_ipython().user_ns, ${py(input.sql ?? null)}, connection=${py(
      input.connection ?? null
    )}, engine=${py(input.engine ?? null)}, analyze=${py(!!input.analyze)}, frame=${py(input.frame ?? null)})`;
    return this.call(expr, { timeoutMs: input.analyze ? 600000 : 60000, ...options });
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
    const expr = `${MODULE}.verify_rewrite(get_ipython().user_ns, ${py(input.original)}, ${py(input.rewrite)}, connection=${py(
      input.connection ?? null
    )}, engine=${py(input.engine ?? null)}, tolerance=${py(input.tolerance ?? null)}, time_budget=${py(
      input.timeBudgetS ?? null
    )})`;
    // The budget is for timing; comparing and the probe come on top.
    const budget = (input.timeBudgetS ?? 30) * 1000;
    return this.call(expr, { timeoutMs: budget * 4 + 600000, ...options });
  }

  /** Evaluate one helper expression, loading the helper first when the kernel lacks it. */
  async call(expression: string, options: IQueryCallOptions): Promise<any> {
    let reply = await this._execute('', { result: expression }, options);
    let value = reply.user_expressions?.result as any;
    if (value?.status === 'error' && value?.ename === 'KeyError') {
      const loaded = await this._execute(queryBootstrapCode(), {}, options);
      if (loaded.status !== 'ok') {
        throw new InspectorUnavailable(
          `The query helper could not be loaded in the kernel: ${(loaded as any).ename ?? ''} ${(loaded as any).evalue ?? ''}`.trim(),
          'error'
        );
      }
      reply = await this._execute('', { result: expression }, options);
      value = reply.user_expressions?.result as any;
    }
    if (!value || value.status !== 'ok') {
      throw new InspectorUnavailable(
        `The query helper failed in the kernel: ${value?.ename ?? 'unknown error'}: ${value?.evalue ?? ''}`,
        'error'
      );
    }
    return JSON.parse(pythonStringLiteral(value.data?.['text/plain']));
  }

  private async _execute(
    code: string,
    expressions: Record<string, string>,
    options: IQueryCallOptions
  ): Promise<KernelMessage.IExecuteReplyMsg['content'] & { user_expressions?: Record<string, unknown> }> {
    if (options.signal?.aborted) {
      throw new InspectorUnavailable('Cancelled by the user.', 'error');
    }
    const future = this.kernel.requestExecute(
      { code, silent: true, store_history: false, user_expressions: expressions, allow_stdin: false, stop_on_error: false },
      true
    );
    const timeoutMs = options.timeoutMs ?? 60000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onAbort = () => {
      // The helper sees the interrupt and answers "cancelled"; the reply still comes.
      void this.kernel.interrupt().catch(() => undefined);
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        onAbort();
        reject(new InspectorUnavailable(`No answer from the kernel within ${Math.round(timeoutMs / 1000)} s.`, 'busy'));
      }, timeoutMs);
    });
    try {
      const reply = await Promise.race([future.done, timeout]);
      return reply.content as any;
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      future.done.catch(() => undefined);
    }
  }
}
