import { expect, test as base } from '@jupyterlab/galata';
import type { Page } from '@playwright/test';
import { expectButtonLabelsWhole, expectButtonsInside } from './headerLayout';
import {
  holdRequests,
  openChat,
  resetMock,
  scriptMock,
  sendMessage,
  setSidebarWidth,
  toolCalls,
  toolResult,
  waitForMessageRequests
} from './helpers';

/**
 * Explain / Optimize / Diagnose on query cells, end to end: the real kernel runs
 * DuckDB and the verifier (src/query/kernel/query_*.py); only the model is the mock.
 * Galata's kernel tracking parses every POST answer as JSON (an interrupt's 204
 * breaks it): kernels are shut down through JupyterLab instead.
 */

/** The JSON inside a tool result's untrusted-data frame. */
function framedJson(text: string): any {
  const match =
    /<untrusted-data source="[^"]*">\n([^]*)\n<\/untrusted-data>/.exec(text);
  expect(match, text).not.toBeNull();
  return JSON.parse(match![1]);
}

const test = base.extend({
  kernels: async ({}, use) => {
    await use(null as any);
  },
  sessions: async ({}, use) => {
    await use(null as any);
  }
});

const SETUP = [
  'import duckdb',
  'con = duckdb.connect()',
  "con.sql('CREATE TABLE customer (c_custkey INTEGER PRIMARY KEY, c_name VARCHAR NOT NULL)')",
  'con.sql("INSERT INTO customer SELECT range, \'C\' || range FROM range(3000)")',
  "con.sql('CREATE TABLE orders (o_orderkey INTEGER PRIMARY KEY, o_custkey INTEGER NOT NULL REFERENCES customer (c_custkey))')",
  "con.sql('INSERT INTO orders SELECT range, (range * 7) % 2000 FROM range(20000)')"
].join('\n');
const ORIGINAL =
  'SELECT c_custkey FROM customer WHERE c_custkey NOT IN (SELECT o_custkey FROM orders)';
const QUERY_CELL = `rows = con.sql("${ORIGINAL}").fetchall()\nlen(rows)`;
const REWRITE =
  'SELECT c_custkey FROM customer c WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.o_custkey = c.c_custkey)';
const WRONG =
  'SELECT c_custkey FROM customer WHERE c_custkey >= 2000 AND c_custkey < 2990';

/** Set a cell's text through the model (typing would let the editor auto-close quotes and brackets). */
async function setSource(
  page: Page,
  index: number,
  source: string
): Promise<void> {
  await page.evaluate(
    ([i, text]) => {
      const panel = (window as any).jupyterapp.shell.currentWidget;
      panel.content.model.cells.get(i).sharedModel.setSource(text);
    },
    [index, source] as const
  );
}

async function queryNotebook(
  page: Page,
  name: string,
  cell: string,
  setup = SETUP
): Promise<void> {
  await page.notebook.createNew(name);
  await setSource(page, 0, setup);
  await page.notebook.runCell(0);
  await page.notebook.addCell('code', 'x = 1');
  // A short first line: JupyterLab hides the cell toolbar when it would cover a long one.
  await setSource(page, 1, `# query\n${cell}`);
  await page.notebook.runCell(1);
  await page.notebook.selectCells(1);
}

/** Verification runs SQL on the user's data: its card asks; allow it once. */
async function allowVerify(page: Page): Promise<void> {
  const card = page
    .locator('.jp-DataEngineer-toolCard[data-tool="verify_query_rewrite"]')
    .last();
  await expect(card).toHaveAttribute('data-state', 'waiting_approval', {
    timeout: 60000
  });
  await expect(card).toContainText('SELECT c_custkey FROM customer');
  await card.locator('.jp-DataEngineer-allowOnce').click();
}

/** The active cell's toolbar button of a command. */
function cellButton(page: Page, command: string) {
  return page.locator(
    `.jp-Cell.jp-mod-active .jp-cell-toolbar [data-command="${command}"]`
  );
}

function userText(recorded: any): string {
  return JSON.stringify(recorded.body.messages);
}

