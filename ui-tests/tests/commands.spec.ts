import { expect, test } from '@jupyterlab/galata';
import type { Page } from '@playwright/test';
import {
  messageRequests,
  openChat,
  resetMock,
  scriptMock,
  sendMessage
} from './helpers';

/** Every user action of the chat, as a command (palette, shortcuts and buttons run these). */
const COMMANDS = [
  'data-engineer:open',
  'data-engineer:new-chat',
  'data-engineer:stop',
  'data-engineer:retry',
  'data-engineer:compact-and-retry',
  'data-engineer:continue',
  'data-engineer:export-markdown',
  'data-engineer:export-notebook',
  'data-engineer:switch-persona',
  'data-engineer:show-changes',
  'data-engineer:show-chats'
];

const run = (page: Page, id: string, args: Record<string, unknown> = {}) =>
  page.evaluate(
    async ([command, a]) =>
      (window as any).jupyterapp.commands.execute(command, a),
    [id, args] as const
  );

const enabled = (page: Page, id: string) =>
  page.evaluate(
    command => (window as any).jupyterapp.commands.isEnabled(command),
    id
  );

test.describe('Chat commands', () => {
  test.beforeEach(async ({ request }) => {
    await resetMock(request);
  });

  test('every chat action is a command, with a palette entry and a label', async ({
    page
  }) => {
    const found = await page.evaluate(ids => {
      const commands = (window as any).jupyterapp.commands;
      return ids.map((id: string) => [
        id,
        commands.hasCommand(id) && commands.label(id).length > 0
      ]);
    }, COMMANDS);
    expect(found).toEqual(COMMANDS.map(id => [id, true]));

    await page.keyboard.press('Control+Shift+C');
    await page.locator('#modal-command-palette input').fill('Data Engineer');
    const items = page.locator(
      '#modal-command-palette .lm-CommandPalette-item'
    );
    for (const label of [
      'New Data Engineer Chat',
      'Stop the Data Engineer Reply',
      'Switch Data Engineer Persona…',
      'Show the Data Engineer Chat Changes'
    ]) {
      await expect(items.filter({ hasText: label })).toHaveCount(1);
    }
    await page.keyboard.press('Escape');
  });

  test('stop, retry, new chat, switch persona and panels run through their commands', async ({
    page,
    request
  }) => {
    await scriptMock(request, [
      {
        blocks: [{ type: 'text', text: 'word '.repeat(400) }],
        chunk_size: 5,
        delay_ms: 50
      },
      { type: 'http_error', status: 500 },
      { type: 'http_error', status: 500 },
      { type: 'http_error', status: 500 },
      { blocks: [{ type: 'text', text: 'Recovered.' }] }
    ]);
    await openChat(page);
    expect(await enabled(page, 'data-engineer:stop')).toBe(false);
    await sendMessage(page, 'Write a long essay');
    const reply = page.locator('.jp-DataEngineer-assistant').last();
    await expect(reply).toHaveAttribute('data-status', 'streaming');
    await expect.poll(() => enabled(page, 'data-engineer:stop')).toBe(true);

    // Stop by its shortcut, from the composer.
    await page.locator('.jp-DataEngineer-input').press('Control+Alt+x');
    await expect(reply).toHaveAttribute('data-status', 'stopped', {
      timeout: 3000
    });
    expect(await enabled(page, 'data-engineer:stop')).toBe(false);

    // A failing request (the SDK retries 500 twice itself), then Retry as a command.
    await sendMessage(page, 'again');
    const failed = page.locator('.jp-DataEngineer-assistant').last();
    await expect(failed).toHaveAttribute('data-status', 'error', {
      timeout: 20000
    });
    await expect.poll(() => enabled(page, 'data-engineer:retry')).toBe(true);
    await run(page, 'data-engineer:retry');
    await expect(
      page.locator('.jp-DataEngineer-assistant').last()
    ).toContainText('Recovered.', { timeout: 10000 });
    expect(await enabled(page, 'data-engineer:retry')).toBe(false);

    // Switch persona by id: the picker follows, the conversation stays.
    await run(page, 'data-engineer:switch-persona', {
      id: 'security-engineer'
    });
    await expect(page.locator('.jp-DataEngineer-personaPicker')).toHaveValue(
      'security-engineer'
    );
    await expect(page.locator('.jp-DataEngineer-user')).toHaveCount(2);

    // The chat list opens and closes through its command (the header button runs it too).
    await run(page, 'data-engineer:show-chats');
    await expect(page.locator('.jp-DataEngineer-chatList')).toBeVisible();
    await page.locator('.jp-DataEngineer-chatsToggle').click();
    await expect(page.locator('.jp-DataEngineer-chatList')).toHaveCount(0);

    // New chat: an empty conversation; the old one is in the list.
    const before = await page
      .locator('.jp-DataEngineer-messages')
      .getAttribute('data-chat-id');
    await run(page, 'data-engineer:new-chat');
    await expect(page.locator('.jp-DataEngineer-turn')).toHaveCount(0);
    const after = await page
      .locator('.jp-DataEngineer-messages')
      .getAttribute('data-chat-id');
    expect(after).not.toBe(before);
    await run(page, 'data-engineer:show-chats');
    await expect(page.locator('.jp-DataEngineer-chatList')).toContainText(
      'Write a long essay'
    );

    // Only what was sent reached the model: three requests (the SDK's two retries included) and the retry.
    const sent = await messageRequests(request);
    expect(sent.length).toBeGreaterThanOrEqual(3);
  });
});
