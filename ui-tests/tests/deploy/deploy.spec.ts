import * as fs from 'fs';
import * as path from 'path';
import {
  holdRequests,
  messageRequests,
  resetMock,
  scriptMock,
  sendMessage,
  toolCalls,
  toolResult,
  waitForMessageRequests
} from '../helpers';
import { expectValidRequest } from '../requestShape';
import {
  BASE,
  contents,
  expect,
  fileText,
  openChatTab,
  ORIGIN,
  PREFIX,
  ROOT,
  submitLogin,
  test,
  waitForLab,
  WITH_TOKEN
} from './deploy';

/**
 * The extension as users deploy it: token auth, XSRF checks, hidden files
 * refused, served under /user/alice/, the page holding no token (cookie
 * login, as behind JupyterHub). See jupyter_server_deploy_config.py.
 */

const PROXY = `${PREFIX}data-engineer/anthropic/v1/messages`;
const lastReply = (page: any) =>
  page.locator('.jp-DataEngineer-assistant').last();

test.describe('As deployed: token, XSRF, no hidden files, /user/alice/', () => {
  test.beforeEach(async ({ request }) => {
    await resetMock(request);
  });

  test('the chat opens and a reply streams through the proxy under the prefix, with cookie and XSRF', async ({
    lab,
    request
  }) => {
    await scriptMock(request, [
      {
        blocks: [
          {
            type: 'text',
            text: 'Streamed **under the prefix**, word by word, to the end.'
          }
        ],
        chunk_size: 4,
        delay_ms: 40
      }
    ]);
    await openChatTab(lab);
    const sent = lab.waitForRequest(
      r => new URL(r.url()).pathname === PROXY && r.method() === 'POST'
    );
    await sendMessage(lab, 'Hello from behind the hub');
    const browserRequest = await sent;
    const headers = await browserRequest.allHeaders();
    // Cookie auth: no token anywhere in the page's request; the XSRF header matches the cookie.
    expect(headers['authorization']).toBeUndefined();
    expect(browserRequest.url()).not.toContain('token=');
    // jupyter_server sets the XSRF cookie on the base_url path.
    const xsrf = (await lab.context().cookies(BASE)).find(
      c => c.name === '_xsrf'
    );
    expect(xsrf).toBeTruthy();
    expect(headers['x-xsrftoken']).toBe(xsrf!.value);

    const reply = lastReply(lab);
    await expect(reply).toHaveAttribute('data-status', 'streaming');
    await expect(reply).toHaveAttribute('data-status', 'done', {
      timeout: 20000
    });
    await expect(reply.locator('strong')).toHaveText('under the prefix');
    const [recorded] = await messageRequests(request);
    expect(recorded.headers['x-api-key']).toBe('sk-ant-test-deploy');
    expect(recorded.headers['cookie']).toBeUndefined();
    expect(recorded.headers['x-xsrftoken']).toBeUndefined();
    expectValidRequest(recorded.body);
  });

  test('the agent creates a notebook, inserts a cell and runs it', async ({
    lab,
    request
  }) => {
    await holdRequests(request);
    const nb = `agent-${Date.now().toString(36)}.ipynb`;
    await scriptMock(request, [
      toolCalls({
        id: 'toolu_create',
        name: 'create_notebook',
        input: { path: nb }
      })
    ]);
    await openChatTab(lab);
    await sendMessage(lab, 'Make a notebook that prints a total');
    let recorded = await waitForMessageRequests(request, 2);
    expect(toolResult(recorded[1], 'toolu_create').isError).toBe(false);
    await scriptMock(request, [
      toolCalls({
        id: 'toolu_insert',
        name: 'insert_cell',
        input: {
          notebook_path: nb,
          position: 'bottom',
          source: 'print("total", sum(range(5)))'
        }
      })
    ]);
    recorded = await waitForMessageRequests(request, 3);
    const inserted = toolResult(recorded[2], 'toolu_insert');
    expect(inserted.isError).toBe(false);
    const cell = inserted.text.match(/Inserted code cell ([\w-]+)/)![1];
    await scriptMock(request, [
      toolCalls({
        id: 'toolu_run',
        name: 'run_cell',
        input: { notebook_path: nb, cell_id: cell }
      })
    ]);
    const card = lab.locator('.jp-DataEngineer-toolCard[data-tool="run_cell"]');
    await expect(card).toHaveAttribute('data-state', 'waiting_approval', {
      timeout: 30000
    });
    await card.locator('.jp-DataEngineer-allowOnce').click();
    recorded = await waitForMessageRequests(request, 4);
    const ran = toolResult(recorded[3], 'toolu_run');
    expect(ran.isError).toBe(false);
    expect(ran.text).toContain('total 10');
    expectValidRequest(recorded[3].body);
    await scriptMock(request, [
      { blocks: [{ type: 'text', text: 'The total is 10.' }] }
    ]);
    await expect(lastReply(lab)).toContainText('The total is 10.');
    await expect(
      lab.locator('.jp-NotebookPanel:visible .jp-OutputArea-output')
    ).toContainText('total 10');
  });

  test('a file tool writes into a visible folder; the chat is saved in the visible fallback folder', async ({
    lab,
    request
  }) => {
    await holdRequests(request);
    const file = `reports/daily-${Date.now().toString(36)}.md`;
    const text = '# Daily load\n\nRows loaded: 1200\n';
    await scriptMock(request, [
      toolCalls({
        id: 'toolu_write',
        name: 'write_file',
        input: { path: file, content: text }
      })
    ]);
    await openChatTab(lab);
    await sendMessage(lab, 'Write the daily report');
    const card = lab.locator(
      '.jp-DataEngineer-toolCard[data-tool="write_file"]'
    );
    await expect(card).toHaveAttribute('data-state', 'waiting_approval', {
      timeout: 30000
    });
    expect(await fileText(request, file)).toBeNull();
    await card.locator('.jp-DataEngineer-allowOnce').click();
    const recorded = await waitForMessageRequests(request, 2);
    expect(toolResult(recorded[1], 'toolu_write').isError).toBe(false);
    await scriptMock(request, [
      { blocks: [{ type: 'text', text: 'Report written.' }] }
    ]);
    await expect(lastReply(lab)).toContainText('Report written.');
    expect(await fileText(request, file)).toBe(text);
    expect(fs.readFileSync(path.join(ROOT, file), 'utf-8')).toBe(text);
    // Its undo record went to the visible snapshot folder, not the refused .jupyter/ one.
    const id0 = await lab
      .locator('.jp-DataEngineer-messages')
      .getAttribute('data-chat-id');
    const records = fs.readdirSync(
      path.join(
        ROOT,
        'data-engineer-snapshots',
        id0!.replace(/[^A-Za-z0-9_-]/g, '_')
      )
    );
    expect(records.filter(name => name.endsWith('.json'))).toHaveLength(1);
    expect(fs.existsSync(path.join(ROOT, '.jupyter', 'data-engineer'))).toBe(
      false
    );

    // The server refuses hidden folders: the chat went to data-engineer-chats/.
    const id = await lab
      .locator('.jp-DataEngineer-messages')
      .getAttribute('data-chat-id');
    expect(id).toBeTruthy();
    await expect
      .poll(
        async () =>
          JSON.parse(
            (await fileText(request, `data-engineer-chats/${id}.json`)) ??
              '{"turns":[]}'
          ).turns.length,
        {
          timeout: 20000
        }
      )
      .toBe(3);
    expect(
      (await contents(request, `.jupyter/chats/${id}.json`)).status()
    ).toBe(404);
    expect(
      fs.existsSync(path.join(ROOT, '.jupyter', 'chats', `${id}.json`))
    ).toBe(false);
    // After a reload the chat list finds it there.
    await lab.reload();
    await waitForLab(lab);
    await openChatTab(lab);
    await lab.locator('.jp-DataEngineer-chatsToggle').click();
    await expect(lab.locator('.jp-DataEngineer-chatList')).toContainText(
      'Write the daily report'
    );
  });

  test('an approved write is refused when the file changed on disk after its card was shown', async ({
    lab,
    request
  }) => {
    await holdRequests(request);
    const file = `reports/limits-${Date.now().toString(36)}.yaml`;
    fs.mkdirSync(path.join(ROOT, 'reports'), { recursive: true });
    fs.writeFileSync(path.join(ROOT, file), 'max_rows: 1000\n');
    await scriptMock(request, [
      toolCalls({ id: 'toolu_read', name: 'read_file', input: { path: file } })
    ]);
    await openChatTab(lab);
    await sendMessage(lab, 'Raise the row limit');
    await waitForMessageRequests(request, 2);
    await scriptMock(request, [
      toolCalls({
        id: 'toolu_write',
        name: 'write_file',
        input: { path: file, content: 'max_rows: 5000\n' }
      })
    ]);
    const card = lab.locator(
      '.jp-DataEngineer-toolCard[data-tool="write_file"]'
    );
    await expect(card).toHaveAttribute('data-state', 'waiting_approval', {
      timeout: 30000
    });
    await expect(card.locator('.jp-DataEngineer-approval')).toContainText(
      '+max_rows: 5000'
    );
    // Someone changes the file while the card waits.
    fs.writeFileSync(path.join(ROOT, file), 'max_rows: 1000\nmax_cols: 50\n');
    await card.locator('.jp-DataEngineer-allowOnce').click();
    const recorded = await waitForMessageRequests(request, 3);
    const result = toolResult(recorded[2], 'toolu_write');
    expect(result.isError).toBe(true);
    expect(result.text).toContain(
      'changed on disk after the approval card was shown'
    );
    expect(result.text).toContain('Nothing was written');
    await scriptMock(request, [
      { blocks: [{ type: 'text', text: 'It changed; reading it again.' }] }
    ]);
    await expect(lastReply(lab)).toContainText('reading it again');
    await expect(card).toHaveAttribute('data-state', 'failed');
    expect(fs.readFileSync(path.join(ROOT, file), 'utf-8')).toBe(
      'max_rows: 1000\nmax_cols: 50\n'
    );
  });

  test('workspace personas in .github/ are reported as hidden, with the setting that shows them', async ({
    lab,
    request
  }) => {
    fs.mkdirSync(path.join(ROOT, '.github', 'agents'), { recursive: true });
    fs.writeFileSync(
      path.join(ROOT, '.github', 'agents', 'dbt-reviewer.agent.md'),
      '---\nname: dbt reviewer\ndescription: Reviews dbt models\n---\nYou review dbt models.\n'
    );
    await lab.reload();
    await waitForLab(lab);
    await openChatTab(lab);
    // The details toggle counts the problems; the details list them.
    await expect(lab.locator('.jp-DataEngineer-detailsToggle')).toContainText(
      /\d+/,
      { timeout: 20000 }
    );
    await lab.locator('.jp-DataEngineer-detailsToggle').click();
    const hint = lab.locator(
      '.jp-DataEngineer-personaProblems li[data-kind="hidden"]',
      { hasText: '.github' }
    );
    await expect(hint).toContainText('allow_hidden', { timeout: 20000 });
    await expect(hint).toContainText('.github');
    const options = await lab
      .locator('.jp-DataEngineer-personaPicker option')
      .allInnerTexts();
    expect(options.join('|')).not.toContain('dbt reviewer');
  });

  test('requests without the token, or without the XSRF header, are refused; an expired session offers Reload', async ({
    lab,
    request,
    playwright
  }) => {
    const body = {
      model: 'claude-sonnet-4-5-20250929',
      max_tokens: 16,
      messages: [{ role: 'user', content: 'hi' }]
    };
    const routes = {
      messages: `${ORIGIN}${PROXY}`,
      countTokens: `${ORIGIN}${PROXY}/count_tokens`,
      models: `${BASE}data-engineer/anthropic/v1/models`,
      config: `${BASE}data-engineer/config`,
      inside: `${BASE}data-engineer/files/inside`,
      mcpServers: `${BASE}data-engineer/mcp/servers`,
      mcpTrust: `${BASE}data-engineer/mcp/trust`
    };
    const anonymous = await playwright.request.newContext();
    try {
      // Without a token or a login cookie: every route refuses (403 from Jupyter's own checks).
      const refused = await anonymous.post(routes.messages, { data: body });
      expect(refused.status()).toBe(403);
      expect((await refused.json()).data_engineer_error).toBe('jupyter_auth');
      for (const url of [routes.countTokens, routes.inside, routes.mcpTrust]) {
        expect((await anonymous.post(url, { data: body })).status(), url).toBe(
          403
        );
      }
      for (const url of [
        routes.models,
        routes.config,
        routes.mcpServers,
        `${routes.config}?token=wrong`
      ]) {
        expect((await anonymous.get(url)).status(), url).toBe(403);
      }
      expect(
        (
          await anonymous.get(routes.config, {
            headers: { Authorization: 'token wrong' }
          })
        ).status()
      ).toBe(403);
      // The same requests with the token go through (the refusals above are the missing credentials).
      expect(
        (await anonymous.get(routes.config, { headers: WITH_TOKEN })).status()
      ).toBe(200);
      const inside = await anonymous.post(routes.inside, {
        headers: WITH_TOKEN,
        data: { paths: ['a.csv'] }
      });
      expect(inside.status()).toBe(200);
      expect(await inside.json()).toEqual({ checked: true, outside: [] });
    } finally {
      await anonymous.dispose();
    }
    // The page's cookies without the XSRF header: a forged cross-site POST.
    const browser = lab.context().request;
    const forged = await browser.post(routes.messages, { data: body });
    expect(forged.status()).toBe(403);
    expect((await forged.json()).data_engineer_error).toBe('jupyter_auth');
    for (const url of [routes.countTokens, routes.inside]) {
      expect(
        (await browser.post(url, { data: { paths: ['a.csv'] } })).status(),
        url
      ).toBe(403);
    }
    // With the cookie's XSRF value in the header, the same cookie-authenticated POST is accepted.
    const xsrf = (await lab.context().cookies(BASE)).find(
      c => c.name === '_xsrf'
    );
    expect(xsrf).toBeTruthy();
    const withXsrf = await browser.post(routes.inside, {
      data: { paths: ['a.csv'] },
      headers: { 'X-XSRFToken': xsrf!.value }
    });
    expect(withXsrf.status()).toBe(200);
    // GET needs the cookie, not XSRF.
    expect((await browser.get(routes.config)).status()).toBe(200);
    expect(await messageRequests(request)).toHaveLength(0);

    // The session ends (logged out elsewhere, cookie expired): the chat says so and offers Reload.
    await scriptMock(request, [
      { blocks: [{ type: 'text', text: 'Loads run hourly.' }] }
    ]);
    await openChatTab(lab);
    await sendMessage(lab, 'How often do loads run?');
    await expect(lastReply(lab)).toContainText('Loads run hourly.');
    const id = await lab
      .locator('.jp-DataEngineer-messages')
      .getAttribute('data-chat-id');
    await expect
      .poll(
        async () =>
          JSON.parse(
            (await fileText(request, `data-engineer-chats/${id}.json`)) ??
              '{"turns":[]}'
          ).turns.length,
        {
          timeout: 20000
        }
      )
      .toBe(2);
    await resetMock(request);
    await lab.context().clearCookies();
    await sendMessage(lab, 'Are you still there?');
    const error = lab.locator('.jp-DataEngineer-error');
    await expect(error).toHaveAttribute('data-kind', 'session', {
      timeout: 20000
    });
    await expect(error).toContainText('Jupyter session has probably expired');
    expect(await messageRequests(request)).toHaveLength(0);
    await error.locator('.jp-DataEngineer-reloadPage').click();
    await expect(lab).toHaveURL(/\/user\/alice\/login/);
    // Logged in again: the chat as saved before the session ended; it goes on.
    await submitLogin(lab);
    await openChatTab(lab);
    await expect(lab.locator('.jp-DataEngineer-messages')).toHaveAttribute(
      'data-chat-id',
      id!
    );
    await expect(
      lab.locator('.jp-DataEngineer-assistant', {
        hasText: 'Loads run hourly.'
      })
    ).toHaveCount(1);
    await scriptMock(request, [
      { blocks: [{ type: 'text', text: 'Back after logging in.' }] }
    ]);
    await sendMessage(lab, 'Are you still there?');
    await expect(lastReply(lab)).toContainText('Back after logging in.', {
      timeout: 20000
    });
    const [next] = await messageRequests(request);
    expectValidRequest(next.body);
    expect(next.body.messages).toHaveLength(3);
  });
});
