#!/usr/bin/env node
/**
 * Prompt-cache share benchmark: in a five-turn scripted conversation through
 * the real chat panel, what share of each request's input tokens falls in the
 * cacheable stable prefix (tools + system + conversation up to the last
 * cache_control breakpoint), what share the (simulated) cache reads, and
 * whether each request's prefix is byte-identical to the previous request's
 * up to that request's last breakpoint.
 *
 *   node bench/cache_share.mjs [--keep] [--build]
 *
 * Runs the mock Messages API (ui-tests/mock/mock_anthropic.py, which simulates
 * Anthropic prompt caching: see ui-tests/mock/SPEC.md) and a real `jupyter lab`
 * serving a private copy of this checkout's labextension
 * (jupyterlab_data_engineer/labextension; `--build` runs `npm run build:prod`
 * first), in headless Chromium driven by playwright-core from
 * ui-tests/node_modules. A notebook with a few executed ETL cells is open, so
 * the notebook view and the kernel's data frames are appended as volatile
 * context. Five user messages are typed into the composer and sent with Enter;
 * turn 1 and turn 3 make an automatically approved read-tool call
 * (list_open_notebooks, get_notebook_summary) before their final text.
 *
 * Token counts are the mock's estimate (ceil(JSON chars / 4), the same for
 * count_tokens, the prefix and the usage), so the shares are meaningful even
 * though the absolute numbers are not the real tokenizer's.
 *
 * Writes bench/results/cache_share.md and prints it. Exits 0 when every request
 * from turn two on has a stable-prefix share over 90 % and every prefix check
 * passed, 1 when not, 2 when the benchmark fails.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  buildInfo,
  cmdOut,
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
const RESULTS = path.join(HERE, 'results', 'cache_share.md');
const TARGET_SHARE = 0.9; // stable prefix share of the input tokens, from turn two on
const NOTEBOOK = 'orders_etl.ipynb';
const STEP_TIMEOUT_MS = 90000;

const log = (...a) => console.error('[cache_share]', ...a);

function parseArgs(argv) {
  const opts = { keep: false, build: false };
  for (const a of argv) {
    if (a === '--keep') opts.keep = true;
    else if (a === '--build') opts.build = true;
    else if (a === '-h' || a === '--help') {
      console.log('usage: node bench/cache_share.mjs [--keep] [--build]');
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  return opts;
}

const pct = v =>
  v === null || v === undefined || Number.isNaN(v)
    ? 'n/a'
    : `${(v * 100).toFixed(1)} %`;
// ---------------------------------------------------------------- workspace files

/** A small ETL notebook; its cells build data frames inline so it runs anywhere pandas does. */
function notebookJson() {
  let id = 0;
  const code = (source, outputs = []) => ({
    id: `cell-${++id}`,
    cell_type: 'code',
    execution_count: null,
    metadata: {},
    outputs,
    source
  });
  const md = source => ({
    id: `cell-${++id}`,
    cell_type: 'markdown',
    metadata: {},
    source
  });
  return {
    cells: [
      md(
        '# Orders ETL\n\nDaily load of the web-shop orders into the reporting mart: clean, enrich with customers, aggregate per region and day.'
      ),
      code(
        'import pandas as pd\nimport numpy as np\n\npd.set_option("display.width", 120)'
      ),
      code(
        'rng = np.random.default_rng(7)\n' +
          'n = 5_000\n' +
          'orders = pd.DataFrame({\n' +
          '    "order_id": np.arange(100_000, 100_000 + n),\n' +
          '    "customer_id": rng.integers(1, 800, n),\n' +
          '    "order_ts": pd.Timestamp("2026-11-01") + pd.to_timedelta(rng.integers(0, 30 * 24 * 3600, n), unit="s"),\n' +
          '    "amount": rng.gamma(2.0, 35.0, n).round(2),\n' +
          '    "currency": rng.choice(["EUR", "USD", "GBP"], n, p=[0.7, 0.2, 0.1]),\n' +
          '    "status": rng.choice(["paid", "refunded", "cancelled", None], n, p=[0.85, 0.05, 0.07, 0.03]),\n' +
          '})\n' +
          'orders.head()'
      ),
      code(
        'customers = pd.DataFrame({\n' +
          '    "customer_id": np.arange(1, 800),\n' +
          '    "region": rng.choice(["north", "south", "east", "west"], 799),\n' +
          '    "segment": rng.choice(["retail", "b2b"], 799, p=[0.8, 0.2]),\n' +
          '})\n' +
          'customers.shape'
      ),
      md(
        '## Clean\n\nDrop cancelled and unknown-status orders, convert to EUR.'
      ),
      code(
        'fx = {"EUR": 1.0, "USD": 0.92, "GBP": 1.17}\n' +
          'clean = orders[orders["status"].isin(["paid", "refunded"])].copy()\n' +
          'clean["amount_eur"] = clean["amount"] * clean["currency"].map(fx)\n' +
          'clean.loc[clean["status"] == "refunded", "amount_eur"] *= -1\n' +
          'len(clean), clean["amount_eur"].sum().round(2)'
      ),
      code(
        'enriched = clean.merge(customers, on="customer_id", how="left", validate="many_to_one")\n' +
          'daily = (enriched.assign(day=enriched["order_ts"].dt.date)\n' +
          '         .groupby(["day", "region"], as_index=False)\n' +
          '         .agg(orders=("order_id", "count"), revenue_eur=("amount_eur", "sum")))\n' +
          'daily.tail()'
      ),
      md(
        '## Load\n\nTODO: write `daily` to the mart (partitioned by day) once the schema is agreed.'
      )
    ],
    metadata: {
      kernelspec: {
        display_name: 'Python 3 (ipykernel)',
        language: 'python',
        name: 'python3'
      },
      language_info: { name: 'python' }
    },
    nbformat: 4,
    nbformat_minor: 5
  };
}

