import { expect, galata, test } from '@jupyterlab/galata';
import {
  holdRequests,
  openChat,
  resetMock,
  scriptMock,
  sendMessage,
  toolCalls,
  toolResult,
  waitForMessageRequests
} from './helpers';

/** Shell commands and tasks in the chat's own Jupyter terminal (issue 15). */

async function allowCard(
  page: any,
  tool: string,
  expected: string[]
): Promise<any> {
  const card = page
    .locator(`.jp-DataEngineer-toolCard[data-tool="${tool}"]`)
    .last();
  await expect(card).toHaveAttribute('data-state', 'waiting_approval', {
    timeout: 30000
  });
  for (const text of expected) {
    await expect(card.locator('.jp-DataEngineer-approval')).toContainText(text);
  }
  await card.locator('.jp-DataEngineer-allowOnce').click();
  return card;
}

test.describe('Terminal tools', () => {
  test.beforeEach(async ({ request }) => {
    await resetMock(request);
    await holdRequests(request);
  });

  test('run_command asks with the command and folder, runs in a visible terminal, returns output and exit code', async ({
    page,
    request,
    tmpPath
  }) => {
    await page.contents.uploadContent(
      'id,amount\n1,10\n',
      'text',
      `${tmpPath}/examples/orders.csv`
    );
    await page.contents.uploadContent(
      'x',
      'text',
      `${tmpPath}/examples/revenue.sql`
    );
    await scriptMock(request, [
      toolCalls({
        id: 'toolu_ls',
        name: 'run_command',
        input: { command: 'ls examples', cwd: tmpPath }
      })
    ]);
    await openChat(page);
    await sendMessage(page, 'What is in examples?');

    const card = await allowCard(page, 'run_command', ['ls examples']);
    await expect(card.locator('.jp-DataEngineer-toolSummary')).toContainText(
      `Run in ${tmpPath}/`
    );
    // The chat's terminal is open in the main area and shows the command's output.
    const terminal = page.locator('#jp-main-dock-panel .jp-Terminal').first();
    await expect(terminal).toBeVisible({ timeout: 30000 });
    await expect(
      page
        .locator('.lm-DockPanel-tabBar .lm-TabBar-tab', { hasText: /de_chat_/ })
        .first()
    ).toBeVisible();

    const recorded = await waitForMessageRequests(request, 2);
    const result = toolResult(recorded[1], 'toolu_ls');
    expect(result.isError).toBe(false);
    expect(result.text).toContain('$ ls examples');
    expect(result.text).toContain('exit code 0');
    expect(result.text).toContain('orders.csv');
    expect(result.text).toContain('revenue.sql');
    expect(result.text).not.toContain('<<DE:');
    expect(result.text).not.toMatch(/\x1b\[/);
    await scriptMock(request, [
      { blocks: [{ type: 'text', text: 'Two files.' }] }
    ]);

    // The card keeps the result and reopens the terminal.
    await expect(card).toHaveAttribute('data-state', 'done');
    await expect(
      card.locator('.jp-DataEngineer-commandResult')
    ).toHaveAttribute('data-exit-code', '0');
    await expect(card.locator('.jp-DataEngineer-commandOutput')).toContainText(
      'orders.csv'
    );
    await page
      .locator('.lm-DockPanel-tabBar .lm-TabBar-tab', { hasText: /de_chat_/ })
      .first()
      .locator('.lm-TabBar-tabCloseIcon')
      .click();
    await expect(terminal).toHaveCount(0);
    await card.locator('.jp-DataEngineer-showTerminal').click();
    await expect(
      page.locator('#jp-main-dock-panel .jp-Terminal').first()
    ).toBeVisible({ timeout: 30000 });

    // get_terminal_output reads what the chat's terminal showed (reconnecting after a page
    // reload is covered by jest; Galata's reload wait was flaky here on a loaded machine).
    await scriptMock(request, [
      toolCalls({
        id: 'toolu_tail',
        name: 'get_terminal_output',
        input: { lines: 40 }
      })
    ]);
    await sendMessage(page, 'What did the terminal show?');
    const after = await waitForMessageRequests(request, 4);
    const tail = toolResult(after[after.length - 1], 'toolu_tail');
    expect(tail.text).toContain('last lines of the terminal');
    expect(tail.text).toContain('orders.csv');
    expect(tail.text).not.toContain('<<DE:');
    await scriptMock(request, [
      { blocks: [{ type: 'text', text: 'It listed two files.' }] }
    ]);
  });

  test('Stop interrupts a running command and the terminal stays usable', async ({
    page,
    request,
    tmpPath
  }) => {
    await scriptMock(request, [
      toolCalls({
        id: 'toolu_sleep',
        name: 'run_command',
        input: { command: 'sleep 300', cwd: tmpPath }
      })
    ]);
    await openChat(page);
    await sendMessage(page, 'Wait a long time');
    const card = await allowCard(page, 'run_command', ['sleep 300']);
    await expect(card).toHaveAttribute('data-state', 'running', {
      timeout: 30000
    });
    await page.waitForTimeout(1000);
    const stoppedAt = Date.now();
    await page.locator('.jp-DataEngineer-stop').click();
    await expect(card).toHaveAttribute('data-state', 'cancelled', {
      timeout: 10000
    });
    expect(Date.now() - stoppedAt).toBeLessThan(8000);

    // Ctrl-C brought the shell back: the next command runs at once.
    await scriptMock(request, [
      toolCalls({
        id: 'toolu_echo',
        name: 'run_command',
        input: { command: 'echo after-stop', cwd: tmpPath }
      })
    ]);
    const before = (await waitForMessageRequests(request, 1)).length;
    await sendMessage(page, 'Again');
    await allowCard(page, 'run_command', ['echo after-stop']);
    const recorded = await waitForMessageRequests(request, before + 2);
    const result = toolResult(recorded[recorded.length - 1], 'toolu_echo');
    expect(result.text).toContain('exit code 0');
    expect(result.text).toMatch(/\nafter-stop/);
    await scriptMock(request, [{ blocks: [{ type: 'text', text: 'Done.' }] }]);
  });

  test('a command that exits the shell keeps its output and status; the next command gets a fresh shell', async ({
    page,
    request,
    tmpPath
  }) => {
    await scriptMock(request, [
      toolCalls({
        id: 'toolu_exit',
        name: 'run_command',
        input: {
          command: 'export DE_MARK=kept; echo HELLO-$((6*7)); exit 3',
          cwd: tmpPath
        }
      })
    ]);
    await openChat(page);
    await sendMessage(page, 'Print and exit');
    await allowCard(page, 'run_command', ['exit 3']);
    let recorded = await waitForMessageRequests(request, 2);
    const result = toolResult(recorded[1], 'toolu_exit');
    expect(result.text).toContain('HELLO-42');
    expect(result.text).toContain('exit code 3');
    expect(result.text).toMatch(
      /fresh shell: its state \(working folder, exported variables/
    );
    expect(result.text).not.toContain('(no output)');
    expect(result.text).not.toContain('terminal closed');

    // The model's next call (the held second request) runs in a new shell: the variable is gone.
    await scriptMock(request, [
      toolCalls({
        id: 'toolu_next',
        name: 'run_command',
        input: { command: 'echo "mark=[${DE_MARK:-}]"', cwd: tmpPath }
      })
    ]);
    await allowCard(page, 'run_command', ['echo "mark=']);
    recorded = await waitForMessageRequests(request, 3);
    const next = toolResult(recorded[recorded.length - 1], 'toolu_next');
    expect(next.text).toContain('exit code 0');
    expect(next.text).toMatch(/\nmark=\[\]/);
    await scriptMock(request, [{ blocks: [{ type: 'text', text: 'Done.' }] }]);
  });

  test('run_task runs a .vscode/tasks.json task after its dependency', async ({
    page,
    request,
    tmpPath
  }) => {
    const tasks = `{
      // a comment, as VS Code allows
      "version": "2.0.0",
      "tasks": [
        { "label": "prepare", "type": "shell", "command": "echo preparing in $(basename \\"$PWD\\")",
          "options": { "cwd": "\${workspaceFolder}/${tmpPath}" } },
        { "label": "greet", "type": "process", "command": "printenv", "args": ["GREETING"],
          "options": { "cwd": "${tmpPath}", "env": { "GREETING": "hello from the task" } },
          "dependsOn": ["prepare"], },
      ]
    }`;
    await page.contents.uploadContent(tasks, 'text', '.vscode/tasks.json');
    try {
      await scriptMock(request, [
        toolCalls({ id: 'toolu_list', name: 'list_tasks', input: {} })
      ]);
      await openChat(page);
      await sendMessage(page, 'Greet');
      let recorded = await waitForMessageRequests(request, 2);
      expect(toolResult(recorded[1], 'toolu_list').text).toContain(
        '"greet" [tasks.json]: printenv GREETING'
      );
      await scriptMock(request, [
        toolCalls({
          id: 'toolu_task',
          name: 'run_task',
          input: { label: 'greet' }
        })
      ]);
      const card = await allowCard(page, 'run_task', [
        'printenv GREETING',
        'echo preparing'
      ]);
      recorded = await waitForMessageRequests(request, 3);
      const result = toolResult(recorded[2], 'toolu_task');
      expect(result.isError).toBe(false);
      const folder = tmpPath.split('/').pop()!;
      expect(result.text).toContain(`preparing in ${folder}`);
      expect(result.text).toContain('task "greet": $ printenv GREETING');
      expect(result.text).toContain('hello from the task');
      expect(result.text).toContain('exit code 0');
      await scriptMock(request, [
        { blocks: [{ type: 'text', text: 'Greeted.' }] }
      ]);
      await expect(card.locator('.jp-DataEngineer-commandTask')).toHaveText(
        'greet'
      );
    } finally {
      await page.contents.deleteFile('.vscode/tasks.json');
    }
  });
});

test.describe('Terminal time limit', () => {
  test.use({
    mockSettings: {
      ...galata.DEFAULT_SETTINGS,
      'jupyterlab-data-engineer:plugin': { terminalTimeoutSeconds: 2 }
    }
  });

  test.beforeEach(async ({ request }) => {
    await resetMock(request);
    await holdRequests(request);
  });

  test('a command over the time limit is interrupted and its partial output returned', async ({
    page,
    request,
    tmpPath
  }) => {
    await scriptMock(request, [
      toolCalls({
        id: 'toolu_slow',
        name: 'run_command',
        input: { command: 'echo started; sleep 300', cwd: tmpPath }
      })
    ]);
    await openChat(page);
    await sendMessage(page, 'Run the slow thing');
    await allowCard(page, 'run_command', ['sleep 300']);
    const allowedAt = Date.now();
    const recorded = await waitForMessageRequests(request, 2);
    expect(Date.now() - allowedAt).toBeLessThan(15000);
    const result = toolResult(recorded[1], 'toolu_slow');
    expect(result.isError).toBe(true);
    expect(result.text).toContain('time limit of 2 s');
    expect(result.text).toContain('started');
    await scriptMock(request, [
      { blocks: [{ type: 'text', text: 'It was too slow.' }] }
    ]);
  });
});
