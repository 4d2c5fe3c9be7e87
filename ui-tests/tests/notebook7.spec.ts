import { expect, test } from '@playwright/test';
import {
  messageRequests,
  resetMock,
  scriptMock,
  sendMessage,
  toolCalls,
  toolResult
} from './helpers';
import { expectValidRequest } from './requestShape';

/**
 * Smoke run in Jupyter Notebook 7 (`jupyter notebook`, port 8890, see
 * jupyter_server_notebook7_config.py): the chat opens in Notebook's right
 * sidebar, a reply streams, and the agent inserts a cell into the open
 * notebook. Plain Playwright: Galata's fixtures drive JupyterLab only.
 */
const SERVER = 'http://127.0.0.1:8890';

const EMPTY_NOTEBOOK = {
  cells: [
    {
      cell_type: 'code',
      source: 'x = 41',
      metadata: {},
      outputs: [],
      execution_count: null,
      id: 'first-cell'
    }
  ],
  metadata: {
    kernelspec: {
      name: 'python3',
      display_name: 'Python 3',
      language: 'python'
    }
  },
  nbformat: 4,
  nbformat_minor: 5
};

test.describe('Jupyter Notebook 7', () => {
  test.beforeEach(async ({ request }) => {
    await resetMock(request);
  });

  test('the chat opens in the right sidebar, a reply streams and a cell is inserted into the open notebook', async ({
    page,
    request
  }) => {
    const name = `nb7-smoke-${Date.now().toString(36)}.ipynb`;
    const created = await request.put(`${SERVER}/api/contents/${name}`, {
      data: { type: 'notebook', format: 'json', content: EMPTY_NOTEBOOK }
    });
    expect(created.ok()).toBeTruthy();
    await scriptMock(request, [
      {
        blocks: [
          {
            type: 'text',
            text: 'I will add a cell that prints the answer, step by step, right below yours.'
          },
          {
            type: 'tool_use',
            id: 'toolu_nb7',
            name: 'insert_cell',
            input: {
              notebook_path: name,
              position: 'bottom',
              source: 'print("answer", x + 1)'
            }
          }
        ],
        stop_reason: 'tool_use',
        chunk_size: 4,
        delay_ms: 40
      },
      { blocks: [{ type: 'text', text: 'Added the cell **below yours**.' }] }
    ]);

    await page.goto(`${SERVER}/notebooks/${name}`);
    const notebook = page.locator('.jp-NotebookPanel');
    await expect(notebook.locator('.jp-Cell')).toHaveCount(1, {
      timeout: 60000
    });
    await expect
      .poll(
        () =>
          page.evaluate(
            () =>
              !!(window as any).jupyterapp?.commands?.hasCommand(
                'data-engineer:open'
              )
          ),
        { timeout: 60000 }
      )
      .toBe(true);

    // The chat's shortcut (Accel Alt D) opens it in Notebook's right sidebar, which was collapsed.
    expect(
      await page.evaluate(() => (window as any).jupyterapp.shell.rightCollapsed)
    ).toBe(true);
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
        const inRight = Array.from(shell.widgets('right')).some((w: any) =>
          w.node.contains(input)
        );
        const inMain = Array.from(shell.widgets('main')).some((w: any) =>
          w.node.contains(input)
        );
        return { rightCollapsed: shell.rightCollapsed, inRight, inMain };
      })
    ).toEqual({ rightCollapsed: false, inRight: true, inMain: false });

    await sendMessage(page, 'Add a cell that prints x + 1');
    const reply = page
      .locator('#jp-right-stack .jp-DataEngineer-assistant')
      .first();
    await expect(reply).toHaveAttribute('data-status', 'streaming', {
      timeout: 20000
    });
    const last = page
      .locator('#jp-right-stack .jp-DataEngineer-assistant')
      .last();
    await expect(last).toContainText('below yours', { timeout: 30000 });
    await expect(last).toHaveAttribute('data-status', 'done');

    // The cell is in the open notebook (its view and its model).
    await expect(notebook.locator('.jp-Cell')).toHaveCount(2);
    await expect(notebook.locator('.jp-Cell').nth(1)).toContainText(
      'print("answer", x + 1)'
    );
    await expect(notebook.locator('.jp-Cell').nth(0)).toContainText('x = 41');
    const recorded = await messageRequests(request);
    expect(recorded).toHaveLength(2);
    expect(toolResult(recorded[1], 'toolu_nb7').isError).toBe(false);
    expect(toolResult(recorded[1], 'toolu_nb7').text).toContain(
      'Inserted code cell'
    );
    expectValidRequest(recorded[1].body);
  });
});

