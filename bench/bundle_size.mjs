#!/usr/bin/env node
/**
 * Bundle-size benchmark (issue #2): which files of OUR labextension the browser
 * loads when JupyterLab starts, and which load only when the chat panel opens.
 *
 * Runs a real `jupyter lab` (throw-away root, workspace and settings dirs) and a
 * headless Chromium driven by playwright-core from ui-tests/node_modules, records
 * every response under /lab/extensions/jupyterlab-data-engineer/, and sizes each
 * file from the labextension directory: raw bytes and gzip -9 (computed here;
 * the Jupyter server does not necessarily compress static files).
 *
 *   node bench/bundle_size.mjs [--build] [--no-build] [--labextension DIR]
 *
 * --build     always run `npm run build:prod` first
 * --no-build  never build (measure whatever is installed, even a dev build)
 * default     build with `npm run build:prod` only if the installed build is a
 *             development build (its remoteEntry has a .map next to it)
 *
 * --labextension DIR  measure that built labextension as it is (also $BENCH_LABEXTENSION)
 *
 * Phase (c), issue #11: start-up again in a fresh browser context once the
 * workspace holds the layout with the chat panel open (restored layout).
 *
 * Writes bench/results/bundle_size.md and prints the same tables.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import {
  buildMode,
  chooseLabextension,
  loadLine,
  chromium,
  EXT_NAME,
  git,
  newestSource,
  PLAYWRIGHT_VERSION,
  REPO,
  REPO_LABEXT,
  sleep,
  startMockAndLab,
  killOnExit
} from './lib/lab.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
// The directory JupyterLab serves our files from (set in main()).
let LABEXT = REPO_LABEXT;
const URL_MARK = `/lab/extensions/${EXT_NAME}/`;
const RESULTS = path.join(HERE, 'results', 'bundle_size.md');
const TARGET_STARTUP_GZIP = 60 * 1024; // issue #2: under 60 KB gzip at start-up
const IDLE_MS = 2000;

const argv = process.argv.slice(2);
const args = new Set(argv);
const labextOption = argv.includes('--labextension')
  ? argv[argv.indexOf('--labextension') + 1]
  : null;
if (argv.includes('--labextension') && !labextOption)
  throw new Error('--labextension needs a directory');
const log = (...a) => console.error('[bundle_size]', ...a);

// ---------------------------------------------------------------- helpers

function kb(n) {
  return (n / 1024).toFixed(1);
}

function sizeOf(relPath) {
  // relPath is the URL path after /lab/extensions/<name>/ (query stripped)
  const file = path.join(LABEXT, decodeURIComponent(relPath));
  if (!file.startsWith(LABEXT + path.sep) || !fs.existsSync(file)) {
    return { raw: null, gzip: null };
  }
  let buf;
  try {
    buf = fs.readFileSync(file);
  } catch {
    return { raw: null, gzip: null };
  }
  return { raw: buf.length, gzip: zlib.gzipSync(buf, { level: 9 }).length };
}

/** What a production chunk holds, guessed from strings in it (ids are numeric). */
function describeChunk(relPath) {
  const file = path.join(LABEXT, relPath);
  if (!fs.existsSync(file)) return '';
  const base = path.basename(relPath);
  if (base.startsWith('remoteEntry.'))
    return 'module-federation container entry';
  if (base === 'style.js') return 'style entry stub';
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
  const count = needle => text.split(needle).length - 1;
  if (/\.push\(\[\w+\.id,`/.test(text))
    return 'CSS: style/ (all of it, chat styles included)';
  if (text.includes('data-engineer:icon'))
    return 'plugin: index (activate, commands), icon, ChatShell, settings';
  if (text.includes('anthropic-version')) return '@anthropic-ai/sdk';
  if (text.includes('jp-DataEngineer-'))
    return 'our chat code: chatWidget/view, agent, personas, tools';
  if (text.includes('createTwoFilesPatch')) return 'diff';
  if (count('ajv') > 5 && text.includes('strict mode')) return 'ajv';
  if (text.includes('YAMLException')) return 'gray-matter + js-yaml';
  if (count('Buffer') > 20)
    return text.includes('GLOBSTAR')
      ? 'buffer polyfill + minimatch'
      : 'buffer polyfill';
  if (text.includes('setTimeout has not been defined'))
    return 'process polyfill';
  if (
    text.includes('Node-compatible runtime') ||
    text.includes('Node.js-compatible runtime')
  ) {
    return 'SDK Node-only stubs';
  }
  if (text.includes('MODULE_NOT_FOUND') && text.length < 2000)
    return 'empty require-context stubs';
  return '';
}

function table(rows, { withHints = true } = {}) {
  const lines = [];
  lines.push(
    withHints
      ? '| file | raw bytes | gzip -9 bytes | looks like |'
      : '| file | raw bytes | gzip -9 bytes |'
  );
  lines.push(withHints ? '|---|---:|---:|---|' : '|---|---:|---:|');
  let raw = 0;
  let gz = 0;
  for (const r of rows) {
    raw += r.raw ?? 0;
    gz += r.gzip ?? 0;
    const cells = ['`' + r.file + '`', r.raw ?? 'n/a', r.gzip ?? 'n/a'];
    if (withHints) cells.push(r.hint || '');
    lines.push('| ' + cells.join(' | ') + ' |');
  }
  lines.push(
    withHints
      ? `| **total (${rows.length} files)** | **${raw}** (${kb(raw)} KiB) | **${gz}** (${kb(gz)} KiB) | |`
      : `| **total (${rows.length} files)** | **${raw}** (${kb(raw)} KiB) | **${gz}** (${kb(gz)} KiB) |`
  );
  return { text: lines.join('\n'), raw, gz };
}

/** Wait until the default workspace on the server holds the chat panel in its layout. */
async function waitForSavedLayout(base, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  let text = '';
  while (Date.now() < deadline) {
    const res = await fetch(`${base}lab/api/workspaces/default`);
    text = res.ok ? await res.text() : '';
    if (text.includes('jp-data-engineer-chat')) return JSON.parse(text);
    await sleep(500);
  }
  throw new Error(
    `the workspace was not saved with the chat panel within ${timeoutMs} ms: ${text.slice(0, 300)}`
  );
}

// ---------------------------------------------------------------- main

async function main() {
  // 1. Which build is installed; build a production one if needed.
  const served = chooseLabextension(labextOption);
  const installedDir = served.real;
  const servesRepo = installedDir === fs.realpathSync(REPO_LABEXT);
  if (!servesRepo) {
    log(
      `warning: JupyterLab serves ${served.link} -> ${installedDir}, not this checkout's ${REPO_LABEXT}`
    );
  }
  LABEXT = installedDir;
  // A production build made with --source-map True has maps too: tell builds apart by minification.
  const buildInfo = dir => {
    const m = buildMode(dir);
    return { ...m, dev: !m.minified };
  };
  let info = buildInfo(LABEXT);
  // A directory given with --labextension (or $BENCH_LABEXTENSION) is measured as it is.
  const wantBuild =
    served.from === 'installed' &&
    (args.has('--build') || (info.dev && !args.has('--no-build')));
  let built = false;
  if (wantBuild) {
    log(
      `installed build is ${info.dev ? 'a DEVELOPMENT' : 'a production'} build; running npm run build:prod`
    );
    const r = spawnSync('npm', ['run', 'build:prod'], {
      cwd: REPO,
      stdio: ['ignore', 2, 2]
    });
    if (r.status !== 0) throw new Error('npm run build:prod failed');
    if (!servesRepo)
      log(
        'warning: the build went to this checkout, which is not what JupyterLab serves'
      );
    built = true;
  }

  // 2. Snapshot the labextension into a private Jupyter data dir that comes first
  //    on JUPYTER_PATH, so that a rebuild of the checkout while we measure (other
  //    tools, watch mode) cannot change what is served or sized.
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'de-bundle-'));
  for (const d of [
    'root',
    'workspaces',
    'settings',
    'runtime',
    'data/labextensions'
  ]) {
    fs.mkdirSync(path.join(tmp, d), { recursive: true });
  }
  const snapshot = path.join(tmp, 'data', 'labextensions', EXT_NAME);
  for (let attempt = 1; ; attempt++) {
    fs.rmSync(snapshot, { recursive: true, force: true });
    const before = buildInfo(LABEXT);
    fs.cpSync(installedDir, snapshot, {
      recursive: true,
      dereference: true,
      preserveTimestamps: true
    });
    const after = buildInfo(LABEXT);
    LABEXT = snapshot;
    info = buildInfo(LABEXT);
    LABEXT = installedDir;
    const consistent =
      before.load === after.load &&
      before.builtAt.getTime() === after.builtAt.getTime() &&
      info.load === before.load &&
      fs.existsSync(info.entry);
    if (consistent && !(built && info.dev)) break;
    if (attempt >= 3) {
      throw new Error(
        'the labextension keeps changing under us (a concurrent build?); run again later'
      );
    }
    log(
      `the labextension changed while being copied${built && info.dev ? ' (a development build replaced ours)' : ''}; retrying`
    );
    if (built && info.dev) {
      const r = spawnSync('npm', ['run', 'build:prod'], {
        cwd: REPO,
        stdio: ['ignore', 2, 2]
      });
      if (r.status !== 0) throw new Error('npm run build:prod failed');
    }
    await sleep(2000);
  }
  LABEXT = snapshot;
  const labextLink = (() => {
    const r = spawnSync('jupyter', ['labextension', 'list'], {
      encoding: 'utf8'
    });
    const line =
      (r.stdout + r.stderr).split('\n').find(l => l.includes(EXT_NAME)) ?? '?';
    // eslint-disable-next-line no-control-regex
    return line.replace(/\x1b\[[0-9;]*m/g, '').trim();
  })();
  const labVersion = spawnSync('jupyter', ['lab', '--version'], {
    encoding: 'utf8'
  }).stdout.trim();
  const src = newestSource();
  log(
    `measuring ${info.dev ? 'DEVELOPMENT' : 'production'} build ${info.load} (built ${info.builtAt.toISOString()})`
  );
  if (src.mtime > info.builtAt) {
    log(
      `warning: ${src.file} (${src.mtime.toISOString()}) is newer than the build`
    );
  }

  // 3. Mock Messages API (so the chat behaves as in real use) and jupyter lab.
  const children = [];
  const cleanup = killOnExit(children);

  // --port 0 everywhere: the OS picks free ports, so no other run can take ours.
  const { base } = await startMockAndLab({
    tmp,
    children,
    apiKey: 'bench-key',
    log
  });

  // 4. Browser.
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync'
    ]
  });
  const results = { startup: [], panel: [], restored: [] };
  let phase = 'startup';
  let inflight = 0;
  let lastActivity = Date.now();
  const servedFiles = new Map(); // file -> { status, encoding, bodyBytes }
  let succeeded = false;
  try {
    const context = await browser.newContext();
    /** Count `p`'s requests for the idle check and record our files it loads. */
    const watchPage = p => {
      p.on('console', m => {
        // 404s are logged below with their URL; other extensions' errors are not ours.
        if (
          m.type() === 'error' &&
          !m.text().startsWith('Failed to load resource')
        ) {
          log(
            `browser console error: ${m.text().split('\n')[0].slice(0, 160)}`
          );
        }
      });
      p.on('pageerror', e => log(`page error: ${String(e).slice(0, 200)}`));
      p.on('request', () => {
        inflight++;
        lastActivity = Date.now();
      });
      const done = () => {
        inflight = Math.max(0, inflight - 1);
        lastActivity = Date.now();
      };
      p.on('requestfinished', done);
      p.on('requestfailed', done);
      p.on('response', async res => {
        const url = new URL(res.url());
        if (res.status() >= 400)
          log(`[${phase}] HTTP ${res.status()} ${url.pathname}`);
        const at = url.pathname.indexOf(URL_MARK);
        if (at < 0) return;
        const rel = url.pathname.slice(at + URL_MARK.length);
        // Size the file now: other tools may rebuild the labextension later on.
        const entry = {
          file: rel,
          status: res.status(),
          phase,
          t: Date.now(),
          ...sizeOf(rel),
          hint: describeChunk(rel)
        };
        (results[phase] ??= []).push(entry);
        try {
          const body = await res.body();
          servedFiles.set(rel, {
            status: res.status(),
            encoding: res.headers()['content-encoding'] ?? null,
            bodyBytes: body.length
          });
        } catch {
          /* body unavailable (e.g. redirect) */
        }
      });
    };
    const page = await context.newPage();
    watchPage(page);
    const networkIdle = async (ms, timeoutMs) => {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (inflight === 0 && Date.now() - lastActivity >= ms) return true;
        await sleep(100);
      }
      log(
        `warning: network not idle for ${ms} ms within ${timeoutMs} ms (inflight ${inflight})`
      );
      return false;
    };

    // (a) page load until JupyterLab is ready
    const t0 = Date.now();
    await page.goto(`${base}lab`, { waitUntil: 'domcontentloaded' });
    await page.waitForFunction(() => !!window.jupyterapp, null, {
      timeout: 120000
    });
    await page.evaluate(async () => {
      await window.jupyterapp.started;
      await window.jupyterapp.restored;
    });
    await page.waitForSelector('#jupyterlab-splash', {
      state: 'detached',
      timeout: 120000
    });
    await page.waitForSelector('.jp-SideBar', { timeout: 120000 });
    await networkIdle(IDLE_MS, 60000);
    const tReady = Date.now() - t0;
    const shellState = await page.evaluate(() => {
      const shell = document.getElementById('jp-data-engineer-chat');
      return {
        shellExists: !!shell,
        chatAlreadyLoaded: !!document.querySelector('.jp-DataEngineer-input'),
        commandExists:
          window.jupyterapp.commands.hasCommand('data-engineer:open')
      };
    });
    if (!shellState.commandExists)
      throw new Error(
        'command data-engineer:open is not registered: extension not loaded?'
      );
    if (shellState.chatAlreadyLoaded)
      log(
        'warning: the chat was already loaded at start-up (restored layout?)'
      );

    // (b) open the chat panel
    phase = 'panel';
    const t1 = Date.now();
    await page.evaluate(() =>
      window.jupyterapp.commands.execute('data-engineer:open')
    );
    await page.waitForSelector('.jp-DataEngineer-input', {
      state: 'visible',
      timeout: 60000
    });
    const tInput = Date.now() - t1;
    await networkIdle(IDLE_MS, 60000);
    phase = 'after';
    // JupyterLab saves the layout (chat panel open in the right sidebar) to the workspace.
    const saved = await waitForSavedLayout(base);
    await context.close();

    // (c) start-up with the chat panel open from the restored layout, in a fresh context (empty cache)
    const context2 = await browser.newContext();
    const page2 = await context2.newPage();
    watchPage(page2, 'restored');
    phase = 'restored';
    const t2 = Date.now();
    await page2.goto(`${base}lab`, { waitUntil: 'domcontentloaded' });
    await page2.waitForFunction(() => !!window.jupyterapp, null, {
      timeout: 120000
    });
    await page2.evaluate(async () => {
      await window.jupyterapp.started;
      await window.jupyterapp.restored;
    });
    await page2.waitForSelector('.jp-DataEngineer-input', {
      state: 'visible',
      timeout: 60000
    });
    const tRestoredInput = Date.now() - t2;
    await networkIdle(IDLE_MS, 60000);
    phase = 'after';
    await context2.close();

    // 5. Sizes and report; check that the browser got our snapshot.
    const entryLoaded = results.startup.find(e => e.file === info.load);
    if (!entryLoaded) {
      throw new Error(
        `the browser did not load ${info.load} from the snapshot: is ${EXT_NAME} installed elsewhere too?`
      );
    }
    const rowsOf = list => {
      const seen = new Set();
      const rows = [];
      for (const e of list) {
        if (seen.has(e.file)) continue;
        seen.add(e.file);
        rows.push(e);
      }
      // remoteEntry first, then the biggest (gzip) first
      const rank = r =>
        path.basename(r.file).startsWith('remoteEntry.') ? 0 : 1;
      return rows.sort(
        (x, y) => rank(x) - rank(y) || (y.gzip ?? 0) - (x.gzip ?? 0)
      );
    };
    const startRows = rowsOf(results.startup);
    const panelRows = rowsOf(results.panel).filter(
      r => !startRows.some(s => s.file === r.file)
    );
    const a = table(startRows);
    const b = table(panelRows);
    const restoredRows = rowsOf(results.restored);
    const c = table(restoredRows);
    const right = saved?.data?.['layout-restorer:data']?.right ?? null;
    const allFiles = fs
      .readdirSync(path.join(LABEXT, 'static'))
      .filter(f => f.endsWith('.js'));
    const loadedSet = new Set(
      [...startRows, ...panelRows, ...restoredRows].map(r => r.file)
    );
    const entryText = fs.readFileSync(info.entry, 'utf8');
    const inThisBuild = f => {
      if (f === info.load || f === 'static/style.js') return true;
      const m = /\.([0-9a-f]{16,})\.js$/.exec(f);
      return m ? entryText.includes(m[1]) : false;
    };
    const notLoaded = allFiles
      .map(f => `static/${f}`)
      .filter(f => !loadedSet.has(f));
    const notLoadedCurrent = notLoaded.filter(inThisBuild);
    const stale = notLoaded.filter(f => !inThisBuild(f));
    const mismatches = [];
    for (const r of [...startRows, ...panelRows, ...restoredRows]) {
      const s = servedFiles.get(r.file);
      if (r.raw === null) mismatches.push(`${r.file}: not found in ${LABEXT}`);
      else if (s && s.status === 200 && !s.encoding && s.bodyBytes !== r.raw) {
        mismatches.push(
          `${r.file}: served ${s.bodyBytes} bytes, file has ${r.raw}`
        );
      }
      if (s && s.status !== 200 && s.status !== 304)
        mismatches.push(`${r.file}: HTTP ${s.status}`);
    }
    const encodings = [
      ...new Set([...servedFiles.values()].map(s => s.encoding ?? 'identity'))
    ];
    const pass = a.gz < TARGET_STARTUP_GZIP;
    const dirty = git(
      'status',
      '--porcelain',
      '--',
      'src',
      'style',
      'schema',
      'package.json'
    );

    const md = [];
    md.push('# Bundle size: start-up vs. chat panel');
    md.push('');
    md.push(
      `Generated by \`node bench/bundle_size.mjs${argv.length ? ' ' + argv.join(' ') : ''}\` on ${new Date().toISOString()}.`
    );
    md.push('');
    md.push(
      `- Build measured: **${info.dev ? 'development' : 'production'}** (\`${info.load}\`, built ${info.builtAt.toISOString()}${built ? ' by this run with `npm run build:prod`' : ''}).`
    );
    md.push(
      `- Source: git \`${git('rev-parse', '--short', 'HEAD')}\`${dirty && dirty !== '?' ? ' plus uncommitted changes in src/style/schema' : ''}; newest source file \`${src.file}\` ${src.mtime > info.builtAt ? `(**newer than the build**, ${src.mtime.toISOString()})` : '(older than the build)'}.`
    );
    md.push(
      `- Build label: ${info.label}; measured from ${served.from === 'installed' ? 'the installed labextension' : `\`${served.real}\` (${served.from})`}. Load: ${loadLine()}.`
    );
    md.push(
      `- JupyterLab ${labVersion}, headless Chromium (${browser.version()}), playwright-core ${PLAYWRIGHT_VERSION}.`
    );
    md.push(
      `- Installed as: \`${labextLink}\` at \`${served.link}\`${served.link !== installedDir ? ` -> \`${installedDir}\`` : ''}` +
        `${servesRepo ? ' (this checkout)' : ' (**not this checkout**)'}; measured from a copy of it taken at the start ` +
        '(served through a private `JUPYTER_PATH` entry), so concurrent rebuilds cannot change it mid-run.'
    );
    md.push(
      `- Content-Encoding served by the Jupyter server for these files: ${encodings.join(', ')} (gzip sizes below are computed with zlib level 9 on the files themselves).`
    );
    md.push(
      `- JupyterLab ready (started + restored, splash gone, ${IDLE_MS / 1000} s network idle) after ${tReady} ms; chat input visible ${tInput} ms after \`data-engineer:open\`.`
    );
    md.push('');
    md.push('## (a) Loaded at JupyterLab start-up');
    md.push('');
    md.push(a.text);
    md.push('');
    md.push(
      `Target (issue #2): under 60 KB gzip at start-up (60 KiB = ${TARGET_STARTUP_GZIP} bytes). Measured **${a.gz} bytes (${kb(a.gz)} KiB)**: **${pass ? 'PASS' : 'FAIL'}**.`
    );
    md.push('');
    md.push('## (b) Loaded when the chat panel opens (`data-engineer:open`)');
    md.push('');
    md.push(b.text);
    md.push('');
    md.push(
      `Total loaded once the chat is open: ${a.raw + b.raw} bytes raw, ${a.gz + b.gz} bytes gzip (${kb(a.gz + b.gz)} KiB).`
    );
    md.push('');
    md.push('## (c) Start-up with the chat panel open (restored layout)');
    md.push('');
    md.push(
      `A fresh browser context (empty cache) reloads \`/lab\` after JupyterLab saved the layout of (b) to the workspace ` +
        `(right sidebar ${right ? `\`${JSON.stringify(right).slice(0, 120)}\`` : 'with `jp-data-engineer-chat`'}): the chat is restored open, so its code loads during start-up. ` +
        `Everything of ours loaded from page load until \`.jp-DataEngineer-input\` is visible (${tRestoredInput} ms) and the network has been idle for ${IDLE_MS / 1000} s:`
    );
    md.push('');
    md.push(c.text);
    md.push('');
    md.push(
      `Start-up JavaScript of ours with the panel open: **${c.gz} bytes gzip (${kb(c.gz)} KiB)**, ${c.raw} raw ` +
        `(no target; with the panel closed it is ${kb(a.gz)} KiB, the 60 KB target of (a)). ` +
        `Difference from (a) + (b): ${c.gz - (a.gz + b.gz)} bytes gzip.`
    );
    md.push('');
    md.push('## Chunks of this build loaded in neither phase');
    md.push('');
    md.push(
      notLoadedCurrent.length
        ? notLoadedCurrent
            .map(f => `- \`${f}\` (${sizeOf(f).raw} bytes) ${describeChunk(f)}`)
            .join('\n')
        : '(none)'
    );
    if (stale.length) {
      md.push('');
      md.push(
        `Also in \`static/\` but not referenced by this build's remoteEntry (left over from earlier builds; ` +
          `the builder does not clean the directory): ${stale.length} files, ` +
          `${stale.reduce((n, f) => n + sizeOf(f).raw, 0)} bytes.`
      );
    }
    md.push('');
    md.push(
      'The "looks like" column is a heuristic (strings found in the chunk), not a module list.'
    );
    if (mismatches.length) {
      md.push('');
      md.push('## Warnings');
      md.push('');
      md.push(mismatches.map(m => `- ${m}`).join('\n'));
    }
    md.push('');
    fs.mkdirSync(path.dirname(RESULTS), { recursive: true });
    fs.writeFileSync(RESULTS, md.join('\n'));
    console.log(md.join('\n'));
    log(
      `wrote ${path.relative(process.cwd(), RESULTS)}: start-up ${kb(a.gz)} KiB gzip (${pass ? 'PASS' : 'FAIL'}), panel open at start-up ${kb(c.gz)} KiB`
    );
    if (!pass) process.exitCode = 1;
    succeeded = true;
  } finally {
    await browser.close();
    cleanup();
    // Let jupyter shut down (it stops its kernels) before removing its dirs.
    const deadline = Date.now() + 10000;
    while (
      Date.now() < deadline &&
      children.some(c => c.exitCode === null && c.signalCode === null)
    ) {
      await sleep(100);
    }
    for (const c of children) {
      if (c.exitCode === null && c.signalCode === null) {
        try {
          process.kill(-c.pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    }
    if (!succeeded) {
      log(`kept ${tmp} (logs) for inspection`);
    } else {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }
}

main().catch(err => {
  console.error('[bundle_size] FAILED:', err && err.stack ? err.stack : err);
  process.exitCode = 2;
});
