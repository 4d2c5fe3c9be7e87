import { interruptProbe, MarkerParser, newNonce, wrapCommand } from './markers';
import { lastLines, terminalText } from './output';

/**
 * One shell in one terminal, as the tools use it: type a wrapped command,
 * read the output between its markers, interrupt it (Ctrl-C) on Stop or
 * when its time is up. Works on any byte channel to a terminal (the
 * server's terminal websocket in the page, a pty in tests).
 */

/** A terminal as the session needs it. */
export interface ITerminalPort {
  /** Type into the terminal. */
  write(data: string): void;
  /** Listen to what the terminal prints; returns the unsubscribe function. */
  onOutput(listener: (chunk: string) => void): () => void;
  /** Listen for the terminal going away (shell exited, connection closed). */
  onClose(listener: () => void): () => void;
}

/** How a run ended. */
export type CommandStatus =
  'ok' | 'failed' | 'timeout' | 'aborted' | 'closed' | 'background';

/** One run of a command. */
export interface ICommandRun {
  status: CommandStatus;
  /** The shell's `$?`; null when the command did not finish. */
  exitCode: number | null;
  /** The command's output, raw (escape sequences kept). */
  output: string;
  /** From the start marker to the end marker: the command itself. */
  commandMs: number | null;
  /**
   * The command ended the shell (`exit`, `set -e` and a failure, `exec`,
   * `logout`): the session is closed and the next command needs a fresh shell.
   */
  shellExited?: boolean;
}

export interface IRunOptions {
  command: string;
  /** Absolute folder; null keeps the shell's folder. */
  cwd: string | null;
  env?: Record<string, string>;
  timeoutMs: number;
  signal?: AbortSignal;
  /**
   * Return after this long with the output so far, leaving the command
   * running (its end is still tracked for `get_terminal_output`).
   */
  backgroundAfterMs?: number;
}

/** What the session is doing. */
export interface ISessionActivity {
  command: string;
  startedAt: number;
  /** Set once the command ended. */
  exitCode?: number | null;
  ended?: boolean;
}

const KEPT_OUTPUT_CHARS = 512 * 1024;

export class TerminalSession {
  constructor(
    port: ITerminalPort,
    options: { interruptGraceMs?: number; now?: () => number } = {}
  ) {
    this._port = port;
    this._grace = options.interruptGraceMs ?? 3000;
    this._now = options.now ?? (() => Date.now());
    this._unsubscribe = [
      port.onOutput(chunk => this._onOutput(chunk)),
      port.onClose(() => {
        this._closed = true;
        this._listeners.forEach(listener => listener(''));
      })
    ];
  }

  /** True while a command started here has not ended. */
  get busy(): boolean {
    return this._active !== null && !this._active.ended;
  }

  /** The last command started here, and whether it ended. */
  get activity(): ISessionActivity | null {
    return this._active;
  }

  get closed(): boolean {
    return this._closed;
  }

  /** The last `count` lines the terminal showed, as plain text. */
  tail(count: number): string {
    return lastLines(hideMarkers(terminalText(this._history)), count);
  }

  /** Wait until the terminal has shown something (or `ms` passed). */
  async waitForOutput(ms: number): Promise<void> {
    const deadline = this._now() + ms;
    while (!this._history && !this._closed && this._now() < deadline) {
      await new Promise(resolve => setTimeout(resolve, 50));
    }
  }

