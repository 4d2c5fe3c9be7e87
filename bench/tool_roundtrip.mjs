#!/usr/bin/env node
/**
 * Tool round-trip benchmark (issues #4 and #11): what the extension adds to one
 * agent tool call, for a trivial `run_cell` (`1+1`).
 *
 * Issue #11's figure is taken in the page (bench/lib/page_probe.mjs): from the
 * moment the SDK reads the chunk carrying the tool_use reply's message_stop to
 * the next Messages request entering window.fetch, minus the kernel's execution
 * time; the kernel WebSocket messages split it. `--labextension DIR` (or
 * $BENCH_LABEXTENSION) measures another build than the installed one.
 *
 *   node bench/tool_roundtrip.mjs [--runs 20] [--warmup 3] [--keep] [--cpu-profile FILE]
 *
 * Runs the mock Messages API and a real `jupyter lab` serving a private copy of
 * the installed labextension (this checkout's), in headless Chromium driven by
 * playwright-core from ui-tests/node_modules. The chat is opened and one user
 * message sent; the mock is then scripted step by step: create_notebook,
 * insert_cell `1+1`, `--warmup` + `--runs` replies each made of one run_cell
 * tool_use (stop_reason tool_use) on that cell, then a final text.
 *
 * Per run_cell round trip, with the mock's own clock (GET /_mock/requests):
 *   t0 = finished_at of the response carrying the tool_use (the block is complete
 *        when the response has been written),
 *   t1 = received_at of the next request (the one carrying the tool_result).
 * Kernel time = shell.execute_reply - iopub.execute_input from the cell's
 * metadata.execution (JupyterLab's notebook `recordTiming` setting, turned on
 * here), read from the notebook model in the page after each round trip.
 * Overhead = (t1 - t0) - kernel time. The proxy hop (Jupyter server -> mock and
 * back) is included both ways.
 *
 * Writes bench/results/tool_roundtrip.md and prints it. Exits 0 when the median
 * overhead is under 30 ms, 1 when not, 2 when the benchmark fails.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  cmdOut,
  chromium,
  EXT_NAME,
  git,
  newestSource,
  PLAYWRIGHT_VERSION,
  REPO,
  REPO_LABEXT,
  chooseLabextension,
  loadLine,
  snapshotLabextension,
  sleep,
  startMockAndLab,
  killOnExit
} from './lib/lab.mjs';
import { probeScript } from './lib/page_probe.mjs';
import {
  CLOCK_SYNC,
  pageClockSync,
  pageRoundTrips,
  pageSection,
  profileOffsetUs,
  stat
} from './lib/roundtrip_page.mjs';
import { labStaticDir } from './lib/stream_diag.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PLUGIN_ID = `${EXT_NAME}:plugin`;
const RESULTS = path.join(HERE, 'results', 'tool_roundtrip.md');
const TARGET_MS = 30; // issue #11: at most 30 ms per tool round trip, measured in the page
const NOTEBOOK = 'bench_roundtrip.ipynb';
const CELL_SOURCE = '1+1';
/** Pause after the browser sent a request before asking the mock for its records (see waitForMock). */
const SETTLE_MS = 100;
const STEP_TIMEOUT_MS = 60000;

const log = (...a) => console.error('[tool_roundtrip]', ...a);

// ---------------------------------------------------------------- arguments

function parseArgs(argv) {
  const opts = {
    runs: 20,
    warmup: 3,
    keep: false,
    cpuProfile: null,
    labextension: null
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const int = () => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 0)
        throw new Error(`${a} needs a non-negative integer`);
      return v;
    };
    if (a === '--runs') opts.runs = int();
    else if (a === '--warmup') opts.warmup = int();
    else if (a === '--keep') opts.keep = true;
    else if (a === '--labextension') {
      if (!argv[i + 1]) throw new Error('--labextension needs a directory');
      opts.labextension = argv[++i];
    } else if (a === '--cpu-profile') {
      if (!argv[i + 1]) throw new Error('--cpu-profile needs a file name');
      opts.cpuProfile = path.resolve(argv[++i]);
    } else if (a === '-h' || a === '--help') {
      console.log(
        'usage: node bench/tool_roundtrip.mjs [--runs 20] [--warmup 3] [--keep] [--cpu-profile FILE] [--labextension DIR]'
      );
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  if (opts.runs < 1) throw new Error('--runs must be at least 1');
  // create + insert + runs + final text must fit in one user turn (maxSteps <= 200).
  if (opts.runs + opts.warmup + 3 > 200)
    throw new Error('--runs + --warmup must be at most 197');
  return opts;
}

