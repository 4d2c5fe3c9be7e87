import type { Kernel, KernelMessage } from '@jupyterlab/services';
// Through src/ so that the compiled lib/kernel/ module finds the file too.
import inspectorSource from '../../src/kernel/inspector.py';

/** The private module the helper lives in, in the kernel's `sys.modules`. */
const MODULE = "__import__('sys').modules['__jl_data_engineer__']";
/** The helper's PROTOCOL this frontend speaks (inspector.py). */
export const PROTOCOL = 2;
/**
 * The module, if it speaks PROTOCOL; else a KeyError like a missing module, so that
 * a helper an older version left in a running kernel (no redaction) is replaced.
 */
const CURRENT = `(lambda m: m if getattr(m, 'PROTOCOL', 0) == ${PROTOCOL} else {}['stale'])(${MODULE})`;

/**
 * One expression that runs the helper into a fresh module and registers it,
 * assigning no name in the user's namespace (see the docstring of inspector.py).
 */
export function bootstrapCode(source: string = inspectorSource): string {
  const template =
    "(lambda m: (exec(compile(<SOURCE>, '<jl-data-engineer>', 'exec'), m.__dict__), __import__('sys').modules.__setitem__(m.__name__, m)) and None)(__import__('types').ModuleType('__jl_data_engineer__'))";
  // A function replacement: a string one would expand `$&` inside the source.
  return template.replace('<SOURCE>', () => JSON.stringify(source));
}

/** The user_expressions call for listing variables. */
export function listExpression(): string {
  return `${CURRENT}.list_variables(get_ipython().user_ns)`;
}

/** The user_expressions call for one variable's summary. */
export function inspectExpression(name: string, sampleRows?: number): string {
  const rows = sampleRows === undefined ? '' : `, sample_rows=${Math.max(0, Math.floor(sampleRows))}`;
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

/** Why an inspection could not be done, in words for the model and the user. */
export class InspectorUnavailable extends Error {
  constructor(
    message: string,
    readonly reason: 'no_kernel' | 'dead' | 'language' | 'busy' | 'error'
  ) {
    super(message);
  }
}

/** The kernel calls the inspector needs. */
export type IInspectorKernel = Pick<
  Kernel.IKernelConnection,
  'requestExecute' | 'status' | 'info' | 'id' | 'isDisposed'
> &
  Partial<Pick<Kernel.IKernelConnection, 'dispose'>> &
  Partial<Pick<Kernel.IKernelConnection, 'supportsSubshells' | 'requestCreateSubshell' | 'clone'>>;

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
    return this._call(listExpression(), options);
  }

  /** One variable's summary (dtypes, nulls on a sample, sample rows...). */
  async inspectVariable(name: string, sampleRows?: number, options: IInspectOptions = {}): Promise<any> {
    return this._call(inspectExpression(name, sampleRows), options);
  }

  /** Loads the helper into the kernel unless it is there; resolves to its PROTOCOL. */
  async ensureLoaded(options: IInspectOptions = {}): Promise<number> {
    return this._call(`${CURRENT}._dumps(${PROTOCOL})`, options);
  }

  dispose(): void {
    this._subshell?.then(connection => connection?.dispose?.()).catch(() => undefined);
    this._subshell = null;
  }

  private async _call(expression: string, options: IInspectOptions): Promise<any> {
    await this._checkKernel();
    const connection = await this._connection();
    let reply = await this._execute(connection, '', { result: expression }, options);
    if (needsBootstrap(reply)) {
      const loaded = await this._execute(connection, bootstrapCode(), {}, options);
      if (loaded.status !== 'ok') {
        throw new InspectorUnavailable(
          `The inspector helper could not be loaded in the kernel: ${(loaded as any).ename ?? ''} ${(loaded as any).evalue ?? ''}`.trim(),
          'error'
        );
      }
      reply = await this._execute(connection, '', { result: expression }, options);
    }
    const value = ((reply as any).user_expressions ?? {}).result as any;
    if (!value || value.status !== 'ok') {
      throw new InspectorUnavailable(
        `The inspector failed in the kernel: ${value?.ename ?? 'unknown error'}: ${value?.evalue ?? ''}`,
        'error'
      );
    }
    const text = value.data?.['text/plain'];
    return JSON.parse(pythonStringLiteral(text));
  }

  private async _checkKernel(): Promise<void> {
    const kernel = this._kernel;
    if (kernel.isDisposed || kernel.status === 'dead') {
      throw new InspectorUnavailable(
        'The kernel is not running (dead or shut down). Restart it, run the cells that build the data, then ask again.',
        'dead'
      );
    }
    const info = await kernel.info;
    const language = info?.language_info?.name ?? '';
    if (language && language.toLowerCase() !== 'python') {
      throw new InspectorUnavailable(
        `Variable inspection is available for Python kernels only; this notebook's kernel runs ${language}.`,
        'language'
      );
    }
  }

  /** A subshell connection when the kernel has subshells, else the kernel itself. */
  private async _connection(): Promise<IInspectorKernel> {
    const kernel = this._kernel;
    if (!kernel.supportsSubshells || !kernel.requestCreateSubshell || !kernel.clone) {
      return kernel;
    }
    if (!this._subshell) {
      this._subshell = (async () => {
        try {
          const reply = await kernel.requestCreateSubshell!({}, true).done;
          const id = (reply.content as any).subshell_id;
          // `clone` passes its options to the new connection, subshellId included.
          return id ? (kernel.clone!({ subshellId: id } as any) as IInspectorKernel) : null;
        } catch {
          return null;
        }
      })();
    }
    return (await this._subshell) ?? kernel;
  }

  private async _execute(
    kernel: IInspectorKernel,
    code: string,
    expressions: Record<string, string>,
    options: IInspectOptions
  ): Promise<KernelMessage.IExecuteReplyMsg['content']> {
    const future = kernel.requestExecute(
      {
        code,
        silent: true,
        store_history: false,
        user_expressions: expressions,
        allow_stdin: false,
        stop_on_error: false
      },
      true
    );
    const timeoutMs = options.timeoutMs ?? 10000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let onAbort: (() => void) | undefined;
    const stopped = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new InspectorUnavailable(
              `The kernel is busy (no answer within ${Math.round(timeoutMs / 1000)} s); it is probably running a cell. Try again when it is idle.`,
              'busy'
            )
          ),
        timeoutMs
      );
      onAbort = () => reject(new InspectorUnavailable('Cancelled by the user.', 'error'));
      options.signal?.addEventListener('abort', onAbort, { once: true });
    });
    try {
      const reply = await Promise.race([future.done, stopped]);
      return reply.content;
    } finally {
      clearTimeout(timer);
      if (onAbort) {
        options.signal?.removeEventListener('abort', onAbort);
      }
      future.done.catch(() => undefined);
    }
  }

  private _kernel: IInspectorKernel;
  private _subshell: Promise<IInspectorKernel | null> | null = null;
}

