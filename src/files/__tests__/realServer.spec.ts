/**
 * The file tools against a real `jupyter server` (subprocess, token auth):
 * a 2 GB sparse file must not grow the server's memory (no hash, no content
 * asked for), and symlinks leading out of the root are refused through the
 * extension's route.
 *
 * @jest-environment node
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ServerRootCheck } from '../../contents/rootCheck';
import { RestContents } from '../../__tests__/jupyterServer';
import { createFileTools } from '../tools';
import { FILES_SERVICE, FilesService, MemorySnapshotStore } from '..';
import type { IToolContext, IToolResult } from '../../tools/types';

jest.setTimeout(180000);

const PORT = 9122; // this suite's port (the helper's range is 9100-9149)
const TOKEN = 'files-real-server-token';
const BASE = `http://127.0.0.1:${PORT}/`;
const GB2 = 2 * 1024 * 1024 * 1024;
const REPO = path.resolve(__dirname, '..', '..', '..');

/** The contents REST API with this suite's token (the shared helper records each request). */
const restServer = {
  base: BASE,
  request: (url: string, init: RequestInit) =>
    fetch(url, {
      ...init,
      headers: { ...(init.headers as any), Authorization: `token ${TOKEN}` }
    })
};

let home: string;
let root: string;
let server: ChildProcess;

