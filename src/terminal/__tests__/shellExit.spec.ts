/**
 * @jest-environment node
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { TERMINAL_SERVICE } from '../service';
import { TerminalSession } from '../session';
import { runCommandTool } from '../tools';
import { PtyPort } from './ptyPort';

jest.setTimeout(30000);

/** A command that ends the shell keeps its output and status; the next command gets a fresh shell. */
describe('run_command when the command ends the shell', () => {
  let ports: PtyPort[];
  let session: TerminalSession;
  let root: string;
  let context: any;

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'de-exit-'));
    ports = [];
    const open = () => {
      const port = new PtyPort();
      ports.push(port);
      session = new TerminalSession(port);
    };
    open();
    context = {
      signal: new AbortController().signal,
      services: {
        [TERMINAL_SERVICE]: {
          terminals: {
            serverRoot: root,
            // As the service does: a closed session is replaced by a new terminal.
            session: async () => {
              if (session.closed) {
                session.dispose();
                open();
              }
              return { session, name: 'de_test' };
            },
            get current() {
              return session;
            }
          },
          contents: {
            get: async (p: string) => ({ name: p, path: p, type: 'directory' })
          },
          baseDir: () => '',
          settings: () => ({ timeoutSeconds: 5, allow: [], deny: [] })
        }
      }
    };
  });

  afterEach(() => {
    session.dispose();
    ports.forEach(port => port.kill());
    fs.rmSync(root, { recursive: true, force: true });
  });

  const run = async (command: string) =>
    String((await runCommandTool().run({ command }, context)).content);

  it('returns the output and status of `exit 3`, then runs the next command in a fresh shell', async () => {
    await run(`cd ${root} && mkdir -p sub && cd sub && export DE_MARK=kept`);
    const text = await run('echo HELLO-$((6*7)); exit 3');
    expect(text).toContain('HELLO-42');
    expect(text).toContain('exit code 3');
    expect(text).toContain('fresh shell');
    expect(text).toMatch(/working folder, exported variables.*reset/);
    expect(text).not.toContain('(no output)');
    const next = await run('echo "mark=[${DE_MARK:-}]"; pwd');
    expect(next).toContain('exit code 0');
    expect(next).toContain('mark=[]');
    expect(ports.length).toBe(2);
  });

  it('keeps the output of `set -e` and a failing command', async () => {
    await run('set -e');
    const text = await run('echo before; false; echo after');
    expect(text).toContain('before');
    expect(text).not.toMatch(/^after$/m);
    expect(text).toContain('exit code 1');
    expect(text).toContain('fresh shell');
    expect(await run('echo again')).toContain('again');
  });

  it('keeps the output of `exec`', async () => {
    const text = await run('echo via-exec; exec sh -c "echo replaced; exit 5"');
    expect(text).toContain('via-exec');
    expect(text).toContain('replaced');
    expect(text).toContain('fresh shell');
    expect(await run('echo again')).toContain('again');
  });
});
