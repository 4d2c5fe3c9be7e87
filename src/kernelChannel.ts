import type { Kernel, KernelMessage } from '@jupyterlab/services';

/**
 * The one way this extension sends code to a kernel outside any cell: an execute
 * request with a timeout and an AbortSignal, and Python helper modules loaded
 * into the kernel's `sys.modules` on demand. Stop and timeouts interrupt the
 * kernel, but only while the request is the one running: code queued behind a
 * user's cell never interrupts that cell.
 *
 * It sits beside the features rather than in kernel/: notebook/, query/, etl/ and
 * kernel/ all use it, and kernel/'s tools import notebook/.
 */

/** The kernel calls a channel needs. */
export type IChannelKernel = Pick<Kernel.IKernelConnection, 'requestExecute'> &
  Partial<Pick<Kernel.IKernelConnection, 'interrupt' | 'subshellId'>>;

/** Why the kernel could not answer, in words for the model and the user. */
export class KernelUnavailable extends Error {
  constructor(
    message: string,
    readonly reason:
      'no_kernel' | 'dead' | 'language' | 'busy' | 'cancelled' | 'error',
    /** Whether the kernel was interrupted on the way out (Stop or timeout). */
    readonly interrupted = false
  ) {
    super(message);
  }
}

/**
 * How the request runs. `silent`: no outputs, no history, errors do not stop the
 * queue. `scratch`: outputs like a cell, no history. `cell`: like a notebook cell.
 */
export type ExecuteMode = 'silent' | 'scratch' | 'cell';

const MODES: Record<
  ExecuteMode,
  { silent: boolean; store_history: boolean; stop_on_error: boolean }
> = {
  silent: { silent: true, store_history: false, stop_on_error: false },
  scratch: { silent: false, store_history: false, stop_on_error: true },
  cell: { silent: false, store_history: true, stop_on_error: true }
};

export interface IExecuteOptions {
  signal?: AbortSignal;
  /** Default 60 s. */
  timeoutMs?: number;
  /** Default `silent`. */
  mode?: ExecuteMode;
  userExpressions?: Record<string, string>;
  /** Every IOPub message of the request (status messages included). */
  onIOPub?: (msg: KernelMessage.IIOPubMessage) => void;
  /** The code turns an interrupt into its own answer: after Stop, wait for that reply. */
  answersInterrupt?: boolean;
  /**
   * A quick read-only request: a timeout leaves it to finish, and one stopped while
   * queued is not interrupted when it starts (an interrupt sent that late would
   * more likely hit whatever the kernel runs next). Other requests stopped while
   * queued are interrupted when they start, so that stopped code does not run on.
   */
  quickRead?: boolean;
}

/** The content of an execute reply, user expressions included. */
export type ExecuteReply = KernelMessage.IExecuteReplyMsg['content'] & {
  user_expressions?: Record<string, any>;
  ename?: string;
  evalue?: string;
};

/** A Python helper module, run from its source into a fresh module of `sys.modules`. */
export interface IKernelHelper {
  /** Its name in `sys.modules`. */
  module: string;
  /**
   * Its Python source, or a function that loads it: the helpers' sources are
   * chunks of their own, fetched the first time a kernel needs the helper.
   */
  source: string | (() => Promise<string>);
  /** The file name its tracebacks show. */
  filename: string;
  /** When set, a module whose PROTOCOL differs (left by an older version) is replaced. */
  protocol?: number;
  /** What to call it in errors ("inspector helper"). */
  label: string;
}

/**
 * A Python expression for the helper module; a KeyError, like a missing module,
 * when it is absent or speaks another PROTOCOL.
 */
export function helperRef(helper: IKernelHelper): string {
  const module = `__import__('sys').modules['${helper.module}']`;
  return helper.protocol === undefined
    ? module
    : `(lambda m: m if getattr(m, 'PROTOCOL', 0) == ${helper.protocol} else {}['stale'])(${module})`;
}

/** One expression that runs the helper into a fresh module and registers it, assigning no user name. */
export function helperBootstrap(
  helper: Pick<IKernelHelper, 'module' | 'filename'> & { source: string }
): string {
  const template = `(lambda m: (exec(compile(<SOURCE>, '${helper.filename}', 'exec'), m.__dict__), __import__('sys').modules.__setitem__(m.__name__, m)) and None)(__import__('types').ModuleType('${helper.module}'))`;
  // A function replacement: a string one would expand `$&` inside the source.
  return template.replace('<SOURCE>', () => JSON.stringify(helper.source));
}

/** Execute requests and helper calls on one kernel connection. */
export class KernelChannel {
  constructor(readonly kernel: IChannelKernel) {}

