#!/usr/bin/env node
/**
 * `npm run eval [-- --replay] [-- --tasks a,b] [-- --model id] [-- --out dir]`
 *
 * Live (default): every task in eval/tasks against the endpoint in ANTHROPIC_API_KEY /
 * ANTHROPIC_BASE_URL, in a real JupyterLab (ui-tests/eval.config.js). Without a key (and
 * without a base URL) it says it was skipped and exits 0.
 * --replay: each task's scripted passing and failing run, and a do-nothing run ("I will not
 * do anything."), through the mock; fails (exit 1) unless every checker passes its passing run
 * and fails its failing and do-nothing ones (what CI runs).
 *
 * Prints the table and writes bench/results/eval-<date>[-replay].json with a transcript per
 * task in bench/results/eval-<date>[-replay]/.
 */
import { spawnSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { fileURLToPath } from 'url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const flag = name => argv.includes(name);
const option = name => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const replay = flag('--replay');
const mode = replay ? 'replay' : 'live';

if (
  !replay &&
  !process.env.ANTHROPIC_API_KEY &&
  !process.env.ANTHROPIC_BASE_URL
) {
  console.log(
    'eval: skipped (no ANTHROPIC_API_KEY or ANTHROPIC_BASE_URL in the environment). `npm run eval -- --replay` replays the scripted runs through the mock.'
  );
  process.exit(0);
}

const state = fs.mkdtempSync(path.join(os.tmpdir(), 'de-eval-'));
const date = new Date().toISOString().slice(0, 10);
const outBase = path.resolve(
  option('--out') ?? path.join(repo, 'bench', 'results')
);
const name = `eval-${date}${replay ? '-replay' : ''}`;
const env = {
  ...process.env,
  EVAL_MODE: mode,
  EVAL_STATE: state,
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1',
  ...(option('--tasks') ? { EVAL_TASKS: option('--tasks') } : {}),
  ...(option('--model') ? { EVAL_MODEL: option('--model') } : {})
};
const extra = argv.filter(
  (a, i) =>
    !['--replay', '--tasks', '--model', '--out'].includes(a) &&
    !['--tasks', '--model', '--out'].includes(argv[i - 1])
);
const started = Date.now();
const run = spawnSync(
  'npx',
  ['playwright', 'test', '-c', 'eval.config.js', ...extra],
  {
    cwd: path.join(repo, 'ui-tests'),
    env,
    stdio: 'inherit'
  }
);

const rowsDir = path.join(state, 'rows');
const rows = fs.existsSync(rowsDir)
  ? fs
      .readdirSync(rowsDir)
      .sort()
      .map(f => JSON.parse(fs.readFileSync(path.join(rowsDir, f), 'utf8')))
  : [];

const money = c => (c === null || c === undefined ? '?' : `$${c.toFixed(4)}`);
const header = [
  'task',
  'run',
  'result',
  'turns',
  'tool calls',
  'input',
  'output',
  'cached',
  'cost',
  'wall s'
];
const table = rows.map(r => [
  r.task,
  r.expected ?? 'live',
  r.passed ? 'pass' : 'FAIL',
  r.turns,
  r.toolCalls,
  r.input + r.cacheWrite,
  r.output,
  r.cacheRead,
  money(r.cost),
  r.wallSeconds
]);
const widths = header.map((h, i) =>
  Math.max(h.length, ...table.map(row => String(row[i]).length))
);
const line = cells =>
  '| ' + cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ') + ' |';
console.log(
  `\nEvaluation (${mode}${mode === 'live' ? `, model ${env.EVAL_MODEL || 'claude-sonnet-4-6'}` : ', scripted runs through the mock'})`
);
console.log(line(header));
console.log('|' + widths.map(w => '-'.repeat(w + 2)).join('|') + '|');
table.forEach(row => console.log(line(row)));
console.log(
  "input = uncached input + cache writes; cached = cache reads. Cost: the extension's price table (schema/plugin.json `prices`)."
);
for (const r of rows.filter(r => r.failures.length)) {
  console.log(`- ${r.run}: ${r.failures.join(' | ').slice(0, 400)}`);
}

let ok = run.status === 0;
if (replay) {
  const wrong = rows.filter(r => (r.expected === 'pass') !== r.passed);
  if (wrong.length) {
    console.log(
      `Checkers that disagree with their replay: ${wrong.map(r => r.run).join(', ')}`
    );
    ok = false;
  }
  const tasks = new Set(rows.map(r => r.task));
  console.log(
    `${tasks.size} tasks, ${rows.length} replays, ${rows.length - wrong.length} as expected.`
  );
} else {
  console.log(
    `${rows.filter(r => r.passed).length} of ${rows.length} tasks passed.`
  );
}

fs.mkdirSync(path.join(outBase, name), { recursive: true });
const transcripts = path.join(state, 'transcripts');
if (fs.existsSync(transcripts)) {
  for (const file of fs.readdirSync(transcripts)) {
    fs.copyFileSync(
      path.join(transcripts, file),
      path.join(outBase, name, file)
    );
  }
}
const summary = {
  mode,
  date: new Date().toISOString(),
  model: replay ? 'mock (scripted)' : env.EVAL_MODEL || 'claude-sonnet-4-6',
  endpoint: replay
    ? 'ui-tests/mock/mock_anthropic.py'
    : process.env.ANTHROPIC_BASE_URL || 'https://api.anthropic.com',
  totalWallSeconds: Math.round((Date.now() - started) / 1000),
  loadAverage: os.loadavg().map(l => Math.round(l * 10) / 10),
  tasks: rows.map(r => ({
    ...r,
    transcript: `${name}/${path.basename(r.transcript)}`
  }))
};
fs.writeFileSync(
  path.join(outBase, `${name}.json`),
  JSON.stringify(summary, null, 1) + '\n'
);
console.log(
  `Written: ${path.relative(repo, path.join(outBase, `${name}.json`))} and ${path.relative(repo, path.join(outBase, name))}/`
);
fs.rmSync(state, { recursive: true, force: true });
process.exit(ok ? 0 : 1);
