import * as fs from 'fs';
import * as path from 'path';
import { holdRequests, messageRequests, resetMock, scriptMock, sendMessage, toolCalls, toolResult, waitForMessageRequests } from '../helpers';
import { expectValidRequest } from '../requestShape';
import { BASE, contents, expect, fileText, openChatTab, ORIGIN, PREFIX, ROOT, test, TOKEN, waitForLab, WITH_TOKEN } from './deploy';

/**
 * The extension as users deploy it: token auth, XSRF checks, hidden files
 * refused, served under /user/alice/, the page holding no token (cookie
 * login, as behind JupyterHub). See jupyter_server_deploy_config.py.
 */

const PROXY = `${PREFIX}data-engineer/anthropic/v1/messages`;
const lastReply = (page: any) => page.locator('.jp-DataEngineer-assistant').last();

// Not yet run past the login page (the Galata lock): enable after a green run.
test.describe.fixme('As deployed: token, XSRF, no hidden files, /user/alice/', () => {
  test.beforeEach(async ({ request }) => {
    await resetMock(request);
  });

  test('the chat opens and a reply streams through the proxy under the prefix, with cookie and XSRF', async ({ lab, request }) => {
    await scriptMock(request, [
      { blocks: [{ type: 'text', text: 'Streamed **under the prefix**, word by word, to the end.' }], chunk_size: 4, delay_ms: 40 }
    ]);
    await openChatTab(lab);
    const sent = lab.waitForRequest(r => new URL(r.url()).pathname === PROXY && r.method() === 'POST');
    await sendMessage(lab, 'Hello from behind the hub');
    const browserRequest = await sent;
    const headers = await browserRequest.allHeaders();
    // Cookie auth: no token anywhere in the page's request; the XSRF header matches the cookie.
    expect(headers['authorization']).toBeUndefined();
    expect(browserRequest.url()).not.toContain('token=');
    const xsrf = (await lab.context().cookies(ORIGIN)).find(c => c.name === '_xsrf');
    expect(xsrf).toBeTruthy();
    expect(headers['x-xsrftoken']).toBe(xsrf!.value);

    const reply = lastReply(lab);
    await expect(reply).toHaveAttribute('data-status', 'streaming');
    await expect(reply).toHaveAttribute('data-status', 'done', { timeout: 20000 });
    await expect(reply.locator('strong')).toHaveText('under the prefix');
    const [recorded] = await messageRequests(request);
    expect(recorded.headers['x-api-key']).toBe('sk-ant-test-deploy');
    expect(recorded.headers['cookie']).toBeUndefined();
    expect(recorded.headers['x-xsrftoken']).toBeUndefined();
    expectValidRequest(recorded.body);
  });

  test('the agent creates a notebook, inserts a cell and runs it', async ({ lab, request }) => {
    await holdRequests(request);
    const nb = `agent-${Date.now().toString(36)}.ipynb`;
    await scriptMock(request, [toolCalls({ id: 'toolu_create', name: 'create_notebook', input: { path: nb } })]);
    await openChatTab(lab);
    await sendMessage(lab, 'Make a notebook that prints a total');
    let recorded = await waitForMessageRequests(request, 2);
    expect(toolResult(recorded[1], 'toolu_create').isError).toBe(false);
    await scriptMock(request, [
      toolCalls({ id: 'toolu_insert', name: 'insert_cell', input: { notebook_path: nb, position: 'bottom', source: 'print("total", sum(range(5)))' } })
    ]);
    recorded = await waitForMessageRequests(request, 3);
    const inserted = toolResult(recorded[2], 'toolu_insert');
    expect(inserted.isError).toBe(false);
    const cell = inserted.text.match(/Inserted code cell ([\w-]+)/)![1];
    await scriptMock(request, [toolCalls({ id: 'toolu_run', name: 'run_cell', input: { notebook_path: nb, cell_id: cell } })]);
    const card = lab.locator('.jp-DataEngineer-toolCard[data-tool="run_cell"]');
    await expect(card).toHaveAttribute('data-state', 'waiting_approval', { timeout: 30000 });
    await card.locator('.jp-DataEngineer-allowOnce').click();
    recorded = await waitForMessageRequests(request, 4);
    const ran = toolResult(recorded[3], 'toolu_run');
    expect(ran.isError).toBe(false);
    expect(ran.text).toContain('total 10');
    expectValidRequest(recorded[3].body);
    await scriptMock(request, [{ blocks: [{ type: 'text', text: 'The total is 10.' }] }]);
    await expect(lastReply(lab)).toContainText('The total is 10.');
    await expect(lab.locator('.jp-NotebookPanel:visible .jp-OutputArea-output')).toContainText('total 10');
  });

  test('a file tool writes into a visible folder; the chat is saved in the visible fallback folder', async ({ lab, request }) => {
    await holdRequests(request);
    const file = `reports/daily-${Date.now().toString(36)}.md`;
    const text = '# Daily load\n\nRows loaded: 1200\n';
    await scriptMock(request, [toolCalls({ id: 'toolu_write', name: 'write_file', input: { path: file, content: text } })]);
    await openChatTab(lab);
    await sendMessage(lab, 'Write the daily report');
    const card = lab.locator('.jp-DataEngineer-toolCard[data-tool="write_file"]');
    await expect(card).toHaveAttribute('data-state', 'waiting_approval', { timeout: 30000 });
    expect(await fileText(request, file)).toBeNull();
    await card.locator('.jp-DataEngineer-allowOnce').click();
    const recorded = await waitForMessageRequests(request, 2);
    expect(toolResult(recorded[1], 'toolu_write').isError).toBe(false);
    await scriptMock(request, [{ blocks: [{ type: 'text', text: 'Report written.' }] }]);
    await expect(lastReply(lab)).toContainText('Report written.');
    expect(await fileText(request, file)).toBe(text);
    expect(fs.readFileSync(path.join(ROOT, file), 'utf-8')).toBe(text);

    // The server refuses hidden folders: the chat went to data-engineer-chats/.
    const id = await lab.locator('.jp-DataEngineer-messages').getAttribute('data-chat-id');
    expect(id).toBeTruthy();
    await expect
      .poll(async () => JSON.parse((await fileText(request, `data-engineer-chats/${id}.json`)) ?? '{"turns":[]}').turns.length, {
        timeout: 20000
      })
      .toBe(3);
    expect((await contents(request, `.jupyter/chats/${id}.json`)).status()).toBe(404);
    expect(fs.existsSync(path.join(ROOT, '.jupyter', 'chats', `${id}.json`))).toBe(false);
    // After a reload the chat list finds it there.
    await lab.reload();
    await waitForLab(lab);
    await openChatTab(lab);
    await lab.locator('.jp-DataEngineer-chatsToggle').click();
    await expect(lab.locator('.jp-DataEngineer-chatList')).toContainText('Write the daily report');
  });

  test('workspace personas in .github/ are reported as hidden, with the setting that shows them', async ({ lab, request }) => {
    fs.mkdirSync(path.join(ROOT, '.github', 'agents'), { recursive: true });
    fs.writeFileSync(
      path.join(ROOT, '.github', 'agents', 'dbt-reviewer.agent.md'),
      '---\nname: dbt reviewer\ndescription: Reviews dbt models\n---\nYou review dbt models.\n'
    );
    await lab.reload();
    await waitForLab(lab);
    await openChatTab(lab);
    const hint = lab.locator('.jp-DataEngineer-personaProblems li[data-kind="hidden"]');
    await expect(hint).toContainText('allow_hidden', { timeout: 20000 });
    await expect(hint).toContainText('.github');
    const options = await lab.locator('.jp-DataEngineer-personaPicker option').allInnerTexts();
    expect(options.join('|')).not.toContain('dbt reviewer');
  });

  test('requests without the token, or without the XSRF header, are refused; an expired session offers Reload', async ({
    lab,
    request,
    playwright
  }) => {
    const body = { model: 'claude-sonnet-4-5-20250929', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] };
    const anonymous = await playwright.request.newContext();
    try {
      const refused = await anonymous.post(`${ORIGIN}${PROXY}`, { data: body });
      expect(refused.status()).toBe(403);
      expect((await refused.json()).data_engineer_error).toBe('jupyter_auth');
      expect((await anonymous.get(`${BASE}data-engineer/config`)).status()).toBe(403);
      expect((await anonymous.get(`${BASE}data-engineer/config?token=wrong`)).status()).toBe(403);
      expect((await anonymous.get(`${BASE}data-engineer/config`, { headers: WITH_TOKEN })).status()).toBe(200);
    } finally {
      await anonymous.dispose();
    }
    // The page's cookies without the XSRF header: a forged cross-site POST.
    const forged = await lab.context().request.post(`${ORIGIN}${PROXY}`, { data: body });
    expect(forged.status()).toBe(403);
    expect(await messageRequests(request)).toHaveLength(0);

    // The session ends (logged out elsewhere, cookie expired): the chat says so and offers Reload.
    await scriptMock(request, [{ blocks: [{ type: 'text', text: 'Loads run hourly.' }] }]);
    await openChatTab(lab);
    await sendMessage(lab, 'How often do loads run?');
    await expect(lastReply(lab)).toContainText('Loads run hourly.');
    const id = await lab.locator('.jp-DataEngineer-messages').getAttribute('data-chat-id');
    await expect
      .poll(async () => JSON.parse((await fileText(request, `data-engineer-chats/${id}.json`)) ?? '{"turns":[]}').turns.length, {
        timeout: 20000
      })
      .toBe(2);
    await resetMock(request);
    await lab.context().clearCookies();
    await sendMessage(lab, 'Are you still there?');
    const error = lab.locator('.jp-DataEngineer-error');
    await expect(error).toHaveAttribute('data-kind', 'session', { timeout: 20000 });
    await expect(error).toContainText('Jupyter session has probably expired');
    expect(await messageRequests(request)).toHaveLength(0);
    await error.locator('.jp-DataEngineer-reloadPage').click();
    await expect(lab).toHaveURL(/\/user\/alice\/login/);
    // Logged in again: the chat as saved before the session ended; it goes on.
    await lab.locator('#password_input').fill(TOKEN);
    await lab.locator('#login_submit').click();
    await waitForLab(lab);
    await openChatTab(lab);
    await expect(lab.locator('.jp-DataEngineer-messages')).toHaveAttribute('data-chat-id', id!);
    await expect(lab.locator('.jp-DataEngineer-assistant', { hasText: 'Loads run hourly.' })).toHaveCount(1);
    await scriptMock(request, [{ blocks: [{ type: 'text', text: 'Back after logging in.' }] }]);
    await sendMessage(lab, 'Are you still there?');
    await expect(lastReply(lab)).toContainText('Back after logging in.', { timeout: 20000 });
    const [next] = await messageRequests(request);
    expectValidRequest(next.body);
    expect(next.body.messages).toHaveLength(3);
  });
});