  /**
   * Send code and resolve to the reply. Rejects with a KernelUnavailable `cancelled`
   * on Stop (unless `answersInterrupt`), `busy` on timeout; a kernel that goes away
   * rejects with its own error.
   */
  execute(code: string, options: IExecuteOptions = {}): Promise<ExecuteReply> {
    const { signal } = options;
    if (signal?.aborted) {
      return Promise.reject(
        new KernelUnavailable('Cancelled by the user.', 'cancelled')
      );
    }
    const future = this.kernel.requestExecute(
      {
        code,
        ...MODES[options.mode ?? 'silent'],
        user_expressions: options.userExpressions ?? {},
        allow_stdin: false
      },
      true
    );
    let state: 'queued' | 'running' | 'ended' = 'queued';
    let interruptOnStart = false;
    const interrupt = (): boolean => {
      // An interrupt reaches the main shell: never send one for a subshell's request.
      if (
        state !== 'running' ||
        this.kernel.subshellId ||
        !this.kernel.interrupt
      ) {
        return false;
      }
      void this.kernel.interrupt().catch(() => undefined);
      return true;
    };
    future.onIOPub = msg => {
      if (msg.header.msg_type === 'status') {
        const execution = (msg.content as KernelMessage.IStatusMsg['content'])
          .execution_state;
        if (execution === 'busy' && state === 'queued') {
          state = 'running';
          if (interruptOnStart) {
            interrupt();
          }
        } else if (execution === 'idle') {
          state = 'ended';
        }
      }
      options.onIOPub?.(msg);
    };
    const timeoutMs = options.timeoutMs ?? 60000;
    return new Promise<ExecuteReply>((resolve, reject) => {
      // Assigned below, after `settle` (which clears it) is defined; `settle` may run before that.
      // eslint-disable-next-line prefer-const
      let timer: ReturnType<typeof setTimeout> | undefined;
      const settle = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const stop = (
        error: (interrupted: boolean) => KernelUnavailable,
        timeout = false
      ): void => {
        const interrupted = timeout && options.quickRead ? false : interrupt();
        interruptOnStart =
          !interrupted && state === 'queued' && !options.quickRead;
        settle();
        future.done.catch(() => undefined);
        reject(error(interrupted));
      };
      const onAbort = (): void => {
        if (options.answersInterrupt && interrupt()) {
          // The reply still comes, with the code's own "cancelled" (the timer still runs).
          return;
        }
        stop(
          interrupted =>
            new KernelUnavailable(
              'Cancelled by the user.',
              'cancelled',
              interrupted
            )
        );
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      timer = setTimeout(
        () =>
          stop(
            interrupted =>
              new KernelUnavailable(
                `No answer from the kernel within ${Math.round(timeoutMs / 1000)} s.`,
                'busy',
                interrupted
              ),
            true
          ),
        timeoutMs
      );
      future.done.then(
        reply => {
          state = 'ended';
          settle();
          resolve(reply.content as ExecuteReply);
        },
        error => {
          state = 'ended';
          settle();
          reject(error);
        }
      );
    });
  }

  /** Evaluate one user expression silently; its `user_expressions` entry. */
  async evaluate(
    expression: string,
    options: IExecuteOptions = {}
  ): Promise<any> {
    const reply = await this.execute('', {
      ...options,
      mode: 'silent',
      userExpressions: { result: expression }
    });
    return (reply.user_expressions ?? {}).result;
  }

  /**
   * Load the helper unless the kernel has it (it does not after a restart, nor when an
   * older version left one with another PROTOCOL).
   */
  async ensureHelper(
    helper: IKernelHelper,
    options: IExecuteOptions = {}
  ): Promise<void> {
    await this._callHelper(helper, `${helperRef(helper)}.__name__`, options);
  }

  /**
   * Call the helper: `call(ref)` builds the expression from the helper's reference;
   * the result is the JSON the helper prints. Loads the helper when the kernel lacks it.
   */
  async callHelper(
    helper: IKernelHelper,
    call: (ref: string) => string,
    options: IExecuteOptions = {}
  ): Promise<any> {
    const value = await this._callHelper(
      helper,
      call(helperRef(helper)),
      options
    );
    return JSON.parse(pythonStringLiteral(value.data?.['text/plain']));
  }

  private async _callHelper(
    helper: IKernelHelper,
    expression: string,
    options: IExecuteOptions
  ): Promise<any> {
    let value = await this.evaluate(expression, options);
    if (isMissing(value)) {
      await this._load(helper, options);
      value = await this.evaluate(expression, options);
    }
    if (!value || value.status !== 'ok') {
      throw new KernelUnavailable(
        `The ${helper.label} failed in the kernel: ${value?.ename ?? 'unknown error'}: ${value?.evalue ?? ''}`,
        'error'
      );
    }
    return value;
  }

  private async _load(
    helper: IKernelHelper,
    options: IExecuteOptions
  ): Promise<void> {
    const source =
      typeof helper.source === 'function'
        ? await helper.source()
        : helper.source;
    const loaded = await this.execute(helperBootstrap({ ...helper, source }), {
      ...options,
      mode: 'silent',
      userExpressions: {}
    });
    if (loaded.status !== 'ok') {
      throw new KernelUnavailable(
        `The ${helper.label} could not be loaded in the kernel: ${loaded.ename ?? ''} ${loaded.evalue ?? ''}`.trim(),
        'error'
      );
    }
  }
}

/** True when a user expression failed because the helper module is not in the kernel (yet). */
function isMissing(value: any): boolean {
  return value?.status === 'error' && value?.ename === 'KeyError';
}

/**
 * The JSON text of a helper result. The helpers' str subclass prints as the
 * bare JSON; a plain str would print as a quoted literal, decoded here.
 */
export function pythonStringLiteral(repr: string): string {
  if (typeof repr === 'string' && /^[[{]/.test(repr)) {
    return repr;
  }
  if (typeof repr !== 'string' || repr.length < 2) {
    throw new KernelUnavailable(
      'Unexpected answer from the kernel helper.',
      'error'
    );
  }
  const quote = repr[0];
  if ((quote !== "'" && quote !== '"') || repr[repr.length - 1] !== quote) {
    throw new KernelUnavailable(
      'Unexpected answer from the kernel helper.',
      'error'
    );
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
