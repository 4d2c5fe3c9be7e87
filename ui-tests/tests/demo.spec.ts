import { expect, test } from '@jupyterlab/galata';
import { MOCK, openChat, resetMock, sendMessage } from './helpers';

/**
 * Demo mode (what scripts/launch.sh starts without a key): the mock plays
 * scripted runs for the example prompts with the real tools, kernel and
 * approvals, and the panel says replies are scripted.
 */
test.describe('Demo mode', () => {
  test.beforeEach(async ({ request }) => {
    await resetMock(request);
    await request.post(`${MOCK}/_mock/config`, { data: { demo: true } });
  });

  test.afterEach(async ({ request }) => {
    await resetMock(request);
  });

  test('inspect `orders` and the data-quality run play end to end, with an approval', async ({
    page
  }) => {
    await page.notebook.createNew('demo.ipynb');
    await page.notebook.setCell(
      0,
      'code',
      [
        'import os, pandas as pd',
        'os.makedirs("data", exist_ok=True)',
        'pd.DataFrame({"order_id": [1, 2, 3], "customer_id": [10, 11, 12], "amount": [5.0, 7.5, 2.0], "discount": [None, 1.0, None], "status": ["completed", "completed", "returned"]}).to_csv("data/orders.csv", index=False)',
        'pd.DataFrame({"customer_id": [10, 11, 11], "country": ["DE", "FR", "FR"]}).to_csv("data/customers.csv", index=False)',
        'orders = pd.read_csv("data/orders.csv")'
      ].join('\n')
    );
    await page.notebook.runCell(0);
    await openChat(page);
    await page.evaluate(async () => {
      await (window as any).jupyterapp.commands.execute(
        'data-engineer:new-chat'
      );
    });
    await expect(page.locator('.jp-DataEngineer-demoBadge')).toHaveText(
      'Demo mode — replies are scripted',
      { timeout: 20000 }
    );

    await sendMessage(page, 'inspect `orders`');
    await expect(
      page
        .locator('.jp-DataEngineer-toolCard[data-tool="inspect_variable"]')
        .last()
    ).toHaveAttribute('data-state', 'done', {
      timeout: 60000
    });
    // The reply after the tool is built from what the kernel returned.
    const first = page.locator('.jp-DataEngineer-assistant').last();
    await expect(first).toContainText('3 rows and 5 columns', {
      timeout: 30000
    });
    await expect(first.locator('table')).toContainText('discount');

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
    await card.locator('.jp-DataEngineer-allowOnce').click();
    const second = page.locator('.jp-DataEngineer-assistant').last();
    await expect(second).toContainText('duplicated for [11]', {
      timeout: 60000
    });
    await expect(second).toContainText('orders.discount: 2 empty values');
  });

  test('any other prompt says it is demo mode and how to set a key', async ({
    page
  }) => {
    await openChat(page);
    await sendMessage(page, 'Tell me a joke about SQL');
    await expect(
      page.locator('.jp-DataEngineer-assistant').last()
    ).toContainText('ANTHROPIC_API_KEY', { timeout: 30000 });
  });
});
