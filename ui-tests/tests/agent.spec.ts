import { expect, test as base } from '@jupyterlab/galata';
import {
  framedJson,
  holdRequests,
  openChat,
  resetMock,
  scriptMock,
  sendMessage,
  toolCalls,
  toolResult,
  waitForMessageRequests
} from './helpers';

/**
 * Galata's kernel/session tracking proxies POSTs under /api/kernels and parses
 * every answer as JSON, which fails on the empty 204 of an interrupt; these
 * tests shut their kernels down through JupyterLab instead.
 */
const test = base.extend({
  kernels: async ({}, use) => {
    await use(null as any);
  },
  sessions: async ({}, use) => {
    await use(null as any);
  }
});

/** The ids in a tool result such as "… Its first cell is 3f2a-… (code, empty)." */
function cellIdAfter(text: string, marker: RegExp): string {
  const match = text.match(marker);
  if (!match) {
    throw new Error(`no cell id in: ${text}`);
  }
  return match[1];
}

test.describe('Agent loop on notebooks', () => {
  test.beforeEach(async ({ request }) => {
    await resetMock(request);
    await holdRequests(request);
  });

  test('creates a notebook, inserts and runs two cells, with approvals', async ({
    page,
    request,
    tmpPath
  }) => {
    const path = `${tmpPath}/agent-demo.ipynb`;
    await scriptMock(request, [
      toolCalls({
        id: 'toolu_create',
        name: 'create_notebook',
        input: { path }
      })
    ]);
    await openChat(page);
    await sendMessage(page, 'Build me a tiny notebook that adds numbers');

    // Step 2: the notebook exists; insert two cells after its empty first cell.
    let recorded = await waitForMessageRequests(request, 2);
    const created = toolResult(recorded[1], 'toolu_create');
    expect(created.isError).toBe(false);
    const empty = cellIdAfter(created.text, /first cell is ([\w-]+)/);
    await scriptMock(request, [
      toolCalls(
        {
          id: 'toolu_insert1',
          name: 'insert_cell',
          input: {
            notebook_path: path,
            position: 'bottom',
            source: 'total = sum(range(10))\nprint("total", total)'
          }
        },
        {
          id: 'toolu_insert2',
          name: 'insert_cell',
          input: {
            notebook_path: path,
            position: 'bottom',
            source: 'print("twice", total * 2)'
          }
        }
      )
    ]);

    // Step 3: run both (each allowed once).
    recorded = await waitForMessageRequests(request, 3);
    const first = cellIdAfter(
      toolResult(recorded[2], 'toolu_insert1').text,
      /Inserted code cell ([\w-]+)/
    );
    const second = cellIdAfter(
      toolResult(recorded[2], 'toolu_insert2').text,
      /Inserted code cell ([\w-]+)/
    );
    await scriptMock(request, [
      toolCalls(
        {
          id: 'toolu_run1',
          name: 'run_cell',
          input: { notebook_path: path, cell_id: first }
        },
        {
          id: 'toolu_run2',
          name: 'run_cell',
          input: { notebook_path: path, cell_id: second }
        }
      )
    ]);
    const waiting = page.locator(
      '.jp-DataEngineer-toolCard[data-state="waiting_approval"]'
    );
    await expect(waiting).toHaveCount(1, { timeout: 30000 });
    await expect(waiting.locator('.jp-DataEngineer-approval')).toContainText(
      'total = sum(range(10))'
    );
    await waiting.locator('.jp-DataEngineer-allowOnce').click();
    await expect(waiting).toContainText('twice', { timeout: 60000 });
    await waiting.locator('.jp-DataEngineer-allowOnce').click();

    // Step 4: the model asks to delete the empty cell; the user denies with a reason.
    recorded = await waitForMessageRequests(request, 4);
    const ran1 = toolResult(recorded[3], 'toolu_run1');
    const ran2 = toolResult(recorded[3], 'toolu_run2');
    expect(ran1.isError).toBe(false);
    expect(ran1.text).toContain('total 45');
    expect(ran2.text).toContain('twice 90');
    await scriptMock(request, [
      toolCalls({
        id: 'toolu_delete',
        name: 'delete_cell',
        input: { notebook_path: path, cell_id: empty }
      })
    ]);
    await expect(waiting).toHaveAttribute('data-tool', 'delete_cell', {
      timeout: 30000
    });
    await waiting.locator('.jp-DataEngineer-deny').click();
    await page.locator('.jp-DataEngineer-denyReason').fill('keep it for notes');
    await page.locator('.jp-DataEngineer-denyConfirm').click();

    recorded = await waitForMessageRequests(request, 5);
    const denied = toolResult(recorded[4], 'toolu_delete');
    expect(denied.isError).toBe(true);
    expect(denied.text).toContain('keep it for notes');
    await scriptMock(request, [
      {
        blocks: [
          { type: 'text', text: 'The notebook adds the numbers 0 to 9.' }
        ]
      }
    ]);
    await expect(
      page.locator('.jp-DataEngineer-assistant').last()
    ).toContainText('adds the numbers');

    // The notebook itself: the empty cell kept, two cells with their real outputs.
    await expect(
      page.locator('.jp-DataEngineer-toolCard[data-state="done"]')
    ).toHaveCount(5);
    await expect(
      page.locator('.jp-DataEngineer-toolCard[data-state="denied"]')
    ).toHaveCount(1);
    const cells = page.locator('.jp-NotebookPanel:visible .jp-Cell');
    await expect(cells).toHaveCount(3);
    await expect(cells.nth(1).locator('.jp-OutputArea-output')).toContainText(
      'total 45'
    );
    await expect(cells.nth(2).locator('.jp-OutputArea-output')).toContainText(
      'twice 90'
    );
  });

  test('exports the chat to a notebook that opens, with the code it ran and the outputs', async ({
    page,
    request,
    tmpPath
  }) => {
    const path = `${tmpPath}/export-source.ipynb`;
    await scriptMock(request, [
      toolCalls({
        id: 'toolu_create',
        name: 'create_notebook',
        input: { path }
      })
    ]);
    await openChat(page);
    await sendMessage(page, 'Count the rows of a tiny frame');
    let recorded = await waitForMessageRequests(request, 2);
    await scriptMock(request, [
      toolCalls({
        id: 'toolu_insert',
        name: 'insert_cell',
        input: {
          notebook_path: path,
          position: 'bottom',
          source: 'rows = len([3, 1, 4])\nprint("rows", rows)'
        }
      })
    ]);
    recorded = await waitForMessageRequests(request, 3);
    const cell = cellIdAfter(
      toolResult(recorded[2], 'toolu_insert').text,
      /Inserted code cell ([\w-]+)/
    );
    await scriptMock(request, [
      toolCalls({
        id: 'toolu_run',
        name: 'run_cell',
        input: { notebook_path: path, cell_id: cell }
      })
    ]);
    const waiting = page.locator(
      '.jp-DataEngineer-toolCard[data-state="waiting_approval"]'
    );
    await expect(waiting).toHaveCount(1, { timeout: 30000 });
    await waiting.locator('.jp-DataEngineer-allowOnce').click();
    recorded = await waitForMessageRequests(request, 4);
    expect(toolResult(recorded[3], 'toolu_run').text).toContain('rows 3');
    await scriptMock(request, [
      { blocks: [{ type: 'text', text: 'The frame has **3 rows**.' }] }
    ]);
    await expect(
      page.locator('.jp-DataEngineer-assistant').last()
    ).toContainText('3 rows');

    // The source notebook is the active one: the export lands next to it and opens.
    const exported: string = await page.evaluate(() =>
      (window as any).jupyterapp.commands.execute(
        'data-engineer:export-notebook'
      )
    );
    expect(exported).toMatch(
      new RegExp(`^${tmpPath}/chat-count-the-rows.*\\.ipynb$`)
    );
    await expect(
      page.locator(
        `.lm-TabBar-tab[data-type="document-title"]:has-text("${exported.split('/').pop()}")`
      )
    ).toBeVisible();
    const response = await request.get(
      `http://localhost:8888/api/contents/${exported}?content=1`
    );
    expect(response.ok()).toBeTruthy();
    const model = await response.json();
    // The server validates notebooks it reads and reports problems in `message`.
    expect(model.type).toBe('notebook');
    expect(model.message ?? null).toBeNull();
    const cells = model.content.cells;
    const code = cells.filter((c: any) => c.cell_type === 'code');
    expect(code).toHaveLength(1);
    expect(code[0].source).toContain('print("rows", rows)');
    expect(JSON.stringify(code[0].outputs)).toContain('rows 3');
    const markdown = cells
      .filter((c: any) => c.cell_type === 'markdown')
      .map((c: any) => c.source)
      .join('\n');
    expect(markdown).toContain('Count the rows of a tiny frame');
    expect(markdown).toContain('The frame has **3 rows**.');
    // JupyterLab renders it: the exported code cell with its output.
    const panel = page.locator('.jp-NotebookPanel:visible');
    await expect(panel.locator('.jp-OutputArea-output').first()).toContainText(
      'rows 3'
    );

    // And to Markdown.
    const md: string = await page.evaluate(() =>
      (window as any).jupyterapp.commands.execute(
        'data-engineer:export-markdown'
      )
    );
    const text = await request.get(
      `http://localhost:8888/api/contents/${md}?content=1&type=file&format=text`
    );
    const content = (await text.json()).content as string;
    expect(content).toContain('Count the rows of a tiny frame');
    expect(content).toContain('print("rows", rows)');
  });

  test('Stop during a long-running cell interrupts the kernel', async ({
    page,
    request,
    tmpPath
  }) => {
    const path = `${tmpPath}/long.ipynb`;
    await scriptMock(request, [
      toolCalls({
        id: 'toolu_create',
        name: 'create_notebook',
        input: { path }
      })
    ]);
    await openChat(page);
    await sendMessage(page, 'Run something slow');
    let recorded = await waitForMessageRequests(request, 2);
    const first = cellIdAfter(
      toolResult(recorded[1], 'toolu_create').text,
      /first cell is ([\w-]+)/
    );
    await scriptMock(request, [
      toolCalls(
        {
          id: 'toolu_edit',
          name: 'edit_cell',
          input: {
            notebook_path: path,
            cell_id: first,
            source: 'import time\ntime.sleep(120)\nprint("fin" + "ished")'
          }
        },
        {
          id: 'toolu_run',
          name: 'run_cell',
          input: { notebook_path: path, cell_id: first }
        }
      )
    ]);
    const card = page.locator(
      '.jp-DataEngineer-toolCard[data-tool="run_cell"]'
    );
    await expect(card).toHaveAttribute('data-state', 'waiting_approval', {
      timeout: 30000
    });
    await card.locator('.jp-DataEngineer-allowOnce').click();
    await expect(card).toHaveAttribute('data-state', 'running');
    await page.waitForTimeout(1500);

    const stoppedAt = Date.now();
    await page.locator('.jp-DataEngineer-stop').click();
    await expect(card).toHaveAttribute('data-state', 'cancelled', {
      timeout: 5000
    });
    expect(Date.now() - stoppedAt).toBeLessThan(5000);
    // The kernel was interrupted: the cell shows KeyboardInterrupt, never "finished".
    const output = page
      .locator('.jp-NotebookPanel:visible .jp-Cell')
      .first()
      .locator('.jp-OutputArea-output');
    await expect(output).toContainText('KeyboardInterrupt', { timeout: 10000 });
    await expect(output).not.toContainText('finished');

    // The next message carries a valid conversation: the cancelled call has its result.
    await scriptMock(request, [
      { blocks: [{ type: 'text', text: 'Understood.' }] }
    ]);
    await sendMessage(page, 'Why did it stop?');
    recorded = await waitForMessageRequests(request, 3);
    const cancelled = toolResult(recorded[2], 'toolu_run');
    expect(cancelled.isError).toBe(true);
    expect(cancelled.text.toLowerCase()).toContain('cancelled');
  });
});

