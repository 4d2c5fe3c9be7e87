import { expect, test } from '@jupyterlab/galata';
import type { APIRequestContext, Page } from '@playwright/test';
import {
  openChat,
  resetMock,
  scriptMock,
  sendMessage,
  toolCalls,
  toolResult,
  waitForMessageRequests
} from './helpers';

const SERVER = 'http://localhost:8888';
const CHATS = '.jupyter/chats';

/** The id of the chat shown in the panel. */
async function currentChatId(page: Page): Promise<string> {
  const id = await page
    .locator('.jp-DataEngineer-messages')
    .getAttribute('data-chat-id');
  expect(id).toBeTruthy();
  return id!;
}

/** The saved chat file, once it satisfies `ready`. */
async function savedChat(
  request: APIRequestContext,
  id: string,
  ready: (chat: any) => boolean
): Promise<any> {
  let chat: any = null;
  await expect
    .poll(
      async () => {
        const response = await request.get(
          `${SERVER}/api/contents/${CHATS}/${id}.json?content=1&type=file&format=text`
        );
        if (!response.ok()) {
          return false;
        }
        chat = JSON.parse((await response.json()).content);
        return ready(chat);
      },
      { timeout: 20000 }
    )
    .toBe(true);
  return chat;
}

const assistantTexts = (page: Page) =>
  page.locator('.jp-DataEngineer-assistant');

