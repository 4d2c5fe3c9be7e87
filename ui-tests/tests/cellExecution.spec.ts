import { expect, test } from '@jupyterlab/galata';
import {
  openChat,
  resetMock,
  scriptMock,
  sendMessage,
  toolCalls,
  toolResult,
  waitForMessageRequests
} from './helpers';

/**
 * Agent cell runs go through JupyterLab's own cell execution, so
 * `NotebookActions.executionScheduled` and `NotebookActions.executed` fire
 * (and a custom INotebookCellExecutor would run them). The page has no handle
 * on NotebookActions, so the test watches a JupyterLab listener of both
 * signals: the notebook's table of contents marks a heading whose section
 * had a cell scheduled and then failed as `data-running="-0.5"` (error).
 * A run that bypasses those signals (CodeCell.execute) leaves it at "-1".
 */
test.describe('Agent cell runs use the platform execution path', () => {
  test.beforeEach(async ({ request }) => {
    await resetMock(request);
  });

  test('NotebookActions.executed fires for an agent run_cell', async ({
    page,
    request,
    tmpPath
  }) => {
    const name = 'executed.ipynb';
    await page.notebook.createNew(name);
    await page.notebook.setCell(0, 'markdown', '# Load the orders');
    await page.notebook.runCell(0);
    await page.notebook.addCell('code', 'raise ValueError("boom")');
    await page.notebook.save();
    const cellId: string = await page.evaluate(() => {
      // Running the markdown cell added an empty cell below it: find the one with the code.
      const cells = (window as any).jupyterapp.shell.currentWidget.content.model
        .cells;
      for (let i = 0; i < cells.length; i++) {
        if (cells.get(i).sharedModel.getSource().includes('boom')) {
          return cells.get(i).id;
        }
      }
      throw new Error('no cell with the code');
    });

    await page.sidebar.openTab('table-of-contents');
    const heading = page.locator('.jp-TableOfContents .jp-tocItem-content', {
      hasText: 'Load the orders'
    });
    await expect(heading).toHaveAttribute('data-running', '-1');

    await scriptMock(request, [
      toolCalls({
        id: 'toolu_run',
        name: 'run_cell',
        input: { notebook_path: `${tmpPath}/${name}`, cell_id: cellId }
      }),
      { blocks: [{ type: 'text', text: 'The cell raises a ValueError.' }] }
    ]);
    await openChat(page);
    await sendMessage(page, 'Run the second cell');
    const card = page.locator(
      '.jp-DataEngineer-toolCard[data-tool="run_cell"]'
    );
    await expect(card).toHaveAttribute('data-state', 'waiting_approval', {
      timeout: 30000
    });
    await card.locator('.jp-DataEngineer-allowOnce').click();
    await expect(card).toHaveAttribute('data-state', 'failed', {
      timeout: 60000
    });

    // The model got the error as before.
    const recorded = await waitForMessageRequests(request, 2);
    const ran = toolResult(recorded[1], 'toolu_run');
    expect(ran.isError).toBe(true);
    expect(ran.text).toContain('ValueError');
    // Scheduled, then executed with the kernel's error: JupyterLab's own listener saw both.
    await expect(heading).toHaveAttribute('data-running', '-0.5', {
      timeout: 10000
    });
    // The user's view of the notebook shows the run as usual.
    const output = page
      .locator('.jp-NotebookPanel:visible .jp-CodeCell', {
        hasText: 'raise ValueError'
      })
      .locator('.jp-OutputArea-output');
    await expect(output).toContainText('boom');
  });
});
