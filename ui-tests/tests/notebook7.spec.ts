import { expect, test } from '@playwright/test';
import { messageRequests, resetMock, scriptMock, sendMessage, toolCalls, toolResult } from './helpers';
import { expectValidRequest } from './requestShape';

/**
 * Smoke run in Jupyter Notebook 7 (`jupyter notebook`, port 8890, see
 * jupyter_server_notebook7_config.py): the chat opens in Notebook's right
 * sidebar, a reply streams, and the agent inserts a cell into the open
 * notebook. Plain Playwright: Galata's fixtures drive JupyterLab only.
 */
const SERVER = 'http://127.0.0.1:8890';

const EMPTY_NOTEBOOK = {
  cells: [{ cell_type: 'code', source: 'x = 41', metadata: {}, outputs: [], execution_count: null, id: 'first-cell' }],
  metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
  nbformat: 4,
  nbformat_minor: 5
};

test.describe('Jupyter Notebook 7', () => {
  test.beforeEach(async ({ request }) => {
    await resetMock(request);
  });

  test('the chat opens in the right sidebar, a reply streams and a cell is inserted into the open notebook', async ({ page, request }) => {
    const name = `nb7-smoke-${Date.now().toString(36)}.ipynb`;
    const created = await request.put(`${SERVER}/api/contents/${name}`, {
      data: { type: 'notebook', format: 'json', content: EMPTY_NOTEBOOK }
    });
    expect(created.ok()).toBeTruthy();
    await scriptMock(request, [
      {
        blocks: [
          { type: 'text', text: 'I will add a cell that prints the answer, step by step, right below yours.' },
          { type: 'tool_use', id: 'toolu_nb7', name: 'insert_cell', input: { notebook_path: name, position: 'bottom', source: 'print("answer", x + 1)' } }
        ],
        stop_reason: 'tool_use',
        chunk_size: 4,
        delay_ms: 40
      },
      { blocks: [{ type: 'text', text: 'Added the cell **below yours**.' }] }
    ]);

    await page.goto(`${SERVER}/notebooks/${name}`);
    const notebook = page.locator('.jp-NotebookPanel');
    await expect(notebook.locator('.jp-Cell')).toHaveCount(1, { timeout: 60000 });
    await expect.poll(() => page.evaluate(() => !!(window as any).jupyterapp?.commands?.hasCommand('data-engineer:open')), { timeout: 60000 }).toBe(true);

    // The chat's shortcut (Accel Alt D) opens it in Notebook's right sidebar, which was collapsed.
    expect(await page.evaluate(() => (window as any).jupyterapp.shell.rightCollapsed)).toBe(true);
    await notebook.locator('.jp-Cell').first().click();
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+Alt+d');
    const input = page.locator('#jp-right-stack .jp-DataEngineer-input');
    await expect(input).toBeVisible({ timeout: 30000 });
    await expect(input).toBeFocused();
    expect(
      await page.evaluate(() => {
        const shell = (window as any).jupyterapp.shell;
        const input = document.querySelector('.jp-DataEngineer-input');
        const inRight = Array.from(shell.widgets('right')).some((w: any) => w.node.contains(input));
        const inMain = Array.from(shell.widgets('main')).some((w: any) => w.node.contains(input));
        return { rightCollapsed: shell.rightCollapsed, inRight, inMain };
      })
    ).toEqual({ rightCollapsed: false, inRight: true, inMain: false });

    await sendMessage(page, 'Add a cell that prints x + 1');
    const reply = page.locator('#jp-right-stack .jp-DataEngineer-assistant').first();
    await expect(reply).toHaveAttribute('data-status', 'streaming', { timeout: 20000 });
    const last = page.locator('#jp-right-stack .jp-DataEngineer-assistant').last();
    await expect(last).toContainText('below yours', { timeout: 30000 });
    await expect(last).toHaveAttribute('data-status', 'done');

    // The cell is in the open notebook (its view and its model).
    await expect(notebook.locator('.jp-Cell')).toHaveCount(2);
    await expect(notebook.locator('.jp-Cell').nth(1)).toContainText('print("answer", x + 1)');
    await expect(notebook.locator('.jp-Cell').nth(0)).toContainText('x = 41');
    const recorded = await messageRequests(request);
    expect(recorded).toHaveLength(2);
    expect(toolResult(recorded[1], 'toolu_nb7').isError).toBe(false);
    expect(toolResult(recorded[1], 'toolu_nb7').text).toContain('Inserted code cell');
    expectValidRequest(recorded[1].body);
  });
});