test.describe('Kernel data', () => {
  test.beforeEach(async ({ request }) => {
    await resetMock(request);
  });

  test('the assistant inspects a live dataframe without running a cell', async ({
    page,
    request
  }) => {
    await page.notebook.createNew('frames.ipynb');
    await page.notebook.setCell(
      0,
      'code',
      'import pandas as pd\norders = pd.DataFrame({"order_id": [1, 2, 3], "amount": [9.5, None, 12.0], "country": ["IT", "FR", "IT"]})'
    );
    await page.notebook.runCell(0);
    const countBefore = await page
      .locator('.jp-Cell .jp-InputArea-prompt')
      .first()
      .innerText();

    await scriptMock(request, [
      toolCalls({
        id: 'toolu_inspect',
        name: 'inspect_variable',
        input: { name: 'orders', sample_rows: 2 }
      }),
      {
        blocks: [
          { type: 'text', text: '`orders` has 3 rows; `amount` has one null.' }
        ]
      }
    ]);
    await openChat(page);
    const input = page.locator('.jp-DataEngineer-input');
    await input.fill('What is in @ord');
    // @ completes kernel variables.
    await expect(page.locator('.jp-DataEngineer-mention')).toHaveText([
      '@orders'
    ]);
    await input.press('Tab');
    await expect(input).toHaveValue('What is in @orders ');
    await input.press('Enter');
    await expect(
      page.locator('.jp-DataEngineer-assistant').last()
    ).toContainText('one null');

    const recorded = await waitForMessageRequests(request, 2);
    // The mention attached the variable's summary; the context lists the frame.
    const first = JSON.stringify(recorded[0].body.messages[0].content);
    expect(first).toContain('<attachment label=\\"@orders\\">');
    expect(first).toContain('order_id');
    expect(first).toMatch(/orders: pandas\.DataFrame 3×3/);
    // The tool result holds the real dtypes and sample rows.
    const inspected = framedJson(toolResult(recorded[1], 'toolu_inspect').text);
    expect(inspected.kind).toBe('pandas.DataFrame');
    expect(inspected.shape).toEqual([3, 3]);
    const columns = Object.fromEntries(
      inspected.columns.map((c: any) => [c.name, c])
    );
    expect(columns.order_id.dtype).toBe('int64');
    expect(columns.amount.dtype).toBe('float64');
    expect(columns.amount.nulls).toBe(1);
    expect(inspected.sample.rows).toEqual([
      [1, 9.5, 'IT'],
      [2, null, 'FR']
    ]);
    // Nothing ran as a cell: the execution count did not move.
    expect(
      await page.locator('.jp-Cell .jp-InputArea-prompt').first().innerText()
    ).toBe(countBefore);
  });
});
