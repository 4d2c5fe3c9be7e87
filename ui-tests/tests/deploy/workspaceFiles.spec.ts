import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  messageRequests,
  resetMock,
  scriptMock,
  sendMessage,
  waitForMessageRequests
} from '../helpers';
import { expect, openChatTab, ROOT, test } from './deploy';

/**
 * Issue 26, item 8, as deployed (token, XSRF, /user/alice/): a
 * copilot.instructions.md that is a symbolic link to credentials never
 * reaches the model. The page asks the server's symlink check (under the
 * prefix, with the cookie and the XSRF header) before reading it, and the
 * instructions line lists the file with the reason.
 */

const SECRET = 'aws_secret_access_key = LEAKED-7731-wJalrXUtnFEMI';
const INSTRUCTIONS = path.join(ROOT, 'copilot.instructions.md');

function systemText(recorded: any): string {
  const system = recorded.body.system;
  return typeof system === 'string'
    ? system
    : system.map((block: any) => block.text).join('\n');
}

test.describe('As deployed: instruction files linked to secrets', () => {
  let outside = '';

  test.beforeEach(async ({ request }) => {
    await resetMock(request);
    outside = fs.mkdtempSync(path.join(os.tmpdir(), 'de-deploy-outside-'));
    fs.mkdirSync(path.join(outside, '.aws'));
    fs.writeFileSync(
      path.join(outside, '.aws', 'credentials'),
      `[default]\n${SECRET}\n`
    );
  });

  test.afterEach(() => {
    fs.rmSync(INSTRUCTIONS, { force: true });
    fs.rmSync(path.join(ROOT, 'secrets'), { recursive: true, force: true });
    fs.rmSync(outside, { recursive: true, force: true });
  });

  test('a link out of the root, then a link to a credentials file inside it, are listed with the reason and never sent', async ({
    lab,
    request
  }) => {
    fs.rmSync(INSTRUCTIONS, { force: true });
    fs.symlinkSync(path.join(outside, '.aws', 'credentials'), INSTRUCTIONS);
    await scriptMock(request, [
      { blocks: [{ type: 'text', text: 'First.' }] },
      { blocks: [{ type: 'text', text: 'Second.' }] }
    ]);
    await openChatTab(lab);
    const checked = lab.waitForRequest(
      r =>
        new URL(r.url()).pathname ===
          '/user/alice/data-engineer/files/inside' &&
        (r.postData() ?? '').includes('copilot.instructions.md')
    );
    await sendMessage(lab, 'What are our conventions?');
    const check = await checked;
    expect((await check.allHeaders())['x-xsrftoken']).toBeTruthy();
    let recorded = await waitForMessageRequests(request, 1);
    expect(systemText(recorded[0])).not.toContain('LEAKED-7731');
    expect(JSON.stringify(recorded[0].body)).not.toContain('LEAKED-7731');
    const skipped = lab.locator('.jp-DataEngineer-instructionsSkipped', {
      hasText: 'copilot.instructions.md'
    });
    await expect(skipped).toContainText(
      'not read: it leads outside the server root through a symbolic link',
      { timeout: 20000 }
    );
    await expect(
      lab.locator('.jp-DataEngineer-assistant').last()
    ).toHaveAttribute('data-status', 'done', { timeout: 30000 });

    // Inside the root now, but a credentials file: the sensitive-path rules apply to the target.
    fs.mkdirSync(path.join(ROOT, 'secrets'), { recursive: true });
    fs.writeFileSync(
      path.join(ROOT, 'secrets', 'credentials'),
      `[default]\n${SECRET}\n`
    );
    fs.rmSync(INSTRUCTIONS, { force: true });
    fs.symlinkSync(path.join(ROOT, 'secrets', 'credentials'), INSTRUCTIONS);
    await sendMessage(lab, 'And now?');
    recorded = await waitForMessageRequests(request, 2);
    expect(JSON.stringify(recorded[1].body)).not.toContain('LEAKED-7731');
    await expect(skipped).toContainText(
      'not read: it is a symbolic link to secrets/credentials, which is sensitive',
      { timeout: 20000 }
    );
    expect((await messageRequests(request)).length).toBe(2);
  });
});
