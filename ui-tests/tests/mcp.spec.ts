import { expect, test } from '@jupyterlab/galata';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  messageRequests,
  openChat,
  resetMock,
  scriptMock,
  sendMessage,
  toolCalls,
  toolResult,
  waitForMessageRequests
} from './helpers';

/** The SDK-based MCP test server of the Python tests, run here as a workspace stdio server. */
const SERVER_SCRIPT = path.resolve(
  __dirname,
  '..',
  '..',
  'jupyterlab_data_engineer',
  'tests',
  'mcp_test_server.py'
);
const PYTHON = execFileSync('python3', [
  '-c',
  'import sys; print(sys.executable)'
])
  .toString()
  .trim();
const SECRET = 'galata-mcp-secret-4471';

function workspaceJson(marker: string): string {
  return `{
  // written by mcp.spec.ts at ${new Date().toISOString()} (a new hash each run: trust is asked again)
  "inputs": [{"type": "promptString", "id": "token", "description": "Demo token", "password": true}],
  "servers": {
    "wsdemo": {
      "type": "stdio",
      "command": ${JSON.stringify(PYTHON)},
      "args": [${JSON.stringify(SERVER_SCRIPT)}],
      "env": {"MCP_TEST_SECRET": "\${input:token}", "MCP_TEST_MARKER": ${JSON.stringify(marker)}},
    },
    "wsbroken": {
      "type": "stdio",
      "command": ${JSON.stringify(PYTHON)},
      "args": [${JSON.stringify(SERVER_SCRIPT)}],
      "env": {"MCP_TEST_FAIL_START": "1"},
    },
  },
}
`;
}