// ---------------------------------------------------------------- helpers

/** Epoch seconds (float, microseconds kept) of an ISO 8601 date as Jupyter messages carry them. */
function isoSeconds(s) {
  const m =
    /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:?\d\d)?$/.exec(
      String(s)
    );
  if (!m) throw new Error(`unparsable date ${s}`);
  const whole = Date.parse(m[1] + (m[3] ?? 'Z'));
  if (Number.isNaN(whole)) throw new Error(`unparsable date ${s}`);
  return whole / 1000 + (m[2] ? Number('0' + m[2]) : 0);
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/** Nearest-rank percentile (p90 of 20 values is the 18th smallest). */
function percentile(values, p) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)];
}

const ms = v =>
  v === null || v === undefined || Number.isNaN(v) ? 'n/a' : v.toFixed(1);
const loadavg = () =>
  os
    .loadavg()
    .map(v => v.toFixed(2))
    .join(' / ');

// ---------------------------------------------------------------- mock

class Mock {
  constructor(base) {
    this.base = base;
  }

  async call(method, what, body) {
    const res = await fetch(`${this.base}/_mock/${what}`, {
      method,
      headers: body ? { 'content-type': 'application/json' } : undefined,
      body: body ? JSON.stringify(body) : undefined
    });
    if (!res.ok)
      throw new Error(`mock ${method} /_mock/${what}: HTTP ${res.status}`);
    return res.json();
  }

  script(...responses) {
    return this.call('POST', 'script', { responses });
  }

  async messageRequests() {
    return (await this.call('GET', 'requests')).requests.filter(
      r => r.path === '/v1/messages'
    );
  }
}

/** A reply made of one tool call. */
const toolCall = (id, name, input) => ({
  blocks: [{ type: 'tool_use', id, name, input }],
  stop_reason: 'tool_use'
});

/** The text and error flag of the tool_result for `toolUseId` in a recorded request. */
function toolResult(recorded, toolUseId) {
  for (const message of recorded.body.messages ?? []) {
    if (message.role !== 'user' || typeof message.content === 'string')
      continue;
    for (const block of message.content) {
      if (block.type === 'tool_result' && block.tool_use_id === toolUseId) {
        const text =
          typeof block.content === 'string'
            ? block.content
            : block.content.map(b => b.text ?? '').join('\n');
        return { text, isError: Boolean(block.is_error) };
      }
    }
  }
  throw new Error(
    `request ${recorded.request_id} carries no tool_result for ${toolUseId}`
  );
}

