import { ChildProcessWithoutNullStreams, spawn } from 'child_process';
import type { ITerminalPort } from '../session';

/**
 * A real shell on a real pseudo-terminal (util-linux `script`), as the
 * server's terminals give one: echo of typed input, CRLF output, Ctrl-C as
 * SIGINT to the foreground job. `split` cuts every output chunk into small
 * random pieces, so markers arrive split across chunks.
 */
export class PtyPort implements ITerminalPort {
  constructor(options: { split?: boolean; cwd?: string } = {}) {
    this._split = options.split ?? false;
    this.child = spawn(
      'script',
      ['-qfec', 'bash --norc --noprofile -i', '/dev/null'],
      {
        cwd: options.cwd,
        env: {
          ...process.env,
          PS1: 'test$ ',
          TERM: 'xterm',
          HISTFILE: '/dev/null'
        }
      }
    );
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (data: string) => {
      this.chunks++;
      for (const piece of this._pieces(data)) {
        this._out.forEach(listener => listener(piece));
      }
    });
    this.child.on('exit', () => this._close.forEach(listener => listener()));
  }

  readonly child: ChildProcessWithoutNullStreams;
  chunks = 0;

  write(data: string): void {
    this.child.stdin.write(data);
  }

  onOutput(listener: (chunk: string) => void): () => void {
    this._out.add(listener);
    return () => this._out.delete(listener);
  }

  onClose(listener: () => void): () => void {
    this._close.add(listener);
    return () => this._close.delete(listener);
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }

  private _pieces(data: string): string[] {
    if (!this._split) {
      return [data];
    }
    const pieces: string[] = [];
    let at = 0;
    while (at < data.length) {
      const size = 1 + Math.floor(Math.random() * 5);
      pieces.push(data.slice(at, at + size));
      at += size;
    }
    return pieces;
  }

  private _split: boolean;
  private _out = new Set<(chunk: string) => void>();
  private _close = new Set<() => void>();
}