test.describe('Query cells', () => {
  // A kernel start, DuckDB, the verifier's probe and timing on a shared 2-core machine.
  test.setTimeout(240000);

  test.beforeEach(async ({ request }) => {
    await resetMock(request);
    await holdRequests(request, 60000);
  });

  test('Optimize from the cell toolbar: verified rewrite, timing, Apply', async ({
    page,
    request
  }) => {
    await queryNotebook(page, 'optimize.ipynb', QUERY_CELL);
    await cellButton(page, 'data-engineer:optimize-query').click();

    let recorded = await waitForMessageRequests(request, 1);
    expect(userText(recorded[0])).toContain('Optimize the query in cell');
    expect(userText(recorded[0])).toContain(
      'NOT IN (SELECT o_custkey FROM orders)'
    );
    await scriptMock(request, [
      toolCalls(
        {
          id: 'toolu_propose',
          name: 'propose_query_rewrite',
          input: { rewrite: REWRITE, rationale: 'An anti-join.' }
        },
        {
          id: 'toolu_verify',
          name: 'verify_query_rewrite',
          input: { rewrite: REWRITE, time_budget_seconds: 1 }
        }
      )
    ]);
    const proposal = page.locator('.jp-DataEngineer-queryProposal');
    await expect(proposal).toContainText('not verified yet', {
      timeout: 60000
    });
    await expect(proposal.locator('.jp-mod-added')).toContainText('NOT EXISTS');
    await allowVerify(page);

    const verdict = page.locator(
      '.jp-DataEngineer-queryVerdict[data-verdict="same"]'
    );
    await expect(verdict).toBeVisible({ timeout: 120000 });
    await expect(
      verdict.locator('.jp-DataEngineer-queryHeadline')
    ).toContainText(
      /^Same rows \(1,000\) and same on the edge probe — .*median of \d+, .* → .*\)$/
    );
    await expect(verdict).toContainText(
      'orders (o_custkey) REFERENCES customer (c_custkey)'
    );

    recorded = await waitForMessageRequests(request, 2);
    expect(userText(recorded[1])).toContain('Same rows (1,000)');
    await scriptMock(request, [
      { blocks: [{ type: 'text', text: 'Verified: same rows.' }] }
    ]);

    await verdict.locator('.jp-DataEngineer-queryApply').click();
    await expect(
      verdict.locator('.jp-DataEngineer-queryApplied')
    ).toBeVisible();
    await expect
      .poll(async () => page.notebook.getCellTextInput(1))
      .toContain('NOT EXISTS (SELECT 1 FROM orders o');
    expect(await page.notebook.getCellTextInput(1)).toContain(
      '.fetchall()\nlen(rows)'
    );
  });

  test('/optimize with a wrong rewrite: Different results, no Apply', async ({
    page,
    request
  }) => {
    await queryNotebook(page, 'wrong.ipynb', QUERY_CELL);
    await page.evaluate(async () => {
      await (window as any).jupyterapp.commands.execute('data-engineer:open');
    });
    const input = page.locator('.jp-DataEngineer-input');
    await input.fill('/optimize');
    await input.press('Enter');
    // Enter first picks the command in the slash completion list, if it is open; then it sends.
    if ((await input.inputValue()).trim() === '/optimize') {
      await input.press('Enter');
    }
    await waitForMessageRequests(request, 1);
    await scriptMock(request, [
      toolCalls({
        id: 'toolu_verify',
        name: 'verify_query_rewrite',
        input: { rewrite: WRONG, time_budget_seconds: 1 }
      })
    ]);
    await allowVerify(page);
    const verdict = page.locator(
      '.jp-DataEngineer-queryVerdict[data-verdict="different"]'
    );
    await expect(verdict).toBeVisible({ timeout: 120000 });
    await expect(verdict.locator('.jp-DataEngineer-queryHeadline')).toHaveText(
      'Different results: 10 rows only in the original (shown) — not applied'
    );
    await expect(
      verdict.locator('.jp-DataEngineer-queryRows').first()
    ).toContainText('2990');
    await expect(verdict.locator('.jp-DataEngineer-queryApply')).toHaveCount(0);
    await expect(verdict.locator('.jp-DataEngineer-queryCopy')).toBeVisible();
    await waitForMessageRequests(request, 2);
    await scriptMock(request, [
      { blocks: [{ type: 'text', text: 'That rewrite is wrong.' }] }
    ]);
    expect(await page.notebook.getCellTextInput(1)).toBe(
      `# query\n${QUERY_CELL}`
    );
  });

  test('Diagnose error on a failing cell sends its traceback', async ({
    page,
    request
  }) => {
    await queryNotebook(
      page,
      'diagnose.ipynb',
      'con.sql("SELECT * FROM no_such_table").fetchall()'
    );
    await cellButton(page, 'data-engineer:diagnose-error').click();
    const recorded = await waitForMessageRequests(request, 1);
    const text = userText(recorded[0]);
    expect(text).toContain('Diagnose the error of cell');
    expect(text).toContain('Traceback of cell');
    expect(text).toContain('CatalogException');
    expect(text).toContain('no_such_table');
    await scriptMock(request, [
      { blocks: [{ type: 'text', text: 'The table does not exist.' }] }
    ]);
    await expect(page.locator('.jp-DataEngineer-chat')).toContainText(
      'The table does not exist.',
      { timeout: 30000 }
    );
  });

  test('Verification without sqlglot: Install sqlglot asks install_packages, then verifies again; the verdict cards fit 250 px', async ({
    page,
    request
  }) => {
    test.setTimeout(300000);
    // A kernel where sqlglot cannot be imported, as when it is not installed.
    await queryNotebook(
      page,
      'install.ipynb',
      QUERY_CELL,
      `${SETUP}\nimport sys\nsys.modules["sqlglot"] = None`
    );
    const cellId = await page.evaluate(
      () =>
        (window as any).jupyterapp.shell.currentWidget.content.model.cells.get(
          1
        ).id as string
    );
    await cellButton(page, 'data-engineer:optimize-query').click();
    await waitForMessageRequests(request, 1);
    const verify = {
      id: 'toolu_verify',
      name: 'verify_query_rewrite',
      input: { rewrite: REWRITE, cell_id: cellId, time_budget_seconds: 0 }
    };
    await scriptMock(request, [toolCalls(verify)]);
    await allowVerify(page);
    const missing = page.locator(
      '.jp-DataEngineer-queryVerdict[data-verdict="refused"]'
    );
    await expect(missing).toContainText('needs sqlglot', { timeout: 120000 });
    const install = missing.locator('.jp-DataEngineer-queryInstall');
    await expect(install).toHaveText('Install sqlglot');
    let recorded = await waitForMessageRequests(request, 2);
    expect(toolResult(recorded[1], 'toolu_verify').text).toContain(
      'needs sqlglot'
    );
    await scriptMock(request, [
      { blocks: [{ type: 'text', text: 'The verifier needs sqlglot.' }] }
    ]);
    await expect(
      page.locator('.jp-DataEngineer-assistant').last()
    ).toContainText('needs sqlglot', { timeout: 30000 });
    // One click: the install command asks the assistant, which calls install_packages (its usual card).
    await setSidebarWidth(page, 250);
    await install.click();
    // At 250 px the verdict card keeps Install sqlglot, Copy and its note inside the panel.
    await expect(missing.locator('.jp-DataEngineer-queryNote')).toContainText(
      'approve the install'
    );
    await expectButtonsInside(page, 'the query verdict card (Install sqlglot)');
    await expectButtonLabelsWhole(
      page,
      'the query verdict card (Install sqlglot)',
      '.jp-DataEngineer-queryVerdict'
    );
    recorded = await waitForMessageRequests(request, 3);
    const asked = userText(recorded[2]);
    expect(asked).toContain('Install it with install_packages');
    expect(asked).toContain('packages: [\\"sqlglot\\"]');
    const notebook = /notebook_path: \\"([^\\]+)\\"/.exec(asked)![1];
    expect(notebook).toMatch(/install\.ipynb$/);
    await scriptMock(request, [
      toolCalls({
        id: 'toolu_install',
        name: 'install_packages',
        input: { packages: ['sqlglot'], notebook_path: notebook }
      })
    ]);
    const installCard = page.locator(
      '.jp-DataEngineer-toolCard[data-tool="install_packages"]'
    );
    await expect(installCard).toHaveAttribute(
      'data-state',
      'waiting_approval',
      {
        timeout: 60000
      }
    );
    await expect(installCard).toContainText("%pip install 'sqlglot'");
    await installCard.locator('.jp-DataEngineer-allowOnce').click();
    await expect(installCard).toHaveAttribute('data-state', 'done', {
      timeout: 120000
    });
    recorded = await waitForMessageRequests(request, 4);
    // pip really ran in the kernel, offline (this namespace has no route out): the package is in the
    // kernel's environment already, so pip installs nothing and succeeds.
    expect(toolResult(recorded[3], 'toolu_install').text).toContain(
      'Requirement already satisfied: sqlglot'
    );
    // The import block stood for "not installed"; the install made the package importable, which
    // here means lifting that block (pip cannot know of it). Done in the kernel, no cell added.
    await page.evaluate(async () => {
      const panel = (window as any).jupyterapp.shell.currentWidget;
      const future = panel.sessionContext.session.kernel.requestExecute({
        code: 'import sys\nif sys.modules.get("sqlglot", 0) is None: del sys.modules["sqlglot"]',
        silent: true
      });
      await future.done;
    });
    await scriptMock(request, [
      toolCalls({ ...verify, id: 'toolu_verify_again' })
    ]);
    await allowVerify(page);
    const same = page.locator(
      '.jp-DataEngineer-queryVerdict[data-verdict="same"]'
    );
    await expect(same).toBeVisible({ timeout: 120000 });
    await expect(same.locator('.jp-DataEngineer-queryInstall')).toHaveCount(0);
    recorded = await waitForMessageRequests(request, 5);
    const again = toolResult(recorded[4], 'toolu_verify_again').text;
    expect(again).toContain('Same rows (1,000)');
    expect(again).not.toContain('missing_package');
    await scriptMock(request, [
      { blocks: [{ type: 'text', text: 'Verified now: same rows.' }] }
    ]);
    await expect(
      page.locator('.jp-DataEngineer-assistant').last()
    ).toContainText('Verified now', { timeout: 30000 });
    // The passing verdict (Apply, Copy) at 250 px too.
    await expectButtonsInside(page, 'the query verdict card (Apply)');
    await expectButtonLabelsWhole(
      page,
      'the query verdict card (Apply)',
      '.jp-DataEngineer-queryVerdict'
    );
    await page
      .locator('.jp-DataEngineer-shell')
      .screenshot({ path: test.info().outputPath('verdict-cards-250.png') });
  });
});

