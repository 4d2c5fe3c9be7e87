#!/usr/bin/env node
/**
 * Chat list benchmark (issue #11): time from a click on "Chats" to the list of
 * 300 saved chats (~70 KB each) rendered. Target: at most 300 ms.
 *
 *   node bench/chat_list.mjs [--labext DIR] [--runs 3] [--chats 300] [--kb 70] [--label NAME] [--out FILE] [--keep]
 *
 * `--labext` (or the BENCH_LABEXT environment variable) names the labextension
 * build to serve (default: this checkout's `jupyterlab_data_engineer/labextension`,
 * e.g. after `npm run build:prod`); the Python server extension is the installed one.
 *
 * 1. Generates `--chats` deterministic saved chats (format 1, the store's
 *    formatting) of ~`--kb` KB: user questions, replies with markdown and tool
 *    calls whose results make most of the size.
 * 2. Starts the mock Messages API and a private `jupyter lab` (bench/lib/lab.mjs)
 *    with those chats in `.jupyter/chats/` (or `data-engineer-chats/` when the
 *    server refuses hidden files), in headless Chromium.
 * 3. Per run (`--runs`, each from a chat folder holding only the chat files):
 *    - page A (fresh workspace): `data-engineer:open`, then a click on "Chats"
 *      timed until every row is in the DOM: "no index yet" (what the first
 *      open after an upgrade costs; a build with the index writes it here);
 *    - page B (a reload, so a fresh store): the same click, "first open",
 *      then the list closed and opened again, "second open".
 *    Each open also counts the contents API requests made under the chat folder.
 * 4. Writes the medians (and every run) to bench/results/chat_list.md, or `--out`.
 *
 * Exits 0 when the median first open (index present, fresh page) is at most
 * 300 ms, 1 when not, 2 when the benchmark fails.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  chromium,
  cmdOut,
  EXT_NAME,
  git,
  labextensionSource,
  PLAYWRIGHT_VERSION,
  sleep,
  snapshotLabextension,
  startMockAndLab,
  killOnExit
} from './lib/lab.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const TARGET_MS = 300;
const SEED = 20261202;
const STEP_TIMEOUT_MS = 120000;
const log = (...a) => console.error('[chat_list]', ...a);

function parseArgs(argv) {
  const opts = {
    runs: 3,
    chats: 300,
    kb: 70,
    labext: undefined,
    label: null,
    out: path.join(HERE, 'results', 'chat_list.md'),
    keep: false
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--runs') opts.runs = Number(argv[++i]);
    else if (a === '--chats') opts.chats = Number(argv[++i]);
    else if (a === '--kb') opts.kb = Number(argv[++i]);
    else if (a === '--labext') opts.labext = argv[++i];
    else if (a === '--label') opts.label = argv[++i];
    else if (a === '--out') opts.out = path.resolve(argv[++i]);
    else if (a === '--keep') opts.keep = true;
    else if (a === '-h' || a === '--help') {
      console.log(
        'usage: node bench/chat_list.mjs [--labext DIR] [--runs 3] [--chats 300] [--kb 70] [--label NAME] [--out FILE] [--keep]'
      );
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  if (!(opts.runs >= 1) || !(opts.chats >= 1) || !(opts.kb >= 1))
    throw new Error('--runs, --chats and --kb must be at least 1');
  return opts;
}

// ---------------------------------------------------------------- chats

function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const VOCAB = (
  'orders customers region revenue pipeline partition schema parquet duckdb pandas polars spark join window ' +
  'aggregate null duplicate timestamp timezone daily monthly backfill incremental merge upsert staging warehouse ' +
  'column index query filter group count distinct latency cache notebook kernel dataframe lineage quality test ' +
  'contract freshness airflow dbt model snapshot source sink stream batch retry idempotent watermark'
).split(' ');

/** One saved chat of about `kb` KB, deterministic for its index. */
function generateChat(i, kb) {
  const r = rng(SEED + i);
  const pick = () => VOCAB[Math.floor(r() * VOCAB.length)];
  const sentence = n => Array.from({ length: n }, pick).join(' ');
  const created = Date.UTC(2026, 9, 1) + i * 3600_000;
  const turns = [];
  let t = 0;
  let bytes = 0;
  while (bytes < kb * 1024) {
    const user = {
      id: `u-${i}-${t}`,
      role: 'user',
      text: `How do I ${sentence(6)} for chat ${i}? ${sentence(20)}`,
      createdAt: created + t * 1000
    };
    const text = `Here is a plan: ${sentence(60)}\n\n\`\`\`python\ndf = pd.read_parquet("${pick()}.parquet")\n\`\`\`\n${sentence(40)}`;
    const rows = Array.from(
      { length: 60 },
      (_, k) => `${k},${pick()},${Math.floor(r() * 1e6)},${pick()}`
    ).join('\n');
    const reply = {
      id: `a-${i}-${t}`,
      role: 'assistant',
      status: 'done',
      createdAt: created + t * 1000 + 500,
      personaId: 'data-engineer',
      text,
      blocks: [
        { type: 'text', text },
        {
          type: 'tool',
          call: {
            id: `toolu_${i}_${t}`,
            name: 'run_cell',
            input: { code: `df.groupby("${pick()}").agg("${pick()}")` },
            state: 'done',
            allowedBy: 'auto',
            durationMs: 40,
            result: { content: `id,name,value,kind\n${rows}` }
          }
        }
      ]
    };
    turns.push(user, reply);
    bytes += JSON.stringify(user).length + JSON.stringify(reply).length;
    t++;
  }
  return {
    version: 1,
    id: `bench-${String(i).padStart(3, '0')}`,
    title: `Chat ${i}: ${sentence(4)}`,
    createdAt: created,
    updatedAt: created + t * 1000,
    personaId: 'data-engineer',
    chatModel: null,
    grants: [],
    turns
  };
}

