/**
 * How a command's output is told apart from everything else the terminal
 * shows (prompt, the echo of the typed line, earlier output): the line we
 * type prints a start marker before the command and an end marker with the
 * exit code after it. Each marker is printed from two separately quoted
 * halves, so the echoed command line never contains a whole marker, and
 * each run has its own random nonce, so nothing the command prints can
 * fake one.
 */

const PREFIX = '<<DE:';

/** A fresh random nonce (hex). */
export function newNonce(): string {
  const bytes = new Uint8Array(8);
  (globalThis.crypto ?? require('crypto').webcrypto).getRandomValues(bytes);
  return Array.from(bytes, b => b.toString(16).padStart(2, '0')).join('');
}

/** Quote a string for a POSIX shell (single quotes; a quote inside becomes '\''). */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** What one run types into the shell. */
export interface IWrappedCommand {
  /** The command as the user approved it. */
  command: string;
  /** Absolute folder to run in; null keeps the shell's current folder. */
  cwd: string | null;
  /** Extra environment for this run only (the command then runs in a subshell). */
  env?: Record<string, string>;
}

/** `printf` of one marker, split in two quoted halves. */
function printMarker(nonce: string, kind: 'S' | 'I'): string {
  return `printf '\\n%s%s\\n' '${PREFIX}' '${nonce}:${kind}>>'`;
}

/**
 * The line typed into the terminal: start marker, the command (through
 * `eval`, so it runs exactly as written, compound commands and all), then
 * the end marker with `$?`. With env, the command runs in a subshell so the
 * variables do not stay in the chat's shell.
 */
export function wrapCommand(nonce: string, run: IWrappedCommand): string {
  const cd = run.cwd !== null ? `cd -- ${shellQuote(run.cwd)} && ` : '';
  const exports = Object.entries(run.env ?? {})
    .filter(([name]) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
    .map(([name, value]) => `export ${name}=${shellQuote(value)}; `)
    .join('');
  const body = `${cd}eval ${shellQuote(run.command)}`;
  const inner =
    run.env && Object.keys(run.env).length ? `( ${exports}${body} )` : body;
  // A command that ends the shell (`exit 3`, `set -e` and a failure, `logout`) skips the end
  // marker: the EXIT trap prints it instead, with the status, before the shell goes.
  const end = `printf '\\n%s%s%s>>\\n' '${PREFIX}' '${nonce}:E:' "$?"`;
  return (
    ` { ${printMarker(nonce, 'S')}; trap ${shellQuote(end.replace(':E:', ':X:'))} EXIT; ${inner}\n}; ` +
    `${end}; trap - EXIT\r`
  );
}

/** The line typed after an interrupt, to learn that the shell is back at its prompt. */
export function interruptProbe(nonce: string): string {
  return ` ${printMarker(nonce, 'I')}\r`;
}

/** What the parser has seen so far of one run. */
export type MarkerState = 'waiting' | 'running' | 'ended' | 'interrupted';

/**
 * Reads the terminal's output chunk by chunk (markers may be split across
 * chunks anywhere) and finds the run's start and end. Output between them
 * is the command's, raw (escapes kept).
 */
export class MarkerParser {
  constructor(nonce: string) {
    this._start = `${PREFIX}${nonce}:S>>`;
    this._end = new RegExp(`${escapeRegExp(PREFIX + nonce)}:([EX]):(\\d+)>>`);
    this._interrupt = `${PREFIX}${nonce}:I>>`;
  }

  get state(): MarkerState {
    return this._state;
  }

  /** True when the command ended the shell itself (`exit`, `set -e`, `logout`): its EXIT trap printed the end. */
  get shellExited(): boolean {
    return this._shellExited;
  }

  /**
   * The terminal closed while the command ran (`exec` replaced the shell, or
   * the EXIT trap could not run): what it printed is all there is.
   */
  closeRunning(): void {
    if (this._state === 'running') {
      this._output = trimOurNewlines(dropLead(this._buffer));
      this._state = 'ended';
      this._shellExited = true;
    }
  }

  /** The exit code once ended (the shell's `$?`). */
  get exitCode(): number | null {
    return this._exitCode;
  }

  /** The command's output so far (complete once ended). */
  get output(): string {
    if (this._state === 'waiting') {
      return '';
    }
    if (this._state === 'ended' || this._state === 'interrupted') {
      return this._output;
    }
    // While running, hold back a tail that could be the start of the end marker.
    return dropLead(
      this._buffer.slice(
        0,
        Math.max(0, this._buffer.length - this._end.source.length - 8)
      )
    );
  }

  /** Feed one chunk of terminal output. Returns the state after it. */
  feed(chunk: string): MarkerState {
    if (this._state === 'ended' || this._state === 'interrupted') {
      return this._state;
    }
    this._buffer += chunk;
    if (this._state === 'waiting') {
      const at = this._buffer.indexOf(this._start);
      if (at < 0) {
        // Keep only what could still hold the start marker.
        this._buffer = this._buffer.slice(-this._start.length * 2);
        return this._state;
      }
      this._buffer = this._buffer.slice(at + this._start.length);
      this._state = 'running';
    }
    const end = this._end.exec(this._buffer);
    if (end) {
      this._output = trimOurNewlines(
        dropLead(this._buffer.slice(0, end.index))
      );
      this._shellExited = end[1] === 'X';
      this._exitCode = Number.parseInt(end[2], 10);
      this._state = 'ended';
      return this._state;
    }
    const probe = this._buffer.indexOf(this._interrupt);
    if (probe >= 0) {
      this._output = trimOurNewlines(dropLead(this._buffer.slice(0, probe)));
      this._state = 'interrupted';
    }
    return this._state;
  }

  private _start: string;
  private _end: RegExp;
  private _interrupt: string;
  private _buffer = '';
  private _output = '';
  private _exitCode: number | null = null;
  private _shellExited = false;
  private _state: MarkerState = 'waiting';
}

/** The newline our marker printed before itself (and a tty's CR) is not the command's. */
function trimOurNewlines(text: string): string {
  return text.replace(/\r?\n$/, '');
}

/** The line end after the start marker (it may arrive in a later chunk, so it is dropped here). */
function dropLead(text: string): string {
  return text.replace(/^\r?\n/, '');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
