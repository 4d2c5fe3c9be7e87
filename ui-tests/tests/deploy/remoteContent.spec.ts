import * as fs from 'fs';
import * as path from 'path';
import { resetMock, scriptMock, sendMessage } from '../helpers';
import { expect, openChatTab, ORIGIN, PREFIX, ROOT, test } from './deploy';

/**
 * Under JupyterHub every user's server and the hub share one origin. A reply
 * (steerable by anything the model read) that embeds an image from another
 * user's server (`/user/bob/files/p.png?d=<secret>`, sent with the user's
 * cookies) or the hub's `/hub/logout` must not load before a click; an image
 * under this server's own base URL (`/user/alice/`) loads at once.
 */

/** A 1×1 PNG. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64'
);

test.describe('Remote content under a hub prefix', () => {
  test.beforeEach(async ({ request }) => {
    await resetMock(request);
  });

  test("only this server's base_url loads without a click: not another user's files, not /hub/logout", async ({
    lab,
    request
  }) => {
    const mine = `mine-${Date.now().toString(36)}.png`;
    fs.writeFileSync(path.join(ROOT, mine), PNG);
    const requested: string[] = [];
    lab.on('request', r => requested.push(new URL(r.url()).pathname));
    const bob = '/user/bob/files/p.png';
    await scriptMock(request, [
      {
        blocks: [
          {
            type: 'text',
            text:
              `Here is the chart: ![chart](${bob}?d=alice-secret-42)\n\n` +
              '![logo](/hub/logout)\n\n' +
              `And yours: ![mine](${PREFIX}files/${mine})`
          }
        ]
      }
    ]);
    await openChatTab(lab);
    await sendMessage(lab, 'Show me the chart');
    const reply = lab.locator('.jp-DataEngineer-assistant').last();
    await expect(reply).toHaveAttribute('data-status', 'done', {
      timeout: 20000
    });
    // This server's own file loads with no click (a real image, decoded).
    const own = reply.locator(`img[src="${PREFIX}files/${mine}"]`);
    await expect(own).toHaveJSProperty('naturalWidth', 1, { timeout: 10000 });
    expect(requested).toContain(`${PREFIX}files/${mine}`);
    // The other user's file and the hub's logout were not requested: placeholders.
    await lab.waitForTimeout(500);
    expect(requested.filter(p => p.startsWith('/user/bob/'))).toEqual([]);
    expect(requested.filter(p => p.startsWith('/hub/'))).toEqual([]);
    const placeholders = reply.locator('.jp-DataEngineer-blockedContent');
    await expect(placeholders).toHaveCount(2);
    await expect(placeholders.first()).toContainText(
      `Image from ${bob} not loaded: click to load`
    );
    await expect(placeholders.nth(1)).toContainText('/hub/logout');
    expect(await reply.locator('img').count()).toBe(1);

    // A click loads it: the request goes out then, and only then.
    const sent = lab.waitForRequest(
      r => new URL(r.url()).pathname === bob && r.url().startsWith(ORIGIN)
    );
    await placeholders.first().click();
    expect(new URL((await sent).url()).searchParams.get('d')).toBe(
      'alice-secret-42'
    );
    expect(requested.filter(p => p.startsWith('/hub/'))).toEqual([]);
    fs.rmSync(path.join(ROOT, mine), { force: true });
  });
});
