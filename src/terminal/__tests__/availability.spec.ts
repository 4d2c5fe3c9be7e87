/**
 * @jest-environment node
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ServerConnection } from '@jupyterlab/services';
import { TerminalService } from '../service';
import { createTerminalTools } from '../tools';
import { createTaskTools } from '../tasks/taskTools';
import { toolsForPersona } from '../../personas/toolMapping';
import { ToolRegistry } from '../../tools/registry';

jest.setTimeout(90000);

/** A real `jupyter server` (port in 9600-9649), with extra arguments. */
async function startServer(
  port: number,
  extra: string[]
): Promise<{ proc: ChildProcess; root: string }> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'de-avail-'));
  const proc = spawn(
    'python3',
    [
      '-m',
      'jupyter_server',
      '--allow-root',
      '--no-browser',
      `--port=${port}`,
      '--ServerApp.port_retries=0',
      '--ip=127.0.0.1',
      '--IdentityProvider.token=',
      '--ServerApp.password=',
      `--ServerApp.root_dir=${root}`,
      ...extra
    ],
    {
      stdio: 'ignore',
      env: { ...process.env, JUPYTER_RUNTIME_DIR: path.join(root, '.runtime') }
    }
  );
  const deadline = Date.now() + 60000;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/api/status`);
      if (response.status < 500) {
        return { proc, root };
      }
    } catch {
      // not up yet
    }
    await new Promise(resolve => setTimeout(resolve, 250));
  }
  proc.kill();
  throw new Error('jupyter server did not start');
}

function service(port: number, pageSaysAvailable: boolean): TerminalService {
  return new TerminalService({
    serverSettings: ServerConnection.makeSettings({
      baseUrl: `http://127.0.0.1:${port}/`,
      wsUrl: `ws://127.0.0.1:${port}/`,
      fetch,
      Request,
      Headers
    } as any),
    manager: null,
    pageSaysAvailable,
    serverRoot: '',
    chatId: () => 'chat-1',
    show: async () => undefined
  });
}

describe('terminal availability on a real server', () => {
  it('is available on a server with terminals', async () => {
    const server = await startServer(9611, []);
    try {
      expect(await service(9611, true).availability()).toEqual({
        available: true
      });
    } finally {
      server.proc.kill();
    }
  });

  it('is refused when the authorizer does not permit terminals (403)', async () => {
    const server = await startServer(9612, [
      '--ServerApp.authorizer_class=jupyterlab_data_engineer.service.ProxyOnlyAuthorizer'
    ]);
    try {
      const state = await service(9612, true).availability();
      expect(state).toEqual({
        available: false,
        reason: expect.stringMatching(/does not permit .* terminals \(403/)
      });
    } finally {
      server.proc.kill();
    }
  });

  it('says terminals are disabled when the page says so, and the registry withholds the tools with the reason', async () => {
    const state = await service(9613, false).availability();
    expect(state.available).toBe(false);
    const registry = new ToolRegistry([
      ...createTerminalTools(),
      ...createTaskTools()
    ]);
    const names = registry.names;
    registry.withhold(names, `not offered: ${(state as any).reason}`);
    expect(toolsForPersona(registry, ['runCommands', 'runTasks'])).toEqual([]);
    expect([...registry.withheld.keys()].sort()).toEqual([
      'get_terminal_output',
      'list_tasks',
      'run_command',
      'run_task'
    ]);
    expect(registry.withheld.get('run_command')).toMatch(
      /terminals_enabled=False/
    );
  });
});
