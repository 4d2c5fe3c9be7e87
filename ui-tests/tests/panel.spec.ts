import { expect, test } from '@jupyterlab/galata';
import {
  expectButtonsInside,
  expectCodeActionsClearOfCode,
  expectHeaderFits,
  lightBackgrounds,
  WORKSPACE_MCP_JSON
} from './headerLayout';
import {
  holdRequests,
  messageRequests,
  openChat,
  resetMock,
  scriptMock,
  sendMessage,
  setSidebarWidth,
  toolCalls,
  waitForMessageRequests
} from './helpers';

/**
 * The panel at JupyterLab's default right-sidebar width and wider: one
 * toolbar row with the persona's name, nothing overlapping, JupyterLab's
 * theme colours only; the empty chat's suggested prompts send.
 */

for (const [width, theme] of [
  [250, 'light'],
  [480, 'light'],
  [250, 'dark'],
  [480, 'dark']
] as const) {
  test(`the header fits one row at ${width} px (${theme} theme) and shows the persona's name`, async ({
    page,
    request
  }) => {
    await resetMock(request);
    if (theme === 'dark') {
      await page.theme.setDarkTheme();
    }
    await openChat(page);
    await setSidebarWidth(page, width);
    await expectHeaderFits(page, width);
    await page.locator('.jp-DataEngineer-shell').screenshot({
      path: test.info().outputPath(`panel-${width}-${theme}.png`)
    });
    if (theme === 'dark') {
      await page.theme.setLightTheme();
    }
  });
}

test('the empty chat suggests prompts from what is open, and one click sends', async ({
  page,
  request,
  tmpPath
}) => {
  await resetMock(request);
  await page.notebook.createNew('suggest.ipynb');
  await page.notebook.setCell(
    0,
    'code',
    'import pandas as pd\norders = pd.DataFrame({"id": [1, 2], "amount": [3.0, 4.5]})'
  );
  await page.notebook.runCell(0);
  await page.notebook.addCell(
    'code',
    'import duckdb\nduckdb.sql("SELECT sum(amount) FROM orders")'
  );
  await openChat(page);
  await page.evaluate(async () => {
    await (window as any).jupyterapp.commands.execute('data-engineer:new-chat');
  });
  const suggestions = page.locator('.jp-DataEngineer-suggestion');
  await expect(suggestions).toHaveCount(3, { timeout: 20000 });
  await expect(
    page.locator('.jp-DataEngineer-suggestion[data-kind="dataframe"]')
  ).toContainText('orders');
  // Running cell 1 added an empty cell below it: the query is in cell 3.
  await expect(
    page.locator('.jp-DataEngineer-suggestion[data-kind="query"]')
  ).toContainText('Explain the query in cell 3');
  await expect(page.locator('.jp-DataEngineer-emptyState')).toContainText(
    'Data Engineer'
  );
  await expect(
    page.locator('.jp-DataEngineer-emptyHandoff').first()
  ).toBeVisible();
  await page
    .locator('.jp-DataEngineer-suggestion[data-kind="dataframe"]')
    .click();
  await expect
    .poll(async () => (await messageRequests(request)).length, {
      timeout: 20000
    })
    .toBeGreaterThan(0);
  const sent = JSON.stringify(
    (await messageRequests(request))[0].body.messages
  );
  expect(sent).toContain('Inspect the dataframe `orders`');
  await expect(page.locator('.jp-DataEngineer-user').first()).toContainText(
    'orders'
  );
  void tmpPath;
});

