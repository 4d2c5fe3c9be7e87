// Shared by the browser benchmarks: start the mock Messages API and a private
// `jupyter lab` on ports the OS picks, and read what build JupyterLab serves.
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const REPO_LABEXT = path.join(REPO, 'jupyterlab_data_engineer', 'labextension');
export const EXT_NAME = 'jupyterlab-data-engineer';
/** Ports other runs (Galata, a developer's mock) use. */
export const FORBIDDEN_PORTS = new Set([8888, 8765]);

const require = createRequire(import.meta.url);
export const { chromium } = require(path.join(REPO, 'ui-tests', 'node_modules', 'playwright-core'));
export const PLAYWRIGHT_VERSION = require(path.join(REPO, 'ui-tests', 'node_modules', 'playwright-core', 'package.json')).version;

export const sleep = ms => new Promise(r => setTimeout(r, ms));

export async function waitForHttp(url, timeoutMs, proc, what) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`${what} exited early with code ${proc.exitCode}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      /* not up yet */
    }
    await sleep(250);
  }
  throw new Error(`${what} not ready at ${url} after ${timeoutMs} ms`);
}

/** The port of a Jupyter server started with --port=0: its runtime jpserver-*.json says. */
export async function labPort(runtimeDir, proc, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`jupyter lab exited early with code ${proc.exitCode}`);
    for (const f of fs.readdirSync(runtimeDir).filter(n => /^jpserver-\d+\.json$/.test(n))) {
      let port;
      try {
        port = JSON.parse(fs.readFileSync(path.join(runtimeDir, f), 'utf8')).port;
      } catch {
        continue; // still being written
      }
      if (FORBIDDEN_PORTS.has(port)) throw new Error(`jupyter lab picked port ${port}, reserved for other runs`);
      if (port) return port;
    }
    await sleep(200);
  }
  throw new Error(`jupyter lab wrote no jpserver-*.json within ${timeoutMs} ms`);
}

/** The first labextensions/<name> on Jupyter's data path: what JupyterLab serves. */
export function servedLabextensionDir() {
  const r = spawnSync('jupyter', ['--paths', '--json'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`jupyter --paths failed: ${r.stderr}`);
  for (const dir of JSON.parse(r.stdout).data) {
    const candidate = path.join(dir, 'labextensions', EXT_NAME);
    if (fs.existsSync(path.join(candidate, 'package.json'))) {
      return { link: candidate, real: fs.realpathSync(candidate) };
    }
  }
  throw new Error(`${EXT_NAME} is not installed (no labextensions/${EXT_NAME} on the Jupyter data path)`);
}

/** The labextension build in `dir`: its entry file and whether it is a development build. */
export function buildInfo(dir) {
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const load = pkg.jupyterlab?._build?.load;
  if (!load) throw new Error(`no jupyterlab._build.load in ${dir}/package.json: not built?`);
  const entry = path.join(dir, load);
  return { load, entry, dev: fs.existsSync(entry + '.map'), builtAt: fs.statSync(entry).mtime };
}

/** Newest file under the given folders (default: what the labextension is built from). */
export function newestSource(dirs = ['src', 'style', 'schema', 'personas']) {
  let newest = { file: null, mtime: new Date(0) };
  const walk = dir => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== '__tests__') walk(p);
      } else {
        const m = fs.statSync(p).mtime;
        if (m > newest.mtime) newest = { file: path.relative(REPO, p), mtime: m };
      }
    }
  };
  for (const d of dirs) {
    if (fs.existsSync(path.join(REPO, d))) walk(path.join(REPO, d));
  }
  return newest;
}

/** A command's trimmed output, or '?' when it fails (for the results' setup lines). */
export function cmdOut(cmd, a, options = {}) {
  const r = spawnSync(cmd, a, { encoding: 'utf8', ...options });
  return r.status === 0 ? r.stdout.trim() : '?';
}

export function git(...a) {
  return cmdOut('git', a, { cwd: REPO });
}

/**
 * Start the mock (`--port 0`) and `jupyter lab` (`--port=0`, no token, a
 * private root, settings and runtime dir under `tmp`, JUPYTER_PATH led by
 * `tmp/data` so a private copy of the labextension wins). Both are pushed on
 * `children` (process groups) for the caller's cleanup.
 */
export async function startMockAndLab({ tmp, children, apiKey = 'bench', log = () => {} }) {
  fs.mkdirSync(path.join(tmp, 'runtime'), { recursive: true });
  fs.mkdirSync(path.join(tmp, 'root'), { recursive: true });
  const mockProc = spawn('python3', [path.join(REPO, 'ui-tests', 'mock', 'mock_anthropic.py'), '--port', '0'], {
    detached: true,
    stdio: ['ignore', 'pipe', fs.openSync(path.join(tmp, 'mock.log'), 'w')]
  });
  children.push(mockProc);
  const mockPort = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('mock did not start within 30 s')), 30000);
    // Keep reading (and discarding) its stdout: closing the pipe early can kill
    // the mock with a BrokenPipeError while it finishes printing the line.
    mockProc.stdout.on('data', data => {
      if (out === null) return;
      out += data;
      const m = /MOCK READY http:\/\/[^:]+:(\d+)\s*\n/.exec(out);
      if (m) {
        clearTimeout(timer);
        out = null;
        resolve(Number(m[1]));
      }
    });
    mockProc.on('exit', code => reject(new Error(`mock exited with code ${code}`)));
  });
  if (FORBIDDEN_PORTS.has(mockPort)) throw new Error(`the mock got port ${mockPort}, reserved for other runs`);

  const labLog = path.join(tmp, 'jupyter-lab.log');
  const jupyterPath = [path.join(tmp, 'data'), process.env.JUPYTER_PATH].filter(Boolean).join(path.delimiter);
  const lab = spawn(
    'jupyter',
    [
      'lab',
      '--allow-root',
      '--no-browser',
      '--port=0',
      '--ip=127.0.0.1',
      '--ServerApp.port_retries=0',
      '--ServerApp.token=',
      '--ServerApp.disable_check_xsrf=True',
      `--ServerApp.root_dir=${path.join(tmp, 'root')}`,
      `--LabServerApp.workspaces_dir=${path.join(tmp, 'workspaces')}`,
      `--LabServerApp.user_settings_dir=${path.join(tmp, 'settings')}`,
      '--LabApp.expose_app_in_browser=True',
      '--LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate',
      `--DataEngineer.anthropic_base_url=http://127.0.0.1:${mockPort}`,
      `--DataEngineer.anthropic_api_key=${apiKey}`
    ],
    {
      detached: true,
      env: { ...process.env, JUPYTER_RUNTIME_DIR: path.join(tmp, 'runtime'), JUPYTER_PATH: jupyterPath },
      stdio: ['ignore', fs.openSync(labLog, 'w'), fs.openSync(labLog, 'a')]
    }
  );
  children.push(lab);
  const port = await labPort(path.join(tmp, 'runtime'), lab, 120000);
  const base = `http://127.0.0.1:${port}/`;
  log(`jupyter lab on ${base} (log ${labLog}), mock on ${mockPort}`);
  await waitForHttp(`http://127.0.0.1:${mockPort}/_mock/requests`, 30000, mockProc, 'mock');
  await waitForHttp(`${base}api/status`, 120000, lab, 'jupyter lab');
  return { mockProc, mockPort, lab, port, base, labLog };
}

