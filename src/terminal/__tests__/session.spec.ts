/**
 * @jest-environment node
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { TerminalSession } from '../session';
import { terminalText } from '../output';
import { PtyPort } from './ptyPort';

jest.setTimeout(30000);

describe('TerminalSession on a real pty', () => {
  let port: PtyPort;
  let session: TerminalSession;
  let dir: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'de-term-'));
    port = new PtyPort({ split: true });
    session = new TerminalSession(port, { interruptGraceMs: 3000 });
  });

  afterEach(() => {
    session.dispose();
    port.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('captures output between markers with markers split across chunks', async () => {
    fs.writeFileSync(path.join(dir, 'a.txt'), '');
    fs.writeFileSync(path.join(dir, 'b.txt'), '');
    const run = await session.run({
      command: 'ls -1',
      cwd: dir,
      timeoutMs: 10000
    });
    expect(run.status).toBe('ok');
    expect(run.exitCode).toBe(0);
    expect(terminalText(run.output).trimEnd()).toBe('a.txt\nb.txt');
    // The echo of the typed line never leaks into the output.
    expect(run.output).not.toContain('printf');
    expect(port.chunks).toBeGreaterThan(0);
  });

  it('reports the exit code of the last command', async () => {
    const run = await session.run({
      command: 'echo before; (exit 3)',
      cwd: dir,
      timeoutMs: 10000
    });
    expect(run.status).toBe('failed');
    expect(run.exitCode).toBe(3);
    expect(terminalText(run.output).trimEnd()).toBe('before');
    const missing = await session.run({
      command: 'cat no-such-file',
      cwd: dir,
      timeoutMs: 10000
    });
    expect(missing.exitCode).toBe(1);
    expect(terminalText(missing.output)).toContain('No such file');
  });

  it('runs quotes, newlines and output without a final newline exactly', async () => {
    const run = await session.run({
      command: "printf '%s' \"it's\"\nprintf ' x'",
      cwd: null,
      timeoutMs: 10000
    });
    expect(run.exitCode).toBe(0);
    expect(terminalText(run.output).trimEnd()).toBe("it's x");
  });

  it('interrupts at the time limit and returns the partial output', async () => {
    const started = Date.now();
    const run = await session.run({
      command: 'echo partial; sleep 300',
      cwd: dir,
      timeoutMs: 1000
    });
    expect(run.status).toBe('timeout');
    expect(terminalText(run.output)).toContain('partial');
    expect(Date.now() - started).toBeLessThan(8000);
    expect(session.busy).toBe(false);
    // The shell is usable again.
    const next = await session.run({
      command: 'echo again',
      cwd: dir,
      timeoutMs: 10000
    });
    expect(terminalText(next.output).trimEnd()).toBe('again');
  });

  it('stops on abort', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 500);
    const run = await session.run({
      command: 'sleep 300',
      cwd: dir,
      timeoutMs: 60000,
      signal: controller.signal
    });
    expect(run.status).toBe('aborted');
    expect(session.busy).toBe(false);
  });

  it('passes env to the command only', async () => {
    const run = await session.run({
      command: 'echo "$DE_X"',
      cwd: dir,
      env: { DE_X: "a 'b'" },
      timeoutMs: 10000
    });
    expect(terminalText(run.output).trimEnd()).toBe("a 'b'");
    const after = await session.run({
      command: 'echo "[$DE_X]"',
      cwd: dir,
      timeoutMs: 10000
    });
    expect(terminalText(after.output).trimEnd()).toBe('[]');
  });

  it('keeps the tail of the terminal without markers', async () => {
    await session.run({
      command: 'for i in 1 2 3 4 5; do echo line$i; done',
      cwd: dir,
      timeoutMs: 10000
    });
    const tail = session.tail(3);
    expect(tail).not.toContain('<<DE:');
    expect(tail).toContain('line5');
  });
});