test.describe('MCP servers from .vscode/mcp.json', () => {
  let marker = '';

  test.beforeEach(async ({ request }) => {
    await resetMock(request);
    marker = path.join(
      fs.mkdtempSync(path.join(os.tmpdir(), 'de-mcp-galata-')),
      'starts'
    );
  });

  test.afterEach(async ({ page }) => {
    if (await page.contents.fileExists('.vscode/mcp.json')) {
      await page.contents.deleteFile('.vscode/mcp.json');
    }
  });

  test('trust prompt, inputs, the model calls a workspace tool after approval', async ({
    page,
    request
  }) => {
    await page.contents.createDirectory('.vscode');
    await page.contents.uploadContent(
      workspaceJson(marker),
      'text',
      '.vscode/mcp.json'
    );
    await scriptMock(request, [
      toolCalls({
        id: 'toolu_mcp_echo',
        name: 'mcp__wsdemo__echo',
        input: { text: 'hello from galata' }
      }),
      toolCalls({
        id: 'toolu_mcp_leak',
        name: 'mcp__wsdemo__leak_secret',
        input: {}
      }),
      { blocks: [{ type: 'text', text: 'The MCP server answered.' }] }
    ]);
    await openChat(page);
    await sendMessage(page, 'Use the MCP server');

    // First use: the trust question shows what would run and where it came from.
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog).toContainText(
      'Trust the MCP servers of this workspace?',
      { timeout: 30000 }
    );
    const demo = dialog.locator(
      '.jp-DataEngineer-mcpTrustServer[data-server="wsdemo"]'
    );
    await expect(demo).toContainText('.vscode/mcp.json');
    await expect(demo.locator('.jp-DataEngineer-mcpCommand')).toContainText(
      'mcp_test_server.py'
    );
    await expect(demo).toContainText('MCP_TEST_SECRET');
    expect(fs.existsSync(marker)).toBe(false); // nothing ran before the answer
    await dialog.getByRole('button', { name: 'Trust and start' }).click();

    // Then the ${input:token} value, asked once, kept in the tab's sessionStorage.
    await expect(dialog).toContainText('Values for the MCP server "wsdemo"', {
      timeout: 30000
    });
    await dialog.locator('input[data-input-id="token"]').fill(SECRET);
    await dialog.getByRole('button', { name: 'Start' }).click();

    // The first request offers the MCP tools with their schemas; the broken server offers none.
    const [first] = await waitForMessageRequests(request, 1, 60000);
    const echo = first.body.tools.find(
      (t: any) => t.name === 'mcp__wsdemo__echo'
    );
    expect(echo).toBeTruthy();
    expect(echo.input_schema.required).toEqual(['text']);
    expect(echo.description).toContain('MCP server "wsdemo"');
    expect(
      first.body.tools.some((t: any) => t.name.startsWith('mcp__wsbroken__'))
    ).toBe(false);
    expect(fs.readFileSync(marker, 'utf8')).toMatch(/^start \d+/);

    // Approval by default, the server's name on the card.
    const card = page.locator(
      '.jp-DataEngineer-toolCard[data-tool="mcp__wsdemo__echo"]'
    );
    await expect(card).toHaveAttribute('data-state', 'waiting_approval', {
      timeout: 30000
    });
    await expect(card).toContainText('MCP server "wsdemo"');
    await expect(card).toContainText('hello from galata');
    await card.locator('.jp-DataEngineer-allowOnce').click();

    const [, second] = await waitForMessageRequests(request, 2);
    // What the server sent reaches the model framed as data (issue 26, item 7).
    const echoed = toolResult(second, 'toolu_mcp_echo');
    expect(echoed.isError).toBe(false);
    expect(echoed.text).toContain(
      '<untrusted-data source="mcp wsdemo/echo">\necho: hello from galata\n</untrusted-data>'
    );

    // The secret reached the server process, but never the model.
    const leak = page.locator(
      '.jp-DataEngineer-toolCard[data-tool="mcp__wsdemo__leak_secret"]'
    );
    await expect(leak).toHaveAttribute('data-state', 'waiting_approval', {
      timeout: 30000
    });
    await leak.locator('.jp-DataEngineer-allowOnce').click();
    const [, , third] = await waitForMessageRequests(request, 3);
    const leaked = toolResult(third, 'toolu_mcp_leak');
    expect(leaked.text).toContain('the secret is ***');
    expect(JSON.stringify(await messageRequests(request))).not.toContain(
      SECRET
    );
    await expect(
      page.locator('.jp-DataEngineer-assistant').last()
    ).toHaveAttribute('data-status', 'done', { timeout: 30000 });

    // The status list: the broken server failed, with its stderr and a Restart button.
    const broken = page.locator(
      '.jp-DataEngineer-mcpServer[data-server="wsbroken"]'
    );
    await expect(broken).toHaveAttribute('data-state', 'failed');
    await broken.locator('summary').click();
    await expect(broken.locator('.jp-DataEngineer-mcpStderr')).toContainText(
      'cannot start: missing configuration'
    );
    await expect(broken.locator('.jp-DataEngineer-mcpRestart')).toBeVisible();
    await expect(
      page.locator('.jp-DataEngineer-mcpServer[data-server="wsdemo"]')
    ).toHaveAttribute('data-state', 'running');

    const stored = await page.evaluate(() => ({
      session:
        window.sessionStorage.getItem('jupyterlab-data-engineer:mcp-inputs') ??
        '',
      local: JSON.stringify(window.localStorage)
    }));
    expect(stored.session).toContain(SECRET);
    expect(stored.local).not.toContain(SECRET);
  });
  test('the trust dialog shows cwd, env values, header templates and their host, and asks again after the envFile changed', async ({
    page,
    request
  }) => {
    const literal = 'galata-literal-token-9913';
    await page.contents.createDirectory('.vscode');
    await page.contents.createDirectory('mcpenv');
    await page.contents.uploadContent(
      'LOG_LEVEL=info\n',
      'text',
      '.env.galata'
    );
    await page.contents.uploadContent(
      `{
  "servers": {
    "wsenv": {
      "type": "stdio",
      "command": ${JSON.stringify(PYTHON)},
      "args": [${JSON.stringify(SERVER_SCRIPT)}],
      "cwd": "mcpenv",
      "envFile": "\${workspaceFolder}/.env.galata",
      "env": {"GH": "\${env:GITHUB_TOKEN}", "API_TOKEN": "${literal}", "MCP_TEST_MARKER": ${JSON.stringify(marker)}}
    },
    "wsweb": {
      "type": "http",
      "url": "http://127.0.0.1:9/mcp",
      "headers": {"Authorization": "Bearer \${env:GITHUB_TOKEN}"}
    }
  }
}
`,
      'text',
      '.vscode/mcp.json'
    );
    await scriptMock(request, [
      { blocks: [{ type: 'text', text: 'First answer.' }] },
      { blocks: [{ type: 'text', text: 'Second answer.' }] }
    ]);
    await openChat(page);
    await sendMessage(page, 'Use the MCP servers');

    const dialog = page.locator('.jp-Dialog');
    await expect(dialog).toContainText(
      'Trust the MCP servers of this workspace?',
      { timeout: 30000 }
    );
    const ws = dialog.locator(
      '.jp-DataEngineer-mcpTrustServer[data-server="wsenv"]'
    );
    await expect(ws.locator('[data-kind="cwd"]')).toHaveText('Runs in: mcpenv');
    const env = ws.locator('[data-kind="env"]');
    await expect(env).toContainText('GH=${env:GITHUB_TOKEN}');
    await expect(env).toContainText(
      'API_TOKEN=\u2022\u2022\u2022\u2022\u2022\u2022'
    );
    await expect(ws.locator('[data-kind="envFileEntries"]')).toHaveText(
      'LOG_LEVEL=info'
    );
    const web = dialog.locator(
      '.jp-DataEngineer-mcpTrustServer[data-server="wsweb"]'
    );
    await expect(web.locator('[data-kind="host"]')).toHaveText(
      'Headers, sent to 127.0.0.1:9:'
    );
    await expect(web.locator('[data-kind="headers"]')).toHaveText(
      'Authorization: Bearer ${env:GITHUB_TOKEN}'
    );
    await expect(dialog).not.toContainText(literal);
    await dialog.getByRole('button', { name: 'Trust and start' }).click();

    const [first] = await waitForMessageRequests(request, 1, 60000);
    expect(
      first.body.tools.some((t: any) => t.name === 'mcp__wsenv__echo')
    ).toBe(true);
    expect(fs.readFileSync(marker, 'utf8').match(/^start /gm)).toHaveLength(1);
    await expect(
      page.locator('.jp-DataEngineer-assistant').last()
    ).toHaveAttribute('data-status', 'done', { timeout: 30000 });

    // A pull changes only the envFile: the next turn asks again and shows the new value.
    await page.contents.uploadContent(
      'LOG_LEVEL=info\nPYTHONPATH=/tmp/evil\n',
      'text',
      '.env.galata'
    );
    await sendMessage(page, 'Again');
    await expect(dialog).toContainText(
      'Trust the MCP servers of this workspace?',
      { timeout: 30000 }
    );
    await expect(ws.locator('[data-kind="envFileEntries"]')).toContainText(
      'PYTHONPATH=/tmp/evil'
    );
    await dialog.getByRole('button', { name: 'Do not start' }).click();
    const [, second] = await waitForMessageRequests(request, 2, 60000);
    expect(
      second.body.tools.some((t: any) => t.name.startsWith('mcp__wsenv__'))
    ).toBe(false);
    expect(fs.readFileSync(marker, 'utf8').match(/^start /gm)).toHaveLength(1);
    await page.contents.deleteFile('.env.galata');
  });
});
