#!/usr/bin/env node
/**
 * Chat persistence benchmark: saved size and save time of a long chat with
 * tool results, and its load time after a reload (target: under 100 ms).
 *
 *   node bench/chat_persistence.mjs [--reloads 7] [--saves 10] [--keep]
 *
 * 1. Generates a deterministic (seeded) saved chat (`ISavedChat`, format 1) of
 *    200 turns = 200 entries of `turns`: 100 user messages and 100 assistant
 *    replies. Most replies have a few hundred characters of markdown with a
 *    code block and one or two finished tool calls with realistic results
 *    (notebook summaries, run_cell outputs up to ~3 KB with two tracebacks,
 *    read_file results of 2-8 KB, inspect_variable JSON of ~2 KB, two plots
 *    as base64 PNG of ~30 KB). It is written with the store's own formatting
 *    (`JSON.stringify(chat, null, 1)`) into the lab's root, in
 *    `.jupyter/chats/` when the server serves hidden files, otherwise in the
 *    fallback folder `data-engineer-chats/` the store also reads.
 * 2. Starts the mock Messages API and a private `jupyter lab` (bench/lib/lab.mjs)
 *    serving a private copy of this checkout's labextension, in headless
 *    Chromium (playwright-core from ui-tests/node_modules). An init script puts
 *    the chat's id in localStorage (`jupyterlab-data-engineer:chat-id`).
 * 3. Per reload (a warm-up, then `--reloads` measured): a fresh workspace
 *    URL (so no saved layout opens the chat during start-up), JupyterLab started
 *    and idle, then in the page: `data-engineer:open` is executed and
 *    - `threads.lastRestore` is read (loadMs: read + parse + check the file;
 *      applyMs: fill the conversation),
 *    - in-page wall times from the command: the chat widget created (its restore
 *      starts in its constructor; seen by a MutationObserver), all 200
 *      `.jp-DataEngineer-turn` in the DOM, and every markdown block of the
 *      replies rendered (polled once per animation frame), plus long tasks.
 *    Between reloads the chat folder is put back to the generated file alone
 *    (the page's pagehide flush may have rewritten it); what it found is reported.
 * 4. Saves, on the last loaded page: `threads.flush()` `--saves` times
 *    (`threads.autosave.lastSaveMs` and the wall time of the call), one
 *    debounced autosave after a change (a title set), the file sizes on disk,
 *    and the serialisation alone (`savedChatOf` + `JSON.stringify`) in the
 *    page and `JSON.stringify` / `JSON.parse` in Node.
 *
 * Writes bench/results/chat_persistence.md and prints it. Exits 0 when the
 * median load (command -> last turn in the DOM) is under 100 ms, 1 when not,
 * 2 when the benchmark fails.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import {
  buildInfo,
  cmdOut,
  chromium,
  EXT_NAME,
  git,
  newestSource,
  PLAYWRIGHT_VERSION,
  REPO_LABEXT,
  sleep,
  startMockAndLab,
  killOnExit
} from './lib/lab.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const RESULTS = path.join(HERE, 'results', 'chat_persistence.md');
const CHAT_ID = 'bench-200-turns';
/** How many last turns a reopened chat renders at first (INITIAL_TURNS in src/ui/chatView.tsx). */
const INITIAL_TURNS = 40;
const CHAT_ID_KEY = 'jupyterlab-data-engineer:chat-id';
const TARGET_MS = 100;
const SEED = 20261126;
const STEP_TIMEOUT_MS = 120000;

const log = (...a) => console.error('[chat_persistence]', ...a);