test.describe('Saved chats', () => {
  test.beforeEach(async ({ request }) => {
    await resetMock(request);
  });

  test('a chat with tool cards is there again after a page reload, and goes on', async ({
    page,
    request,
    tmpPath
  }) => {
    const path = `${tmpPath}/orders.csv`;
    await page.contents.uploadContent(
      'order_id,amount\n1,9.50\n2,12.00\n',
      'text',
      path
    );
    await scriptMock(request, [
      toolCalls({ id: 'toolu_read', name: 'read_file', input: { path } }),
      {
        blocks: [
          {
            type: 'text',
            text: 'The file has **two columns**: `order_id` and `amount`.'
          }
        ]
      }
    ]);
    await openChat(page);
    await sendMessage(page, 'Which columns does orders.csv have?');
    await expect(assistantTexts(page).last()).toContainText('two columns');
    const id = await currentChatId(page);

    const saved = await savedChat(
      request,
      id,
      chat => chat.turns.length === 3 && chat.turns[2].status === 'done'
    );
    expect(saved.version).toBe(2);
    expect(saved.title).toBe('Which columns does orders.csv have?');
    const call = saved.turns[1].blocks.find((b: any) => b.type === 'tool').call;
    expect(call).toMatchObject({ name: 'read_file', state: 'done' });
    expect(JSON.stringify(call.result)).toContain('order_id,amount');

    await page.reload();
    await openChat(page);
    expect(await currentChatId(page)).toBe(id);
    await expect(page.locator('.jp-DataEngineer-user')).toHaveText(
      'Which columns does orders.csv have?'
    );
    const card = page.locator(
      '.jp-DataEngineer-toolCard[data-tool="read_file"]'
    );
    await expect(card).toHaveAttribute('data-state', 'done');
    await expect(assistantTexts(page).last()).toContainText('two columns');

    // The restored chat is a valid conversation for the model.
    await scriptMock(request, [
      { blocks: [{ type: 'text', text: 'Both are numeric.' }] }
    ]);
    await sendMessage(page, 'Types?');
    const requests = await waitForMessageRequests(request, 3);
    expect(toolResult(requests[2], 'toolu_read').text).toContain(
      'order_id,amount'
    );
    await expect(assistantTexts(page).last()).toContainText(
      'Both are numeric.'
    );
    // Saved again, through the real server's renames (no delete): the previous
    // version is left as the temporary file and no swap file remains.
    const latest = await savedChat(
      request,
      id,
      chat => chat.turns.length === 5 && chat.turns[4].status === 'done'
    );
    expect(latest.turns[4].text).toBe('Both are numeric.');
    // (Polled: the last save may still be between its renames.)
    await expect
      .poll(async () =>
        (
          await request.get(
            `${SERVER}/api/contents/${CHATS}/${id}.json.swap?content=0`
          )
        ).status()
      )
      .toBe(404);
    const previous = await request.get(
      `${SERVER}/api/contents/${CHATS}/${id}.json.tmp?content=1&type=file&format=text`
    );
    expect(previous.ok()).toBeTruthy();
    expect(JSON.parse((await previous.json()).content).updatedAt).toBeLessThan(
      latest.updatedAt
    );
  });

  test('a reload during a stream keeps the partial reply, marked, and Continue goes on', async ({
    page,
    request
  }) => {
    const long = Array.from(
      { length: 120 },
      (_, i) => `Step ${i + 1} of the migration plan.`
    ).join(' ');
    await scriptMock(request, [
      { blocks: [{ type: 'text', text: long }], chunk_size: 12, delay_ms: 60 }
    ]);
    await openChat(page);
    await sendMessage(page, 'Plan the warehouse migration');
    await expect(assistantTexts(page).last()).toContainText(
      'Step 3 of the migration plan.'
    );
    const id = await currentChatId(page);
    // Saved while still streaming (the autosave does not wait for the end of a stream).
    const saved = await savedChat(
      request,
      id,
      chat =>
        chat.turns[1]?.status === 'streaming' &&
        chat.turns[1].text.includes('Step 3 of')
    );
    const partial: string = saved.turns[1].text;
    expect(partial.length).toBeLessThan(long.length);

    await page.reload();
    await openChat(page);
    const reply = assistantTexts(page).last();
    await expect(reply).toHaveAttribute('data-status', 'stopped');
    await expect(reply).toContainText('Step 3 of the migration plan.');
    await expect(reply.locator('.jp-DataEngineer-notice-inline')).toContainText(
      'Interrupted'
    );

    await scriptMock(request, [
      { blocks: [{ type: 'text', text: 'Picking up where I stopped.' }] }
    ]);
    await reply.locator('.jp-DataEngineer-continue').click();
    await expect(assistantTexts(page).last()).toContainText(
      'Picking up where I stopped.'
    );
    const requests = await waitForMessageRequests(request, 2);
    const messages = requests[requests.length - 1].body.messages;
    expect(messages.map((m: any) => m.role)).toEqual([
      'user',
      'assistant',
      'user'
    ]);
    expect(messages[1].content[0].text.startsWith(partial.slice(0, 40))).toBe(
      true
    );
    expect(messages[2].content[0].text).toBe('Continue.');
  });

  test('two threads: new, switch, search, rename, delete', async ({
    page,
    request
  }) => {
    const tag = `t${Date.now().toString(36)}`;
    await scriptMock(request, [
      {
        blocks: [
          { type: 'text', text: 'Alpha: use DuckDB for the staging join.' }
        ]
      },
      {
        blocks: [
          { type: 'text', text: 'Beta: repartition before the Spark join.' }
        ]
      }
    ]);
    await openChat(page);
    await sendMessage(page, `alpha ${tag} staging question`);
    await expect(assistantTexts(page).last()).toContainText(
      'Alpha: use DuckDB'
    );
    const alpha = await currentChatId(page);

    await page.locator('.jp-DataEngineer-newChat').click();
    await expect(page.locator('.jp-DataEngineer-turn')).toHaveCount(0);
    await sendMessage(page, `beta ${tag} spark question`);
    await expect(assistantTexts(page).last()).toContainText(
      'Beta: repartition'
    );
    const beta = await currentChatId(page);
    expect(beta).not.toBe(alpha);

    // Search finds by message text, not only titles.
    await page.locator('.jp-DataEngineer-chatsToggle').click();
    const search = page.locator('.jp-DataEngineer-chatSearch');
    await search.fill(tag);
    const rows = page.locator('.jp-DataEngineer-chatRow');
    await expect(rows).toHaveCount(2);
    await search.fill('repartition before the spark');
    await expect(rows).toHaveCount(1);
    await expect(rows.first()).toHaveAttribute('data-chat-id', beta);

    // Switch to alpha.
    await search.fill(tag);
    await page
      .locator(
        `.jp-DataEngineer-chatRow[data-chat-id="${alpha}"] .jp-DataEngineer-chatOpen`
      )
      .click();
    await expect(page.locator('.jp-DataEngineer-chatList')).toHaveCount(0);
    expect(await currentChatId(page)).toBe(alpha);
    await expect(page.locator('.jp-DataEngineer-messages')).toContainText(
      'Alpha: use DuckDB'
    );
    await expect(page.locator('.jp-DataEngineer-messages')).not.toContainText(
      'Beta: repartition'
    );

    // Rename alpha from the list.
    await page.locator('.jp-DataEngineer-chatsToggle').click();
    await search.fill(tag);
    const alphaRow = page.locator(
      `.jp-DataEngineer-chatRow[data-chat-id="${alpha}"]`
    );
    await alphaRow.locator('.jp-DataEngineer-chatRename').click();
    await alphaRow
      .locator('.jp-DataEngineer-chatRenameInput')
      .fill(`Staging join ${tag}`);
    await alphaRow.locator('.jp-DataEngineer-chatRenameInput').press('Enter');
    await expect(alphaRow.locator('.jp-DataEngineer-chatTitle')).toHaveText(
      `Staging join ${tag}`
    );

    // Delete beta, with confirmation.
    const betaRow = page.locator(
      `.jp-DataEngineer-chatRow[data-chat-id="${beta}"]`
    );
    await betaRow.locator('.jp-DataEngineer-chatDelete').click();
    await page.locator('.jp-Dialog .jp-mod-accept').click();
    await expect(betaRow).toHaveCount(0);
    const gone = await request.get(
      `${SERVER}/api/contents/${CHATS}/${beta}.json?content=0`
    );
    expect(gone.status()).toBe(404);

    // After a reload: the renamed chat is still the current one, beta is gone.
    await page.reload();
    await openChat(page);
    expect(await currentChatId(page)).toBe(alpha);
    await page.locator('.jp-DataEngineer-chatsToggle').click();
    await page.locator('.jp-DataEngineer-chatSearch').fill(tag);
    await expect(page.locator('.jp-DataEngineer-chatRow')).toHaveCount(1);
    await expect(
      page.locator('.jp-DataEngineer-chatRow .jp-DataEngineer-chatTitle')
    ).toHaveText(`Staging join ${tag}`);
  });

  test('a "too long" error offers Compact and retry: older turns become a recap, the history stays', async ({
    page,
    request
  }) => {
    await scriptMock(request, [
      {
        blocks: [
          { type: 'text', text: 'Orders land in raw.orders every hour.' }
        ]
      },
      {
        type: 'http_error',
        status: 400,
        error_type: 'invalid_request_error',
        message: 'prompt is too long: 215000 tokens > 200000 maximum'
      }
    ]);
    await openChat(page);
    await sendMessage(page, 'Where do orders land?');
    await expect(assistantTexts(page).last()).toContainText('raw.orders');
    await sendMessage(page, 'Now write the dedup query');
    const error = page.locator('.jp-DataEngineer-error');
    await expect(error).toHaveAttribute('data-kind', 'context_too_long');
    await expect(error).toContainText(
      "no longer fits in the model's context window"
    );

    await scriptMock(request, [
      {
        blocks: [
          {
            type: 'text',
            text: 'Recap: orders arrive hourly in raw.orders; the user wants a dedup query.'
          }
        ]
      },
      {
        blocks: [
          { type: 'text', text: 'Here is the dedup query over raw.orders.' }
        ]
      }
    ]);
    await error.locator('.jp-DataEngineer-compactRetry').click();
    await expect(assistantTexts(page).last()).toContainText(
      'Here is the dedup query'
    );
    const recap = page.locator('.jp-DataEngineer-recap');
    await expect(recap).toHaveAttribute('data-status', 'done');
    await expect(recap).toContainText('summarised');
    // The full history is still on screen, and the recap can be read.
    await expect(page.locator('.jp-DataEngineer-user').first()).toHaveText(
      'Where do orders land?'
    );
    await recap.locator('.jp-DataEngineer-recapToggle').click();
    await expect(recap).toContainText('orders arrive hourly');

    const requests = await waitForMessageRequests(request, 4);
    const summary = requests[2].body;
    expect(summary.stream ?? false).toBe(false);
    expect(JSON.stringify(summary.messages)).toContain('Where do orders land?');
    const retried = requests[3].body.messages;
    expect(retried[0].role).toBe('user');
    expect(retried[0].content[0].text).toContain('<conversation-recap>');
    expect(retried[0].content[0].text).toContain('orders arrive hourly');
    expect(JSON.stringify(retried)).not.toContain(
      'Orders land in raw.orders every hour.'
    );
    expect(JSON.stringify(retried)).toContain('Now write the dedup query');
  });

  test('a long saved chat opens on its last turns; the earlier ones on demand', async ({
    page,
    request
  }) => {
    const id = `chat-long-${Date.now().toString(36)}`;
    const turns: any[] = [];
    for (let i = 0; i < 30; i++) {
      turns.push({
        id: `u-${i}`,
        role: 'user',
        text: `question ${i}`,
        createdAt: 1000 + i
      });
      turns.push({
        id: `a-${i}`,
        role: 'assistant',
        blocks: [{ type: 'text', text: `answer ${i}` }],
        text: `answer ${i}`,
        status: 'done',
        createdAt: 1000 + i,
        model: 'claude-sonnet-5',
        usage: {
          input_tokens: 10,
          output_tokens: 5,
          cache_read_input_tokens: 0,
          cache_creation_input_tokens: 0
        }
      });
    }
    const chat = {
      version: 1,
      id,
      title: 'A long chat',
      createdAt: 1000,
      updatedAt: Date.now(),
      personaId: null,
      chatModel: null,
      grants: [],
      turns
    };
    // The chat folder exists when an earlier test saved a chat; make it for a run of this test alone.
    for (const folder of ['.jupyter', CHATS]) {
      await request.put(`${SERVER}/api/contents/${folder}`, {
        data: { type: 'directory' }
      });
    }
    const put = await request.put(
      `${SERVER}/api/contents/${CHATS}/${id}.json`,
      {
        data: { type: 'file', format: 'text', content: JSON.stringify(chat) }
      }
    );
    expect(put.ok()).toBeTruthy();
    await page.evaluate(
      chatId =>
        window.localStorage.setItem('jupyterlab-data-engineer:chat-id', chatId),
      id
    );
    await page.reload();
    await openChat(page);
    expect(await currentChatId(page)).toBe(id);
    const shown = page.locator('.jp-DataEngineer-turn');
    await expect(shown).toHaveCount(40);
    await expect(shown.last()).toContainText('answer 29');
    await expect(shown.first()).toHaveText('question 10');
    await page.locator('.jp-DataEngineer-showEarlier').click();
    await expect(shown).toHaveCount(60);
    await expect(shown.first()).toHaveText('question 0');
  });
});
