import { expect, test } from '@jupyterlab/galata';
import {
  messageRequests,
  openChat,
  resetMock,
  scriptMock,
  sendMessage
} from './helpers';

const REPLY = [
  '## Row counts',
  '',
  'Use **DuckDB** for this:',
  '',
  '```python',
  'import duckdb',
  "duckdb.sql('select 42 as answer').df()",
  '```',
  '',
  'Done.'
].join('\n');

test.describe('Data Engineer chat', () => {
  test.beforeEach(async ({ request }) => {
    await resetMock(request);
  });

  test('opens from the sidebar and the palette command', async ({ page }) => {
    const tab = page.locator(
      '.jp-SideBar.jp-mod-right .lm-TabBar-tab[title="Data Engineer Chat"]'
    );
    await expect(tab).toHaveCount(1);
    await tab.click();
    await expect(page.locator('.jp-DataEngineer-input')).toBeVisible();
    await tab.click();
    await expect(page.locator('.jp-DataEngineer-input')).toBeHidden();

    await page.keyboard.press('Control+Shift+C');
    await page
      .locator('#modal-command-palette input')
      .fill('Open Data Engineer Chat');
    await page.keyboard.press('Enter');
    await expect(page.locator('.jp-DataEngineer-input')).toBeFocused();

    // And the keyboard shortcut (Accel Alt D), from a closed panel.
    await tab.click();
    await expect(page.locator('.jp-DataEngineer-input')).toBeHidden();
    await page.locator('.jp-FileBrowser').first().click();
    await page.keyboard.press('Control+Alt+d');
    await expect(page.locator('.jp-DataEngineer-input')).toBeFocused();
  });

  test('streams a reply token by token and renders it as markdown', async ({
    page,
    request
  }) => {
    await scriptMock(request, [
      {
        blocks: [{ type: 'text', text: REPLY }],
        chunk_size: 6,
        delay_ms: 80,
        usage: {
          input_tokens: 321,
          output_tokens: 54,
          cache_read_input_tokens: 17,
          cache_creation_input_tokens: 0
        }
      }
    ]);
    await openChat(page);
    await sendMessage(page, 'How do I count rows?');

    const reply = page.locator('.jp-DataEngineer-assistant').last();
    // Seen while streaming: partial text before the end.
    await expect(reply).toHaveAttribute('data-status', 'streaming');
    const markdown = reply.locator('.jp-DataEngineer-markdown').first();
    await expect
      .poll(async () => (await markdown.innerText()).length)
      .toBeGreaterThan(0);
    // Still streaming when part of the text is on screen.
    const partial = await markdown.innerText();
    await expect(reply).toHaveAttribute('data-status', 'streaming');
    expect(partial.length).toBeLessThan(REPLY.length);

    await expect(reply).toHaveAttribute('data-status', 'done', {
      timeout: 20000
    });
    await expect(reply.locator('h2')).toHaveText(/Row counts/);
    await expect(reply.locator('strong')).toHaveText('DuckDB');
    await expect(reply.locator('pre')).toContainText(
      "duckdb.sql('select 42 as answer').df()"
    );
    // Sonnet prices from the settings: (321 × 3 + 17 × 0.3 + 54 × 15) / 1e6 USD.
    await expect(reply.locator('.jp-DataEngineer-usage')).toHaveText(
      'in 321 · cached 17 · out 54 · ~$0.0018'
    );
    await expect(page.locator('.jp-DataEngineer-chatUsage')).toHaveText(
      'Chat: in 338 (5% cached) · out 54 · ~$0.0018'
    );
    await expect(page.locator('.jp-DataEngineer-contextMeter')).toContainText(
      'Context 0%'
    );
    await expect(reply.locator('.jp-DataEngineer-codeAction')).toHaveCount(3);

    const recorded = await messageRequests(request);
    expect(recorded).toHaveLength(1);
    const sent = recorded[0];
    expect(sent.path).toBe('/v1/messages');
    expect(sent.body.stream).toBe(true);
    expect(sent.body.messages).toHaveLength(1);
    expect(sent.body.messages[0].role).toBe('user');
    // The message carries a prompt-cache breakpoint; the volatile context comes after it.
    expect(sent.body.messages[0].content[0]).toEqual({
      type: 'text',
      text: 'How do I count rows?',
      cache_control: { type: 'ephemeral' }
    });
    expect(JSON.stringify(sent.body.system)).toContain('data engineer');
    // The key was added by the server; nothing of the browser's session got through.
    expect(sent.headers['x-api-key']).toBe('sk-ant-test-galata');
    expect(sent.headers['cookie']).toBeUndefined();
    expect(sent.headers['authorization']).toBeUndefined();
    expect(sent.headers['x-xsrftoken']).toBeUndefined();
  });

  test('Stop aborts the stream at once and keeps the partial reply', async ({
    page,
    request
  }) => {
    await scriptMock(request, [
      {
        blocks: [{ type: 'text', text: 'word '.repeat(400) }],
        chunk_size: 5,
        delay_ms: 50
      }
    ]);
    await openChat(page);
    await sendMessage(page, 'Write a long essay');
    const reply = page.locator('.jp-DataEngineer-assistant').last();
    await expect(reply).toHaveAttribute('data-status', 'streaming');
    await expect
      .poll(async () => (await reply.innerText()).length)
      .toBeGreaterThan(30);

    await page.locator('.jp-DataEngineer-stop').click();
    await expect(reply).toHaveAttribute('data-status', 'stopped', {
      timeout: 2000
    });
    const kept = await reply.locator('.jp-DataEngineer-markdown').innerText();
    expect(kept).toContain('word');
    await expect(page.locator('.jp-DataEngineer-send')).toBeVisible();
    // Nothing more arrives after Stop.
    await page.waitForTimeout(500);
    expect(await reply.locator('.jp-DataEngineer-markdown').innerText()).toBe(
      kept
    );
    // The server cancelled the upstream request.
    await expect
      .poll(
        async () => (await messageRequests(request))[0].client_disconnected,
        { timeout: 5000 }
      )
      .toBe(true);
  });

  test('a 429 becomes a readable error with Retry', async ({
    page,
    request
  }) => {
    await scriptMock(request, [
      // The SDK retries a 429 by itself twice (honouring retry-after) before giving up.
      {
        type: 'http_error',
        status: 429,
        error_type: 'rate_limit_error',
        message: 'Number of requests has exceeded your rate limit',
        headers: { 'retry-after': '0' }
      },
      {
        type: 'http_error',
        status: 429,
        error_type: 'rate_limit_error',
        message: 'Number of requests has exceeded your rate limit',
        headers: { 'retry-after': '0' }
      },
      {
        type: 'http_error',
        status: 429,
        error_type: 'rate_limit_error',
        message: 'Number of requests has exceeded your rate limit',
        headers: { 'retry-after': '7' }
      },
      { blocks: [{ type: 'text', text: 'Back after the **rate limit**.' }] }
    ]);
    await openChat(page);
    await sendMessage(page, 'Hello?');
    const error = page.locator('.jp-DataEngineer-error');
    await expect(error).toBeVisible({ timeout: 30000 });
    await expect(error).toContainText('Rate limited');
    await expect(error).toContainText('7 s');
    await page.locator('.jp-DataEngineer-retry').click();
    const reply = page.locator('.jp-DataEngineer-assistant').last();
    await expect(reply).toHaveAttribute('data-status', 'done');
    await expect(reply.locator('strong')).toHaveText('rate limit');
    await expect(page.locator('.jp-DataEngineer-error')).toHaveCount(0);
  });

  test('code blocks insert into the active notebook', async ({
    page,
    request
  }) => {
    await scriptMock(request, [{ blocks: [{ type: 'text', text: REPLY }] }]);
    await page.notebook.createNew('insert.ipynb');
    await page.notebook.setCell(0, 'code', 'x = 1');
    await openChat(page);
    await sendMessage(page, 'Give me code');
    const reply = page.locator('.jp-DataEngineer-assistant').last();
    await expect(reply).toHaveAttribute('data-status', 'done');
    await reply.getByRole('button', { name: 'Insert below' }).click();
    await expect.poll(async () => page.notebook.getCellCount()).toBe(2);
    expect(await page.notebook.getCellTextInput(1)).toBe(
      "import duckdb\nduckdb.sql('select 42 as answer').df()"
    );
    expect(await page.notebook.getCellTextInput(0)).toBe('x = 1');
    await page.notebook.selectCells(0);
    await reply.getByRole('button', { name: 'Replace cell' }).click();
    await expect
      .poll(async () => page.notebook.getCellTextInput(0))
      .toBe("import duckdb\nduckdb.sql('select 42 as answer').df()");
    await expect.poll(async () => page.notebook.getCellCount()).toBe(2);
  });

  test('sanitises HTML in replies', async ({ page, request }) => {
    await scriptMock(request, [
      {
        blocks: [
          {
            type: 'text',
            text: 'Safe <img src=x onerror="window.__pwned=1"> <script>window.__pwned=2</script> text'
          }
        ]
      }
    ]);
    await openChat(page);
    await sendMessage(page, 'html?');
    const reply = page.locator('.jp-DataEngineer-assistant').last();
    await expect(reply).toHaveAttribute('data-status', 'done');
    await expect(reply.locator('script')).toHaveCount(0);
    expect(await page.evaluate(() => (window as any).__pwned)).toBeUndefined();
    const onerror = await reply
      .locator('img')
      .evaluateAll(els => els.map(e => e.getAttribute('onerror')));
    expect(onerror.every(v => v === null)).toBe(true);
  });
});