test('in the dark theme no element of the panel keeps a light background (empty chat, code block, approval card, diff), code actions cover no code, the full header fits 250 px', async ({
  page,
  request,
  tmpPath
}) => {
  await resetMock(request);
  await holdRequests(request);
  await openChat(page);
  // The check finds light backgrounds where there are some (the light theme's panel)…
  expect((await lightBackgrounds(page)).length).toBeGreaterThan(0);
  // …and none in the dark theme.
  await page.theme.setDarkTheme();
  expect(await lightBackgrounds(page)).toEqual([]);

  // A reply with a code block, a read, then an edit waiting for approval (its diff shown).
  const path = `${tmpPath}/pipeline.yaml`;
  await page.contents.uploadContent('pipeline:\n  retries: 2\n', 'text', path);
  await scriptMock(request, [
    {
      blocks: [
        {
          type: 'text',
          text: 'The retry count lives here:\n\n```python\nretries = 2  # per step\nprint(retries)\n```\n'
        },
        {
          type: 'tool_use',
          id: 'toolu_dark_read',
          name: 'read_file',
          input: { path }
        }
      ],
      stop_reason: 'tool_use'
    },
    toolCalls({
      id: 'toolu_dark_edit',
      name: 'edit_file',
      input: { path, old_text: 'retries: 2', new_text: 'retries: 3' }
    })
  ]);
  await sendMessage(page, 'Retry three times');
  const card = page.locator('.jp-DataEngineer-toolCard[data-tool="edit_file"]');
  await expect(card).toHaveAttribute('data-state', 'waiting_approval', {
    timeout: 30000
  });
  await expect(card.locator('.jp-DataEngineer-approval')).toContainText(
    '+  retries: 3'
  );
  const code = page
    .locator('.jp-DataEngineer-assistant .jp-DataEngineer-codeBlock')
    .first();
  // Its Copy / Insert / Replace strip, shown on hover, covers no code.
  await expectCodeActionsClearOfCode(page, code);
  expect(await lightBackgrounds(page)).toEqual([]);

  // Applied: the card's Diff and Undo.
  await card.locator('.jp-DataEngineer-allowOnce').click();
  await waitForMessageRequests(request, 3);
  await scriptMock(request, [
    { blocks: [{ type: 'text', text: 'Retries set to 3.' }] }
  ]);
  await expect(card.locator('.jp-DataEngineer-undoButton')).toBeVisible({
    timeout: 30000
  });
  await card.locator('details.jp-DataEngineer-toolDiff summary').click();
  await expect(card.locator('details.jp-DataEngineer-toolDiff')).toContainText(
    'retries: 3'
  );
  await expect(page.locator('.jp-DataEngineer-assistant').last()).toContainText(
    'Retries set to 3',
    { timeout: 30000 }
  );
  // At 250 px with every header control there (details, chats, changes, export, new chat):
  // still one row, nothing overlapping, and the name's first word readable.
  await setSidebarWidth(page, 250);
  await expect(
    page.locator('.jp-DataEngineer-header .jp-ToolbarButtonComponent')
  ).toHaveCount(5);
  await expectHeaderFits(page, 250, '#jp-right-stack', 'Data'.length);
  await code.hover();
  expect(await lightBackgrounds(page)).toEqual([]);
  await page
    .locator('.jp-DataEngineer-shell')
    .screenshot({ path: test.info().outputPath('panel-dark-cards.png') });
  await page.theme.setLightTheme();
});