  /** Run one command and wait for its end (or its time limit, Stop, background hand-off). */
  run(options: IRunOptions): Promise<ICommandRun> {
    if (this._closed) {
      return Promise.resolve({
        status: 'closed',
        exitCode: null,
        output: '',
        commandMs: null
      });
    }
    const nonce = newNonce();
    const parser = new MarkerParser(nonce);
    const activity: ISessionActivity = {
      command: options.command,
      startedAt: this._now()
    };
    this._active = activity;
    this._activeNonce = nonce;
    let startedAt: number | null = null;
    return new Promise<ICommandRun>(resolve => {
      let settled = false;
      const timers: ReturnType<typeof setTimeout>[] = [];
      const finish = (run: ICommandRun) => {
        if (settled) {
          return;
        }
        settled = true;
        timers.forEach(clearTimeout);
        options.signal?.removeEventListener('abort', onAbort);
        if (activity.ended) {
          this._listeners.delete(listener);
        }
        resolve(run);
      };
      const listener = (chunk: string) => {
        if (this._closed) {
          activity.ended = true;
          this._listeners.delete(listener);
          if (parser.state === 'running') {
            // `exec` (or a shell that skipped its EXIT trap): keep what was printed.
            parser.closeRunning();
            const commandMs =
              startedAt !== null ? this._now() - startedAt : null;
            finish({
              status: 'failed',
              exitCode: null,
              output: parser.output,
              commandMs,
              shellExited: true
            });
          } else {
            finish({
              status: 'closed',
              exitCode: null,
              output: parser.output,
              commandMs: null
            });
          }
          return;
        }
        const before = parser.state;
        const state = parser.feed(chunk);
        if (before === 'waiting' && state !== 'waiting') {
          startedAt = this._now();
        }
        if (state === 'ended' || state === 'interrupted') {
          activity.ended = true;
          activity.exitCode = parser.exitCode;
          this._listeners.delete(listener);
          const commandMs = startedAt !== null ? this._now() - startedAt : null;
          if (parser.shellExited) {
            // The shell is going away: nothing more is typed into it.
            this._closed = true;
            const code = parser.exitCode ?? -1;
            finish({
              status: code === 0 ? 'ok' : 'failed',
              exitCode: parser.exitCode,
              output: parser.output,
              commandMs,
              shellExited: true
            });
          } else if (interruptedAs) {
            finish({
              status: interruptedAs,
              exitCode: parser.exitCode,
              output: parser.output,
              commandMs
            });
          } else {
            const code = parser.exitCode ?? -1;
            finish({
              status: code === 0 ? 'ok' : 'failed',
              exitCode: parser.exitCode,
              output: parser.output,
              commandMs
            });
          }
        }
      };
      let interruptedAs: 'timeout' | 'aborted' | null = null;
      const interrupt = (why: 'timeout' | 'aborted') => {
        if (settled || interruptedAs) {
          return;
        }
        interruptedAs = why;
        this._port.write('\x03');
        // The tty drops typed-ahead input on SIGINT: type the probe after a moment, and once more later.
        timers.push(
          setTimeout(() => this._port.write(interruptProbe(nonce)), 250)
        );
        timers.push(
          setTimeout(
            () => this._port.write(interruptProbe(nonce)),
            Math.max(500, this._grace / 2)
          )
        );
        timers.push(
          setTimeout(() => {
            // Still no prompt: the program ignores Ctrl-C. Report what came, keep tracking its end.
            finish({
              status: why,
              exitCode: null,
              output: parser.output,
              commandMs: null
            });
          }, this._grace)
        );
      };
      const onAbort = () => interrupt('aborted');
      this._listeners.add(listener);
      if (options.signal?.aborted) {
        this._listeners.delete(listener);
        activity.ended = true;
        finish({
          status: 'aborted',
          exitCode: null,
          output: '',
          commandMs: null
        });
        return;
      }
      options.signal?.addEventListener('abort', onAbort, { once: true });
      if (options.backgroundAfterMs === undefined) {
        timers.push(setTimeout(() => interrupt('timeout'), options.timeoutMs));
      } else {
        timers.push(
          setTimeout(
            () =>
              finish({
                status: 'background',
                exitCode: null,
                output: parser.output,
                commandMs: null
              }),
            options.backgroundAfterMs
          )
        );
      }
      this._port.write(
        wrapCommand(nonce, {
          command: options.command,
          cwd: options.cwd,
          env: options.env
        })
      );
    });
  }

  /**
   * When a command started here seems still to run (the user may have
   * pressed Ctrl-C in the terminal, which skips our end marker), type a probe
   * and wait briefly: if the shell answers, it is at its prompt again.
   */
  async settleIfIdle(waitMs = 800): Promise<boolean> {
    const activity = this._active;
    if (!activity || activity.ended || this._closed) {
      return true;
    }
    this._port.write(interruptProbe(this._activeNonce));
    const deadline = this._now() + waitMs;
    while (!activity.ended && this._now() < deadline) {
      await new Promise(resolve => setTimeout(resolve, 50));
    }
    return !!activity.ended;
  }

  dispose(): void {
    this._unsubscribe.forEach(off => off());
    this._listeners.clear();
  }

  private _onOutput(chunk: string): void {
    this._history += chunk;
    if (this._history.length > KEPT_OUTPUT_CHARS * 1.5) {
      this._history = this._history.slice(-KEPT_OUTPUT_CHARS);
    }
    for (const listener of [...this._listeners]) {
      listener(chunk);
    }
  }

  private _port: ITerminalPort;
  private _grace: number;
  private _now: () => number;
  private _history = '';
  private _listeners = new Set<(chunk: string) => void>();
  private _unsubscribe: Array<() => void>;
  private _active: ISessionActivity | null = null;
  private _activeNonce = '';
  private _closed = false;
}

/** Lines of our own markers and wrapper echoes are not the user's business (or the model's). */
export function hideMarkers(text: string): string {
  return text
    .split('\n')
    .filter(line => !line.includes('<<DE:'))
    .join('\n');
}
