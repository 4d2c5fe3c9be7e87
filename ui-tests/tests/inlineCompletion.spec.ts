import { expect, test } from '@jupyterlab/galata';
import type { Page } from '@playwright/test';
import { messageRequests, resetMock, scriptMock } from './helpers';

/**
 * Inline completion through JupyterLab's own inline completer, with the
 * kernel's real schemas in the request. The provider is off by default; the
 * tests turn it on in JupyterLab's Inline Completer settings, as a user does.
 */
const PROVIDER = 'jupyterlab-data-engineer:inline';
const INLINE_SETTINGS = '@jupyterlab/completer-extension:inline-completer';

async function setProviders(
  page: Page,
  providers: Record<string, unknown>
): Promise<void> {
  await page.evaluate(
    async ({ id, value }) => {
      const registry = await (window as any).galata.getPlugin(
        '@jupyterlab/apputils-extension:settings'
      );
      await registry.set(id, 'providers', value);
    },
    { id: INLINE_SETTINGS, value: providers }
  );
}

/** The completion requests the mock received (a user message with the cursor marker). */
async function completionRequests(request: any): Promise<any[]> {
  return (await messageRequests(request)).filter(r =>
    JSON.stringify(r.body?.messages ?? '').includes('<CURSOR>')
  );
}

async function notebookWithOrders(page: Page, name: string): Promise<void> {
  await page.notebook.createNew(name);
  await page.notebook.setCell(
    0,
    'code',
    'import pandas as pd\norders = pd.DataFrame({"order_id": [1, 2, 3], "customer_segment": ["smb", "ent", "smb"], "net_amount": [3.5, 4.0, 9.25]})'
  );
  await page.notebook.runCell(0);
  // The run refreshes the provider's schema cache in the background (one silent kernel request).
  await page.waitForTimeout(2500);
  await page.notebook.addCell('code', '');
  await page.notebook.enterCellEditingMode(1);
}

test.describe('Inline completion with the kernel’s schemas', () => {
  test.beforeEach(async ({ page, request }) => {
    await resetMock(request);
    await setProviders(page, {
      [PROVIDER]: { enabled: true, debouncerDelay: 300, timeout: 20000 }
    });
  });

  test.afterEach(async ({ page }) => {
    await setProviders(page, {});
  });

  test('a suggestion built from the real columns appears as ghost text and Tab accepts it', async ({
    page,
    request
  }) => {
    // A few copies: an intermediate keystroke may also ask (it is then cancelled).
    const reply = {
      blocks: [{ type: 'text', text: 'customer_segment")' }],
      chunk_size: 4,
      delay_ms: 15
    };
    await scriptMock(request, [reply, reply, reply]);
    await notebookWithOrders(page, 'complete.ipynb');
    await page.keyboard.type('orders.groupby("', { delay: 40 });

    const ghost = page.locator('.jp-GhostText');
    await expect(ghost).toContainText('customer_segment', { timeout: 30000 });

    const sent = (await completionRequests(request)).pop();
    expect(sent).toBeTruthy();
    const system = JSON.stringify(sent.body.system);
    expect(system).toContain('customer_segment');
    expect(system).toContain('net_amount');
    expect(sent.body.system[0].cache_control).toEqual({ type: 'ephemeral' });
    expect(JSON.stringify(sent.body.messages)).toContain(
      'orders.groupby(\\"<CURSOR>'
    );
    expect(sent.body.model).toMatch(/haiku/);

    await page.keyboard.press('Tab');
    await expect
      .poll(() => page.notebook.getCellTextInput(1))
      .toBe('orders.groupby("customer_segment")');
  });

  test('typing on cancels the request in flight, upstream too', async ({
    page,
    request
  }) => {
    // Slow suggestions (whichever keystroke's request gets one), then a quick one.
    const slow = {
      blocks: [{ type: 'text', text: 'x'.repeat(400) }],
      chunk_size: 1,
      delay_ms: 100
    };
    await scriptMock(request, [
      slow,
      slow,
      slow,
      slow,
      { blocks: [{ type: 'text', text: 'sum()' }] }
    ]);
    await notebookWithOrders(page, 'cancel.ipynb');
    await page.keyboard.type('orders.net_amount.', { delay: 40 });
    await expect(page.locator('.jp-GhostText')).toContainText('xx', {
      timeout: 30000
    });
    const streaming = (await completionRequests(request)).filter(
      r => !r.finished && !r.client_disconnected
    );
    expect(streaming).toHaveLength(1);
    const inFlight = streaming[0].request_id;
    await page.keyboard.type('s');
    await expect
      .poll(
        async () =>
          (await completionRequests(request)).find(
            r => r.request_id === inFlight
          )?.client_disconnected,
        {
          timeout: 15000
        }
      )
      .toBe(true);
    const cancelled = (await completionRequests(request)).find(
      r => r.request_id === inFlight
    );
    expect(cancelled.finished).toBeFalsy();
  });
});
