import { expect, test } from '@jupyterlab/galata';
import {
  messageRequests,
  openChat,
  resetMock,
  scriptMock,
  sendMessage,
  toolCalls,
  toolResult,
  waitForMessageRequests
} from './helpers';

/** Issue 26: what a reply or a notebook cannot do past the page (items 4 and 12). */

const READER = `---
name: Reader
description: Reads files and answers; changes nothing.
tools:
  - readFile
---
You only read files.
`;
const READER_PATH = '.github/chatmodes/reader.chatmode.md';
const TARGET = 'limits-target.txt';

test.describe('Tool limits and secrets (issue 26)', () => {
  test.beforeEach(async ({ request }) => {
    await resetMock(request);
  });

  test.afterEach(async ({ page }) => {
    for (const path of [READER_PATH, TARGET, 'secrets.ipynb']) {
      if (await page.contents.fileExists(path)) {
        await page.contents.deleteFile(path);
      }
    }
  });

  test('a call to a tool the request did not offer is refused and runs nothing', async ({
    page,
    request
  }) => {
    await page.contents.uploadContent(READER, 'text', READER_PATH);
    await scriptMock(request, [
      toolCalls({
        id: 'toolu_hidden',
        name: 'write_file',
        input: { path: TARGET, content: 'written by a tool nobody offered\n' }
      }),
      { blocks: [{ type: 'text', text: 'Understood: I only read.' }] }
    ]);
    await openChat(page);
    const picker = page.locator('.jp-DataEngineer-personaPicker');
    await expect(picker.locator('option[value="reader"]')).toHaveText(/Reader/);
    await picker.selectOption('reader');
    await sendMessage(page, 'Write the file');

    const card = page.locator(
      '.jp-DataEngineer-toolCard[data-tool="write_file"]'
    );
    await expect(card).toHaveAttribute('data-state', 'failed', {
      timeout: 30000
    });
    await card.locator('.jp-DataEngineer-toolDetails summary').click();
    await expect(card.locator('.jp-DataEngineer-toolResult')).toContainText(
      'was not offered in this request, so it did not run'
    );
    // No approval was asked, and the model got the refusal as an error.
    await expect(page.locator('.jp-DataEngineer-allowOnce')).toHaveCount(0);
    const recorded = await waitForMessageRequests(request, 2);
    const offered = recorded[0].body.tools.map((t: any) => t.name);
    expect(offered).toContain('read_file');
    expect(offered).not.toContain('write_file');
    expect(offered.some((name: string) => name.startsWith('mcp__'))).toBe(
      false
    );
    const result = toolResult(recorded[1], 'toolu_hidden');
    expect(result.isError).toBe(true);
    expect(result.text).toContain('"write_file" was not offered');
    await expect(
      page.locator('.jp-DataEngineer-assistant').last()
    ).toHaveAttribute('data-status', 'done');
    // Nothing ran: the file was never written.
    expect(await page.contents.fileExists(TARGET)).toBe(false);
  });

  test('a literal secret in a cell never reaches the model, from the first request on', async ({
    page,
    request
  }) => {
    const key = 'sk-live-4f9a8b7c6d5e4f3a2b1c0d9e';
    await page.notebook.createNew('secrets.ipynb');
    await page.notebook.setCell(
      0,
      'code',
      `api_token = "${key}"\nclient = make_client(api_token)`
    );
    await page.notebook.addCell('code', 'password = "hunter2-warehouse"');
    await page.notebook.save();
    await scriptMock(request, [
      { blocks: [{ type: 'text', text: 'The cell builds a client.' }] }
    ]);
    await openChat(page);
    await sendMessage(page, 'What does this notebook do?');
    await expect(
      page.locator('.jp-DataEngineer-assistant').last()
    ).toHaveAttribute('data-status', 'done');
    const [first] = await messageRequests(request);
    const body = JSON.stringify(first.body);
    // The notebook context was sent (the cells are there), the literals are not.
    expect(body).toContain('client = make_client(api_token)');
    expect(body).toContain('api_token = \\"<redacted, 32 chars>\\"');
    expect(body).not.toContain(key);
    expect(body).not.toContain('hunter2-warehouse');
  });
});
