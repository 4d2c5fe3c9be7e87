import type { Kernel } from '@jupyterlab/services';
import {
  helperBootstrap,
  helperRef,
  IExecuteOptions,
  IKernelHelper,
  KernelChannel,
  KernelUnavailable
} from '../kernelChannel';

export { pythonStringLiteral } from '../kernelChannel';

/** The helper's PROTOCOL this frontend speaks (inspector.py). */
export const PROTOCOL = 2;

/** The inspector helper; one a previous version left in a running kernel (no redaction) is replaced. */
export const INSPECTOR_HELPER: IKernelHelper = {
  module: '__jl_data_engineer__',
  source: loadInspectorSource,
  filename: '<jl-data-engineer>',
  protocol: PROTOCOL,
  label: 'inspector helper'
};
/** The module, if it speaks PROTOCOL; else a KeyError like a missing module. */
const CURRENT = helperRef(INSPECTOR_HELPER);

/**
 * One expression that runs the helper into a fresh module and registers it,
 * assigning no name in the user's namespace (see the docstring of inspector.py).
 */
export async function bootstrapCode(source?: string): Promise<string> {
  return helperBootstrap({
    ...INSPECTOR_HELPER,
    source: source ?? (await loadInspectorSource())
  });
}

/**
 * The helper's Python source (54 KB, 16 KB gzip), in a chunk of its own: it is
 * fetched when a kernel first needs the helper, not to draw the chat.
 */
export async function loadInspectorSource(): Promise<string> {
  // Through src/ so that the compiled lib/kernel/ module finds the file too.
  return (
    await import(
      /* webpackChunkName: "kernel-inspector-py" */ '../../src/kernel/inspector.py'
    )
  ).default;
}

/** The user_expressions call for listing variables. */
export function listExpression(): string {
  return `${CURRENT}.list_variables(get_ipython().user_ns)`;
}

/** The user_expressions call for one variable's summary. */
export function inspectExpression(name: string, sampleRows?: number): string {
  const rows =
    sampleRows === undefined
      ? ''
      : `, sample_rows=${Math.max(0, Math.floor(sampleRows))}`;
  return `${CURRENT}.inspect_variable(get_ipython().user_ns, ${JSON.stringify(name)}${rows})`;
}

/**
 * The code of a non-silent, store_history=false execute request that runs `code`
 * like a cell (outputs, display of the last value) but leaves `_`, `_N` and `Out`
 * as they were. Needs the helper loaded (`KernelInspector.ensureLoaded`).
 */
export function scratchCode(code: string): string {
  return `${CURRENT}.run_scratch(${JSON.stringify(code)})`;
}

/** The kernel calls the inspector needs. */
export type IInspectorKernel = Pick<
  Kernel.IKernelConnection,
  'requestExecute' | 'status' | 'info' | 'id' | 'isDisposed'
> &
  Partial<
    Pick<Kernel.IKernelConnection, 'dispose' | 'interrupt' | 'subshellId'>
  > &
  Partial<
    Pick<
      Kernel.IKernelConnection,
      'supportsSubshells' | 'requestCreateSubshell' | 'clone'
    >
  >;

const timeoutOf = (options: IInspectOptions): number =>
  options.timeoutMs ?? 10000;

export interface IInspectOptions {
  /** How long to wait for a busy kernel (ms). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * Summaries of the live kernel's variables, computed by the Python helper
 * with silent execution: no execution count, no outputs, no names added.
 * A busy kernel is asked on a subshell when it has them (ipykernel 7);
 * otherwise the request waits up to the timeout and reports "kernel busy".
 */
export class KernelInspector {
  constructor(kernel: IInspectorKernel) {
    this._kernel = kernel;
  }

  /** The user's variables (names, kinds, shapes), as the helper returns them. */
  async listVariables(options: IInspectOptions = {}): Promise<any> {
    return this._call(() => listExpression(), options);
  }

  /** One variable's summary (dtypes, nulls on a sample, sample rows...). */
  async inspectVariable(
    name: string,
    sampleRows?: number,
    options: IInspectOptions = {}
  ): Promise<any> {
    return this._call(() => inspectExpression(name, sampleRows), options);
  }

  /** Loads the helper into the kernel unless it is there; resolves to its PROTOCOL. */
  async ensureLoaded(options: IInspectOptions = {}): Promise<number> {
    await this._checkKernel();
    const channel = await this._channel();
    await this._stopped(
      channel.ensureHelper(INSPECTOR_HELPER, this._options(options)),
      options
    );
    return PROTOCOL;
  }

  dispose(): void {
    this._subshell
      ?.then(connection => connection?.dispose?.())
      .catch(() => undefined);
    this._subshell = null;
    this._onSubshell = null;
  }

  private async _call(
    expression: () => string,
    options: IInspectOptions
  ): Promise<any> {
    await this._checkKernel();
    const channel = await this._channel();
    return this._stopped(
      channel.callHelper(INSPECTOR_HELPER, expression, this._options(options)),
      options
    );
  }

  private _options(options: IInspectOptions): IExecuteOptions {
    return {
      signal: options.signal,
      timeoutMs: timeoutOf(options),
      quickRead: true
    };
  }

  /** A timeout means the kernel is running something else (no subshell to ask on). */
  private async _stopped<T>(
    call: Promise<T>,
    options: IInspectOptions
  ): Promise<T> {
    try {
      return await call;
    } catch (error) {
      if (error instanceof KernelUnavailable && error.reason === 'busy') {
        throw new KernelUnavailable(
          `The kernel is busy (no answer within ${Math.round(timeoutOf(options) / 1000)} s); it is probably running a cell. Try again when it is idle.`,
          'busy',
          error.interrupted
        );
      }
      throw error;
    }
  }

  private async _checkKernel(): Promise<void> {
    const kernel = this._kernel;
    if (kernel.isDisposed || kernel.status === 'dead') {
      throw new KernelUnavailable(
        'The kernel is not running (dead or shut down). Restart it, run the cells that build the data, then ask again.',
        'dead'
      );
    }
    const info = await kernel.info;
    const language = info?.language_info?.name ?? '';
    if (language && language.toLowerCase() !== 'python') {
      throw new KernelUnavailable(
        `Variable inspection is available for Python kernels only; this notebook's kernel runs ${language}.`,
        'language'
      );
    }
  }

  /** On a subshell connection when the kernel has subshells, else on the kernel itself. */
  private async _channel(): Promise<KernelChannel> {
    const kernel = this._kernel;
    if (
      !kernel.supportsSubshells ||
      !kernel.requestCreateSubshell ||
      !kernel.clone
    ) {
      return (this._main ??= new KernelChannel(kernel));
    }
    if (!this._subshell) {
      this._subshell = (async () => {
        try {
          const reply = await kernel.requestCreateSubshell!({}, true).done;
          const id = (reply.content as any).subshell_id;
          // `clone` passes its options to the new connection, subshellId included.
          return id
            ? (kernel.clone!({ subshellId: id } as any) as IInspectorKernel)
            : null;
        } catch {
          return null;
        }
      })();
    }
    const subshell = await this._subshell;
    return subshell
      ? (this._onSubshell ??= new KernelChannel(subshell))
      : (this._main ??= new KernelChannel(kernel));
  }

  private _kernel: IInspectorKernel;
  private _subshell: Promise<IInspectorKernel | null> | null = null;
  private _main: KernelChannel | null = null;
  private _onSubshell: KernelChannel | null = null;
}