/**
 * The SQL gateway (src/query/kernel/query_gateway.py) in front of every SQL the agent sends to
 * a kernel connection: a real kernel, a real DuckDB, only the model is the mock.
 */
const ENV_SECRET = 'GALATA_GATEWAY_SECRET=do-not-leak-4f1c9e';
const SHOP = [
  'import duckdb',
  'con = duckdb.connect()',
  "con.sql('CREATE TABLE customers (id INTEGER PRIMARY KEY, name VARCHAR)')",
  'con.sql("INSERT INTO customers SELECT range, \'C\' || range FROM range(100)")',
  "con.sql('CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER, amount DOUBLE)')",
  "con.sql('INSERT INTO orders SELECT range, CASE WHEN range % 10 = 0 THEN NULL ELSE range % 120 END, range FROM range(1000)')",
  // A .env beside the notebook, as projects have: what the reproduced bug read.
  `open('.env', 'w').write(${JSON.stringify(ENV_SECRET + '\n')})`
].join('\n');
const NO_CUSTOMER =
  'SELECT count(*) AS orders_without_customer FROM orders o WHERE NOT EXISTS (SELECT 1 FROM customers c WHERE c.id = o.customer_id)';
/** The same count, worked out here: NULL customer_id (every 10th) or an id past the 100 customers. */
const EXPECTED_NO_CUSTOMER = Array.from({ length: 1000 }, (_, r) =>
  r % 10 === 0 || r % 120 >= 100 ? 1 : 0
).reduce((a: number, b: number) => a + b, 0);

