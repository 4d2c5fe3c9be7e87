/**
 * A real `jupyter server` with the extension for the code tools' jest specs
 * (token auth), and a contents client over its REST API.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type {
  IContents,
  IContentsGetOptions,
  IContentsModelLike,
  IContentsSaveOptions
} from '../contents/contents';

const REPO = path.resolve(__dirname, '..', '..');

export interface IJupyterServer {
  base: string;
  token: string;
  home: string;
  root: string;
  /** `fetch` with the token: what ServerConnection.makeRequest does in the page. */
  request: (url: string, init: RequestInit) => Promise<Response>;
  stop(): Promise<void>;
}

/** Start a server on a fresh root that `fill` populates first. */
export async function startJupyterServer(
  port: number,
  fill: (root: string) => void,
  extraArgs: string[] = []
): Promise<IJupyterServer> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'de-codetools-'));
  const root = path.join(home, 'root');
  for (const dir of [root, 'config', 'runtime', 'share']) {
    fs.mkdirSync(path.isAbsolute(dir) ? dir : path.join(home, dir), {
      recursive: true
    });
  }
  fill(root);
  const token = `codetools-${port}`;
  const env = { ...process.env };
  for (const key of [
    'JUPYTER_TOKEN',
    'JUPYTER_CONFIG_PATH',
    'ANTHROPIC_API_KEY',
    'ANTHROPIC_AUTH_TOKEN',
    'HTTP_PROXY',
    'HTTPS_PROXY',
    'http_proxy',
    'https_proxy'
  ]) {
    delete env[key];
  }
  Object.assign(env, {
    PYTHONPATH: [REPO, env.PYTHONPATH].filter(Boolean).join(path.delimiter),
    JUPYTER_CONFIG_DIR: path.join(home, 'config'),
    JUPYTER_RUNTIME_DIR: path.join(home, 'runtime'),
    JUPYTER_DATA_DIR: path.join(home, 'share'),
    NO_PROXY: '127.0.0.1,localhost'
  });
  const server: ChildProcess = spawn(
    'python3',
    [
      '-m',
      'jupyter_server',
      '--no-browser',
      '--ServerApp.ip=127.0.0.1',
      `--port=${port}`,
      '--ServerApp.port_retries=0',
      `--ServerApp.token=${token}`,
      '--ServerApp.allow_root=True',
      "--ServerApp.jpserver_extensions={'jupyterlab_data_engineer': True, 'jupyterlab': False, 'notebook': False, 'jupyter_lsp': False, 'jupyter_server_terminals': False, 'notebook_shim': False}",
      `--ServerApp.root_dir=${root}`,
      ...extraArgs
    ],
    { cwd: home, env, stdio: ['ignore', 'ignore', 'pipe'] }
  );
  let log = '';
  server.stderr!.on('data', chunk => (log = (log + chunk).slice(-5000)));
  const base = `http://127.0.0.1:${port}/`;
  const request = (url: string, init: RequestInit) =>
    fetch(url, {
      ...init,
      headers: {
        ...(init.headers as Record<string, string>),
        Authorization: `token ${token}`
      }
    });
  const deadline = Date.now() + 60000;
  for (;;) {
    if (server.exitCode !== null) {
      throw new Error(`jupyter server exited: ${log}`);
    }
    try {
      if ((await request(`${base}data-engineer/config`, {})).ok) {
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
  return {
    base,
    token,
    home,
    root,
    request,
    stop: async () => {
      if (server.exitCode === null) {
        server.kill('SIGTERM');
        await new Promise(resolve => setTimeout(resolve, 500));
        if (server.exitCode === null) {
          server.kill('SIGKILL');
        }
      }
      fs.rmSync(home, { recursive: true, force: true });
    }
  };
}

/** The contents REST API as the file tools read it. */
export class RestContents implements IContents {
  constructor(
    private readonly _server: Pick<IJupyterServer, 'base' | 'request'>
  ) {}

  /** Each request made, as `METHOD path?query` (for asserting what was asked). */
  requests: string[] = [];

  private async call(
    method: string,
    p: string,
    query: Record<string, string> = {},
    body?: unknown
  ): Promise<any> {
    const url = new URL(
      `${this._server.base}api/contents/${p.split('/').map(encodeURIComponent).join('/')}`
    );
    for (const [key, value] of Object.entries(query)) {
      url.searchParams.set(key, value);
    }
    this.requests.push(`${method} ${p}?${url.searchParams.toString()}`);
    const response = await this._server.request(url.toString(), {
      method,
      headers: { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body)
    });
    const text = await response.text();
    if (!response.ok) {
      throw Object.assign(
        new Error(`HTTP ${response.status}: ${text.slice(0, 200)}`),
        { response: { status: response.status } }
      );
    }
    return text ? JSON.parse(text) : undefined;
  }

  get(
    p: string,
    options: IContentsGetOptions = {}
  ): Promise<IContentsModelLike> {
    const query: Record<string, string> = {
      content: options.content ? '1' : '0'
    };
    if (options.type) {
      query.type = options.type;
    }
    if (options.format) {
      query.format = options.format;
    }
    if (options.hash) {
      query.hash = '1';
    }
    return this.call('GET', p, query);
  }

  save(
    p: string,
    options: IContentsSaveOptions = {}
  ): Promise<IContentsModelLike> {
    return this.call('PUT', p, {}, options);
  }

  rename(p: string, newPath: string): Promise<IContentsModelLike> {
    return this.call('PATCH', p, {}, { path: newPath });
  }

  async delete(p: string): Promise<void> {
    await this.call('DELETE', p);
  }
}