const INSTRUCTIONS = `# Project: web-shop reporting mart

- Data lands daily as CSV exports from the shop database; the mart is Parquet on object storage, queried with DuckDB.
- Use pandas for exploration, but production transforms must also work in DuckDB SQL.
- Amounts are reported in EUR; conversion rates come from the finance team's daily table.
- Never print customer e-mail addresses or names in outputs; customer_id is fine.
`;

// ---------------------------------------------------------------- the scripted conversation

const text = t => ({ type: 'text', text: t });
const reply = (t, extra = {}) => ({
  blocks: [text(t)],
  chunk_size: 64,
  ...extra
});
const toolCall = (lead, id, name, input) => ({
  blocks: [text(lead), { type: 'tool_use', id, name, input }],
  stop_reason: 'tool_use',
  chunk_size: 64
});

/** Five user messages and what the mock answers to each (one or two responses per turn). */
const TURNS = [
  {
    user: 'Which notebooks do I have open, and what does the orders pipeline do so far?',
    responses: [
      toolCall(
        'Let me check which notebooks are open first.',
        'toolu_bench_list',
        'list_open_notebooks',
        {}
      ),
      reply(`You have one notebook open, \`orders_etl.ipynb\`, on a Python 3 kernel, and it is the active one.

The pipeline so far has four steps:

1. **Source data.** \`orders\` is a 5,000-row frame with an order id, a customer id, a timestamp spread over November 2026, an amount, a currency (EUR, USD or GBP) and a status. \`customers\` maps 799 customer ids to a region and a segment. Both are generated in the notebook for now; in production they will come from the daily CSV exports.
2. **Cleaning.** Only \`paid\` and \`refunded\` orders are kept, so cancelled orders and the ones with a missing status are dropped. Amounts are converted to EUR with a fixed dictionary of rates, and refunds are made negative so a plain sum gives net revenue.
3. **Enrichment.** The clean orders are joined to the customers on \`customer_id\` with \`validate="many_to_one"\`, which is a good guard: the merge fails loudly if the customer table ever has duplicate ids.
4. **Aggregation.** \`daily\` groups by calendar day and region and computes the order count and the net revenue in EUR.

The load step is still a TODO: nothing is written to the mart yet.

A few things I would look at before productionising it:

- The exchange rates are hard-coded. Your project instructions say they come from the finance team's daily table, so the conversion should join on the rate of the order's day rather than use one constant per currency.
- Orders with a missing status are silently dropped. It is worth counting them per day, because a sudden increase usually means an upstream export problem rather than real cancellations.
- \`order_ts\` has no time zone. If the shop database stores UTC, convert before taking \`.dt.date\`, otherwise orders placed late in the evening land on the wrong day for your reports.

Do you want me to start with the exchange-rate join or with the load step?`)
    ]
  },
  {
    user: 'Start with the exchange rates: how should the join on the daily rate table look, in pandas and in DuckDB?',
    responses: [
      reply(`The rate table from finance typically has one row per day and currency. Assuming columns \`rate_date\`, \`currency\` and \`eur_per_unit\`, the join is an equi-join on the order's calendar day and currency. Two details matter: which day an order belongs to (convert to the reporting time zone first) and what happens when a rate is missing (weekends and holidays often have none).

In pandas, an as-of merge takes the latest rate on or before the order's day, which handles the gaps:

\`\`\`python
rates = rates.sort_values("rate_date")
clean = clean.sort_values("order_ts")
clean["order_day"] = clean["order_ts"].dt.tz_localize("UTC").dt.tz_convert("Europe/Berlin").dt.normalize().dt.tz_localize(None)
converted = pd.merge_asof(
    clean, rates, left_on="order_day", right_on="rate_date", by="currency", direction="backward"
)
missing = converted["eur_per_unit"].isna().sum()
assert missing == 0, f"{missing} orders without an exchange rate"
converted["amount_eur"] = converted["amount"] * converted["eur_per_unit"]
\`\`\`

In DuckDB the same logic is an \`ASOF JOIN\`, which keeps the SQL version of the transform equivalent, as your instructions require:

\`\`\`sql
SELECT o.*, o.amount * r.eur_per_unit AS amount_eur
FROM orders_clean o
ASOF JOIN fx_rates r
  ON o.currency = r.currency
 AND date_trunc('day', timezone('Europe/Berlin', o.order_ts)) >= r.rate_date;
\`\`\`

EUR rows need a rate of 1.0 in the table, or a \`COALESCE\` with a \`CASE\` on the currency; I would rather add the EUR rows to the rate table so there is a single rule.

Two checks are worth keeping in the notebook: the count of orders without a rate (should be zero), and the number of distinct rate dates used per currency compared with the number of order days, which reveals a rate table that stopped updating. With the as-of join a stale table would otherwise go unnoticed, because every order still finds some older rate.`)
    ]
  },
  {
    user: 'Look at the notebook again and tell me which cells I need to change for that.',
    responses: [
      toolCall(
        'I will read the notebook outline to find the cells.',
        'toolu_bench_summary',
        'get_notebook_summary',
        {
          notebook_path: NOTEBOOK
        }
      ),
      reply(`From the outline, three code cells are affected and one can stay as it is:

- **The cleaning cell** (the one defining \`fx\` and \`clean\`) is where the constant rates live. Replace the \`fx\` dictionary and the \`map\` with the as-of merge against the rate table. Keep the filter on \`status\` and the sign flip for refunds, but apply the sign after the conversion so the refund is converted at the rate of its own day.
- **The source cell** that builds \`orders\` needs a time zone on \`order_ts\`. Add \`.dt.tz_localize("UTC")\` when the data is read, then derive \`order_day\` in the reporting time zone in the cleaning cell. Doing it once at load time avoids mixing naive and aware timestamps later.
- **The aggregation cell** that builds \`daily\` currently takes \`.dt.date\` of the naive timestamp. Group by the new \`order_day\` column instead, so the day used for the rate and the day used for the report are the same by construction.
- The **customers cell** does not change.

You will also need a new cell before the cleaning step that loads the rate table. While the finance table is not available in this notebook, a small frame with a few days of rates per currency is enough to develop against, as long as it has the same column names as the real table.

I suggest adding the two checks from before as a separate cell right after the conversion, so they run on every load and fail early. If you want, I can make these edits now: I would insert the rate-table cell, rewrite the cleaning cell and adjust the aggregation, and leave the source cell change for you to confirm since it affects every downstream step.`)
    ]
  },
  {
    user: 'Before editing: how should the load step write daily to the mart, partitioned by day?',
    responses: [
      reply(`For a Parquet mart queried with DuckDB, write one directory per day (Hive-style partitioning) and make each day's write idempotent, so a re-run of the daily load replaces that day instead of appending duplicates.

With DuckDB doing the write:

\`\`\`python
import duckdb

con = duckdb.connect()
con.register("daily_df", daily)
con.execute("""
    COPY (SELECT * FROM daily_df)
    TO 's3://reporting-mart/daily_revenue'
    (FORMAT parquet, PARTITION_BY (day), OVERWRITE_OR_IGNORE, COMPRESSION zstd)
""")
\`\`\`

\`OVERWRITE_OR_IGNORE\` replaces files with the same name, but a partition that shrinks can leave an old file behind, so for strict idempotence delete the day's prefix first, then write. With pandas and pyarrow the equivalent is \`daily.to_parquet(path, partition_cols=["day"], existing_data_behavior="delete_matching")\`, which clears only the partitions being written.

Some choices to settle before the first production load:

- **Partition granularity.** One file per day and region is tiny (four regions a day). Partition by day only and keep region as a column; DuckDB prunes on the day directory and filters the region inside the file cheaply.
- **Types.** Write \`day\` as a DATE, counts as INT32 or INT64 and revenue as DECIMAL(18,2) rather than float, so the sums in reports match finance to the cent.
- **Late data.** Refunds arrive days after the order. Either reprocess a trailing window (for example the last 14 days) on every run, or attribute refunds to the refund day. Reprocessing a window is simpler to reason about and, with the delete-then-write pattern, safe to repeat.
- **A manifest.** Record per run which days were written, the row counts and the revenue total in a small table next to the data. It makes reconciling with the shop database much easier.

Reading it back in DuckDB is then \`SELECT * FROM read_parquet('s3://reporting-mart/daily_revenue/*/*.parquet', hive_partitioning = true)\`.`)
    ]
  },
  {
    user: 'Good. Summarise the plan as a checklist I can paste into the notebook.',
    responses: [
      reply(`Here is the checklist, in the order I would do it:

\`\`\`markdown
## Plan: orders ETL to production

### Time zones
- [ ] Read \`order_ts\` as UTC (\`tz_localize("UTC")\`) in the source cell
- [ ] Derive \`order_day\` in Europe/Berlin once, in the cleaning cell

### Exchange rates
- [ ] Load the finance rate table (rate_date, currency, eur_per_unit), with EUR rows at 1.0
- [ ] Replace the constant \`fx\` map with an as-of join on (currency, order_day)
- [ ] Apply the refund sign after conversion
- [ ] Check: zero orders without a rate
- [ ] Check: rate dates used per currency vs. order days (stale table alarm)
- [ ] Same transform in DuckDB SQL (ASOF JOIN) and compare totals with pandas

### Aggregation
- [ ] Group \`daily\` by \`order_day\` and region
- [ ] Count orders with a missing status per day and alert on jumps

### Load
- [ ] Write Parquet partitioned by day only, zstd, DATE / INT64 / DECIMAL(18,2)
- [ ] Delete-then-write per day (idempotent), reprocess the last 14 days each run
- [ ] Write a run manifest: days, row counts, revenue totals
- [ ] Read back with DuckDB (hive_partitioning) and reconcile with the shop database
\`\`\`

A few notes to go with it. The time-zone items come first because every later step depends on the day an order belongs to; changing that after the mart has data means reprocessing everything. The DuckDB comparison is there because your instructions ask for transforms that also work in SQL: running both on the same day of data and comparing the revenue total per region is a cheap way to keep them in step. The missing-status alert and the manifest are small but they are what will tell you about upstream export problems before a report consumer does.

When you are ready, tell me which section to start with and I will make the notebook edits, showing you each change before it is applied.`)
    ]
  }
];

