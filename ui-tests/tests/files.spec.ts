import { expect, test } from '@jupyterlab/galata';
import {
  holdRequests,
  openChat,
  resetMock,
  scriptMock,
  sendMessage,
  toolCalls,
  toolResult,
  waitForMessageRequests
} from './helpers';

const ORIGINAL =
  'pipeline:\n  name: daily_revenue\n  schedule: "0 6 * * *"   # UTC\n  retries: 2\n';

/** A file's text on disk, through the server's contents API. */
async function fileOnDisk(request: any, path: string): Promise<string> {
  const response = await request.get(
    `http://localhost:8888/api/contents/${path}?content=1&type=file&format=text`
  );
  expect(response.ok()).toBeTruthy();
  return (await response.json()).content;
}

test.describe('File tools', () => {
  test.beforeEach(async ({ request }) => {
    await resetMock(request);
    await holdRequests(request);
  });

  test('an edit shows its diff, applies on Allow and Undo restores the file exactly', async ({
    page,
    request,
    tmpPath
  }) => {
    const path = `${tmpPath}/pipeline.yaml`;
    await page.contents.uploadContent(ORIGINAL, 'text', path);
    await scriptMock(request, [
      toolCalls({ id: 'toolu_read', name: 'read_file', input: { path } })
    ]);
    await openChat(page);
    await sendMessage(page, 'Retry the pipeline three times');

    let recorded = await waitForMessageRequests(request, 2);
    expect(toolResult(recorded[1], 'toolu_read').text).toContain('retries: 2');
    await scriptMock(request, [
      toolCalls({
        id: 'toolu_edit',
        name: 'edit_file',
        input: { path, old_text: 'retries: 2', new_text: 'retries: 3' }
      })
    ]);
    const card = page.locator(
      '.jp-DataEngineer-toolCard[data-tool="edit_file"]'
    );
    await expect(card).toHaveAttribute('data-state', 'waiting_approval', {
      timeout: 30000
    });
    // The diff, before anything changed on disk.
    await expect(card.locator('.jp-DataEngineer-approval')).toContainText(
      '-  retries: 2'
    );
    await expect(card.locator('.jp-DataEngineer-approval')).toContainText(
      '+  retries: 3'
    );
    expect(await fileOnDisk(request, path)).toBe(ORIGINAL);
    await card.locator('.jp-DataEngineer-allowOnce').click();

    recorded = await waitForMessageRequests(request, 3);
    expect(toolResult(recorded[2], 'toolu_edit').isError).toBe(false);
    await scriptMock(request, [
      { blocks: [{ type: 'text', text: 'Retries set to 3.' }] }
    ]);
    expect(await fileOnDisk(request, path)).toBe(
      ORIGINAL.replace('retries: 2', 'retries: 3')
    );

    // The Changes view lists it; Undo on the card restores the bytes.
    await expect(page.locator('.jp-DataEngineer-changesToggle')).toHaveText(
      'Changes (1)'
    );
    await card.locator('.jp-DataEngineer-undoButton').click();
    await expect(card.locator('.jp-DataEngineer-undone')).toBeVisible();
    expect(await fileOnDisk(request, path)).toBe(ORIGINAL);

    // The change record (and its snapshot) survive a page reload.
    await page.reload();
    await openChat(page);
    await page.locator('.jp-DataEngineer-changesToggle').click();
    const change = page.locator(`.jp-DataEngineer-change[data-path="${path}"]`);
    await expect(change).toContainText('undone');
  });

  test('a file changed on disk after the read is not overwritten', async ({
    page,
    request,
    tmpPath
  }) => {
    const path = `${tmpPath}/pipeline.yaml`;
    await page.contents.uploadContent(ORIGINAL, 'text', path);
    await scriptMock(request, [
      toolCalls({ id: 'toolu_read', name: 'read_file', input: { path } })
    ]);
    await openChat(page);
    await sendMessage(page, 'Retry the pipeline three times');
    await waitForMessageRequests(request, 2);

    // Someone else edits the file between the assistant's read and its write.
    await page.waitForTimeout(1100);
    const theirs = ORIGINAL.replace('daily_revenue', 'daily_revenue_v2');
    await page.contents.uploadContent(theirs, 'text', path);
    await scriptMock(request, [
      toolCalls({
        id: 'toolu_edit',
        name: 'edit_file',
        input: { path, old_text: 'retries: 2', new_text: 'retries: 3' }
      })
    ]);
    const card = page.locator(
      '.jp-DataEngineer-toolCard[data-tool="edit_file"]'
    );
    await expect(card).toHaveAttribute(
      'data-state',
      /waiting_approval|failed/,
      { timeout: 30000 }
    );
    if ((await card.getAttribute('data-state')) === 'waiting_approval') {
      await card.locator('.jp-DataEngineer-allowOnce').click();
    }
    const recorded = await waitForMessageRequests(request, 3);
    const result = toolResult(recorded[2], 'toolu_edit');
    expect(result.isError).toBe(true);
    expect(result.text.toLowerCase()).toMatch(/changed|read it again/);
    await scriptMock(request, [
      { blocks: [{ type: 'text', text: 'I will read it again.' }] }
    ]);
    expect(await fileOnDisk(request, path)).toBe(theirs);
  });

  test('a file with unsaved changes in an editor is not clobbered', async ({
    page,
    request,
    tmpPath
  }) => {
    const path = `${tmpPath}/notes.txt`;
    await page.contents.uploadContent('first line\n', 'text', path);
    await page.filebrowser.openDirectory(tmpPath);
    await page.filebrowser.open('notes.txt');
    const editor = page.locator('.jp-FileEditor .cm-content');
    await editor.click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type('my unsaved words');
    await expect(
      page.locator('.lm-DockPanel-tabBar .lm-TabBar-tab.jp-mod-dirty')
    ).toHaveCount(1);

    await scriptMock(request, [
      toolCalls({ id: 'toolu_read', name: 'read_file', input: { path } })
    ]);
    await openChat(page);
    await sendMessage(page, 'Add a line to the notes');
    await waitForMessageRequests(request, 2);
    await scriptMock(request, [
      toolCalls({
        id: 'toolu_write',
        name: 'write_file',
        input: { path, content: 'replaced by the assistant\n' }
      })
    ]);
    const card = page.locator(
      '.jp-DataEngineer-toolCard[data-tool="write_file"]'
    );
    await expect(card).toHaveAttribute(
      'data-state',
      /waiting_approval|failed/,
      { timeout: 30000 }
    );
    if ((await card.getAttribute('data-state')) === 'waiting_approval') {
      await card.locator('.jp-DataEngineer-allowOnce').click();
    }
    const recorded = await waitForMessageRequests(request, 3);
    const result = toolResult(recorded[2], 'toolu_write');
    expect(result.isError).toBe(true);
    expect(result.text).toContain('unsaved changes');
    await scriptMock(request, [
      { blocks: [{ type: 'text', text: 'Save your edits first.' }] }
    ]);
    // Neither the editor nor the file on disk lost anything.
    await expect(editor).toContainText('my unsaved words');
    expect(await fileOnDisk(request, path)).toBe('first line\n');
  });
});