/**
 * The labextension build a bench serves: `dir` if given, else the
 * `BENCH_LABEXT` environment variable, else this checkout's build.
 * (Only the labextension is swapped: the Python server extension is the
 * one installed.)
 */
export function labextensionSource(dir = process.env.BENCH_LABEXT) {
  return path.resolve(dir || REPO_LABEXT);
}

// ------------------------------------------------------------------ shared by
// tool_roundtrip.mjs, stream_render.mjs and bundle_size.mjs (issue #11)

/** Env var naming the labextension directory to serve, for benches that take `--labextension`. */
export const LABEXT_ENV = 'BENCH_LABEXTENSION';

/**
 * The labextension directory a bench serves: `option` (a `--labextension DIR`
 * argument), else $BENCH_LABEXTENSION, else what JupyterLab has installed.
 */
export function chooseLabextension(option) {
  const given = option || process.env[LABEXT_ENV] || null;
  if (!given) return { ...servedLabextensionDir(), from: 'installed' };
  const dir = path.resolve(given);
  if (!fs.existsSync(path.join(dir, 'package.json'))) throw new Error(`${dir} is not a built labextension (no package.json)`);
  return { link: dir, real: fs.realpathSync(dir), from: option ? '--labextension' : `$${LABEXT_ENV}` };
}