function parseArgs(argv) {
  const opts = { reloads: 7, saves: 10, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--reloads') opts.reloads = Number(argv[++i]);
    else if (a === '--saves') opts.saves = Number(argv[++i]);
    else if (a === '--keep') opts.keep = true;
    else if (a === '-h' || a === '--help') {
      console.log(
        'usage: node bench/chat_persistence.mjs [--reloads 7] [--saves 10] [--keep]'
      );
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  if (!(opts.reloads >= 1) || !(opts.saves >= 1))
    throw new Error('--reloads and --saves must be at least 1');
  return opts;
}

// ---------------------------------------------------------------- statistics

function quantile(values, q) {
  const s = [...values].sort((a, b) => a - b);
  if (!s.length) return NaN;
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}
const median = v => quantile(v, 0.5);
const p90 = v => quantile(v, 0.9);
const ms = v =>
  v === null || v === undefined || Number.isNaN(v)
    ? 'n/a'
    : `${v.toFixed(1)} ms`;
const kb = bytes => `${(bytes / 1024).toFixed(1)} KiB`;
// ---------------------------------------------------------------- the generated chat

/** mulberry32: a small seeded PRNG, so the chat is the same on every run. */
function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: list => list[Math.floor(next() * list.length)],
    hex: n =>
      Array.from({ length: n }, () =>
        Math.floor(next() * 16).toString(16)
      ).join('')
  };
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function pngChunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/**
 * A valid RGB PNG of a scatter plot (axes, grid, coloured dots), with dots
 * added until its base64 is at least `targetB64` characters: a stand-in for a
 * matplotlib figure from a cell output.
 */
function plotPng(r, targetB64) {
  const W = 640;
  const H = 400;
  const px = Buffer.alloc(W * H * 3, 255);
  const set = (x, y, [cr, cg, cb]) => {
    if (x < 0 || y < 0 || x >= W || y >= H) return;
    const i = (y * W + x) * 3;
    px[i] = cr;
    px[i + 1] = cg;
    px[i + 2] = cb;
  };
  for (let x = 60; x < W - 20; x++) set(x, H - 40, [0, 0, 0]);
  for (let y = 20; y < H - 40; y++) set(60, y, [0, 0, 0]);
  for (let g = 1; g < 6; g++) {
    for (let x = 61; x < W - 20; x += 3)
      set(x, H - 40 - g * 60, [220, 220, 220]);
  }
  const palette = [
    [31, 119, 180],
    [255, 127, 14],
    [44, 160, 44],
    [214, 39, 40]
  ];
  const encode = () => {
    const raw = Buffer.alloc((W * 3 + 1) * H);
    for (let y = 0; y < H; y++) {
      raw[y * (W * 3 + 1)] = 0;
      px.copy(raw, y * (W * 3 + 1) + 1, y * W * 3, (y + 1) * W * 3);
    }
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(W, 0);
    ihdr.writeUInt32BE(H, 4);
    ihdr[8] = 8;
    ihdr[9] = 2;
    return Buffer.concat([
      Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
      pngChunk('IHDR', ihdr),
      pngChunk('IDAT', zlib.deflateSync(raw, { level: 6 })),
      pngChunk('IEND', Buffer.alloc(0))
    ]).toString('base64');
  };
  let b64 = encode();
  while (b64.length < targetB64) {
    for (let k = 0; k < 150; k++) {
      const cx = r.int(64, W - 24);
      const cy = Math.round(H - 40 - (cx - 60) * 0.45 - r.next() * 120 - 20);
      const col = r.pick(palette);
      for (let dx = -1; dx <= 1; dx++)
        for (let dy = -1; dy <= 1; dy++) set(cx + dx, cy + dy, col);
    }
    b64 = encode();
  }
  return b64;
}

const TABLES = [
  'orders',
  'customers',
  'payments',
  'shipments',
  'returns',
  'fx_rates',
  'daily_revenue',
  'sessions'
];
const COLUMNS = {
  orders: [
    'order_id',
    'customer_id',
    'order_ts',
    'amount',
    'currency',
    'status',
    'channel'
  ],
  customers: ['customer_id', 'region', 'segment', 'signup_date', 'country'],
  payments: [
    'payment_id',
    'order_id',
    'paid_at',
    'method',
    'amount_eur',
    'fee_eur'
  ],
  shipments: [
    'shipment_id',
    'order_id',
    'carrier',
    'shipped_at',
    'delivered_at',
    'weight_kg'
  ],
  returns: ['return_id', 'order_id', 'returned_at', 'reason', 'refund_eur'],
  fx_rates: ['rate_date', 'currency', 'eur_per_unit'],
  daily_revenue: ['day', 'region', 'orders', 'revenue_eur', 'refunds_eur'],
  sessions: [
    'session_id',
    'customer_id',
    'started_at',
    'pages',
    'device',
    'converted'
  ]
};
const DTYPES = [
  'int64',
  'float64',
  'object',
  'datetime64[ns, UTC]',
  'category',
  'bool',
  'string'
];
const FILES = [
  'etl/load_orders.py',
  'etl/transform.py',
  'etl/quality_checks.py',
  'sql/daily_revenue.sql',
  'sql/customer_ltv.sql',
  'config/pipeline.yaml',
  'README.md',
  'tests/test_transform.py',
  'dags/orders_daily.py'
];
const NOTEBOOKS = [
  'orders_etl.ipynb',
  'customer_ltv.ipynb',
  'quality_report.ipynb'
];

const ASKS = [
  'Can you look at %T and tell me why the row count dropped after the join?',
  'Run the cleaning cell again and check whether the null %C values are gone.',
  'Read %F and explain what the incremental load does when a day is re-run.',
  'What does %T look like now? Give me dtypes, nulls and a few rows.',
  'The daily aggregation is slow on the full month. Can you make it faster without changing the result?',
  'Add a quality check that fails when %C has duplicates, and run it.',
  'Plot revenue per region per day for the last two weeks.',
  'Rewrite the pandas transform of %T in DuckDB SQL and compare the totals.',
  'Why does this cell raise a KeyError on %C? It worked yesterday.',
  'Summarise the notebook so far and list what is still a TODO.',
  'Check the %F config: which tables are loaded, in which order, with which partitioning?',
  'Join %T with fx_rates as of the order day and convert the amounts to EUR.',
  'Are there orders in %T that have no matching customer? How many per day?',
  'Make the refund sign convention explicit and add a test for it in %F.'
];

function userText(r, i) {
  const t = r.pick(TABLES);
  const text = r
    .pick(ASKS)
    .replace('%T', `\`${t}\``)
    .replace('%C', `\`${r.pick(COLUMNS[t])}\``)
    .replace('%F', `\`${r.pick(FILES)}\``);
  // Some messages carry more context, like a pasted error or a requirement.
  if (r.next() < 0.3) {
    return `${text}\n\nContext: this feeds the finance dashboard, so totals per region must match the shop database to the cent, and the job runs at 06:00 every day on the previous day's export (about ${r.int(20, 900)}k rows). Message ${i + 1}.`;
  }
  return text;
}

function codeBlock(r, t) {
  const cols = COLUMNS[t];
  const c1 = r.pick(cols);
  const c2 = r.pick(cols);
  return r.pick([
    () =>
      '```python\n' +
      `${t}_clean = (\n    ${t}\n    .dropna(subset=["${c1}"])\n    .drop_duplicates(subset=["${cols[0]}"], keep="last")\n` +
      `    .assign(${c2}=lambda d: d["${c2}"].astype("string").str.strip())\n)\n` +
      `assert ${t}_clean["${cols[0]}"].is_unique, "duplicate ${cols[0]}"\nlen(${t}), len(${t}_clean)\n` +
      '```',
    () =>
      '```sql\n' +
      `SELECT ${c1}, count(*) AS n, sum(CASE WHEN ${c2} IS NULL THEN 1 ELSE 0 END) AS missing\nFROM ${t}\n` +
      `WHERE ${cols[0]} IS NOT NULL\nGROUP BY ${c1}\nORDER BY n DESC\nLIMIT 20;\n` +
      '```',
    () =>
      '```python\n' +
      `con = duckdb.connect()\ncon.register("${t}_df", ${t})\n` +
      `res = con.sql("""\n    SELECT ${c1}, count(*) AS n\n    FROM ${t}_df\n    GROUP BY ALL\n""").df()\nres.head(10)\n` +
      '```'
  ])();
}

function replyText(r, t) {
  const cols = COLUMNS[t];
  const intro = r.pick([
    `I checked \`${t}\`: the ${r.int(2, 9)} columns look as expected, but \`${r.pick(cols)}\` has ${r.int(1, 400)} missing values on ${r.int(1, 12)} days, all from the ${r.pick(['web', 'app', 'marketplace'])} channel.`,
    `The drop comes from the inner join on \`${cols[0]}\`: ${r.int(10, 5000)} rows have no match, mostly from the last ${r.int(2, 6)} days, which points to a late export rather than bad data.`,
    `The cell ran in ${(r.next() * 4 + 0.1).toFixed(2)} s. Most of the time goes into the \`groupby\` on a string column; converting it to \`category\` first should help.`,
    `Here is the change. It keeps the result identical (same row count and totals per ${r.pick(['day', 'region', 'currency'])}) and is easier to port to SQL.`
  ]);
  const outro = r.pick([
    `**Next:** I would add this as a check right after the load, so a bad export fails at 06:00 instead of in the dashboard.`,
    `Both versions give ${r.int(1000, 99999)} rows and the same revenue total (${(r.next() * 1e6).toFixed(2)} EUR), so the port is safe.`,
    `- The nulls are gone after the fix.\n- Duplicates: none on \`${cols[0]}\`.\n- Row count: ${r.int(1000, 99999)} (was ${r.int(1000, 99999)}).`,
    `Want me to apply the same change to the other notebooks that read \`${t}\`?`
  ]);
  return `${intro}\n\n${codeBlock(r, t)}\n\n${outro}`;
}

function dataFrameText(r, t, rows) {
  const cols = COLUMNS[t];
  const lines = ['    ' + cols.map(c => c.padStart(14)).join('')];
  for (let i = 0; i < rows; i++) {
    lines.push(
      String(i).padEnd(4) +
        cols
          .map(() =>
            r
              .pick([
                String(r.int(1, 999999)),
                (r.next() * 1000).toFixed(2),
                r.pick(['EUR', 'USD', 'paid', 'north', 'web', 'NaN']),
                '2026-11-' + String(r.int(1, 30)).padStart(2, '0')
              ])
              .padStart(14)
          )
          .join('')
    );
  }
  return lines.join('\n');
}

function tracebackText(r, t) {
  const col = r.pick(COLUMNS[t]) + '_x';
  return [
    '---------------------------------------------------------------------------',
    'KeyError                                  Traceback (most recent call last)',
    `File /opt/conda/lib/python3.11/site-packages/pandas/core/indexes/base.py:3805, in Index.get_loc(self, key)`,
    '   3804 try:',
    '-> 3805     return self._engine.get_loc(casted_key)',
    '   3806 except KeyError as err:',
    '',
    `File index.pyx:167, in pandas._libs.index.IndexEngine.get_loc()`,
    `File index.pyx:196, in pandas._libs.index.IndexEngine.get_loc()`,
    `File pandas/_libs/hashtable_class_helper.pxi:7081, in pandas._libs.hashtable.PyObjectHashTable.get_item()`,
    `File pandas/_libs/hashtable_class_helper.pxi:7089, in pandas._libs.hashtable.PyObjectHashTable.get_item()`,
    '',
    `KeyError: '${col}'`,
    '',
    'The above exception was the direct cause of the following exception:',
    '',
    'KeyError                                  Traceback (most recent call last)',
    `Cell In[${r.int(5, 60)}], line 3`,
    `      1 enriched = ${t}.merge(customers, on="customer_id", how="left")`,
    `----> 3 enriched["${col}"].fillna(0)`,
    '',
    'File /opt/conda/lib/python3.11/site-packages/pandas/core/frame.py:4102, in DataFrame.__getitem__(self, key)',
    '   4100 if self.columns.nlevels > 1:',
    '   4101     return self._getitem_multilevel(key)',
    '-> 4102 indexer = self.columns.get_loc(key)',
    '',
    `KeyError: '${col}'`,
    '',
    `Hint: the column is not in the frame; columns after the merge are ${COLUMNS[t].join(', ')}, customer_id, region, segment.`
  ].join('\n');
}

function notebookSummary(r, nb) {
  const lines = [
    `Notebook ${nb} (kernel python3, idle), ${r.int(12, 30)} cells, active cell ${r.hex(8)}:`
  ];
  const n = r.int(12, 30);
  for (let i = 0; i < n; i++) {
    const t = r.pick(TABLES);
    const kind = r.next() < 0.25 ? 'markdown' : 'code';
    if (kind === 'markdown') {
      lines.push(
        `[${i + 1}] ${r.hex(8)} markdown: ## ${r.pick(['Load', 'Clean', 'Join', 'Aggregate', 'Checks', 'Write'])} ${t}`
      );
    } else {
      const outs = r.pick([
        'no output',
        'text/plain',
        'text/html (table 5x7)',
        'image/png',
        'stream stdout 3 lines',
        'error KeyError'
      ]);
      lines.push(
        `[${i + 1}] ${r.hex(8)} code, exec ${r.int(1, 80)}, ${outs}: ${t}_${r.pick(['clean', 'df', 'agg'])} = ${t}.${r.pick(['merge', 'groupby', 'assign', 'query', 'dropna'])}(...)  # ${r.int(1, 12)} lines`
      );
    }
  }
  return lines.join('\n');
}

function readFileResult(r, file, targetBytes) {
  const lines = [];
  let n = 1;
  let size = 0;
  while (size < targetBytes) {
    const t = r.pick(TABLES);
    const c = r.pick(COLUMNS[t]);
    const line = r.pick([
      `def ${r.pick(['load', 'clean', 'check', 'write'])}_${t}(df: pd.DataFrame) -> pd.DataFrame:`,
      `    df = df[df["${c}"].notna()].copy()`,
      `    df["${c}"] = pd.to_datetime(df["${c}"], utc=True)`,
      `    log.info("%s rows after ${r.pick(['dedup', 'filter', 'join'])}", len(df))`,
      `    return df.merge(${t}, on="${c}", how="left", validate="many_to_one")`,
      `SELECT ${c}, sum(amount_eur) AS revenue FROM ${t} GROUP BY ${c};`,
      `  ${t}: {partition_by: day, format: parquet, compression: zstd}`,
      '',
      `# ${r.pick(['TODO', 'NOTE', 'FIXME'])}: ${r.pick(['handle late refunds', 'time zones', 'currency rounding', 'duplicate exports'])} for ${t}`
    ]);
    const row = `${String(n).padStart(6)}\t${line}`;
    lines.push(row);
    size += row.length + 1;
    n++;
  }
  return `${file} (${n - 1} lines):\n${lines.join('\n')}`;
}

function inspectResult(r, t) {
  const cols = COLUMNS[t];
  const rows = r.int(1000, 10_000_000);
  return JSON.stringify({
    name: `${t}_clean`,
    kind: 'pandas.DataFrame',
    shape: [rows, cols.length + 3],
    memory: `${(r.next() * 900 + 5).toFixed(1)} MB`,
    columns: [...cols, 'region', 'segment', 'amount_eur'].map(c => ({
      name: c,
      dtype: r.pick(DTYPES),
      nulls: r.int(0, 300),
      nulls_on: 'sample of 10000 rows',
      unique: r.int(1, 10000),
      example: r.pick([
        String(r.int(1, 99999)),
        (r.next() * 500).toFixed(2),
        'north',
        '2026-11-03T08:15:00Z',
        'EUR'
      ])
    })),
    sample: Array.from({ length: 5 }, () =>
      Object.fromEntries(
        cols.map(c => [
          c,
          r.pick([
            r.int(1, 99999),
            +(r.next() * 500).toFixed(2),
            'paid',
            'web',
            '2026-11-03'
          ])
        ])
      )
    ),
    index: { kind: 'RangeIndex', start: 0, stop: rows },
    truncated: false
  });
}

/** The 100 user + 100 assistant turns. */
function generateChat() {
  const r = rng(SEED);
  const t0 = Date.UTC(2026, 10, 2, 8, 0, 0);
  let clock = t0;
  let tool = 0;
  const images = [plotPng(r, 30000), plotPng(r, 30000)];
  const imageAt = new Set([37, 81]); // assistant replies whose run_cell returns a plot
  const tracebackAt = new Set([22, 64]); // ... and whose run_cell raises
  const turns = [];
  const stats = {
    calls: {},
    resultBytes: 0,
    images: 0,
    imageBytes: images.reduce((a, b) => a + b.length, 0),
    textBlocks: 0
  };

  const call = (name, input, content, extra = {}) => {
    tool++;
    stats.calls[name] = (stats.calls[name] ?? 0) + 1;
    stats.resultBytes +=
      typeof content === 'string'
        ? content.length
        : content.reduce(
            (a, b) => a + (b.text?.length ?? b.source?.data.length ?? 0),
            0
          );
    return {
      type: 'tool',
      call: {
        id: `toolu_bench_${String(tool).padStart(4, '0')}${r.hex(12)}`,
        name,
        input,
        state: 'done',
        preview: extra.preview ?? {
          summary: `${name} ${JSON.stringify(input).slice(0, 60)}`
        },
        result: { content, ...(extra.isError ? { isError: true } : {}) },
        allowedBy: extra.allowedBy ?? 'auto',
        durationMs: r.int(8, 4000)
      }
    };
  };

  for (let i = 0; i < 100; i++) {
    clock += r.int(20, 300) * 1000;
    const user = {
      id: `user-${clock.toString(36)}-${2 * i + 1}`,
      role: 'user',
      text: userText(r, i),
      createdAt: clock
    };
    if (i % 17 === 5) {
      const t = r.pick(TABLES);
      user.attachments = [{ label: `@${t}_clean`, text: inspectResult(r, t) }];
    }
    turns.push(user);

    const t = r.pick(TABLES);
    const nb = r.pick(NOTEBOOKS);
    const blocks = [];
    const text = replyText(r, t);
    blocks.push({ type: 'text', text });
    stats.textBlocks++;
    const nCalls = r.next() < 0.12 ? 0 : r.next() < 0.6 ? 1 : 2;
    for (let k = 0; k < nCalls; k++) {
      const cellId = r.hex(8);
      if (imageAt.has(i) && k === 0) {
        stats.images++;
        blocks.push(
          call(
            'run_cell',
            { notebook_path: nb, cell_id: cellId },
            [
              {
                type: 'text',
                text: `Cell ${cellId} ran (execution count ${r.int(10, 90)}, 1.84 s). Outputs:\n<Figure size 640x400 with 1 Axes>`
              },
              {
                type: 'image',
                source: {
                  type: 'base64',
                  media_type: 'image/png',
                  data: images[stats.images - 1]
                }
              }
            ],
            {
              preview: {
                summary: `Run cell ${cellId} in ${nb}`,
                code: {
                  source: `ax = daily.pivot(index="day", columns="region", values="revenue_eur").plot(figsize=(8, 5))\nax.set_ylabel("EUR")`,
                  language: 'python'
                }
              },
              allowedBy: 'chat'
            }
          )
        );
        continue;
      }
      if (tracebackAt.has(i) && k === 0) {
        blocks.push(
          call(
            'run_cell',
            { notebook_path: nb, cell_id: cellId },
            `Cell ${cellId} raised an error (execution count ${r.int(10, 90)}, 0.21 s):\n${tracebackText(r, t)}`,
            {
              isError: true,
              preview: {
                summary: `Run cell ${cellId} in ${nb}`,
                code: {
                  source: `enriched = ${t}.merge(customers, on="customer_id", how="left")\nenriched["${COLUMNS[t][1]}_x"].fillna(0)`,
                  language: 'python'
                }
              },
              allowedBy: 'chat'
            }
          )
        );
        continue;
      }
      const kind = r.next();
      if (kind < 0.12) {
        blocks.push(
          call(
            'get_notebook_summary',
            { notebook_path: nb },
            notebookSummary(r, nb),
            { preview: { summary: `Read the outline of ${nb}` } }
          )
        );
      } else if (kind < 0.47) {
        const rows = r.int(0, 30);
        const body = rows
          ? `\n${dataFrameText(r, t, rows)}\n[${r.int(1000, 99999)} rows x ${COLUMNS[t].length} columns]`
          : '';
        blocks.push(
          call(
            'run_cell',
            { notebook_path: nb, cell_id: cellId },
            `Cell ${cellId} ran (execution count ${r.int(10, 90)}, ${(r.next() * 3).toFixed(2)} s).${body ? ' Outputs:' + body : ' No output.'}`,
            {
              preview: {
                summary: `Run cell ${cellId} in ${nb}`,
                code: {
                  source: codeBlock(r, t).replace(/^```\w*\n|\n```$/g, ''),
                  language: 'python'
                }
              },
              allowedBy: 'chat'
            }
          )
        );
      } else if (kind < 0.67) {
        const file = r.pick(FILES);
        blocks.push(
          call(
            'read_file',
            { path: file },
            readFileResult(r, file, r.int(2048, 8192)),
            { preview: { summary: `Read ${file}` } }
          )
        );
      } else if (kind < 0.87) {
        blocks.push(
          call(
            'inspect_variable',
            { name: `${t}_clean` },
            inspectResult(r, t),
            { preview: { summary: `Inspect \`${t}_clean\` in the kernel` } }
          )
        );
      } else {
        const source = codeBlock(r, t).replace(/^```\w*\n|\n```$/g, '');
        blocks.push(
          call(
            'edit_cell',
            { notebook_path: nb, cell_id: cellId, source },
            `Cell ${cellId} in ${nb} replaced (${source.split('\n').length} lines). Run it to check it works.`,
            {
              preview: {
                summary: `Edit cell ${cellId} in ${nb}`,
                diff: { path: nb, before: `${t}.dropna()`, after: source }
              },
              allowedBy: 'once'
            }
          )
        );
      }
    }
    clock += r.int(3, 90) * 1000;
    const history = 2000 + i * 2600;
    turns.push({
      id: `asst-${clock.toString(36)}-${2 * i + 2}`,
      role: 'assistant',
      blocks,
      text,
      status: 'done',
      createdAt: clock,
      model: 'claude-sonnet-5',
      personaId: 'data-engineer',
      stopReason: nCalls ? 'tool_use' : 'end_turn',
      usage: {
        input_tokens: r.int(200, 3000),
        output_tokens: r.int(150, 900),
        cache_read_input_tokens: history,
        cache_creation_input_tokens: r.int(300, 4000)
      }
    });
  }
  const chat = {
    version: 1,
    id: CHAT_ID,
    title: turns[0].text.replace(/\s+/g, ' ').trim().slice(0, 59) + '…',
    createdAt: t0,
    updatedAt: clock,
    personaId: 'data-engineer',
    chatModel: null,
    grants: ['run_cell'],
    turns
  };
  return { chat, stats };
}

// ---------------------------------------------------------------- in-page measurement

/**
 * Runs in the page: open the chat with the command and time what follows.
 * `expectedTurns` turn elements and `expectedMarkdown` rendered markdown
 * blocks inside replies mean "rendered".
 */
async function measureOpen({ expectedTurns, expectedMarkdown, timeoutMs }) {
  const app = window.jupyterapp;
  const result = {
    widgetMs: null,
    turnsMs: null,
    markdownMs: null,
    commandMs: null,
    longTasks: [],
    frames: 0
  };
  if (document.querySelector('.jp-DataEngineer-chatWidget')) {
    result.error =
      'the chat widget existed before the command (opened by the layout?)';
    return result;
  }
  let po = null;
  try {
    po = new PerformanceObserver(list => {
      for (const e of list.getEntries())
        result.longTasks.push({ start: e.startTime, duration: e.duration });
    });
    po.observe({ type: 'longtask', buffered: false });
  } catch {
    po = null;
  }
  const t0 = performance.now();
  const mo = new MutationObserver(() => {
    if (
      result.widgetMs === null &&
      document.querySelector('.jp-DataEngineer-chatWidget')
    ) {
      result.widgetMs = performance.now() - t0;
      mo.disconnect();
    }
  });
  mo.observe(document.body, { childList: true, subtree: true });
  const done = new Promise(resolve => {
    const frame = () => {
      result.frames++;
      const now = performance.now() - t0;
      if (
        result.turnsMs === null &&
        document.querySelectorAll('.jp-DataEngineer-turn').length >=
          expectedTurns
      ) {
        result.turnsMs = now;
      }
      if (result.turnsMs !== null && result.markdownMs === null) {
        let rendered = 0;
        for (const node of document.querySelectorAll(
          '.jp-DataEngineer-assistant .jp-RenderedMarkdown'
        )) {
          if (node.childElementCount > 0) rendered++;
        }
        if (rendered >= expectedMarkdown) result.markdownMs = now;
      }
      if (result.markdownMs !== null) {
        resolve();
      } else if (now > timeoutMs) {
        result.timedOut = true;
        result.turnsInDom = document.querySelectorAll(
          '.jp-DataEngineer-turn'
        ).length;
        resolve();
      } else {
        requestAnimationFrame(frame);
      }
    };
    requestAnimationFrame(frame);
  });
  app.commands.execute('data-engineer:open').then(
    () => (result.commandMs = performance.now() - t0),
    e => (result.commandError = String(e))
  );
  await done;
  mo.disconnect();
  // Long tasks are reported a little after they end.
  await new Promise(r => setTimeout(r, 200));
  if (po) po.disconnect();
  result.longTasks = result.longTasks
    .map(t => ({ start: t.start - t0, duration: t.duration }))
    .filter(t => t.start + t.duration > 0);
  const shell = [...app.shell.widgets('right')].find(
    w => w.id === 'jp-data-engineer-chat'
  );
  if (!shell) {
    result.error = 'no right-sidebar widget with id jp-data-engineer-chat';
    return result;
  }
  const chat = await shell.load();
  result.saveSeenAtDone = chat.threads.autosave.lastSaveMs;
  // Does the restore itself lead to a save? Wait past the autosave's debounce.
  await new Promise(r => setTimeout(r, 1500));
  while (chat.threads.autosave.busy) await new Promise(r => setTimeout(r, 20));
  result.saveAfterRestore = chat.threads.autosave.lastSaveMs;
  result.lastRestore = chat.threads.lastRestore;
  result.restored = chat.restored;
  result.problem = chat.threads.problem;
  result.folder = chat.threads.store.folder;
  result.chatId = chat.assistant.chatId;
  result.conversationTurns = chat.assistant.conversation.turns.length;
  return result;
}

// ---------------------------------------------------------------- main

async function main() {
  const opts = parseArgs(process.argv.slice(2));

  // 1. The chat.
  const genStart = performance.now();
  const { chat, stats } = generateChat();
  const chatText = JSON.stringify(chat, null, 1); // the store's formatting
  const chatBytes = Buffer.byteLength(chatText);
  // The chat opens on its last INITIAL_TURNS turns (src/ui/chatView.tsx); the rest on "Show earlier".
  const shownTurns = Math.min(chat.turns.length, INITIAL_TURNS);
  const expectedMarkdown = chat.turns
    .slice(-shownTurns)
    .filter(t => t.role === 'assistant')
    .reduce(
      (a, t) => a + t.blocks.filter(b => b.type === 'text' && b.text).length,
      0
    );
  log(
    `generated ${chat.turns.length} turns, ${kb(chatBytes)} (${(performance.now() - genStart).toFixed(0)} ms); tool calls ${JSON.stringify(stats.calls)}`
  );

  // Serialisation alone, in Node.
  const nodeStringify = [];
  const nodeParse = [];
  for (let i = 0; i < 25; i++) {
    let t = performance.now();
    JSON.stringify(chat, null, 1);
    nodeStringify.push(performance.now() - t);
    t = performance.now();
    JSON.parse(chatText);
    nodeParse.push(performance.now() - t);
  }
  nodeStringify.splice(0, 5);
  nodeParse.splice(0, 5);

  // 2. Private copy of the labextension, lab root.
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'de-chat-persist-'));
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
  let info;
  for (let attempt = 1; ; attempt++) {
    fs.rmSync(snapshot, { recursive: true, force: true });
    const before = buildInfo(REPO_LABEXT);
    fs.cpSync(REPO_LABEXT, snapshot, {
      recursive: true,
      dereference: true,
      preserveTimestamps: true
    });
    const after = buildInfo(REPO_LABEXT);
    info = buildInfo(snapshot);
    if (
      before.load === after.load &&
      before.builtAt.getTime() === after.builtAt.getTime() &&
      fs.existsSync(info.entry)
    )
      break;
    if (attempt >= 3)
      throw new Error(
        'the labextension keeps changing under us (a concurrent build?); run again later'
      );
    log('the labextension changed while being copied; retrying');
    await sleep(2000);
  }
  const src = newestSource();
  const srcNewer = src.mtime > info.builtAt;
  const snapshotHasRestore = fs
    .readdirSync(path.join(snapshot, 'static'))
    .some(
      f =>
        f.endsWith('.js') &&
        fs
          .readFileSync(path.join(snapshot, 'static', f), 'utf8')
          .includes('lastRestore')
    );
  log(
    `using ${info.dev ? 'DEVELOPMENT' : 'production'} build ${info.load} (built ${info.builtAt.toISOString()})`
  );
  if (srcNewer)
    log(
      `warning: ${src.file} (${src.mtime.toISOString()}) is newer than the build`
    );
  if (!snapshotHasRestore)
    log(
      'warning: no "lastRestore" in the build: chat persistence may not be built in'
    );
  const root = path.join(tmp, 'root');
  const hiddenDir = path.join(root, '.jupyter', 'chats');
  const fallbackDir = path.join(root, 'data-engineer-chats');
  fs.mkdirSync(hiddenDir, { recursive: true });
  fs.writeFileSync(path.join(hiddenDir, `${CHAT_ID}.json`), chatText);

  const children = [];
  const cleanup = killOnExit(children);

  let browser = null;
  let succeeded = false;
  try {
    const { base } = await startMockAndLab({ tmp, children, log });

    // Hidden files served? Otherwise the store uses its fallback folder.
    const probe = await fetch(
      `${base}api/contents/.jupyter/chats/${CHAT_ID}.json?content=0`
    );
    let chatDir = hiddenDir;
    let chatFolder = '.jupyter/chats';
    if (!probe.ok) {
      log(
        `GET .jupyter/chats/${CHAT_ID}.json: HTTP ${probe.status} (hidden files not served); using data-engineer-chats/`
      );
      fs.rmSync(path.join(root, '.jupyter'), { recursive: true, force: true });
      fs.mkdirSync(fallbackDir, { recursive: true });
      fs.writeFileSync(path.join(fallbackDir, `${CHAT_ID}.json`), chatText);
      chatDir = fallbackDir;
      chatFolder = 'data-engineer-chats';
    }
    const chatFile = path.join(chatDir, `${CHAT_ID}.json`);
    const resetFolder = () => {
      const found = fs
        .readdirSync(chatDir, { withFileTypes: true })
        .map(e => (e.isDirectory() ? `${e.name}/` : e.name))
        .sort();
      for (const f of found)
        fs.rmSync(path.join(chatDir, f), { recursive: true, force: true });
      fs.writeFileSync(chatFile, chatText);
      return found;
    };

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
    await context.addInitScript(
      ([key, id]) => {
        try {
          window.localStorage.setItem(key, id);
        } catch {
          /* ignore */
        }
      },
      [CHAT_ID_KEY, CHAT_ID]
    );
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

    // 3. Reloads.
    const runs = [];
    const foundBetween = [];
    for (let i = 0; i <= opts.reloads; i++) {
      if (i > 0) {
        await page.goto('about:blank');
        await sleep(1500); // let the pagehide flush (if any) reach the server
        foundBetween.push(resetFolder());
      }
      await page.goto(`${base}lab/workspaces/chat-bench-${i}`, {
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
      if (i === 0) {
        if (
          !(await page.evaluate(() =>
            window.jupyterapp.commands.hasCommand('data-engineer:open')
          ))
        ) {
          throw new Error(
            'command data-engineer:open is not registered: extension not loaded?'
          );
        }
        const loaded = await page.evaluate(
          load =>
            performance
              .getEntriesByType('resource')
              .some(e =>
                e.name.includes(
                  `/lab/extensions/jupyterlab-data-engineer/${load}`
                )
              ),
          info.load
        );
        if (!loaded)
          throw new Error(
            `the page did not load ${info.load}: is ${EXT_NAME} installed elsewhere too?`
          );
      }
      await sleep(1500); // start-up requests settle
      const r = await page.evaluate(measureOpen, {
        expectedTurns: shownTurns,
        expectedMarkdown,
        timeoutMs: 60000
      });
      // Then every earlier turn, on the user's demand.
      r.showAllMs = await page.evaluate(async total => {
        const button = document.querySelector('.jp-DataEngineer-showEarlier');
        if (!button) return null;
        const t0 = performance.now();
        button.click();
        return new Promise(resolve => {
          const frame = () => {
            if (
              document.querySelectorAll('.jp-DataEngineer-turn').length >= total
            )
              resolve(performance.now() - t0);
            else if (performance.now() - t0 > 30000) resolve(null);
            else requestAnimationFrame(frame);
          };
          requestAnimationFrame(frame);
        });
      }, chat.turns.length);
      r.warmup = i === 0;
      runs.push(r);
      const lt = r.longTasks.reduce((a, t) => Math.max(a, t.duration), 0);
      log(
        `${i === 0 ? 'warm-up' : `reload ${i}`}: loadMs ${ms(r.lastRestore?.loadMs)}, applyMs ${ms(r.lastRestore?.applyMs)}, ` +
          `widget ${ms(r.widgetMs)}, turns in DOM ${ms(r.turnsMs)}, markdown ${ms(r.markdownMs)}, longest task ${ms(lt)}` +
          `, save after restore: ${r.saveAfterRestore === null ? 'none' : ms(r.saveAfterRestore)}` +
          `${r.timedOut ? ` TIMED OUT (${r.turnsInDom} turns in DOM)` : ''}${r.error ? ` ERROR ${r.error}` : ''}${r.problem ? ` problem: ${r.problem}` : ''}`
      );
      if (r.error) throw new Error(r.error);
      if (!r.lastRestore) {
        throw new Error(
          `no restore happened (threads.lastRestore is null; restored=${r.restored}, chat id ${r.chatId}, ${r.conversationTurns} turns, folder ${r.folder}, problem ${r.problem})`
        );
      }
    }
    const measured = runs.filter(r => !r.warmup);

    // 4. Saves, on the last page (the chat is loaded).
    const saveRuns = await page.evaluate(
      async ({ n, id }) => {
        const shell = [...window.jupyterapp.shell.widgets('right')].find(
          w => w.id === 'jp-data-engineer-chat'
        );
        const chat = await shell.load();
        const threads = chat.threads;
        const out = {
          flush: [],
          serialise: [],
          debounced: null,
          turns: chat.assistant.conversation.turns.length,
          idle: []
        };
        // Where a load's time goes, with the page idle (the restore runs while the
        // chat's other start-up requests are under way): the raw HTTP request, the
        // contents manager, the store (folder known by now), the chat's refresh().
        const folder = threads.store.folder;
        const file = `${folder}/${id}.json`;
        const settings = window.jupyterapp.serviceManager.serverSettings;
        const settle = async () => {
          await new Promise(r => setTimeout(r, 700));
          while (threads.autosave.busy)
            await new Promise(r => setTimeout(r, 20));
        };
        for (let i = 0; i < 6; i++) {
          await settle(); // a save under way renames the file away for a moment
          const row = {};
          let t = performance.now();
          const res = await fetch(
            `${settings.baseUrl}api/contents/${file}?type=file&format=text&content=1&_=${Date.now()}`,
            { credentials: 'same-origin' }
          );
          const body = await res.text();
          if (!res.ok) throw new Error(`GET ${file}: HTTP ${res.status}`);
          row.fetchMs = performance.now() - t;
          t = performance.now();
          const model = JSON.parse(body);
          JSON.parse(model.content);
          row.parseMs = performance.now() - t;
          t = performance.now();
          await window.jupyterapp.serviceManager.contents.get(file, {
            content: true,
            type: 'file',
            format: 'text'
          });
          row.contentsGetMs = performance.now() - t;
          t = performance.now();
          await threads.store.load(id);
          row.storeLoadMs = performance.now() - t;
          await settle();
          t = performance.now();
          await chat.refresh();
          row.refreshMs = performance.now() - t;
          out.idle.push(row);
          await new Promise(r => setTimeout(r, 200));
        }
        for (let i = 0; i < n; i++) {
          const t = performance.now();
          await threads.autosave.flush(); // a forced save (threads.flush() skips an unchanged chat)
          out.flush.push({
            wall: performance.now() - t,
            lastSaveMs: threads.autosave.lastSaveMs
          });
          await new Promise(r => setTimeout(r, 300));
        }
        // Serialisation alone: what the autosave's chat() does, then the store's stringify.
        const chatOf = threads.autosave._options?.chat;
        for (let i = 0; i < 12 && chatOf; i++) {
          let t = performance.now();
          const saved = chatOf();
          const snapshotMs = performance.now() - t;
          t = performance.now();
          const text = JSON.stringify({ ...saved, version: 1 }, null, 1);
          out.serialise.push({
            snapshotMs,
            stringifyMs: performance.now() - t,
            chars: text.length
          });
        }
        // One debounced autosave after a change.
        threads.autosave.lastSaveMs = null;
        const t = performance.now();
        chat.assistant.setTitle('Orders pipeline review (bench)');
        while (
          (threads.autosave.busy || threads.autosave.lastSaveMs === null) &&
          performance.now() - t < 10000
        ) {
          await new Promise(r => setTimeout(r, 10));
        }
        out.debounced = {
          lastSaveMs: threads.autosave.lastSaveMs,
          sinceChangeMs: performance.now() - t
        };
        out.problem = threads.problem;
        return out;
      },
      { n: opts.saves, id: CHAT_ID }
    );
    log(
      `saves: lastSaveMs ${saveRuns.flush.map(f => f.lastSaveMs).join(', ')} ms; debounced ${JSON.stringify(saveRuns.debounced)}`
    );
    const afterSave = fs
      .readdirSync(chatDir, { withFileTypes: true })
      .map(e => ({
        name: e.isDirectory() ? `${e.name}/` : e.name,
        dir: e.isDirectory(),
        bytes: fs.statSync(path.join(chatDir, e.name)).size
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
    const savedText = fs.readFileSync(chatFile, 'utf8');
    const savedTurns = JSON.parse(savedText).turns.length;
    const browserVersion = browser.version();
    await context.close();

    // 5. Report.
    const col = (rs, f) => rs.map(f).filter(v => typeof v === 'number');
    const row = (label, values, note = '') =>
      `| ${label} | ${ms(median(values))} | ${ms(p90(values))} | ${ms(Math.min(...values))} | ${ms(Math.max(...values))} | ${note} |`;
    const loadMs = col(measured, r => r.lastRestore.loadMs);
    const applyMs = col(measured, r => r.lastRestore.applyMs);
    const widgetMs = col(measured, r => r.widgetMs);
    const turnsMs = col(measured, r => r.turnsMs);
    const markdownMs = col(measured, r => r.markdownMs);
    const widgetToTurns = measured
      .filter(r => r.widgetMs !== null && r.turnsMs !== null)
      .map(r => r.turnsMs - r.widgetMs);
    const widgetToMarkdown = measured
      .filter(r => r.widgetMs !== null && r.markdownMs !== null)
      .map(r => r.markdownMs - r.widgetMs);
    const longest = measured.map(r =>
      r.longTasks.reduce((a, t) => Math.max(a, t.duration), 0)
    );
    const longSum = measured.map(r =>
      r.longTasks.reduce((a, t) => a + t.duration, 0)
    );
    const flushLast = saveRuns.flush
      .map(f => f.lastSaveMs)
      .filter(v => typeof v === 'number');
    const flushWall = saveRuns.flush.map(f => f.wall);
    const snapMs = saveRuns.serialise.slice(2).map(s => s.snapshotMs);
    const strMs = saveRuns.serialise.slice(2).map(s => s.stringifyMs);
    const pass = median(widgetToTurns) < TARGET_MS;
    const dirty = git(
      'status',
      '--porcelain',
      '--',
      'src',
      'style',
      'schema',
      'personas',
      'package.json'
    );
    const typeCounts = Object.entries(stats.calls)
      .map(([k, v]) => `${v} ${k}`)
      .join(', ');
    const totalCalls = Object.values(stats.calls).reduce((a, b) => a + b, 0);
    const pagehide = foundBetween
      .map(f => f.join(' + '))
      .reduce((m, k) => m.set(k, (m.get(k) ?? 0) + 1), new Map());

    const md = [];
    md.push(
      '# Chat persistence: saved size, save time, load time after a reload'
    );
    md.push('');
    md.push(
      `Generated by \`node bench/chat_persistence.mjs${process.argv.slice(2).length ? ' ' + process.argv.slice(2).join(' ') : ''}\` on ${new Date().toISOString()}, ` +
        `git \`${git('rev-parse', '--short', 'HEAD')}\`${dirty && dirty !== '?' ? ' plus uncommitted changes in src/style/schema/personas' : ''}; ` +
        `machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB.`
    );
    md.push('');
    md.push(
      `Target: a 200-turn chat loads in under ${TARGET_MS} ms after a reload. Chat widget created (its restore starts) → the chat on screen (its last ${INITIAL_TURNS} turns in the DOM; the earlier ones render on "Show earlier"), ` +
        `median **${ms(median(widgetToTurns))}**: **${pass ? 'PASS' : 'FAIL'}** ` +
        `(reading and parsing the file alone, \`lastRestore.loadMs\`: median ${ms(median(loadMs))}).`
    );
    md.push('');
    md.push('## The chat');
    md.push('');
    md.push(
      `${chat.turns.length} turns = ${chat.turns.length} entries of \`turns\`: 100 user messages (${chat.turns.filter(t => t.attachments).length} with an @variable attachment) ` +
        `and 100 assistant replies, each with ~300-700 characters of markdown with a code block; ${totalCalls} finished tool calls in ` +
        `${chat.turns.filter(t => t.role === 'assistant' && t.blocks.some(b => b.type === 'tool')).length} replies (${typeCounts}), ` +
        `two run_cell results with a traceback, two with a PNG plot (${kb(stats.imageBytes)} of base64 together). ` +
        `Tool results hold ${kb(stats.resultBytes)} of text and base64. Seeded (${SEED}): the same bytes on every run.`
    );
    md.push('');
    md.push('| | size |');
    md.push('|---|---:|');
    md.push(
      `| generated file (\`JSON.stringify(chat, null, 1)\`, as the store writes) | ${chatBytes} B (${kb(chatBytes)}) |`
    );
    md.push(
      `| gzip -6 of it (for scale; the server stores it uncompressed) | ${kb(zlib.gzipSync(chatText).length)} |`
    );
    for (const f of afterSave) {
      md.push(
        f.dir
          ? `| after the saves: \`${chatFolder}/${f.name}\` (a folder; ${fs.readdirSync(path.join(chatDir, f.name)).length} entries) | — |`
          : `| after the saves: \`${chatFolder}/${f.name}\` | ${f.bytes} B (${kb(f.bytes)}) |`
      );
    }
    md.push(
      `| disk used by the chat after the saves (the previous version stays as \`.tmp\`) | ${kb(afterSave.filter(f => !f.dir).reduce((a, f) => a + f.bytes, 0))} |`
    );
    md.push('');
    md.push(
      `## Load after a reload (${measured.length} reloads after a warm-up)`
    );
    md.push('');
    md.push('| measure | median | p90 | min | max | what |');
    md.push('|---|---:|---:|---:|---:|---|');
    md.push(
      row(
        '`lastRestore.loadMs`',
        loadMs,
        'store.load: find the folder, GET the file through the contents API, JSON.parse, check'
      )
    );
    md.push(
      row(
        '`lastRestore.applyMs`',
        applyMs,
        'fill the conversation (deep copy of the turns, signals); no rendering'
      )
    );
    md.push(
      row(
        'command → widget created',
        widgetMs,
        '`data-engineer:open` to the ChatWidget in the DOM: lazy chunk import and construction; the restore starts in the constructor'
      )
    );
    md.push(
      row(
        `widget created → last ${INITIAL_TURNS} turns in DOM`,
        widgetToTurns,
        'restore (load, apply; the persona is set when the personas have loaded) and the React render'
      )
    );
    md.push(
      row(
        'widget created → markdown rendered',
        widgetToMarkdown,
        `all ${expectedMarkdown} markdown blocks of the replies rendered (JupyterLab's renderer, async)`
      )
    );
    md.push(
      row(
        `command → last ${INITIAL_TURNS} turns in DOM`,
        turnsMs,
        'first animation frame with those turn elements present'
      )
    );
    md.push(
      row(
        '"Show earlier" → all 200 turns in DOM',
        measured.map(r => r.showAllMs).filter(v => typeof v === 'number'),
        'the click to the frame with every turn element (markdown renders after)'
      )
    );
    md.push(row('command → markdown rendered', markdownMs, ''));
    md.push(
      row(
        'longest main-thread task',
        longest,
        'Long Tasks API, command to markdown rendered'
      )
    );
    md.push(row('sum of long tasks', longSum, ''));
    md.push('');
    const w = runs[0];
    md.push(
      `Warm-up (first page of the browser, cold HTTP cache): loadMs ${ms(w.lastRestore?.loadMs)}, applyMs ${ms(w.lastRestore?.applyMs)}, ` +
        `command → widget ${ms(w.widgetMs)}, → turns ${ms(w.turnsMs)}, → markdown ${ms(w.markdownMs)}. ` +
        `Store folder in use: \`${w.folder}\`.`
    );
    md.push('');
    md.push(
      'Per reload (ms): ' +
        measured
          .map(
            r =>
              `${r.lastRestore.loadMs.toFixed(0)}/${r.lastRestore.applyMs.toFixed(0)}/${r.turnsMs?.toFixed(0)}/${r.markdownMs?.toFixed(0)}`
          )
          .join(', ') +
        ' (loadMs/applyMs/command→turns/command→markdown).'
    );
    md.push('');
    const savedAfter = measured.filter(r => r.saveAfterRestore !== null);
    md.push(
      `Autosave after the restore (nothing changed by the user; checked 1.5 s after the markdown was rendered): ${savedAfter.length} of ${measured.length} reloads ` +
        `saved the chat again${savedAfter.length ? ` (lastSaveMs ${savedAfter.map(r => r.saveAfterRestore).join(', ')} ms)` : ''}.`
    );
    md.push('');
    md.push(
      "Chat folder found before each reload (the previous page's `pagehide` flush may have saved it again; it is then put back to the generated file alone): " +
        [...pagehide.entries()].map(([k, v]) => `${v}× \`${k}\``).join(', ') +
        '.'
    );
    md.push('');
    const idle = saveRuns.idle.slice(1);
    md.push(
      `Where the load's time goes, measured with the page idle after the last reload (${idle.length} times after one warm-up):`
    );
    md.push('');
    md.push('| measure | median | p90 | min | max | what |');
    md.push('|---|---:|---:|---:|---:|---|');
    md.push(
      row(
        'raw `fetch` of the file',
        idle.map(r => r.fetchMs),
        '`GET /api/contents/<file>?format=text&content=1` and reading the body'
      )
    );
    md.push(
      row(
        'the two `JSON.parse`',
        idle.map(r => r.parseMs),
        'the contents model, then the chat inside it'
      )
    );
    md.push(
      row(
        '`contents.get` of the file',
        idle.map(r => r.contentsGetMs),
        "JupyterLab's contents manager (what the store calls)"
      )
    );
    md.push(
      row(
        '`threads.store.load(id)`',
        idle.map(r => r.storeLoadMs),
        'folder already known: one GET, parse, check'
      )
    );
    md.push(
      row(
        '`chat.refresh()`',
        idle.map(r => r.refreshMs),
        'server config, personas, instructions: the restore waits for it before applying'
      )
    );
    md.push('');
    md.push(`## Save (${saveRuns.turns} turns in the conversation)`);
    md.push('');
    md.push('| measure | median | p90 | min | max | what |');
    md.push('|---|---:|---:|---:|---:|---|');
    md.push(
      row(
        '`autosave.lastSaveMs` (flush)',
        flushLast,
        `\`threads.flush()\` ${flushLast.length}×, 300 ms apart: chat snapshot, stringify, exists check, PUT .tmp, 3 renames`
      )
    );
    md.push(
      row(
        '`threads.flush()` wall time',
        flushWall,
        'the same, measured around the call in the page'
      )
    );
    md.push(
      row(
        'snapshot (`savedChatOf`) in the page',
        snapMs,
        'conversation.toJSON() and the chat object'
      )
    );
    md.push(row('`JSON.stringify(chat, null, 1)` in the page', strMs, ''));
    md.push(
      row(
        '`JSON.stringify(chat, null, 1)` in Node',
        nodeStringify,
        `Node ${process.version}, 20 runs after 5 warm-up`
      )
    );
    md.push(row('`JSON.parse` of the file in Node', nodeParse, ''));
    md.push('');
    md.push(
      `First flush after the restore: ${ms(saveRuns.flush[0]?.lastSaveMs)}. One debounced autosave after a change (title set; 500 ms debounce): ` +
        `\`lastSaveMs\` ${ms(saveRuns.debounced?.lastSaveMs)}, saved ${ms(saveRuns.debounced?.sinceChangeMs)} after the change. ` +
        `File after the saves: ${savedTurns} turns.${saveRuns.problem ? ` Problem shown: ${saveRuns.problem}` : ''}`
    );
    md.push('');
    md.push('## Setup');
    md.push('');
    md.push(
      `- Labextension: **${info.dev ? 'development' : 'production'}** build \`${info.load}\` of this checkout (built ${info.builtAt.toISOString()}${srcNewer ? `; **\`${src.file}\` is newer**, ${src.mtime.toISOString()}` : ', newer than every file in src/style/schema/personas'}), ` +
        'copied into a private `JUPYTER_PATH` entry; the server extension is imported from the Python environment.'
    );
    md.push(
      `- JupyterLab ${cmdOut('jupyter', ['lab', '--version'])}, Python ${cmdOut('python3', ['--version']).replace('Python ', '')}, Node ${process.version}, ` +
        `headless Chromium ${browserVersion} via playwright-core ${PLAYWRIGHT_VERSION}; \`jupyter lab\` (contents on local disk, tmpfs or not as \`os.tmpdir()\` is) and the mock on ports the OS picked.`
    );
    md.push(
      `- Chat file in \`${chatFolder}/\`${chatFolder === 'data-engineer-chats' ? ' (the lab of bench/lib/lab.mjs does not serve hidden files, so the store falls back to it)' : ''}; ` +
        `its id in localStorage by an init script. Each reload opens a new workspace URL (no saved layout), waits for JupyterLab to be restored plus 1.5 s, ` +
        'then runs `data-engineer:open`. Times in the page use `performance.now()`; "in DOM" and "rendered" are checked once per animation frame, ' +
        'the widget creation by a MutationObserver.'
    );
    md.push('');
    fs.mkdirSync(path.dirname(RESULTS), { recursive: true });
    fs.writeFileSync(RESULTS, md.join('\n'));
    console.log(md.join('\n'));
    log(
      `median widget → last ${INITIAL_TURNS} turns ${ms(median(widgetToTurns))} (target < ${TARGET_MS} ms): ${pass ? 'PASS' : 'FAIL'}`
    );
    log(`wrote ${path.relative(process.cwd(), RESULTS)}`);
    if (!pass) process.exitCode = 1;
    succeeded = true;
  } finally {
    if (browser) await browser.close().catch(() => {});
    cleanup();
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
  console.error(
    '[chat_persistence] FAILED:',
    err && err.stack ? err.stack : err
  );
  process.exitCode = 2;
});