// ---------------------------------------------------------------- main

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const loadAtStart = loadavg();

  // 1. The labextension to measure (--labextension, $BENCH_LABEXTENSION, else the installed one),
  //    copied into a private data dir first on JUPYTER_PATH so a concurrent rebuild cannot change it.
  const served = chooseLabextension(opts.labextension);
  const servesRepo = served.real === fs.realpathSync(REPO_LABEXT);
  if (!servesRepo)
    log(
      `note: measuring ${served.link} -> ${served.real} (${served.from}), not this checkout's ${REPO_LABEXT}`
    );
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'de-roundtrip-'));
  for (const d of [
    'root',
    'workspaces',
    'settings',
    'runtime',
    'data/labextensions'
  ]) {
    fs.mkdirSync(path.join(tmp, d), { recursive: true });
  }
  const info = await snapshotLabextension(served.real, tmp, log);
  const src = newestSource();
  log(
    `measuring ${info.label} build ${info.load} (built ${info.builtAt.toISOString()})`
  );
  if (src.mtime > info.builtAt)
    log(
      `warning: ${src.file} (${src.mtime.toISOString()}) is newer than the build`
    );

  // 2. Mock and jupyter lab, on ports the OS picks.
  const children = [];
  const cleanup = killOnExit(children);

  let browser = null;
  let succeeded = false;
  try {
    const { mockPort, base } = await startMockAndLab({ tmp, children, log });
    const mock = new Mock(`http://127.0.0.1:${mockPort}`);

    // 3. User settings, before the page loads: run_cell without approval, a step
    //    limit that fits the whole scripted turn, and cell timing metadata.
    const maxSteps = Math.min(200, opts.warmup + opts.runs + 3);
    const putSetting = async (plugin, raw) => {
      const res = await fetch(`${base}lab/api/settings/${plugin}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ raw: JSON.stringify(raw) })
      });
      if (!res.ok)
        throw new Error(
          `PUT settings ${plugin}: HTTP ${res.status} ${await res.text()}`
        );
    };
    const deSettings = { toolApprovals: { run_cell: 'auto' }, maxSteps };
    await putSetting(PLUGIN_ID, deSettings);
    await putSetting('@jupyterlab/notebook-extension:tracker', {
      recordTiming: true
    });

    await mock.call('POST', 'reset', {});
    await mock.call('POST', 'config', { wait_for_script_ms: STEP_TIMEOUT_MS });

    // 4. Browser.
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
    const context = await browser.newContext();
    // In-page timestamps: the Messages posts and their streams, the kernel WebSocket messages.
    await context.addInitScript({ content: probeScript({ ws: true }) });
    const page = await context.newPage();
    page.on('console', m => {
      if (
        m.type() === 'error' &&
        !m.text().startsWith('Failed to load resource')
      ) {
        log(`browser console error: ${m.text().split('\n')[0].slice(0, 160)}`);
      }
    });
    page.on('pageerror', e => log(`page error: ${String(e).slice(0, 200)}`));
    // Every request the page makes (for the diagnostics), and the Messages API posts.
    const browserRequests = [];
    let messagePosts = 0;
    const messagePostReqs = []; // the page's Messages API requests, in order
    page.on('request', req => {
      const url = new URL(req.url());
      if (
        req.method() === 'POST' &&
        url.pathname.endsWith('/data-engineer/anthropic/v1/messages')
      ) {
        messagePostReqs.push(req);
        messagePosts++;
      }
    });
    // Browser-side timing (wall clock, ms) of each finished request, for the diagnostics.
    const onDone = failed => req => {
      const url = new URL(req.url());
      const t = req.timing();
      const start = t.startTime > 0 ? t.startTime : Date.now();
      const end = t.responseEnd >= 0 ? start + t.responseEnd : Date.now();
      browserRequests.push({
        start: start / 1000,
        end: end / 1000,
        method: req.method(),
        path: url.pathname,
        failed
      });
    };
    page.on('requestfinished', onDone(false));
    page.on('requestfailed', onDone(true));

    /**
     * Wait until the mock has recorded `count` Messages requests; return them.
     * The browser's own request event says when to look, and the mock is asked
     * only SETTLE_MS after that, so that serialising its (growing) request log
     * never competes with the proxied request we are timing.
     */
    const waitForMock = async count => {
      const deadline = Date.now() + STEP_TIMEOUT_MS;
      while (messagePosts < count) {
        if (Date.now() > deadline) {
          const waiting = await page
            .locator('.jp-DataEngineer-toolCard[data-state="waiting_approval"]')
            .count();
          throw new Error(
            `the page sent ${messagePosts} Messages requests, expected ${count}` +
              (waiting
                ? ' (a tool is waiting for approval: the toolApprovals setting did not apply?)'
                : '')
          );
        }
        await sleep(5);
      }
      await sleep(SETTLE_MS);
      for (;;) {
        const recorded = await mock.messageRequests();
        if (recorded.length >= count) return recorded;
        if (Date.now() > deadline)
          throw new Error(
            `the mock recorded ${recorded.length} Messages requests, expected ${count}`
          );
        await sleep(SETTLE_MS);
      }
    };

    /** metadata.execution (and execution count) of the cell, from the notebook model in the page. */
    const cellExecution = (nbPath, cellId) =>
      page.evaluate(
        ({ nbPath, cellId }) => {
          for (const w of window.jupyterapp.shell.widgets('main')) {
            const model = w.content?.model;
            if (!w.context || w.context.path !== nbPath || !model?.cells)
              continue;
            for (let i = 0; i < model.cells.length; i++) {
              const cell = model.cells.get(i);
              if (cell.id === cellId) {
                return {
                  execution: cell.getMetadata('execution') ?? null,
                  count: cell.executionCount
                };
              }
            }
          }
          return null;
        },
        { nbPath, cellId }
      );

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
    const hasCommand = await page.evaluate(() =>
      window.jupyterapp.commands.hasCommand('data-engineer:open')
    );
    if (!hasCommand)
      throw new Error(
        'command data-engineer:open is not registered: extension not loaded?'
      );
    const loadedFromSnapshot = await page.evaluate(
      load =>
        performance
          .getEntriesByType('resource')
          .some(e =>
            e.name.includes(`/lab/extensions/jupyterlab-data-engineer/${load}`)
          ),
      info.load
    );
    if (!loadedFromSnapshot)
      throw new Error(
        `the page did not load ${info.load}: is ${EXT_NAME} installed elsewhere too?`
      );

    await page.evaluate(() =>
      window.jupyterapp.commands.execute('data-engineer:open')
    );
    const input = page.locator('.jp-DataEngineer-input');
    await input.waitFor({ state: 'visible', timeout: 60000 });

    // 5. The scripted turn.
    await mock.script(
      toolCall('toolu_create', 'create_notebook', { path: NOTEBOOK })
    );
    await input.fill('Create a notebook, add 1+1 and run it a few times.');
    await input.press('Enter');

    let recorded = await waitForMock(2);
    const created = toolResult(recorded[1], 'toolu_create');
    if (created.isError)
      throw new Error(`create_notebook failed: ${created.text}`);
    const nbPath =
      /Created and opened (\S+?) \(/.exec(created.text)?.[1] ?? NOTEBOOK;
    await mock.script(
      toolCall('toolu_insert', 'insert_cell', {
        notebook_path: nbPath,
        position: 'bottom',
        source: CELL_SOURCE
      })
    );

    recorded = await waitForMock(3);
    const inserted = toolResult(recorded[2], 'toolu_insert');
    const cellId = /Inserted code cell ([\w-]+)/.exec(inserted.text)?.[1];
    if (inserted.isError || !cellId)
      throw new Error(`insert_cell failed: ${inserted.text}`);

    const total = opts.warmup + opts.runs;
    const runId = i => `toolu_run_${String(i).padStart(3, '0')}`;
    const runs = [];
    let loadBefore = opts.warmup === 0 ? loadavg() : null;
    // Optional: a CPU profile of the page over the measured runs (it slows the page down a little).
    let cdp = null;
    const startProfile = async () => {
      cdp = await context.newCDPSession(page);
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
      await cdp.send('Profiler.start');
      // A named spin in the page lets the report map page timestamps onto the profile's clock.
      profileSyncAt = await page.evaluate(pageClockSync, CLOCK_SYNC);
    };
    let profileSyncAt = null;
    let profile = null;
    if (opts.cpuProfile && opts.warmup === 0) await startProfile();
    await mock.script(
      toolCall(runId(0), 'run_cell', { notebook_path: nbPath, cell_id: cellId })
    );
    for (let i = 0; i < total; i++) {
      // Request 3 + i carries the tool_result of run i.
      recorded = await waitForMock(4 + i);
      const result = toolResult(recorded[3 + i], runId(i));
      if (
        result.isError ||
        !/ran \(/.test(result.text) ||
        !/\b2\b/.test(result.text)
      ) {
        throw new Error(`run_cell ${i} did not return 2: ${result.text}`);
      }
      // The tool has finished (its result was sent): the cell's timing is complete now,
      // and the next run clears it first thing.
      const cell = await cellExecution(nbPath, cellId);
      if (!cell?.execution)
        throw new Error(
          `no metadata.execution on cell ${cellId} (recordTiming not applied?)`
        );
      runs.push({
        i,
        warmup: i < opts.warmup,
        execution: cell.execution,
        count: cell.count
      });
      if (i === opts.warmup - 1) {
        loadBefore = loadavg();
        if (opts.cpuProfile) await startProfile();
      }
      await mock.script(
        i + 1 < total
          ? toolCall(runId(i + 1), 'run_cell', {
              notebook_path: nbPath,
              cell_id: cellId
            })
          : {
              blocks: [
                { type: 'text', text: 'The cell evaluates to 2 every time.' }
              ]
            }
      );
    }
    const loadAfter = loadavg();
    if (cdp) {
      ({ profile } = await cdp.send('Profiler.stop'));
      fs.writeFileSync(opts.cpuProfile, JSON.stringify(profile));
      log(
        `wrote the page's CPU profile of the measured runs to ${opts.cpuProfile} (open it in Chrome DevTools)`
      );
    }
    const finalText = page.locator('.jp-DataEngineer-assistant').last();
    await finalText
      .filter({ hasText: 'evaluates to 2 every time' })
      .waitFor({ timeout: STEP_TIMEOUT_MS });
    const doneCards = await page
      .locator('.jp-DataEngineer-toolCard[data-state="done"]')
      .count();
    const allRequests = (await mock.call('GET', 'requests')).requests;
    recorded = allRequests.filter(r => r.path === '/v1/messages');
    if (recorded.length !== total + 3)
      throw new Error(
        `the mock got ${recorded.length} Messages requests, expected ${total + 3}`
      );
    if (doneCards !== total + 2)
      log(`warning: ${doneCards} tool cards are done, expected ${total + 2}`);
    const probe = await page.evaluate(() => ({
      posts: window.__deBench.posts.map(({ text, ...rest }) => rest),
      ws: window.__deBench.ws,
      timeOrigin: performance.timeOrigin
    }));
    await context.close();
    if (probe.posts.length !== total + 3)
      throw new Error(
        `the page probe saw ${probe.posts.length} Messages posts, expected ${total + 3}`
      );

    // 6. Figures per round trip.
    for (const run of runs) {
      const reply = recorded[2 + run.i]; // the response carrying run i's tool_use
      const next = recorded[3 + run.i]; // the request carrying its tool_result
      const played = reply.script?.blocks?.[0];
      if (
        played?.id !== runId(run.i) ||
        !reply.finished ||
        reply.finished_at === undefined
      ) {
        throw new Error(
          `request ${2 + run.i} did not play ${runId(run.i)} to the end (no finished_at?)`
        );
      }
      const t0 = reply.finished_at;
      const t1 = next.received_at;
      const ex = run.execution;
      for (const key of ['iopub.execute_input', 'shell.execute_reply']) {
        if (!ex[key])
          throw new Error(
            `metadata.execution of run ${run.i} has no ${key}: ${JSON.stringify(ex)}`
          );
      }
      const input = isoSeconds(ex['iopub.execute_input']);
      const reply_ = isoSeconds(ex['shell.execute_reply']);
      const busy = ex['iopub.status.busy']
        ? isoSeconds(ex['iopub.status.busy'])
        : null;
      const idle = ex['iopub.status.idle']
        ? isoSeconds(ex['iopub.status.idle'])
        : null;
      // The timing is this run's: CodeCell.execute clears it first, the execution count
      // goes up by one per run, and this run starts after the previous one replied.
      const prev = runs[run.i - 1];
      if (!(input <= reply_ && reply_ <= t1 + 0.001)) {
        throw new Error(
          `run ${run.i}: kernel timestamps out of order: ${JSON.stringify({ t0, t1, ex })}`
        );
      }
      if (prev && (run.count !== prev.count + 1 || input <= prev.replyAt)) {
        throw new Error(
          `run ${run.i}: metadata.execution is not from this run: ${JSON.stringify({ ex, count: run.count })}`
        );
      }
      run.replyAt = reply_;
      run.inputAt = input;
      // finished_at is stamped when the mock's last write has completed; on a busy machine the
      // page can get (and act on) message_stop before the mock process runs again to stamp it.
      run.t0Late = input < t0 ? (t0 - input) * 1000 : 0;
      // The browser's view of the same two requests (Chromium's network timing, wall clock):
      // when the page had the whole response, and when it started the next request.
      const replyTiming = messagePostReqs[2 + run.i].timing();
      const nextTiming = messagePostReqs[3 + run.i].timing();
      const pageGotEnd =
        (replyTiming.startTime + replyTiming.responseEnd) / 1000;
      const pageSent = nextTiming.startTime / 1000;
      if (replyTiming.responseEnd >= 0 && nextTiming.startTime > 0) {
        run.proxyOut = (pageGotEnd - t0) * 1000;
        run.inPage = (pageSent - pageGotEnd) * 1000 - (reply_ - input) * 1000;
        run.proxyIn = (t1 - pageSent) * 1000;
      } else {
        run.proxyOut = run.inPage = run.proxyIn = null;
      }
      run.roundTrip = (t1 - t0) * 1000;
      run.kernel = (reply_ - input) * 1000;
      run.overhead = run.roundTrip - run.kernel;
      run.beforeKernel = (input - t0) * 1000;
      run.afterKernel = (t1 - reply_) * 1000;
      run.busyIdle =
        busy !== null && idle !== null ? (idle - busy) * 1000 : null;
      run.requestBytes = Buffer.byteLength(JSON.stringify(next.body));
      run.pageRequests = browserRequests.filter(
        r =>
          r.start > t0 &&
          r.start < t1 &&
          !r.path.endsWith('/data-engineer/anthropic/v1/messages')
      );
      // How long at least one of them was in flight (union of their intervals, clipped to [t0, t1]).
      let inFlight = 0;
      let reach = t0;
      for (const q of [...run.pageRequests].sort((a, b) => a.start - b.start)) {
        const from = Math.max(q.start, reach);
        const to = Math.min(q.end, t1);
        if (to > from) inFlight += to - from;
        reach = Math.max(reach, to);
      }
      run.pageInFlight = inFlight * 1000;
      run.otherApi = allRequests.filter(
        r =>
          r.path !== '/v1/messages' && r.received_at > t0 && r.received_at < t1
      ).length;
    }
    pageRoundTrips(probe, runs);
    const measured = runs.filter(r => !r.warmup);
    if (measured.some(r => !r.page))
      throw new Error(
        'the page probe missed a round trip (no message_stop seen?)'
      );
    const warm = runs.filter(r => r.warmup);
    const col = key => measured.map(r => r[key]);
    const stats = key => {
      const v = col(key).filter(x => x !== null);
      return v.length
        ? {
            median: median(v),
            p90: percentile(v, 90),
            min: Math.min(...v),
            max: Math.max(...v)
          }
        : null;
    };
    const S = {
      roundTrip: stats('roundTrip'),
      kernel: stats('kernel'),
      overhead: stats('overhead'),
      beforeKernel: stats('beforeKernel'),
      afterKernel: stats('afterKernel'),
      busyIdle: stats('busyIdle'),
      pageInFlight: stats('pageInFlight'),
      proxyOut: stats('proxyOut'),
      inPage: stats('inPage'),
      proxyIn: stats('proxyIn')
    };
    S.page = stat(measured.map(r => r.page.overhead));
    // Issue #11 defines the overhead in the page (stream end -> next request leaving it).
    const pass = S.page.median <= TARGET_MS;

    // What the page asked the server for during a measured round trip (besides the Messages call).
    const kinds = new Map();
    for (const r of measured) {
      for (const q of r.pageRequests) {
        const k = `${q.method} ${q.path}${q.failed ? ' (failed)' : ''}`;
        kinds.set(k, (kinds.get(k) ?? 0) + 1);
      }
    }
    const pageReqCounts = measured.map(r => r.pageRequests.length);
    const late = measured.filter(r => r.t0Late > 0);

    // 7. Report.
    const labVersion = cmdOut('jupyter', ['lab', '--version']);
    const ipykernel = cmdOut('python', [
      '-c',
      'import ipykernel; print(ipykernel.__version__)'
    ]);
    const dirty = git(
      'status',
      '--porcelain',
      '--',
      'src',
      'style',
      'schema',
      'package.json',
      'jupyterlab_data_engineer'
    );
    const pwVersion = PLAYWRIGHT_VERSION;
    const row = (label, s, note = '') =>
      `| ${label} | ${ms(s?.median)} | ${ms(s?.p90)} | ${ms(s?.min)} | ${ms(s?.max)} |${note ? ' ' + note + ' |' : ' |'}`;
    const md = [];
    md.push('# Tool round trip: extension overhead of a trivial `run_cell`');
    md.push('');
    md.push(
      `Generated by \`node bench/tool_roundtrip.mjs${process.argv.slice(2).length ? ' ' + process.argv.slice(2).join(' ') : ''}\` on ${new Date().toISOString()}.`
    );
    md.push('');
    md.push(
      `Target (issue #11): for a trivial run_cell, from the stream end of the model's tool_use reply in the page to the next ` +
        `Messages request leaving the page, minus the kernel's execution time: ≤ ${TARGET_MS} ms median. ` +
        `Median over ${measured.length} runs: **${ms(S.page.median)} ms: ${pass ? 'PASS' : 'FAIL'}** ` +
        `(p90 ${ms(S.page.p90)} ms, min ${ms(S.page.min)} ms). Including both proxy hops (mock clock, the issue #4 figure): ` +
        `${ms(S.overhead.median)} ms. **Provisional**: the machine is shared (load below).`
    );
    md.push('');
    md.push('## In the page (performance.now(), bench/lib/page_probe.mjs)');
    md.push('');
    md.push(
      pageSection(measured, {
        profile,
        offsetUs:
          profile && profileSyncAt !== null
            ? profileOffsetUs(profile, profileSyncAt)
            : null,
        labextDir: info.dir,
        labStaticDir: labStaticDir()
      })
    );
    md.push('## Mock clock, proxy hops included (the issue #4 measurement)');
    md.push('');
    md.push(
      `| ${measured.length} measured runs (ms) | median | p90 | min | max | |`
    );
    md.push('|---|---:|---:|---:|---:|---|');
    md.push(
      row('**overhead** = round trip − kernel', S.overhead, 'issue #4 figure')
    );
    md.push(
      row(
        'round trip t1 − t0',
        S.roundTrip,
        'mock: response with the tool_use written → next request received'
      )
    );
    md.push(
      row(
        'kernel: shell.execute_reply − iopub.execute_input',
        S.kernel,
        'subtracted'
      )
    );
    md.push(
      row(
        'kernel: iopub.status.idle − iopub.status.busy',
        S.busyIdle,
        'for comparison, not subtracted'
      )
    );
    md.push(
      row(
        'of the overhead: t0 → iopub.execute_input',
        S.beforeKernel,
        'stream end, proxy, SDK, tool dispatch, execute_request to the kernel'
      )
    );
    md.push(
      row(
        'of the overhead: shell.execute_reply → t1',
        S.afterKernel,
        'reply to the page, tool result, next request through the proxy'
      )
    );
    md.push(
      row(
        'of the overhead: t0 → page has the whole response',
        S.proxyOut,
        'proxy hop out (browser network timing)'
      )
    );
    md.push(
      row(
        'of the overhead: in the page, minus kernel',
        S.inPage,
        'SDK, tool, kernel messaging, next request prepared'
      )
    );
    md.push(
      row(
        'of the overhead: page starts the request → t1',
        S.proxyIn,
        'proxy hop in'
      )
    );
    md.push(
      row(
        'page requests to the server in flight (union)',
        S.pageInFlight,
        'diagnostic: other requests the page made in [t0, t1], browser timing'
      )
    );
    md.push('');
    if (opts.cpuProfile) {
      md.push(
        '**Taken with the page CPU profiler on (`--cpu-profile`): the figures are somewhat inflated.**'
      );
      md.push('');
    }
    md.push(
      'p90 is nearest-rank (the 18th smallest of 20); median of an even count is the mean of the middle two.'
    );
    if (late.length) {
      md.push('');
      md.push(
        `**Clock caveat:** in ${late.length} measured run(s) the kernel received the cell before the mock stamped \`finished_at\` ` +
          `(by up to ${ms(Math.max(...late.map(r => r.t0Late)))} ms): the mock stamps it only when its final write has completed, ` +
          'and on a busy machine the page can get and act on `message_stop` before the mock process runs again. ' +
          'Those round trips are measured short by that much (the overhead is underestimated, never overestimated).'
      );
    }
    md.push('');
    md.push('## Setup');
    md.push('');
    md.push(`- \`uptime\` at the end: ${loadLine()}.`);
    md.push(
      `- Load average (1 / 5 / 15 min) at start: ${loadAtStart}; before the measured runs: ${loadBefore ?? loadAtStart}; after: ${loadAfter}; ${os.cpus().length} CPUs. The mock, Jupyter server, kernel and Chromium share them.`
    );
    md.push(
      `- JupyterLab ${labVersion}, ipykernel ${ipykernel} (kernel \`python3\`), Python ${cmdOut('python', ['--version']).replace('Python ', '')}, Node ${process.version}, headless Chromium ${browser.version()} via playwright-core ${pwVersion}.`
    );
    md.push(
      `- Labextension: **${info.label}** build \`${info.load}\` (built ${info.builtAt.toISOString()}), ` +
        `copied from \`${served.link}\`${served.link !== served.real ? ` -> \`${served.real}\`` : ''}${servesRepo ? ' (this checkout)' : ' (**not this checkout**)'} ` +
        `into a private \`JUPYTER_PATH\` entry. Source: git \`${git('rev-parse', '--short', 'HEAD')}\`${dirty && dirty !== '?' ? ' plus uncommitted changes' : ''}; ` +
        `newest file in src/style/schema \`${src.file}\` ${src.mtime > info.builtAt ? `(**newer than the build**, ${src.mtime.toISOString()})` : '(older than the build)'}. ` +
        'The server extension (proxy) is imported from the Python environment.'
    );
    md.push(
      `- \`jupyter lab\` on a port the OS picked, no token, XSRF check off, temporary root/workspace/settings dirs, ` +
        '`--DataEngineer.anthropic_base_url` = the mock (`ui-tests/mock/mock_anthropic.py --port 0`), key `bench`.'
    );
    md.push(
      `- User settings written before the page loads: \`${PLUGIN_ID}\` ${JSON.stringify(deSettings)} ` +
        '(maxSteps so that the whole scripted turn fits in one user message; other settings default, so the notebook view ' +
        'context is sent with every request), `@jupyterlab/notebook-extension:tracker` {"recordTiming":true}.'
    );
    md.push(
      `- Scripted turn (mock in step-by-step mode, \`wait_for_script_ms\`): create_notebook \`${NOTEBOOK}\`, insert_cell \`${CELL_SOURCE}\`, ` +
        `${opts.warmup} warm-up + ${opts.runs} measured replies of one run_cell tool_use (stop_reason tool_use) on that cell, then a final text. ` +
        'Each tool_result is checked (not an error, output 2).'
    );
    md.push(
      '- t0 = `finished_at` of the mock response carrying the tool_use, t1 = `received_at` of the next request ' +
        "(the tool_result), both from the mock's clock. Kernel timing = the cell's `metadata.execution` (JupyterLab writes the " +
        "kernel's message header dates there when `recordTiming` is on), read from the notebook model in the page " +
        "(`jupyterapp.shell.widgets('main')` → panel `content.model.cells`) after each tool_result reached the mock and before " +
        'the next run_cell was scripted (the next run clears it; the execution count is checked to go up by one per run). ' +
        'Kernel, mock and Chromium run on the same machine with one wall clock, so the overhead is also split at the ' +
        "kernel's timestamps and at Chromium's network timing of the two Messages requests (Playwright `request.timing()`); " +
        'these splits mix the clocks of different processes and are indicative.'
    );
    md.push(
      `- The script asks the mock for its records only ${SETTLE_MS} ms after the page sent a request (Playwright's request event), ` +
        'so the mock never serialises its log while a timed request is on its way; the next reply is scripted only after that, ' +
        'outside the timed window.'
    );
    md.push(
      `- Request body carrying the tool_result: ${Math.min(...col('requestBytes'))}–${Math.max(...col('requestBytes'))} bytes ` +
        `(grows with the conversation). Other page requests per measured round trip: median ${median(pageReqCounts)}, ` +
        `max ${Math.max(...pageReqCounts)}${
          kinds.size
            ? ` (${[...kinds]
                .sort((a, b) => b[1] - a[1])
                .map(([k, n]) => `\`${k}\` ×${n}`)
                .join(', ')})`
            : ''
        }. ` +
        `Other mock API requests (e.g. /v1/models) inside measured round trips: ${measured.reduce((n, r) => n + r.otherApi, 0)}.`
    );
    md.push('');
    md.push('## Runs');
    md.push('');
    md.push(
      '| run | round trip | kernel | overhead | in the page: overhead | t0 → execute_input | execute_reply → t1 | busy → idle | page requests: n, in flight | exec count |'
    );
    md.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const r of runs) {
      md.push(
        `| ${r.warmup ? `warm-up ${r.i + 1}` : r.i - opts.warmup + 1} | ${ms(r.roundTrip)} | ${ms(r.kernel)} | ${ms(r.overhead)} | ${ms(r.page?.overhead)} | ` +
          `${ms(r.beforeKernel)} | ${ms(r.afterKernel)} | ${ms(r.busyIdle)} | ${r.pageRequests.length}, ${ms(r.pageInFlight)} | ${r.count ?? ''} |`
      );
    }
    if (warm.length) {
      md.push('');
      md.push(
        'Warm-up runs are not counted (the first one also waits for the kernel to be ready).'
      );
    }
    md.push('');
    fs.mkdirSync(path.dirname(RESULTS), { recursive: true });
    fs.writeFileSync(RESULTS, md.join('\n'));
    console.log(md.join('\n'));
    log(
      `in-page overhead median ${ms(S.page.median)} / p90 ${ms(S.page.p90)} ms (target <= ${TARGET_MS}): ${pass ? 'PASS' : 'FAIL'}; load ${loadavg()}`
    );
    log(
      `overhead median ${ms(S.overhead.median)} / p90 ${ms(S.overhead.p90)} / min ${ms(S.overhead.min)} ms; ` +
        `round trip median ${ms(S.roundTrip.median)} / p90 ${ms(S.roundTrip.p90)} / min ${ms(S.roundTrip.min)} ms; ` +
        `kernel median ${ms(S.kernel.median)} ms`
    );
    log(`wrote ${path.relative(process.cwd(), RESULTS)}`);
    if (!pass) process.exitCode = 1;
    succeeded = true;
  } finally {
    if (browser) await browser.close();
    cleanup();
    // Let jupyter shut down (it stops its kernel) before removing its dirs.
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
    if (!succeeded || opts.keep) log(`kept ${tmp} (logs) for inspection`);
    else fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch(err => {
  console.error('[tool_roundtrip] FAILED:', err && err.stack ? err.stack : err);
  process.exitCode = 2;
});