/**
 * How a labextension was built. `buildInfo().dev` only looks for a source map,
 * which a production build made with `--source-map True` has too; the entry's
 * line lengths tell a minified build from a development one.
 */
export function buildMode(dir) {
  const info = buildInfo(dir);
  const text = fs.readFileSync(info.entry, 'utf8');
  const lines = text.split('\n').length;
  const minified = text.length / lines > 200;
  const maps = fs.existsSync(info.entry + '.map');
  return { ...info, minified, maps, label: minified ? (maps ? 'production (with source maps)' : 'production') : 'development' };
}

/**
 * Copy labextension `srcDir` into `tmp/data/labextensions/<name>` (first on the
 * JUPYTER_PATH startMockAndLab sets), retrying when a build changes it meanwhile.
 */
export async function snapshotLabextension(srcDir, tmp, log = () => {}) {
  const snapshot = path.join(tmp, 'data', 'labextensions', EXT_NAME);
  for (let attempt = 1; ; attempt++) {
    fs.rmSync(snapshot, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(snapshot), { recursive: true });
    const before = buildInfo(srcDir);
    fs.cpSync(srcDir, snapshot, { recursive: true, dereference: true, preserveTimestamps: true });
    const after = buildInfo(srcDir);
    const info = buildInfo(snapshot);
    if (before.load === after.load && before.builtAt.getTime() === after.builtAt.getTime() && info.load === before.load && fs.existsSync(info.entry)) {
      return { dir: snapshot, ...buildMode(snapshot) };
    }
    if (attempt >= 3) throw new Error('the labextension keeps changing under us (a concurrent build?); run again later');
    log('the labextension changed while being copied; retrying');
    await sleep(2000);
  }
}

/** Headless Chromium as every bench launches it. */
export function launchChromium() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync']
  });
}

/** Stop what startMockAndLab started: SIGTERM the groups, wait up to 10 s, then SIGKILL. */
export async function stopChildren(children) {
  const alive = () => children.filter(c => c.exitCode === null && c.signalCode === null);
  const signal = sig => {
    for (const c of alive()) {
      try {
        process.kill(-c.pid, sig);
      } catch {
        /* gone */
      }
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + 10000;
  while (Date.now() < deadline && alive().length) await sleep(100);
  signal('SIGKILL');
}

/** Median (mean of the middle two for an even count). */
export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const n = s.length;
  if (!n) return NaN;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/** Nearest-rank percentile. */
export function percentile(values, p) {
  const s = [...values].sort((a, b) => a - b);
  return s.length ? s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)] : NaN;
}

/** Load average as "1 / 5 / 15" and the output of `uptime`, for the reports. */
export function loadLine() {
  return `${cmdOut('uptime', [])}`.replace(/\s+/g, ' ');
}

/** Open JupyterLab at `url` in `page` and wait until it is started, restored and the splash is gone. */
export async function openLab(page, url) {
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  await page.waitForFunction(() => !!window.jupyterapp, null, { timeout: 120000 });
  await page.evaluate(async () => {
    await window.jupyterapp.started;
    await window.jupyterapp.restored;
  });
  await page.waitForSelector('#jupyterlab-splash', { state: 'detached', timeout: 120000 });
}

/** PUT a user setting through the settings REST API (before the page loads). */
export async function putSetting(base, plugin, raw) {
  const res = await fetch(`${base}lab/api/settings/${plugin}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ raw: JSON.stringify(raw) })
  });
  if (!res.ok) throw new Error(`PUT settings ${plugin}: HTTP ${res.status} ${await res.text()}`);
}

/** Stop the children (their process groups) when this process exits, also on Ctrl-C or SIGTERM. */
export function killOnExit(children) {
  const cleanup = () => {
    for (const c of children) {
      if (c.exitCode === null && c.signalCode === null) {
        try {
          process.kill(-c.pid, 'SIGTERM');
        } catch {
          /* gone */
        }
      }
    }
  };
  process.on('exit', cleanup);
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));
  return cleanup;
}