async function shopNotebook(page: Page, name: string): Promise<void> {
  await page.notebook.createNew(name);
  await setSource(page, 0, SHOP);
  await page.notebook.runCell(0);
  await openChat(page);
}

function toolCard(page: Page, tool: string) {
  return page.locator(`.jp-DataEngineer-toolCard[data-tool="${tool}"]`);
}

test.describe('SQL gateway', () => {
  test.setTimeout(240000);

  test.beforeEach(async ({ request }) => {
    await resetMock(request);
    await holdRequests(request, 60000);
  });

  test("explain_query of read_csv('.env') is refused: the file's line never reaches the model", async ({
    page,
    request
  }) => {
    await shopNotebook(page, 'gateway-env.ipynb');
    await sendMessage(page, 'Explain this query');
    await waitForMessageRequests(request, 1);
    // header=true: DuckDB names the column after the file's first line, and EXPLAIN showed it.
    const sql =
      "SELECT * FROM read_csv('.env', header=true, delim='\\t', quote='', escape='')";
    await scriptMock(request, [
      toolCalls(
        {
          id: 'toolu_explain_env',
          name: 'explain_query',
          input: { sql, connection: 'con' }
        },
        {
          id: 'toolu_explain_default',
          name: 'explain_query',
          input: { sql, engine: 'duckdb' }
        }
      )
    ]);
    const recorded = await waitForMessageRequests(request, 2);
    for (const id of ['toolu_explain_env', 'toolu_explain_default']) {
      const result = toolResult(recorded[1], id);
      expect(result.text).not.toContain('do-not-leak');
      expect(result.isError).toBe(true);
      expect(result.text).toContain('Refused by the SQL gateway (file_access)');
    }
    // Nowhere in what the model received, nor on the page.
    expect(JSON.stringify(recorded[1].body)).not.toContain('do-not-leak');
    await scriptMock(request, [
      { blocks: [{ type: 'text', text: 'That reads a file: refused.' }] }
    ]);
    await expect(page.locator('.jp-DataEngineer-chat')).toContainText(
      'That reads a file: refused.',
      { timeout: 30000 }
    );
    await expect(page.locator('.jp-DataEngineer-chat')).not.toContainText(
      'do-not-leak'
    );
    // No card was skipped: explain_query never asked (it ran nothing) and failed.
    await expect(toolCard(page, 'explain_query')).toHaveCount(2);
    for (const card of await toolCard(page, 'explain_query').all()) {
      await expect(card).toHaveAttribute('data-state', 'failed');
    }
  });

  test('run_query answers "how many orders have no customer" without a card', async ({
    page,
    request
  }) => {
    await shopNotebook(page, 'gateway-run.ipynb');
    await sendMessage(page, 'How many orders have no customer?');
    await waitForMessageRequests(request, 1);
    await scriptMock(request, [
      toolCalls({
        id: 'toolu_tables',
        name: 'list_tables',
        input: { connection: 'con', detail: true }
      })
    ]);
    let recorded = await waitForMessageRequests(request, 2);
    // Catalog results are data from the database: framed as untrusted (issue 26 item 7).
    const tables = framedJson(toolResult(recorded[1], 'toolu_tables').text);
    expect(tables.tables.map((t: any) => t.name).sort()).toEqual([
      'customers',
      'orders'
    ]);
    expect(tables.connections).toContainEqual(
      expect.objectContaining({ name: 'con', engine: 'duckdb' })
    );
    await scriptMock(request, [
      toolCalls({
        id: 'toolu_run',
        name: 'run_query',
        input: { connection: 'con', sql: NO_CUSTOMER }
      })
    ]);
    recorded = await waitForMessageRequests(request, 3);
    const answer = toolResult(recorded[2], 'toolu_run');
    expect(answer.isError).toBe(false);
    const run = framedJson(answer.text);
    expect(run.rows).toEqual([[EXPECTED_NO_CUSTOMER]]);
    expect(run.columns[0].name).toBe('orders_without_customer');
    await scriptMock(request, [
      {
        blocks: [
          {
            type: 'text',
            text: `${EXPECTED_NO_CUSTOMER} orders have no customer.`
          }
        ]
      }
    ]);
    const card = toolCard(page, 'run_query');
    await expect(card).toHaveAttribute('data-state', 'done');
    // It ran without asking: no approval buttons were ever needed.
    await expect(page.locator('.jp-DataEngineer-allowOnce')).toHaveCount(0);
    await expect(card.locator('.jp-DataEngineer-queryResult')).toContainText(
      String(EXPECTED_NO_CUSTOMER)
    );
  });

  test('an over-budget query waits on a card with the SQL and the estimate', async ({
    page,
    request
  }) => {
    await shopNotebook(page, 'gateway-budget.ipynb');
    await sendMessage(page, 'Show me every triple of orders');
    await waitForMessageRequests(request, 1);
    const huge =
      'SELECT a.id AS a, b.id AS b, c.id AS c FROM orders a, orders b, orders c';
    await scriptMock(request, [
      toolCalls({
        id: 'toolu_huge',
        name: 'run_query',
        input: { connection: 'con', sql: huge }
      })
    ]);
    const card = toolCard(page, 'run_query');
    await expect(card).toHaveAttribute('data-state', 'waiting_approval', {
      timeout: 60000
    });
    // DuckDB's own estimate of the cross product: 1,000 x 1,000 x 1,000 rows.
    // The budget's reason, said as it is: nothing here "looks destructive".
    await expect(card.locator('.jp-DataEngineer-approvalReason')).toContainText(
      'Asking because: Over budget: about 1,000,000,000 rows (budget 10,000,000)'
    );
    await expect(
      card.locator('.jp-DataEngineer-approvalReason')
    ).not.toContainText('destructive');
    await expect(card.locator('.jp-DataEngineer-toolSummary')).toContainText(
      'estimate: about 1,000,000,000 rows'
    );
    await expect(card).toContainText('FROM orders a, orders b, orders c');
    await card.locator('.jp-DataEngineer-deny').click();
    await card.locator('.jp-DataEngineer-denyConfirm').click();
    await expect(card).toHaveAttribute('data-state', 'denied');
    const recorded = await waitForMessageRequests(request, 2);
    expect(toolResult(recorded[1], 'toolu_huge').text).not.toContain('"rows"');
    await scriptMock(request, [
      { blocks: [{ type: 'text', text: 'Denied.' }] }
    ]);
  });
});

