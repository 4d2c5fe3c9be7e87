import { expect, test } from '@jupyterlab/galata';
import type { Page } from '@playwright/test';
import { openChat, resetMock, scriptMock, sendMessage } from './helpers';

/** How far the message list is from its bottom, in pixels. */
const fromBottom = (page: Page) =>
  page
    .locator('.jp-DataEngineer-messages')
    .evaluate(node => node.scrollHeight - node.scrollTop - node.clientHeight);

test.describe('Following a reply', () => {
  test.beforeEach(async ({ request }) => {
    await resetMock(request);
  });

  test('a view at the bottom follows a growing reply; a view scrolled up stays put', async ({
    page,
    request
  }) => {
    const long = Array.from(
      { length: 150 },
      (_, i) => `Line ${i + 1} of the profile.`
    ).join('\n\n');
    await scriptMock(request, [
      { blocks: [{ type: 'text', text: long }], chunk_size: 40, delay_ms: 30 },
      { blocks: [{ type: 'text', text: long }], chunk_size: 40, delay_ms: 30 }
    ]);
    await openChat(page);
    await sendMessage(page, 'Profile the table');
    const reply = page.locator('.jp-DataEngineer-assistant').last();
    await expect(reply).toContainText('Line 60 of the profile.', {
      timeout: 20000
    });
    expect(await fromBottom(page)).toBeLessThan(50);
    await expect(reply).toHaveAttribute('data-status', 'done', {
      timeout: 30000
    });
    await expect.poll(() => fromBottom(page)).toBeLessThan(50);

    // Scrolled up by the user during the next reply: the view is not pulled down.
    await sendMessage(page, 'Again');
    const second = page.locator('.jp-DataEngineer-assistant').last();
    await expect(second).toContainText('Line 10 of the profile.', {
      timeout: 20000
    });
    // The user scrolls up with the mouse wheel.
    const list = page.locator('.jp-DataEngineer-messages');
    await list.hover();
    for (
      let i = 0;
      i < 10 && (await list.evaluate(node => node.scrollTop)) > 0;
      i++
    ) {
      await page.mouse.wheel(0, -100000);
      await page.waitForTimeout(100);
    }
    await expect(second).toContainText('Line 80 of the profile.', {
      timeout: 20000
    });
    const top = await page
      .locator('.jp-DataEngineer-messages')
      .evaluate(node => node.scrollTop);
    expect(top).toBeLessThan(50);
  });
});