// ---------------------------------------------------------------- mock client

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

  async messageRequests() {
    return (await this.call('GET', 'requests')).requests.filter(
      r => r.path === '/v1/messages'
    );
  }
}

// ---------------------------------------------------------------- main

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.build) {
    log('npm run build:prod …');
    const r = spawnSync('npm', ['run', 'build:prod'], {
      cwd: REPO,
      stdio: ['ignore', 'ignore', 'inherit']
    });
    if (r.status !== 0) throw new Error('npm run build:prod failed');
  }

  // 1. This checkout's labextension, copied into a private data dir first on JUPYTER_PATH.
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'de-cache-share-'));
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
    ) {
      break;
    }
    if (attempt >= 3)
      throw new Error(
        'the labextension keeps changing under us (a concurrent build?); run again later'
      );
    log('the labextension changed while being copied; retrying');
    await sleep(2000);
  }
  const src = newestSource();
  const srcNewer = src.mtime > info.builtAt;
  log(
    `using ${info.dev ? 'DEVELOPMENT' : 'production'} build ${info.load} (built ${info.builtAt.toISOString()})`
  );
  if (srcNewer)
    log(
      `warning: ${src.file} (${src.mtime.toISOString()}) is newer than the build`
    );
  fs.writeFileSync(
    path.join(tmp, 'root', NOTEBOOK),
    JSON.stringify(notebookJson(), null, 1)
  );
  fs.writeFileSync(
    path.join(tmp, 'root', 'copilot.instructions.md'),
    INSTRUCTIONS
  );

  // 2. Mock and jupyter lab, on ports the OS picks.
  const children = [];
  const cleanup = killOnExit(children);

  let browser = null;
  let succeeded = false;
  try {
    const { mockPort, base } = await startMockAndLab({ tmp, children, log });
    const mock = new Mock(`http://127.0.0.1:${mockPort}`);
    await mock.call('POST', 'reset', {});
    const mockConfig = await mock.call('POST', 'config', {});

    // 3. Browser, JupyterLab, the notebook (run, so the kernel has data frames), the chat.
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
    page.on('console', m => {
      if (
        m.type() === 'error' &&
        !m.text().startsWith('Failed to load resource')
      ) {
        log(`browser console error: ${m.text().split('\n')[0].slice(0, 160)}`);
      }
    });
    page.on('pageerror', e => log(`page error: ${String(e).slice(0, 200)}`));

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
    if (
      !(await page.evaluate(() =>
        window.jupyterapp.commands.hasCommand('data-engineer:open')
      ))
    ) {
      throw new Error(
        'command data-engineer:open is not registered: extension not loaded?'
      );
    }
    const loadedSnapshot = await page.evaluate(
      load =>
        performance
          .getEntriesByType('resource')
          .some(e =>
            e.name.includes(`/lab/extensions/jupyterlab-data-engineer/${load}`)
          ),
      info.load
    );
    if (!loadedSnapshot)
      throw new Error(
        `the page did not load ${info.load}: is ${EXT_NAME} installed elsewhere too?`
      );

    await page.evaluate(
      nb => window.jupyterapp.commands.execute('docmanager:open', { path: nb }),
      NOTEBOOK
    );
    await page.waitForFunction(
      nb => {
        const w = window.jupyterapp.shell.currentWidget;
        return (
          w?.context?.path === nb &&
          w.sessionContext?.session?.kernel?.status === 'idle'
        );
      },
      NOTEBOOK,
      { timeout: 120000 }
    );
    await page.evaluate(() =>
      window.jupyterapp.commands.execute('notebook:run-all-cells')
    );
    await page.waitForFunction(
      () => {
        const w = window.jupyterapp.shell.currentWidget;
        const cells = w?.content?.model?.cells;
        if (!cells || w.sessionContext.session?.kernel?.status !== 'idle')
          return false;
        for (let i = 0; i < cells.length; i++) {
          const c = cells.get(i);
          if (c.type === 'code' && !c.executionCount) return false;
        }
        return true;
      },
      null,
      { timeout: 120000 }
    );
    const cellErrors = await page.evaluate(() => {
      const cells = window.jupyterapp.shell.currentWidget.content.model.cells;
      let n = 0;
      for (let i = 0; i < cells.length; i++) {
        const c = cells.get(i);
        if (
          c.type === 'code' &&
          c.outputs.toJSON().some(o => o.output_type === 'error')
        )
          n++;
      }
      return n;
    });
    if (cellErrors)
      log(`warning: ${cellErrors} notebook cell(s) raised an error`);

    await page.evaluate(() =>
      window.jupyterapp.commands.execute('data-engineer:open')
    );
    const input = page.locator('.jp-DataEngineer-input');
    await input.waitFor({ state: 'visible', timeout: 60000 });
    // Give the panel time to load the persona and the project instructions.
    await sleep(1500);

    // 4. Five turns through the composer.
    const perTurn = []; // how many Messages requests each turn made, and the UI's usage lines
    let expected = 0;
    for (const [i, turn] of TURNS.entries()) {
      await mock.call('POST', 'script', { responses: turn.responses });
      expected += turn.responses.length;
      await input.fill(turn.user);
      await input.press('Enter');
      // A plain-text line of the final reply (markdown would not match the rendered text).
      const marker = turn.responses
        .at(-1)
        .blocks[0].text.split('\n')
        .filter(l => l.length > 30 && /^[A-Za-z][^`*_#|[\]<>]*$/.test(l.trim()))
        .at(-1)
        .slice(-40);
      const last = page
        .locator('.jp-DataEngineer-assistant')
        .filter({ hasText: marker })
        .last();
      await last.waitFor({ timeout: STEP_TIMEOUT_MS });
      await page.waitForFunction(
        () => {
          const turns = document.querySelectorAll('.jp-DataEngineer-assistant');
          const lastTurn = turns[turns.length - 1];
          return (
            lastTurn?.dataset.status === 'done' &&
            !document.querySelector('.jp-DataEngineer-stop')
          );
        },
        null,
        { timeout: STEP_TIMEOUT_MS }
      );
      const recorded = await mock.messageRequests();
      if (recorded.length !== expected) {
        throw new Error(
          `turn ${i + 1}: the mock got ${recorded.length} Messages requests, expected ${expected}`
        );
      }
      const usageLines = await page
        .locator('.jp-DataEngineer-usage')
        .allTextContents();
      perTurn.push({
        requests: turn.responses.length,
        usage: usageLines.at(-1) ?? ''
      });
      log(
        `turn ${i + 1} done (${turn.responses.length} request(s)); UI: ${usageLines.at(-1) ?? '(no usage line)'}`
      );
    }
    const toolCards = await page
      .locator('.jp-DataEngineer-toolCard[data-state="done"]')
      .count();
    const uiUsage = await page
      .locator('.jp-DataEngineer-usage')
      .allTextContents();
    await context.close();

    // 5. Figures per request, from the mock's records.
    const recorded = await mock.messageRequests();
    const rows = [];
    let n = 0;
    for (const [t, turn] of perTurn.entries()) {
      for (let s = 0; s < turn.requests; s++, n++) {
        const r = recorded[n];
        const played = r.script?.blocks?.find(b => b.type === 'tool_use');
        const u = r.usage ?? {};
        const total =
          (u.input_tokens ?? 0) +
          (u.cache_read_input_tokens ?? 0) +
          (u.cache_creation_input_tokens ?? 0);
        const stable = r.cache?.stable_prefix_tokens ?? 0;
        const check = r.prefix_check;
        const contextBlock = (r.body.messages.at(-1).content ?? []).filter(
          b => b.type === 'text' && b.text.startsWith('<context>')
        );
        rows.push({
          n: n + 1,
          turn: t + 1,
          step: s + 1,
          what: played ? `→ ${played.name}` : s ? 'after tool result' : 'text',
          total,
          estimate: r.cache?.total_input_tokens,
          stable,
          share: total ? stable / total : null,
          read: u.cache_read_input_tokens ?? 0,
          creation: u.cache_creation_input_tokens ?? 0,
          input: u.input_tokens ?? 0,
          readShare: total ? (u.cache_read_input_tokens ?? 0) / total : null,
          breakpoints: (r.cache?.breakpoints ?? []).map(b => b.block),
          hit: r.cache?.hit,
          check,
          contextChars: contextBlock.reduce((a, b) => a + b.text.length, 0),
          bodyBytes: Buffer.byteLength(JSON.stringify(r.body))
        });
      }
    }
    if (recorded.length !== rows.length)
      throw new Error(
        `the mock got ${recorded.length} Messages requests, expected ${rows.length}`
      );
    const later = rows.filter(r => r.turn >= 2);
    const minLater = Math.min(...later.map(r => r.share));
    const checks = rows.filter(r => r.check);
    const failedChecks = checks.filter(r => !r.check.identical);
    const sharePass = minLater > TARGET_SHARE;
    const pass =
      sharePass &&
      failedChecks.length === 0 &&
      checks.length === rows.length - 1;
    const sum = k => rows.reduce((a, r) => a + r[k], 0);
    const sumLater = k => later.reduce((a, r) => a + r[k], 0);

    // 6. Report.
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
    const md = [];
    md.push('# Prompt cache: share of input tokens in the stable prefix');
    md.push('');
    md.push(
      `Generated by \`node bench/cache_share.mjs${process.argv.slice(2).length ? ' ' + process.argv.slice(2).join(' ') : ''}\` on ${new Date().toISOString()}, ` +
        `git \`${git('rev-parse', '--short', 'HEAD')}\`${dirty && dirty !== '?' ? ' plus uncommitted changes in src/style/schema/personas' : ''}.`
    );
    md.push('');
    md.push(
      `Target: from turn two on, over ${pct(TARGET_SHARE)} of each request's input tokens in the cacheable stable prefix ` +
        `(tools + system + conversation up to the last \`cache_control\` breakpoint), and each request's prefix byte-identical ` +
        `to the previous request's up to that request's last breakpoint. ` +
        `Lowest share from turn two on: **${pct(minLater)}: ${sharePass ? 'PASS' : 'FAIL'}**; ` +
        `prefix checks: **${checks.length - failedChecks.length} of ${checks.length} identical${failedChecks.length ? ' (FAIL)' : ''}**.`
    );
    md.push('');
    md.push(
      `Over the whole conversation ${sum('total')} input tokens were sent: ${pct(sum('read') / sum('total'))} read from the cache, ` +
        `${pct(sum('creation') / sum('total'))} written to it, ${pct(sum('input') / sum('total'))} uncached. ` +
        `From turn two on: ${pct(sumLater('read') / sumLater('total'))} read, ${pct(sumLater('stable') / sumLater('total'))} in the stable prefix.`
    );
    md.push('');
    md.push(
      '| # | turn.step | request | input total | stable prefix | share | cache read | read share | cache write | uncached | context chars | prefix check |'
    );
    md.push('|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|');
    for (const r of rows) {
      const check = !r.check
        ? '— (first)'
        : r.check.identical
          ? `identical (${r.check.previous_prefix_tokens} tok)`
          : `**differs** at ${r.check.first_difference?.label}`;
      md.push(
        `| ${r.n} | ${r.turn}.${r.step} | ${r.what} | ${r.total} | ${r.stable} | ${pct(r.share)} | ${r.read} | ${pct(r.readShare)} | ` +
          `${r.creation} | ${r.input} | ${r.contextChars} | ${check} |`
      );
    }
    md.push('');
    md.push(
      'input total = input_tokens + cache_read_input_tokens + cache_creation_input_tokens of the usage the mock returned; ' +
        'stable prefix = tokens up to and including the last breakpoint; share = stable prefix / input total; ' +
        'read share = cache read / input total; uncached = input_tokens (the volatile `<context>` block after the last ' +
        'breakpoint, plus everything when nothing is cacheable); context chars = length of that `<context>` text block.'
    );
    md.push('');
    md.push('Breakpoints and cache hits per request:');
    md.push('');
    for (const r of rows) {
      const hit = r.hit
        ? `read up to \`${r.hit.block}\`${r.hit.lookback ? ' (lookback)' : ''}`
        : 'no cache hit';
      md.push(
        `- ${r.n}: breakpoints ${r.breakpoints.map(b => `\`${b}\``).join(', ')}; ${hit}; request body ${r.bodyBytes} bytes.`
      );
    }
    if (failedChecks.length) {
      md.push('');
      md.push('Prefix differences:');
      md.push('');
      for (const r of failedChecks) {
        const d = r.check.first_difference;
        md.push(
          `- request ${r.n}, block \`${d.label}\`: before \`${JSON.stringify(d.previous)}\`, now \`${JSON.stringify(d.now)}\``
        );
      }
    }
    md.push('');
    md.push(
      'Usage lines shown by the chat panel (one per reply): ' +
        uiUsage.map(u => `\`${u}\``).join(', ') +
        '.'
    );
    md.push('');
    md.push('## Setup');
    md.push('');
    md.push(
      `- Labextension: **${info.dev ? 'development' : 'production'}** build \`${info.load}\` of this checkout (built ${info.builtAt.toISOString()}${srcNewer ? `; **\`${src.file}\` is newer**, ${src.mtime.toISOString()}` : ', newer than every file in src/style/schema/personas'}), ` +
        'copied into a private `JUPYTER_PATH` entry; the server extension (proxy) is imported from the Python environment.'
    );
    md.push(
      `- JupyterLab ${cmdOut('jupyter', ['lab', '--version'])}, Python ${cmdOut('python', ['--version']).replace('Python ', '')}, Node ${process.version}, ` +
        `headless Chromium ${browser.version()} via playwright-core ${PLAYWRIGHT_VERSION}; \`jupyter lab\` and the mock on ports the OS picked.`
    );
    md.push(
      `- Mock prompt-cache simulation (ui-tests/mock/SPEC.md): min ${mockConfig.cache_min_tokens} tokens, TTL ${mockConfig.cache_ttl_s} s, ` +
        'lookback 20 blocks, at most 4 breakpoints; tokens estimated as ceil(JSON chars / 4) for the prefix and the whole request alike.'
    );
    md.push(
      `- Workspace: \`${NOTEBOOK}\` (8 cells: imports, generated \`orders\` 5,000 rows and \`customers\`, cleaning, join and daily aggregation), ` +
        'opened and run before the chat opens, so each request carries the notebook view (and, on the first step of a turn, the ' +
        "kernel's data frames) as volatile context; a short `copilot.instructions.md` at the root. Default settings (default persona, " +
        'notebook and variables context on, read tools approved automatically).'
    );
    md.push(
      `- Conversation: ${TURNS.length} user messages typed into the composer and sent with Enter, each reply waited for in the UI. ` +
        'Turn 1 and turn 3 first answer with a tool call the agent runs without approval (`list_open_notebooks`, `get_notebook_summary`), ' +
        `then with text; replies are ${TURNS.flatMap(t => t.responses)
          .filter(r => r.stop_reason !== 'tool_use')
          .map(r => r.blocks[0].text.split(/\s+/).length)
          .join(', ')} words. ` +
        `${toolCards} tool cards ended done.`
    );
    md.push('');
    fs.mkdirSync(path.dirname(RESULTS), { recursive: true });
    fs.writeFileSync(RESULTS, md.join('\n'));
    console.log(md.join('\n'));
    log(
      `stable-prefix share from turn two on: min ${pct(minLater)}; cache read share from turn two on ${pct(sumLater('read') / sumLater('total'))}; ` +
        `prefix checks ${checks.length - failedChecks.length}/${checks.length} identical: ${pass ? 'PASS' : 'FAIL'}`
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
  console.error('[cache_share] FAILED:', err && err.stack ? err.stack : err);
  process.exitCode = 2;
});