test.describe('@ menu: the catalog of the notebook kernel', () => {
  test.setTimeout(240000);

  test.beforeEach(async ({ request }) => {
    await resetMock(request);
    await holdRequests(request, 60000);
  });

  test('@ord lists the DuckDB table orders; the mention puts its columns into the request', async ({
    page,
    request
  }) => {
    await shopNotebook(page, 'mention-tables.ipynb');
    const input = page.locator('.jp-DataEngineer-input');
    await input.fill('How are the @ord');
    // The kernel's catalog (con's tables), not a variable: no variable starts with "ord".
    const item = page.locator('.jp-DataEngineer-mention');
    await expect(item).toHaveText(['@orders table'], { timeout: 60000 });
    await expect(item).toHaveAttribute('data-kind', 'table');
    await expect(item).toHaveAttribute('title', /duckdb, connection `con`/);
    await item.click();
    await expect(input).toHaveValue('How are the @orders ');
    await input.type('keyed?');
    await input.press('Enter');

    const recorded = await waitForMessageRequests(request, 1);
    const sent = JSON.stringify(recorded[0].body.messages[0].content);
    expect(sent).toContain('<attachment label=\\"@orders (table)\\">');
    // The columns with their types, the key, the estimate: from the catalog's metadata.
    expect(sent).toContain('- id INTEGER NOT NULL');
    expect(sent).toContain('- customer_id INTEGER');
    expect(sent).toContain('- amount DOUBLE');
    expect(sent).toContain('Primary key: id');
    expect(sent).toMatch(
      /orders \(duckdb, connection `con`\): about [\d,]+ rows/
    );
    // Only the mentioned table: customers was not described.
    expect(sent).not.toContain('main.customers');
    await scriptMock(request, [
      { blocks: [{ type: 'text', text: 'Keyed on id.' }] }
    ]);
    await expect(page.locator('.jp-DataEngineer-chat')).toContainText(
      'Keyed on id.',
      { timeout: 30000 }
    );
  });
});
