// ETL proof run (issue #14): time of the proof run beyond the notebook's own headless run time,
// and the context the model is given for a three-source pipeline.
//
//   node bench/etl_proof.mjs [--rows N] [--port 9510]
//
// The notebook's own run time is what papermill takes for one headless run (a fresh kernel, all
// cells); the proof run is prove_etl_notebook's code (src/etl/tools, compiled to CommonJS) against
// a private `jupyter server`, driving fresh kernel sessions through @jupyterlab/services exactly as
// the page does (Node's fetch + ws instead of the browser's). Both run the same generated
// skeleton (pandas, full refresh, Parquet folder) twice. Target: proof ≤ 110 % of papermill.
// Writes bench/results/etl_proof.md. Exit 0 target met, 1 missed, 2 error.
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const ROWS = Number(opt('--rows', '300000'));
const PORT = Number(opt('--port', '9510'));
const RUNS = 2;
const sleep = ms => new Promise(r => setTimeout(r, ms));

function compile() {
  const out = path.join(REPO, 'build', 'etl-bench');
  const tsc = path.join(REPO, 'node_modules', '.bin', 'tsc');
  const files = [
    'src/etl/skeleton.ts',
    'src/etl/etlPrompt.ts',
    'src/etl/sourceSchema.ts',
    'src/etl/tools/proof.ts',
    'src/etl/tools/proofKernel.ts'
  ];
  const r = spawnSync(
    tsc,
    [
      ...files,
      '--outDir',
      out,
      '--rootDir',
      'src',
      '--module',
      'commonjs',
      '--target',
      'ES2020',
      '--skipLibCheck',
      '--esModuleInterop',
      '--types',
      'node'
    ],
    { cwd: REPO, encoding: 'utf8' }
  );
  if (r.status !== 0) throw new Error(`tsc failed: ${r.stdout}${r.stderr}`);
  return out;
}

/** orders.csv of examples/data, repeated with new ids up to `rows` rows. */
function writeOrders(file, rows) {
  const lines = fs
    .readFileSync(path.join(REPO, 'examples', 'data', 'orders.csv'), 'utf8')
    .trim()
    .split('\n');
  const header = lines[0];
  const body = lines.slice(1).filter((l, i, all) => all.indexOf(l) === i);
  const out = [header];
  for (let i = 0; i < rows; i++) {
    const cols = body[i % body.length].split(',');
    cols[0] = String(1_000_000 + i);
    out.push(cols.join(','));
  }
  fs.writeFileSync(file, out.join('\n') + '\n');
}

const ORDERS_COLUMNS = [
  ['order_id', 'int', false],
  ['customer_id', 'int', false],
  ['order_ts', 'timestamp', false],
  ['status', 'string', false],
  ['channel', 'string', true],
  ['items', 'int', false],
  ['currency', 'string', false],
  ['amount', 'float', false],
  ['discount', 'float', true],
  ['shipping_fee', 'float', false]
].map(([name, type, nullable]) => ({ name, type, nullable }));

async function waitForServer(url, proc) {
  const deadline = Date.now() + 60000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error('jupyter server exited early');
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* not yet */
    }
    await sleep(250);
  }
  throw new Error('jupyter server did not start');
}

