import { expect, test } from '@jupyterlab/galata';
import type { APIRequestContext, Page } from '@playwright/test';
import { resetMock, scriptMock, sendMessage } from './helpers';

/** Two tabs on one chat (issue 12, item 9): one writer, the other read-only with Take over; nothing is overwritten. */

const SERVER = 'http://localhost:8888';
const CHATS = '.jupyter/chats';

async function savedTurns(
  request: APIRequestContext,
  id: string,
  count: number
): Promise<any[]> {
  let turns: any[] = [];
  await expect
    .poll(
      async () => {
        const response = await request.get(
          `${SERVER}/api/contents/${CHATS}/${id}.json?content=1&type=file&format=text`
        );
        if (!response.ok()) {
          return -1;
        }
        const chat = JSON.parse((await response.json()).content);
        turns = chat.turns;
        return turns.filter(
          (t: any) => t.role === 'user' || t.status === 'done'
        ).length;
      },
      { timeout: 20000 }
    )
    .toBe(count);
  return turns;
}

/** Open the chat panel (a read-only tab has no composer, so wait for the panel itself). */
async function openPanel(page: Page): Promise<void> {
  await page.waitForFunction(
    () =>
      !!(window as any).jupyterapp?.commands?.hasCommand('data-engineer:open'),
    null,
    { timeout: 60000 }
  );
  await page.evaluate(async () => {
    await (window as any).jupyterapp.commands.execute('data-engineer:open');
  });
  await expect(page.locator('.jp-DataEngineer-chat')).toBeVisible();
}

test.describe('Two tabs on one chat', () => {
  test.beforeEach(async ({ request }) => {
    await resetMock(request);
  });

  test('the second tab is read-only, takes over, follows and never overwrites', async ({
    page,
    context,
    request
  }) => {
    await scriptMock(request, [
      { blocks: [{ type: 'text', text: 'First answer, from tab one.' }] },
      { blocks: [{ type: 'text', text: 'Second answer, from tab two.' }] }
    ]);
    await openPanel(page);
    await sendMessage(page, 'First question');
    await expect(
      page.locator('.jp-DataEngineer-assistant').last()
    ).toContainText('First answer, from tab one.');
    const id = (await page
      .locator('.jp-DataEngineer-messages')
      .getAttribute('data-chat-id'))!;
    await savedTurns(request, id, 2);

    // A second tab of the same browser reopens the same chat: read-only, with the notice.
    // A plain page (not Galata's fixture): plain /lab, without the fixture's tree path (a folder
    // only the fixture makes) and without its settings mocks (so JupyterLab's toasts may show).
    const second = await context.newPage();
    await second.goto(`${SERVER}/lab`);
    await openPanel(second);
    expect(
      await second.evaluate(() => typeof (navigator as any).locks?.request)
    ).toBe('function');
    await expect(second.locator('.jp-DataEngineer-messages')).toHaveAttribute(
      'data-chat-id',
      id
    );
    await expect(second.locator('.jp-DataEngineer-user')).toHaveText([
      'First question'
    ]);
    await expect(
      second.locator('.jp-DataEngineer-readOnlyNotice')
    ).toContainText('open in another tab');
    await expect(second.locator('.jp-DataEngineer-input')).toHaveCount(0);
    await expect(page.locator('.jp-DataEngineer-readOnlyNotice')).toHaveCount(
      0
    );

    // Take over: the second tab writes, the first becomes read-only.
    // dispatchEvent: JupyterLab's news toast of the plain page may cover the button.
    await second.locator('.jp-DataEngineer-takeOver').dispatchEvent('click');
    await expect(second.locator('.jp-DataEngineer-input')).toBeVisible();
    await expect(page.locator('.jp-DataEngineer-readOnlyNotice')).toBeVisible();
    await expect(page.locator('.jp-DataEngineer-input')).toHaveCount(0);

    await sendMessage(second, 'Second question');
    await expect(
      second.locator('.jp-DataEngineer-assistant').last()
    ).toContainText('Second answer, from tab two.');
    const turns = await savedTurns(request, id, 4);
    expect(
      turns.filter((t: any) => t.role === 'user').map((t: any) => t.text)
    ).toEqual(['First question', 'Second question']);
    // The read-only tab follows the writer's saves.
    await expect(
      page.locator('.jp-DataEngineer-assistant').last()
    ).toContainText('Second answer, from tab two.');

    // Closing the writer's tab frees the chat: the first tab writes again.
    await second.close();
    await expect(page.locator('.jp-DataEngineer-input')).toBeVisible({
      timeout: 20000
    });
    await expect(page.locator('.jp-DataEngineer-readOnlyNotice')).toHaveCount(
      0
    );
    await expect(page.locator('.jp-DataEngineer-user')).toHaveText([
      'First question',
      'Second question'
    ]);
  });
});