test('at 250 px every row and card keeps its buttons inside the panel: the MCP server awaiting trust, persona details, an approval card, a done card, the changes list', async ({
  page,
  request,
  tmpPath
}) => {
  await resetMock(request);
  await holdRequests(request);
  // A workspace server waiting for trust: its row has Trust… (it was cut off at 250 px).
  await page.contents.createDirectory('.vscode');
  await page.contents.uploadContent(
    WORKSPACE_MCP_JSON,
    'text',
    '.vscode/mcp.json'
  );
  try {
    await openChat(page);
    await setSidebarWidth(page, 250);
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
    await page
      .locator('.jp-DataEngineer-shell')
      .screenshot({ path: test.info().outputPath('panel-250-mcp.png') });
    await expectButtonsInside(page, 'the MCP list');
  } finally {
    // Gone before the first message (no trust question in this test, nor in the next ones).
    await page.contents.deleteFile('.vscode/mcp.json');
  }

  // The persona's details.
  await page.locator('.jp-DataEngineer-detailsToggle').click();
  await expect(page.locator('.jp-DataEngineer-personaDetails')).toBeVisible();
  await expectButtonsInside(page, 'the persona details');
  await page.locator('.jp-DataEngineer-detailsToggle').click();

  // A tool card waiting for approval (its diff shown), then done with Diff and Undo, then the changes list.
  const path = `${tmpPath}/pipeline_with_a_long_name_for_the_card.yaml`;
  await page.contents.uploadContent('pipeline:\n  retries: 2\n', 'text', path);
  await scriptMock(request, [
    toolCalls({ id: 'toolu_narrow_read', name: 'read_file', input: { path } }),
    toolCalls({
      id: 'toolu_narrow_edit',
      name: 'edit_file',
      input: { path, old_text: 'retries: 2', new_text: 'retries: 3' }
    })
  ]);
  await sendMessage(page, 'Retry three times');
  const card = page.locator('.jp-DataEngineer-toolCard[data-tool="edit_file"]');
  await expect(card).toHaveAttribute('data-state', 'waiting_approval', {
    timeout: 30000
  });
  await expect(card.locator('.jp-DataEngineer-allowOnce')).toBeVisible();
  await expectButtonsInside(page, 'the approval card');
  await card.locator('.jp-DataEngineer-allowOnce').click();
  await waitForMessageRequests(request, 3);
  await scriptMock(request, [
    { blocks: [{ type: 'text', text: 'Retries set to 3.' }] }
  ]);
  await expect(card.locator('.jp-DataEngineer-undoButton')).toBeVisible({
    timeout: 30000
  });
  await expect(page.locator('.jp-DataEngineer-assistant').last()).toContainText(
    'Retries set to 3',
    { timeout: 30000 }
  );
  await expectButtonsInside(page, 'the done card');
  await page.locator('.jp-DataEngineer-changesToggle').click();
  await expect(
    page.locator(`.jp-DataEngineer-change[data-path="${path}"]`)
  ).toBeVisible();
  await expectButtonsInside(page, 'the changes list');
  await page
    .locator('.jp-DataEngineer-shell')
    .screenshot({ path: test.info().outputPath('panel-250-cards.png') });
});

test('an approval can be given with the keyboard alone, and the keyboard goes back to the composer', async ({
  page,
  request
}) => {
  await resetMock(request);
  await scriptMock(request, [
    toolCalls({
      id: 'toolu_kb',
      name: 'run_scratch',
      input: { code: 'print(6 * 7)' }
    }),
    { blocks: [{ type: 'text', text: 'It printed 42.' }] }
  ]);
  await page.notebook.createNew('keyboard.ipynb');
  await openChat(page);
  await sendMessage(page, 'Check the answer in the kernel');
  const card = page.locator(
    '.jp-DataEngineer-toolCard[data-tool="run_scratch"]'
  );
  await expect(card).toHaveAttribute('data-state', 'waiting_approval', {
    timeout: 60000
  });
  await page.locator('.jp-DataEngineer-input').focus();
  let reached = false;
  for (let i = 0; i < 25 && !reached; i++) {
    await page.keyboard.press('Shift+Tab');
    reached = await page.evaluate(
      () =>
        document.activeElement?.classList.contains(
          'jp-DataEngineer-allowOnce'
        ) ?? false
    );
  }
  expect(reached).toBe(true);
  await page.keyboard.press('Enter');
  await expect(card).toHaveAttribute('data-state', 'done', { timeout: 60000 });
  expect(
    await page.evaluate(() =>
      document.activeElement?.classList.contains('jp-DataEngineer-input')
    )
  ).toBe(true);
  await expect(page.locator('.jp-DataEngineer-assistant').last()).toContainText(
    '42',
    { timeout: 30000 }
  );
});