// ---------------------------------------------------------------- in-page measurement

/** Runs in the page: click "Chats" and time until `expected` rows are in the DOM (checked every frame). */
async function clickChats({ expected, timeoutMs }) {
  const button = document.querySelector('.jp-DataEngineer-chatsToggle');
  if (!button)
    return { error: 'no "Chats" button (.jp-DataEngineer-chatsToggle)' };
  // The default buffer (250 entries) would drop the requests of a list that reads every chat.
  performance.setResourceTimingBufferSize(100000);
  performance.clearResourceTimings();
  const t0 = performance.now();
  button.click();
  const ms = await new Promise(resolve => {
    const frame = () => {
      const now = performance.now() - t0;
      if (
        document.querySelectorAll('.jp-DataEngineer-chatRow').length >= expected
      )
        resolve(now);
      else if (now > timeoutMs) resolve(null);
      else requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  });
  const rows = document.querySelectorAll('.jp-DataEngineer-chatRow').length;
  const problems = document.querySelectorAll(
    '.jp-DataEngineer-chatRow.jp-mod-problem'
  ).length;
  await new Promise(r => setTimeout(r, 300)); // requests still finishing (an index write) are counted too
  const entries = performance
    .getEntriesByType('resource')
    .filter(
      e =>
        /\/api\/contents\/(\.jupyter\/chats|data-engineer-chats)/.test(
          e.name
        ) && e.startTime >= t0
    );
  // When the data was in: the last response that ended before the rows appeared.
  const before = entries.filter(e => ms !== null && e.responseEnd - t0 <= ms);
  const dataMs = before.length
    ? Math.max(...before.map(e => e.responseEnd - t0))
    : null;
  const slowest = before.reduce(
    (a, e) => (e.duration > (a?.duration ?? -1) ? e : a),
    null
  );
  return {
    ms,
    rows,
    problems,
    requests: entries.length,
    dataMs,
    slowest: slowest
      ? {
          name: decodeURIComponent(
            new URL(slowest.name).pathname.split('/api/contents/')[1]
          ),
          ms: slowest.duration
        }
      : null
  };
}

/** Close the list again (the same toggle). */
async function closeChats() {
  document.querySelector('.jp-DataEngineer-chatsToggle')?.click();
  await new Promise(r => setTimeout(r, 100));
  return document.querySelectorAll('.jp-DataEngineer-chatRow').length;
}

// ---------------------------------------------------------------- main

const median = values => {
  const v = values.filter(x => typeof x === 'number').sort((a, b) => a - b);
  if (!v.length) return null;
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};
const ms = v => (typeof v === 'number' ? `${v.toFixed(0)} ms` : 'n/a');

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const started = new Date();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'de-chat-list-'));
  for (const d of ['root', 'workspaces', 'settings', 'runtime'])
    fs.mkdirSync(path.join(tmp, d), { recursive: true });
  const source = labextensionSource(opts.labext);
  const snap = await snapshotLabextension(source, tmp, log);
  const info = { ...snap, snapshot: snap.dir, source, dev: !snap.minified };
  const hasIndex = fs
    .readdirSync(path.join(info.snapshot, 'static'))
    .some(
      f =>
        f.endsWith('.js') &&
        fs
          .readFileSync(path.join(info.snapshot, 'static', f), 'utf8')
          .includes('_index.json')
    );
  log(
    `serving ${info.dev ? 'DEVELOPMENT' : 'production'} build ${info.load} from ${info.source} (chat index ${hasIndex ? 'built in' : 'absent'})`
  );

  const genStart = performance.now();
  const chats = Array.from({ length: opts.chats }, (_, i) =>
    generateChat(i, opts.kb)
  );
  const texts = chats.map(c => JSON.stringify(c, null, 1));
  const totalBytes = texts.reduce((a, t) => a + Buffer.byteLength(t), 0);
  log(
    `generated ${chats.length} chats, ${(totalBytes / chats.length / 1024).toFixed(1)} KB each on average (${(performance.now() - genStart).toFixed(0)} ms)`
  );

  const root = path.join(tmp, 'root');
  let chatDir = path.join(root, '.jupyter', 'chats');
  const fill = () => {
    fs.rmSync(chatDir, { recursive: true, force: true });
    fs.mkdirSync(chatDir, { recursive: true });
    chats.forEach((c, i) =>
      fs.writeFileSync(path.join(chatDir, `${c.id}.json`), texts[i])
    );
  };
  fill();

  const children = [];
  const cleanup = killOnExit(children);

  let browser = null;
  let succeeded = false;
  try {
    const { base } = await startMockAndLab({ tmp, children, log });
    const probe = await fetch(
      `${base}api/contents/.jupyter/chats/${chats[0].id}.json?content=0`
    );
    if (!probe.ok) {
      log(
        `hidden files not served (HTTP ${probe.status}); using data-engineer-chats/`
      );
      fs.rmSync(path.join(root, '.jupyter'), { recursive: true, force: true });
      chatDir = path.join(root, 'data-engineer-chats');
      fill();
    }

    browser = await chromium.launch({
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
    const context = await browser.newContext({
      viewport: { width: 1400, height: 900 }
    });
    const page = await context.newPage();
    page.on('pageerror', e => log(`page error: ${String(e).slice(0, 200)}`));

    let pageNo = 0;
    const openPanel = async () => {
      await page.goto(`${base}lab/workspaces/chat-list-${pageNo++}`, {
        waitUntil: 'domcontentloaded'
      });
      await page.waitForFunction(() => !!window.jupyterapp, null, {
        timeout: STEP_TIMEOUT_MS
      });
      await page.evaluate(async () => {
        await window.jupyterapp.started;
        await window.jupyterapp.restored;
      });
      await page.waitForSelector('#jupyterlab-splash', {
        state: 'detached',
        timeout: STEP_TIMEOUT_MS
      });
      await page.evaluate(() =>
        window.jupyterapp.commands.execute('data-engineer:open')
      );
      await page.waitForSelector('.jp-DataEngineer-chatsToggle', {
        timeout: STEP_TIMEOUT_MS
      });
      await sleep(1500); // start-up and panel requests settle
    };
    const measure = async what => {
      const r = await page.evaluate(clickChats, {
        expected: chats.length,
        timeoutMs: 60000
      });
      if (r.error) throw new Error(r.error);
      if (r.ms === null)
        throw new Error(
          `${what}: only ${r.rows} of ${chats.length} rows after 60 s`
        );
      if (r.problems)
        throw new Error(`${what}: ${r.problems} rows report a problem`);
      return r;
    };

    const runs = [];
    for (let i = 0; i < opts.runs; i++) {
      fill();
      await openPanel();
      const noIndex = await measure('no index yet');
      await sleep(1500); // an index write (if any) reaches the disk
      const indexFiles = fs
        .readdirSync(chatDir)
        .filter(n => n.startsWith('_index'));
      const indexBytes = fs.existsSync(path.join(chatDir, '_index.json'))
        ? fs.statSync(path.join(chatDir, '_index.json')).size
        : 0;
      await openPanel();
      const first = await measure('first open');
      if ((await page.evaluate(closeChats)) !== 0)
        throw new Error('the list did not close');
      const second = await measure('second open');
      runs.push({ noIndex, first, second, indexFiles, indexBytes });
      const show = r =>
        `${ms(r.ms)} (${r.requests} req, data in at ${ms(r.dataMs)}, slowest ${r.slowest ? `${r.slowest.name} ${ms(r.slowest.ms)}` : 'n/a'})`;
      log(
        `run ${i + 1}: no index ${show(noIndex)}, first open ${show(first)}, second open ${show(second)}; ` +
          `index files: ${indexFiles.join(', ') || 'none'} (${indexBytes} B)`
      );
    }

    const med = key => median(runs.map(r => r[key].ms));
    const medReq = key => median(runs.map(r => r[key].requests));
    const firstMs = med('first');
    const pass = firstMs !== null && firstMs <= TARGET_MS;
    const load = cmdOut('cat', ['/proc/loadavg'])
      .split(' ')
      .slice(0, 3)
      .join(' ');
    const md = [];
    md.push(
      `# Chat list: ${chats.length} saved chats${opts.label ? ` (${opts.label})` : ''}`,
      ''
    );
    md.push(
      `Target: click on "Chats" to all ${chats.length} rows in the DOM, first open in a fresh page, at most ${TARGET_MS} ms: **${pass ? 'met' : 'NOT met'}** (median ${ms(firstMs)}).`,
      ''
    );
    md.push(
      '| open | median | runs | contents requests (median) | last response in (median) |',
      '|---|---|---|---|---|'
    );
    const line = (label, key) =>
      md.push(
        `| ${label} | ${ms(med(key))} | ${runs.map(r => ms(r[key].ms)).join(', ')} | ${medReq(key)} | ${ms(median(runs.map(r => r[key].dataMs)))} |`
      );
    line('no index yet (fresh page; first open after an upgrade)', 'noIndex');
    line(
      'first open (fresh page, after a list wrote the index if the build has one)',
      'first'
    );
    line('second open (same page)', 'second');
    md.push('');
    md.push(
      `Index after the first list: ${runs.map(r => (r.indexFiles.length ? `${r.indexFiles.join(' + ')} (${(r.indexBytes / 1024).toFixed(0)} KB)` : 'none')).join('; ')}.`,
      ''
    );
    md.push('## Setup', '');
    md.push(
      `- ${chats.length} chats of ${(totalBytes / chats.length / 1024).toFixed(1)} KB on average (${(totalBytes / 1048576).toFixed(1)} MB), format 1, seed ${SEED}, in \`${path.relative(root, chatDir)}/\``
    );
    md.push(
      `- labextension: ${info.dev ? 'development' : 'production'} build \`${info.load}\` from \`${info.source}\` (chat index ${hasIndex ? 'built in' : 'absent'}), built ${info.builtAt.toISOString()}`
    );
    md.push(
      `- checkout: \`${git('rev-parse', '--short', 'HEAD')}\` (${git('rev-parse', '--abbrev-ref', 'HEAD')}); JupyterLab ${cmdOut('jupyter', ['lab', '--version'])}; Chromium ${cmdOut('/usr/bin/chromium', ['--version'])}; playwright-core ${PLAYWRIGHT_VERSION}`
    );
    md.push(
      `- ${os.cpus().length} CPUs, load average ${load} at the end (the machine is shared); started ${started.toISOString()}, ${opts.runs} runs`
    );
    md.push(
      '- Timing: in the page, `performance.now()` from the click on `.jp-DataEngineer-chatsToggle` to the frame in which ' +
        `${chats.length} \`.jp-DataEngineer-chatRow\` exist (checked every animation frame). Requests: resource timing entries under the chat folder's contents API URL, counted until 300 ms after the rows appeared.`
    );
    md.push('');
    fs.mkdirSync(path.dirname(opts.out), { recursive: true });
    fs.writeFileSync(opts.out, md.join('\n'));
    console.log(md.join('\n'));
    succeeded = true;
    if (!pass) process.exitCode = 1;
  } finally {
    if (browser) await browser.close().catch(() => {});
    cleanup();
    if (!succeeded || opts.keep) log(`kept ${tmp} (logs) for inspection`);
    else fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch(error => {
  log(`failed: ${error?.stack ?? error}`);
  process.exitCode = 2;
});