/** The server process's resident memory (bytes), from /proc. */
function rss(): number {
  const status = fs.readFileSync(`/proc/${server.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

beforeAll(async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'de-files-real-'));
  root = path.join(home, 'root');
  const outside = path.join(home, 'outside');
  for (const dir of [
    root,
    outside,
    path.join(root, 'data'),
    path.join(home, 'config'),
    path.join(home, 'runtime'),
    path.join(home, 'share')
  ]) {
    fs.mkdirSync(dir, { recursive: true });
  }
  // A 2 GB sparse file: no disk used, but reading it whole would take 2 GB of memory.
  const fd = fs.openSync(path.join(root, 'data', 'big.csv'), 'w');
  fs.writeSync(fd, 'id,amount\n1,2\n');
  fs.ftruncateSync(fd, GB2);
  fs.closeSync(fd);
  fs.writeFileSync(
    path.join(root, 'data', 'small.csv'),
    'id,amount\n1,2\nneedle\n'
  );
  fs.writeFileSync(
    path.join(outside, 'secret.txt'),
    'needle: the secret outside the root\n'
  );
  fs.symlinkSync(
    path.join(outside, 'secret.txt'),
    path.join(root, 'data', 'link.txt')
  );
  fs.symlinkSync(outside, path.join(root, 'linkdir'));
  fs.symlinkSync(
    path.join(root, 'data', 'small.csv'),
    path.join(root, 'inner.csv')
  );
  const env = { ...process.env };
  for (const key of [
    'JUPYTER_TOKEN',
    'JUPYTER_CONFIG_PATH',
    'ANTHROPIC_API_KEY',
    'ANTHROPIC_AUTH_TOKEN'
  ]) {
    delete env[key];
  }
  Object.assign(env, {
    PYTHONPATH: [REPO, env.PYTHONPATH].filter(Boolean).join(path.delimiter),
    JUPYTER_CONFIG_DIR: path.join(home, 'config'),
    JUPYTER_RUNTIME_DIR: path.join(home, 'runtime'),
    JUPYTER_DATA_DIR: path.join(home, 'share')
  });
  server = spawn(
    'python3',
    [
      '-m',
      'jupyter_server',
      '--no-browser',
      '--ServerApp.ip=127.0.0.1',
      `--port=${PORT}`,
      '--ServerApp.port_retries=0',
      `--ServerApp.token=${TOKEN}`,
      '--ServerApp.allow_root=True',
      "--ServerApp.jpserver_extensions={'jupyterlab_data_engineer': True, 'jupyterlab': False, 'notebook': False, 'jupyter_lsp': False, 'jupyter_server_terminals': False, 'notebook_shim': False}",
      `--ServerApp.root_dir=${root}`
    ],
    { cwd: home, env, stdio: ['ignore', 'ignore', 'pipe'] }
  );
  let log = '';
  server.stderr!.on('data', chunk => (log = (log + chunk).slice(-5000)));
  const deadline = Date.now() + 60000;
  for (;;) {
    if (server.exitCode !== null) {
      throw new Error(`jupyter server exited: ${log}`);
    }
    try {
      const response = await fetch(`${BASE}data-engineer/config`, {
        headers: { Authorization: `token ${TOKEN}` }
      });
      if (response.ok) {
        break;
      }
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      throw new Error(`jupyter server did not start: ${log}`);
    }
    await new Promise(resolve => setTimeout(resolve, 200));
  }
});

afterAll(async () => {
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    await new Promise(resolve => setTimeout(resolve, 500));
    if (server.exitCode === null) {
      server.kill('SIGKILL');
    }
  }
  fs.rmSync(home, { recursive: true, force: true });
});

function tools(withRootCheck = true) {
  const contents = new RestContents(restServer);
  const service = new FilesService({
    contents,
    baseDir: () => '',
    snapshots: new MemorySnapshotStore(),
    chatId: () => 'chat-real',
    rootCheck: withRootCheck
      ? new ServerRootCheck(BASE, (url, init) =>
          fetch(url, {
            ...init,
            headers: {
              ...(init.headers as Record<string, string>),
              Authorization: `token ${TOKEN}`
            }
          })
        )
      : undefined
  });
  const byName = new Map(
    createFileTools({ service: () => service }).map(tool => [tool.name, tool])
  );
  const context: IToolContext = {
    signal: new AbortController().signal,
    services: { [FILES_SERVICE]: service }
  };
  const run = (
    name: string,
    input: Record<string, unknown>
  ): Promise<IToolResult> => byName.get(name)!.run(input, context);
  const preview = async (name: string, input: Record<string, unknown>) =>
    byName.get(name)!.preview!(input, context);
  return { contents, service, run, preview };
}

describe('a 2 GB file on a real server', () => {
  it('every tool answers "too large" and the server memory stays flat', async () => {
    const { run, preview, contents } = tools();
    const before = rss();
    const read = await run('read_file', { path: 'data/big.csv' });
    expect(read.isError).toBe(true);
    expect(read.content).toContain(
      'data/big.csv is 2.0 GB, more than read_file reads (10.0 MB)'
    );

    const write = await preview('write_file', {
      path: 'data/big.csv',
      content: 'x'
    });
    expect(write.summary).toContain(
      'data/big.csv is too large: 2.0 GB, more than the file tools load to replace (10.0 MB)'
    );
    expect(write.diff).toBeUndefined();
    expect(
      (await run('write_file', { path: 'data/big.csv', content: 'x' })).content
    ).toContain('is too large: 2.0 GB');

    const edit = await preview('edit_file', {
      path: 'data/big.csv',
      old_text: '1,2',
      new_text: '1,3'
    });
    expect(edit.summary).toContain(
      'is too large: 2.0 GB, more than the file tools load to edit'
    );
    expect(
      (
        await run('edit_file', {
          path: 'data/big.csv',
          old_text: '1,2',
          new_text: '1,3'
        })
      ).content
    ).toContain('is too large');

    expect(
      (await run('delete_file', { path: 'data/big.csv' })).content
    ).toContain('too large to keep an undo copy, so it was not deleted');

    const search = await run('search_files', {
      pattern: 'amount',
      path: 'data'
    });
    expect(search.content).toContain('data/small.csv:1:id,amount');
    expect(search.content).toContain('1 file over 1024 KB skipped');
    const single = await run('search_files', {
      pattern: 'amount',
      path: 'data/big.csv'
    });
    expect(single.content).toContain('1 file over');

    const grown = rss() - before;
    process.stdout.write(
      `[realServer] server RSS ${Math.round(before / 1048576)} MB before, grew ${(grown / 1048576).toFixed(1)} MB\n`
    );
    // Measured: a few MB at most; loading or hashing the file would add 2 GB.
    expect(grown).toBeLessThan(100 * 1024 * 1024);
    // The big file was never asked for with its content or its hash.
    const bigRequests = contents.requests.filter(r => r.includes('big.csv'));
    expect(bigRequests.length).toBeGreaterThan(0);
    expect(bigRequests.filter(r => /content=1|hash=1/.test(r))).toEqual([]);
    expect(fs.statSync(path.join(root, 'data', 'big.csv')).size).toBe(GB2);
  });

  it('small files still get a hash for conflict checks', async () => {
    const { run, contents } = tools();
    expect(
      (await run('read_file', { path: 'data/small.csv' })).isError
    ).toBeFalsy();
    expect(
      contents.requests.some(
        r => r.startsWith('GET data/small.csv?') && /content=1.*hash=1/.test(r)
      )
    ).toBe(true);
  });
});

describe('symlinks leaving the root on a real server', () => {
  it('the contents API itself serves them (so the check is needed)', async () => {
    const model = await new RestContents(restServer).get('data/link.txt', {
      content: true,
      type: 'file',
      format: 'text'
    });
    expect(model.content).toContain('the secret outside the root');
  });

  it('read, search, list and write refuse or skip them; links inside the root work', async () => {
    const { run } = tools();
    for (const p of ['data/link.txt', 'linkdir/secret.txt', 'linkdir']) {
      const result = await run(
        p === 'linkdir' ? 'list_directory' : 'read_file',
        { path: p }
      );
      expect(result.isError).toBe(true);
      expect(result.content).toContain(
        'leads outside the server root through a symbolic link'
      );
      expect(result.content).not.toContain('the secret outside');
    }
    const inner = await run('read_file', { path: 'inner.csv' });
    expect(inner.content).toContain('needle');

    const search = await run('search_files', { pattern: 'needle' });
    expect(search.content).toContain('data/small.csv:3:needle');
    expect(search.content).not.toContain('secret outside');
    expect(search.content).toContain(
      '2 entries left out: symbolic links leading outside the server root'
    );

    const listing = await run('list_directory', { path: 'data' });
    expect(listing.content).toMatch(
      /link\.txt {2}\(\d+ B, symbolic link outside the server root, not readable\)/
    );

    const write = await run('write_file', {
      path: 'linkdir/planted.txt',
      content: 'x'
    });
    expect(write.content).toContain(
      'linkdir/planted.txt leads outside the server root through a symbolic link'
    );
    expect(fs.existsSync(path.join(home, 'outside', 'planted.txt'))).toBe(
      false
    );
    const rename = await run('rename_file', {
      old_path: 'data/small.csv',
      new_path: 'linkdir/moved.csv'
    });
    expect(rename.content).toContain('leads outside the server root');
    expect(fs.existsSync(path.join(root, 'data', 'small.csv'))).toBe(true);
  });

  it('without the check (no route), the same read would leak: the test above is not vacuous', async () => {
    const { run } = tools(false);
    expect(
      (await run('read_file', { path: 'data/link.txt' })).content
    ).toContain('the secret outside the root');
  });

  it('the route refuses requests without the token', async () => {
    const response = await fetch(`${BASE}data-engineer/files/inside`, {
      method: 'POST',
      body: JSON.stringify({ paths: ['data/link.txt'] })
    });
    expect(response.status).toBe(403);
  });
});
