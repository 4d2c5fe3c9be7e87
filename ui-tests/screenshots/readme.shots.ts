import { expect, test } from '@jupyterlab/galata';
import type { Page } from '@playwright/test';
import * as path from 'path';
import {
  holdRequests,
  messageRequests,
  MOCK,
  openChat,
  resetMock,
  scriptMock,
  sendMessage,
  setSidebarWidth,
  toolCalls,
  waitForMessageRequests
} from '../tests/helpers';

/** Where the README's pictures go. */
const OUT = path.resolve(__dirname, '..', '..', 'docs', 'screenshots');

/** Until the last reply is complete and the composer can send again (nothing left running). */
async function settled(page: Page): Promise<void> {
  await expect(
    page.locator('.jp-DataEngineer-assistant').last()
  ).toHaveAttribute('data-status', 'done', { timeout: 60000 });
  await expect(page.locator('.jp-DataEngineer-stop')).toHaveCount(0, {
    timeout: 60000
  });
}

async function shoot(page: Page, name: string): Promise<void> {
  await page.waitForTimeout(400);
  await page.screenshot({ path: path.join(OUT, `${name}.png`) });
}

const ORDERS = [
  'import os, pandas as pd',
  'os.makedirs("data", exist_ok=True)',
  'pd.DataFrame({"order_id": range(1, 9), "customer_id": [10, 11, 12, 10, 13, 11, 12, 14], "amount": [120.0, 75.5, 42.0, 18.9, 230.0, 64.0, 12.5, 99.0], "discount": [None, 5.0, None, 1.0, 20.0, None, None, 4.5], "status": ["completed", "completed", "returned", "completed", "completed", "cancelled", "completed", "completed"]}).to_csv("data/orders.csv", index=False)',
  'pd.DataFrame({"customer_id": [10, 11, 11, 12, 13], "country": ["DE", "FR", "FR", "NL", "DE"]}).to_csv("data/customers.csv", index=False)',
  'orders = pd.read_csv("data/orders.csv")',
  'orders.head()'
].join('\n');

/** The pictures' project folder (a plain name: it shows in the file browser and in the diff). */
const FOLDER = 'shop';

test('README screenshots', async ({ page, request }) => {
  test.setTimeout(300000);
  await resetMock(request);
  await request.post(`${MOCK}/_mock/config`, { data: { demo: true } });
  if (await page.contents.directoryExists(FOLDER)) {
    await page.contents.deleteDirectory(FOLDER);
  }
  await page.contents.createDirectory(FOLDER);
  await page.filebrowser.openDirectory(FOLDER);
  await page.notebook.createNew('orders.ipynb');
  await expect(page.locator('.jp-BreadCrumbs')).toContainText(FOLDER);
  await page.notebook.setCell(0, 'code', ORDERS);
  await page.notebook.runCell(0);
  await openChat(page);
  await setSidebarWidth(page, 520);

  // 1. A dataframe inspection.
  await sendMessage(page, 'inspect `orders`');
  await expect(
    page.locator('.jp-DataEngineer-assistant').last().locator('table')
  ).toBeVisible({ timeout: 60000 });
  await settled(page);
  await shoot(page, 'inspection');

  // 2. A tool card waiting for approval.
  await sendMessage(
    page,
    'what data-quality problems do orders and customers have?'
  );
  const card = page
    .locator('.jp-DataEngineer-toolCard[data-tool="run_scratch"]')
    .last();
  await expect(card).toHaveAttribute('data-state', 'waiting_approval', {
    timeout: 60000
  });
  await card
    .locator('summary')
    .first()
    .click({ timeout: 2000 })
    .catch(() => undefined);
  await shoot(page, 'approval');
  await card.locator('.jp-DataEngineer-allowOnce').click();
  await expect(page.locator('.jp-DataEngineer-assistant').last()).toContainText(
    'duplicated',
    { timeout: 60000 }
  );
  await settled(page);

  // 3. A file diff with Undo: scripted replies, one step at a time (each once the chat asked for it).
  await request.post(`${MOCK}/_mock/config`, { data: { demo: false } });
  await holdRequests(request);
  const before = (await messageRequests(request)).length;
  // Next to orders.ipynb: the file tools take paths relative to the active notebook's folder.
  const file = 'pipeline.yaml';
  await page.contents.uploadContent(
    'pipeline:\n  name: daily_revenue\n  retries: 2\n  schedule: "0 6 * * *"\n',
    'text',
    `${FOLDER}/${file}`
  );
  await scriptMock(request, [
    toolCalls({
      id: 'toolu_shot_read',
      name: 'read_file',
      input: { path: file }
    })
  ]);
  await sendMessage(page, 'Let the pipeline retry three times');
  await waitForMessageRequests(request, before + 2);
  await scriptMock(request, [
    toolCalls({
      id: 'toolu_shot_edit',
      name: 'edit_file',
      input: { path: file, old_text: 'retries: 2', new_text: 'retries: 3' }
    })
  ]);
  const edit = page
    .locator('.jp-DataEngineer-toolCard[data-tool="edit_file"]')
    .last();
  await expect(edit).toHaveAttribute('data-state', 'waiting_approval', {
    timeout: 60000
  });
  await edit.locator('.jp-DataEngineer-allowOnce').click();
  await waitForMessageRequests(request, before + 3);
  await scriptMock(request, [
    {
      blocks: [
        {
          type: 'text',
          text: 'Retries set to 3 in `pipeline.yaml`. **Undo** on the card restores the file exactly.'
        }
      ]
    }
  ]);
  await expect(edit.locator('.jp-DataEngineer-undoButton')).toBeVisible({
    timeout: 60000
  });
  await settled(page);
  await edit.locator('details.jp-DataEngineer-toolDiff summary').click();
  await expect(edit.locator('details.jp-DataEngineer-toolDiff')).toContainText(
    'retries: 3'
  );
  await edit.scrollIntoViewIfNeeded();
  await shoot(page, 'diff-undo');

  // 4. The chat list.
  for (const question of [
    'Which customers churned last quarter?',
    'Plan the nightly orders load'
  ]) {
    await page.evaluate(async () =>
      (window as any).jupyterapp.commands.execute('data-engineer:new-chat')
    );
    await scriptMock(request, [
      { blocks: [{ type: 'text', text: 'Here is a first look.' }] }
    ]);
    await sendMessage(page, question);
    await expect(
      page.locator('.jp-DataEngineer-assistant').last()
    ).toContainText('first look', { timeout: 60000 });
    await settled(page);
  }
  await page.locator('.jp-DataEngineer-chatsToggle').click();
  await expect(page.locator('.jp-DataEngineer-chatList')).toBeVisible();
  await shoot(page, 'chat-list');
  await resetMock(request);
});