// The header in Notebook 7's right panel (kept in a block of its own).
import type { Page } from '@playwright/test';
import {
  expectButtonsInside,
  expectHeaderFits,
  lightBackgrounds,
  WORKSPACE_MCP_JSON
} from './headerLayout';

/** Notebook 7's main split panel (left panel, main area, right panel): its shell keeps it in its layout. */
async function setNotebookSidebarWidth(
  page: Page,
  width: number
): Promise<void> {
  await page.evaluate(w => {
    const shell = (window as any).jupyterapp.shell;
    const split = shell.layout.widgets[0].widgets.find(
      (widget: any) => widget.id === 'main-split-panel'
    );
    const total = split.node.getBoundingClientRect().width;
    const sizes = split.relativeSizes();
    split.setRelativeSizes([sizes[0], 1 - sizes[0] - w / total, w / total]);
  }, width);
  await expect
    .poll(
      async () =>
        Math.round(
          (await page.locator('#jp-right-stack').boundingBox())!.width
        ),
      { timeout: 10000 }
    )
    .toBeGreaterThanOrEqual(width - 3);
  await expect
    .poll(
      async () =>
        Math.round(
          (await page.locator('#jp-right-stack').boundingBox())!.width
        ),
      { timeout: 10000 }
    )
    .toBeLessThanOrEqual(width + 3);
}

async function setNotebookTheme(page: Page, theme: string): Promise<void> {
  await page.evaluate(
    async name =>
      (window as any).jupyterapp.commands.execute('apputils:change-theme', {
        theme: name
      }),
    theme
  );
  await expect(page.locator('body')).toHaveAttribute(
    'data-jp-theme-name',
    theme,
    { timeout: 30000 }
  );
}

test.describe('Jupyter Notebook 7: the chat header', () => {
  for (const [width, theme] of [
    [250, 'JupyterLab Light'],
    [480, 'JupyterLab Light'],
    [250, 'JupyterLab Dark'],
    [480, 'JupyterLab Dark']
  ] as const) {
    test(`fits one row at ${width} px in the right panel (${theme}) and shows the persona's name`, async ({
      page,
      request
    }) => {
      await resetMock(request);
      const name = `nb7-header-${width}-${Date.now().toString(36)}.ipynb`;
      const created = await request.put(`${SERVER}/api/contents/${name}`, {
        data: { type: 'notebook', format: 'json', content: EMPTY_NOTEBOOK }
      });
      expect(created.ok()).toBeTruthy();
      await page.goto(`${SERVER}/notebooks/${name}`);
      await expect(page.locator('.jp-NotebookPanel .jp-Cell')).toHaveCount(1, {
        timeout: 60000
      });
      await expect
        .poll(
          () =>
            page.evaluate(
              () =>
                !!(window as any).jupyterapp?.commands?.hasCommand(
                  'data-engineer:open'
                )
            ),
          { timeout: 60000 }
        )
        .toBe(true);
      await setNotebookTheme(page, theme);
      await page.evaluate(() =>
        (window as any).jupyterapp.commands.execute('data-engineer:open')
      );
      await expect(
        page.locator('#jp-right-stack .jp-DataEngineer-input')
      ).toBeVisible({ timeout: 30000 });
      await setNotebookSidebarWidth(page, width);
      await expectHeaderFits(page, width);
      if (theme === 'JupyterLab Dark') {
        expect(
          await lightBackgrounds(page, '#jp-right-stack .jp-DataEngineer-shell')
        ).toEqual([]);
      }
      await page.locator('#jp-right-stack .jp-DataEngineer-shell').screenshot({
        path: test
          .info()
          .outputPath(
            `nb7-panel-${width}-${theme.split(' ')[1].toLowerCase()}.png`
          )
      });
      // Notebook keeps the theme in its settings: back to light for the tests that follow.
      if (theme !== 'JupyterLab Light') {
        await setNotebookTheme(page, 'JupyterLab Light');
      }
    });
  }
});