/** True when the reply says the helper module is not in the kernel yet. */
function needsBootstrap(reply: KernelMessage.IExecuteReplyMsg['content']): boolean {
  const value = ((reply as any).user_expressions ?? {}).result;
  return value?.status === 'error' && value?.ename === 'KeyError';
}

/**
 * The JSON text of a helper result. The helper's str subclass prints as the
 * bare JSON; a plain str would print as a quoted literal, decoded here.
 */
export function pythonStringLiteral(repr: string): string {
  // The helper's results print as the bare JSON text.
  if (typeof repr === 'string' && /^[[{]/.test(repr)) {
    return repr;
  }
  if (typeof repr !== 'string' || repr.length < 2) {
    throw new InspectorUnavailable('Unexpected answer from the kernel helper.', 'error');
  }
  const quote = repr[0];
  if ((quote !== "'" && quote !== '"') || repr[repr.length - 1] !== quote) {
    throw new InspectorUnavailable('Unexpected answer from the kernel helper.', 'error');
  }
  const body = repr.slice(1, -1);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i];
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const next = body[++i];
    switch (next) {
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case 'r':
        out += '\r';
        break;
      case '\\':
        out += '\\';
        break;
      case "'":
        out += "'";
        break;
      case '"':
        out += '"';
        break;
      case 'x':
        out += String.fromCharCode(parseInt(body.substr(i + 1, 2), 16));
        i += 2;
        break;
      case 'u':
        out += String.fromCharCode(parseInt(body.substr(i + 1, 4), 16));
        i += 4;
        break;
      case 'U':
        out += String.fromCodePoint(parseInt(body.substr(i + 1, 8), 16));
        i += 8;
        break;
      default:
        out += `\\${next}`;
    }
  }
  return out;
}