async function main() {
  if ([8888, 8765, 8889].includes(PORT))
    throw new Error('port reserved for Galata');
  const out = compile();
  const require = createRequire(path.join(out, 'x.js'));
  const { buildSkeleton } = require(path.join(out, 'etl', 'skeleton.js'));
  const { etlContext, etlUserPrompt } = require(
    path.join(out, 'etl', 'etlPrompt.js')
  );
  const { csvSchema, sourceName } = require(
    path.join(out, 'etl', 'sourceSchema.js')
  );
  const { proveNotebook } = require(path.join(out, 'etl', 'tools', 'proof.js'));
  const { SessionProofHost } = require(
    path.join(out, 'etl', 'tools', 'proofKernel.js')
  );
  const { ServerConnection } = require('@jupyterlab/services');
  const WebSocket = require('ws');

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'etl-proof-bench-'));
  writeOrders(path.join(work, 'orders.csv'), ROWS);
  const spec = {
    title: 'Bench orders',
    engine: 'pandas',
    mode: 'full_refresh',
    target: { kind: 'parquet', path: 'output/orders' },
    sources: [
      {
        name: 'orders',
        path: 'orders.csv',
        format: 'csv',
        columns: ORDERS_COLUMNS,
        keys: ['order_id']
      }
    ],
    keyColumns: ['order_id'],
    runDate: '2024-01-03'
  };
  const nb = buildSkeleton(spec, 'etl.ipynb');
  fs.writeFileSync(path.join(work, 'etl.ipynb'), JSON.stringify(nb));

  // The notebook's own headless run time: papermill, RUNS times.
  const papermill = [];
  const papermillOwn = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const r = spawnSync(
      'python3',
      ['-m', 'papermill', '--no-progress-bar', 'etl.ipynb', `pm${i}.ipynb`],
      { cwd: work, encoding: 'utf8' }
    );
    if (r.status !== 0)
      throw new Error(`papermill failed: ${r.stderr.slice(-2000)}`);
    papermill.push(performance.now() - t0);
    // papermill's own measure: kernel start and cells, without its process start and imports.
    papermillOwn.push(
      1000 *
        JSON.parse(fs.readFileSync(path.join(work, `pm${i}.ipynb`), 'utf8'))
          .metadata.papermill.duration
    );
  }

  // The proof run against a private server.
  const token = Math.random().toString(36).slice(2);
  const server = spawn(
    'python3',
    [
      '-m',
      'jupyter',
      'server',
      `--port=${PORT}`,
      '--no-browser',
      `--ServerApp.token=${token}`,
      '--ServerApp.allow_root=True',
      `--ServerApp.root_dir=${work}`
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] }
  );
  const kill = () => server.exitCode === null && server.kill('SIGTERM');
  process.on('exit', kill);
  let data;
  let proofMs;
  try {
    await waitForServer(
      `http://127.0.0.1:${PORT}/api/status?token=${token}`,
      server
    );
    const settings = ServerConnection.makeSettings({
      baseUrl: `http://127.0.0.1:${PORT}/`,
      wsUrl: `ws://127.0.0.1:${PORT}/`,
      token,
      WebSocket,
      fetch,
      Headers,
      Request,
      appendToken: true
    });
    const cells = nb.cells
      .filter(c => c.cell_type === 'code')
      .map(c => ({
        id: c.id,
        source: c.source,
        section: c.metadata.etl.section,
        tags: c.metadata.tags ?? []
      }));
    const t0 = performance.now();
    data = await proveNotebook({
      cells,
      kernelName: 'python3',
      folder: '',
      notebookPath: 'etl.ipynb',
      host: new SessionProofHost(settings),
      signal: new AbortController().signal,
      runs: RUNS
    });
    proofMs = performance.now() - t0;
  } finally {
    kill();
  }
  if (!data.idempotent)
    throw new Error(
      `proof run not idempotent: ${JSON.stringify(data.runs.map(r => r.failure))}`
    );

  // Context for a three-source pipeline: orders, customers and a third CSV (order lines).
  const lines = ['order_line_id,order_id,product_id,quantity,unit_price'];
  for (let i = 0; i < 300; i++)
    lines.push(
      `${i + 1},${500001 + (i % 500)},${100 + (i % 40)},${1 + (i % 3)},${(9.5 + (i % 17)).toFixed(2)}`
    );
  const texts = {
    orders: fs.readFileSync(
      path.join(REPO, 'examples/data/orders.csv'),
      'utf8'
    ),
    customers: fs.readFileSync(
      path.join(REPO, 'examples/data/customers.csv'),
      'utf8'
    ),
    order_lines: lines.join('\n') + '\n'
  };
  const sources = Object.entries(texts).map(([name, text]) => {
    const schema = csvSchema(
      text.slice(0, 64 * 1024),
      text.length <= 64 * 1024,
      sourceName(name)
    );
    return {
      name,
      path: `data/${name}.csv`,
      format: 'csv',
      columns: schema.columns,
      keys: schema.keys,
      sample: schema.sampleRows,
      note: `types from the whole file (${schema.rows} rows read)`
    };
  });
  const spec3 = {
    ...spec,
    sources: sources.map(({ sample, note, ...s }) => s),
    title: 'Three sources',
    businessRules:
      'Net revenue = amount - discount, completed orders only, in EUR.'
  };
  const notebook3 = buildSkeleton(spec3, 'etl.ipynb');
  const attachment = etlContext(spec3, 'data/etl.ipynb', sources);
  const prompt = etlUserPrompt(spec3, 'data/etl.ipynb');
  const skeletonChars = notebook3.cells.reduce(
    (n, c) => n + c.source.length,
    0
  );
  const tokens = chars => Math.ceil(chars / 4);

  const pm = papermill.reduce((a, b) => a + b, 0);
  const pmOwn = papermillOwn.reduce((a, b) => a + b, 0);
  // The target compares with papermill's own duration (the stricter of the two baselines).
  const ratio = proofMs / pmOwn;
  const cellMs = data.runs.reduce((a, r) => a + r.cellMs, 0);
  const kernelMs = data.runs.reduce((a, r) => a + r.kernelStartMs, 0);
  const load = os
    .loadavg()
    .map(x => x.toFixed(2))
    .join(' ');
  const report = [
    '# ETL proof run (issue #14)',
    '',
    `Generated ${new Date().toISOString()} by \`node bench/etl_proof.mjs --rows ${ROWS}\`; load average ${load}; ${os.cpus().length} cores.`,
    '',
    `Notebook: the generated skeleton, pandas, full refresh into a Parquet folder, ${ROWS} orders (CSV ${(fs.statSync(path.join(work, 'orders.csv')).size / 1e6).toFixed(1)} MB), ${RUNS} runs each.`,
    '',
    '| what | ms |',
    '|---|---|',
    `| papermill, ${RUNS} headless runs (the notebook's own run time) | ${papermill.map(x => x.toFixed(0)).join(' + ')} = ${pm.toFixed(0)} |`,
    `| papermill's own duration of those runs (kernel start + cells, no process start) | ${papermillOwn.map(x => x.toFixed(0)).join(' + ')} = ${pmOwn.toFixed(0)} |`,
    `| proof run, ${RUNS} runs in fresh kernel sessions | ${data.runs.map(r => r.ms).join(' + ')} = ${proofMs.toFixed(0)} |`,
    `| of it: kernel starts | ${kernelMs} |`,
    `| of it: cells (execute_request → reply) | ${cellMs} |`,
    `| proof beyond papermill's own duration | ${(proofMs - pmOwn).toFixed(0)} (${((ratio - 1) * 100).toFixed(1)} %; target ≤ 10 %) |`,
    `| proof beyond the papermill processes' wall time | ${(proofMs - pm).toFixed(0)} (${((proofMs / pm - 1) * 100).toFixed(1)} %) |`,
    `| proof beyond its cells' own time (session start/stop, messaging) | ${(proofMs - cellMs).toFixed(0)} (${((proofMs / cellMs - 1) * 100).toFixed(1)} %) |`,
    '',
    `Per cell, run 1: ${data.runs[0].cells.map(c => `${c.section} ${c.ms}`).join(', ')} ms.`,
    `Idempotent: ${data.idempotent} (checksum ${data.checksum}).`,
    '',
    '## Context for a three-source pipeline (orders, customers, order lines)',
    '',
    'Token counts estimated as characters / 4 (no tokenizer offline; the mock counts the same way).',
    '',
    '| part | characters | ~tokens |',
    '|---|---|---|',
    `| user message | ${prompt.length} | ${tokens(prompt.length)} |`,
    `| attachment: choices, schemas with 3 sample rows each, rules of work | ${attachment.length} | ${tokens(attachment.length)} |`,
    `| skeleton notebook sources (what the notebook view shows at most) | ${skeletonChars} | ${tokens(skeletonChars)} |`,
    `| total ETL-specific context | ${prompt.length + attachment.length + skeletonChars} | ${tokens(prompt.length + attachment.length + skeletonChars)} |`,
    ''
  ].join('\n');
  fs.mkdirSync(path.join(REPO, 'bench', 'results'), { recursive: true });
  fs.writeFileSync(path.join(REPO, 'bench', 'results', 'etl_proof.md'), report);
  console.log(report);
  fs.rmSync(work, { recursive: true, force: true });
  return ratio <= 1.1 ? 0 : 1;
}

main().then(
  code => process.exit(code),
  error => {
    console.error(error);
    process.exit(2);
  }
);