test.describe('Jupyter Notebook 7: rows and cards at 250 px', () => {
  test('the MCP server awaiting trust, persona details and an approval card keep their buttons inside the right panel', async ({
    page,
    request
  }) => {
    await resetMock(request);
    const put = async (path: string, model: Record<string, unknown>) =>
      expect(
        (
          await request.put(`${SERVER}/api/contents/${path}`, { data: model })
        ).ok()
      ).toBeTruthy();
    await put('.vscode', { type: 'directory' });
    await put('.vscode/mcp.json', {
      type: 'file',
      format: 'text',
      content: WORKSPACE_MCP_JSON
    });
    const name = `nb7-rows-${Date.now().toString(36)}.ipynb`;
    await put(name, {
      type: 'notebook',
      format: 'json',
      content: EMPTY_NOTEBOOK
    });
    try {
      await page.goto(`${SERVER}/notebooks/${name}`);
      await expect(page.locator('.jp-NotebookPanel .jp-Cell')).toHaveCount(1, {
        timeout: 60000
      });
      await expect
        .poll(
          () =>
            page.evaluate(
              () =>
                !!(window as any).jupyterapp?.commands?.hasCommand(
                  'data-engineer:open'
                )
            ),
          { timeout: 60000 }
        )
        .toBe(true);
      await page.evaluate(() =>
        (window as any).jupyterapp.commands.execute('data-engineer:open')
      );
      await expect(
        page.locator('#jp-right-stack .jp-DataEngineer-input')
      ).toBeVisible({ timeout: 30000 });
      await setNotebookSidebarWidth(page, 250);

      const server = page.locator(
        '.jp-DataEngineer-mcpServer[data-server="warehouse-docs"]'
      );
      await page.locator('.jp-DataEngineer-mcpToggle').click();
      await expect(server).toHaveAttribute('data-state', 'untrusted', {
        timeout: 30000
      });
      await expect(
        server.locator('.jp-DataEngineer-mcpTrustButton')
      ).toBeVisible();
      await expectButtonsInside(page, 'the MCP list');
      await page
        .locator('#jp-right-stack .jp-DataEngineer-shell')
        .screenshot({ path: test.info().outputPath('nb7-panel-250-mcp.png') });
      expect(
        (await request.delete(`${SERVER}/api/contents/.vscode/mcp.json`)).ok()
      ).toBeTruthy();

      await page.locator('.jp-DataEngineer-detailsToggle').click();
      await expect(
        page.locator('.jp-DataEngineer-personaDetails')
      ).toBeVisible();
      await expectButtonsInside(page, 'the persona details');
      await page.locator('.jp-DataEngineer-detailsToggle').click();

      await scriptMock(request, [
        toolCalls({
          id: 'toolu_nb7_narrow',
          name: 'run_scratch',
          input: { code: 'print(6 * 7)' }
        })
      ]);
      await sendMessage(page, 'Check the answer in the kernel');
      const card = page.locator(
        '.jp-DataEngineer-toolCard[data-tool="run_scratch"]'
      );
      await expect(card).toHaveAttribute('data-state', 'waiting_approval', {
        timeout: 60000
      });
      await expectButtonsInside(page, 'the approval card');
    } finally {
      await request
        .delete(`${SERVER}/api/contents/.vscode/mcp.json`)
        .catch(() => undefined);
    }
  });
});
