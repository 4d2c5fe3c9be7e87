import { expect, test } from '@jupyterlab/galata';
import {
  messageRequests,
  openChat,
  resetMock,
  scriptMock,
  sendMessage
} from './helpers';

/** The system prompt of a recorded request, as one string. */
function systemText(request: any): string {
  const system = request.body.system;
  return typeof system === 'string'
    ? system
    : system.map((block: any) => block.text).join('\n');
}

const WORKSPACE_PERSONA = `---
name: SQL Reviewer
description: Reviews SQL for correctness and cost.
tools:
  - codebase
  - vscodeAPI
model: claude-sonnet-4-20250514
---
You are the SQL reviewer persona. Marker: WORKSPACE-PERSONA-BODY-7731.
`;

test.describe('Personas and project instructions', () => {
  test.beforeEach(async ({ request }) => {
    await resetMock(request);
  });

  test.afterEach(async ({ page }) => {
    for (const path of [
      'copilot.instructions.md',
      '.github/chatmodes/sql-reviewer.chatmode.md'
    ]) {
      if (await page.contents.fileExists(path)) {
        await page.contents.deleteFile(path);
      }
    }
  });

  test('bundled personas parse in the browser and drive the system prompt', async ({
    page,
    request
  }) => {
    await scriptMock(request, [
      { blocks: [{ type: 'text', text: 'Hello from the mock.' }] }
    ]);
    await openChat(page);
    const picker = page.locator('.jp-DataEngineer-personaPicker');
    // gray-matter needs Buffer: a parse failure would leave the picker without personas.
    await expect(picker.locator('option')).toHaveCount(5);
    await expect(picker).toHaveValue('data-engineer');
    await expect(picker.locator('option:checked')).toHaveText('Data Engineer');
    await expect(picker).toHaveAttribute('title', /senior data engineer/i);

    await page.locator('.jp-DataEngineer-detailsToggle').click();
    await expect(
      page.locator('.jp-DataEngineer-personaUnavailable')
    ).toContainText('vscodeAPI');
    await expect(page.locator('.jp-DataEngineer-personaTools')).toContainText(
      'notebook-run'
    );

    await sendMessage(page, 'Who are you?');
    await expect(
      page.locator('.jp-DataEngineer-assistant').last()
    ).toHaveAttribute('data-status', 'done');
    const [sent] = await messageRequests(request);
    const system = systemText(sent);
    expect(system).toContain('## Transition Instructions');
    expect(system).toContain('Switch to **Business Analyst** persona');
    expect(system).not.toMatch(/^---/);
    expect(system).not.toContain('tools:');
    // The persona's "claude-4-sonnet" resolved against the mock's model list.
    expect(sent.body.model).toMatch(/^claude-sonnet-4/);
    // The stable prefix carries a cache breakpoint.
    expect(JSON.stringify(sent.body.system)).toContain(
      '"cache_control":{"type":"ephemeral"}'
    );
  });

  test('a workspace chat mode appears in the picker and speaks', async ({
    page,
    request
  }) => {
    await page.contents.uploadContent(
      WORKSPACE_PERSONA,
      'text',
      '.github/chatmodes/sql-reviewer.chatmode.md'
    );
    await scriptMock(request, [
      { blocks: [{ type: 'text', text: 'Reviewed.' }] }
    ]);
    await openChat(page);
    const picker = page.locator('.jp-DataEngineer-personaPicker');
    await expect(picker.locator('option[value="sql-reviewer"]')).toHaveText(
      /SQL Reviewer/
    );
    await picker.selectOption('sql-reviewer');
    await page.locator('.jp-DataEngineer-detailsToggle').click();
    await expect(
      page.locator('.jp-DataEngineer-personaUnavailable')
    ).toHaveText('vscodeAPI');

    await sendMessage(page, 'Review my query');
    await expect(
      page.locator('.jp-DataEngineer-assistant').last()
    ).toHaveAttribute('data-status', 'done');
    const [sent] = await messageRequests(request);
    expect(systemText(sent)).toContain('WORKSPACE-PERSONA-BODY-7731');
    expect(sent.body.model).toBe('claude-sonnet-4-20250514');
  });

  test('project instructions reach the model and edits apply to the next request', async ({
    page,
    request
  }) => {
    await page.contents.uploadContent(
      '# Databases\nWe use ClickHouse-9931 for analytics.\n',
      'text',
      'copilot.instructions.md'
    );
    await scriptMock(request, [
      { blocks: [{ type: 'text', text: 'First.' }] },
      { blocks: [{ type: 'text', text: 'Second.' }] }
    ]);
    await openChat(page);
    await expect(page.locator('.jp-DataEngineer-instructionsFile')).toHaveText(
      'copilot.instructions.md'
    );

    await sendMessage(page, 'Which database?');
    await expect(
      page.locator('.jp-DataEngineer-assistant').last()
    ).toHaveAttribute('data-status', 'done');
    // last_modified has one-second resolution on some file systems.
    await page.waitForTimeout(1100);
    await page.contents.uploadContent(
      '# Databases\nWe moved to Snowflake-4417.\n',
      'text',
      'copilot.instructions.md'
    );
    await sendMessage(page, 'And now?');
    await expect(
      page.locator('.jp-DataEngineer-assistant').nth(1)
    ).toHaveAttribute('data-status', 'done');

    const [first, second] = await messageRequests(request);
    const firstSystem = systemText(first);
    expect(firstSystem).toContain('ClickHouse-9931');
    // Order: persona body, then instructions.
    expect(firstSystem.indexOf('Transition Instructions')).toBeLessThan(
      firstSystem.indexOf('ClickHouse-9931')
    );
    expect(systemText(second)).toContain('Snowflake-4417');
    expect(systemText(second)).not.toContain('ClickHouse-9931');
  });

  test('without instructions the panel offers the template', async ({
    page
  }) => {
    await openChat(page);
    await expect(
      page.locator('.jp-DataEngineer-instructionsMissing')
    ).toBeVisible();
    await page.locator('.jp-DataEngineer-createInstructions').click();
    await expect
      .poll(() => page.contents.fileExists('copilot.instructions.md'))
      .toBe(true);
    // The template opens in an editor tab with the sections the persona reads.
    await expect(
      page.locator('.lm-DockPanel-tabBar .lm-TabBar-tab', {
        hasText: 'copilot.instructions.md'
      })
    ).toBeVisible();
    await expect(page.locator('.jp-DataEngineer-instructionsFile')).toHaveText(
      'copilot.instructions.md'
    );
  });

  test('a recommended hand-off switches persona and keeps the conversation', async ({
    page,
    request
  }) => {
    await scriptMock(request, [
      {
        blocks: [
          {
            type: 'text',
            text: 'The tables are ready. Switch to **Business Analyst** persona to define the KPIs on top of them.'
          }
        ]
      },
      { blocks: [{ type: 'text', text: 'Here are the KPIs.' }] }
    ]);
    await openChat(page);
    await sendMessage(page, 'Build the revenue tables');
    // All four hand-offs show; the one the reply recommends is highlighted.
    await expect(page.locator('.jp-DataEngineer-handoff')).toHaveCount(4);
    const handoff = page.locator('.jp-DataEngineer-handoff.jp-mod-recommended');
    await expect(handoff).toHaveCount(1);
    await expect(handoff).toContainText('Define metrics and KPIs');
    await handoff.click();
    await expect(page.locator('.jp-DataEngineer-personaPicker')).toHaveValue(
      'business-analyst'
    );
    await expect(page.locator('.jp-DataEngineer-input')).toHaveValue(
      /^Define the business metrics and KPIs/
    );

    await sendMessage(page, 'Define the KPIs');
    await expect(
      page.locator('.jp-DataEngineer-assistant').last()
    ).toHaveAttribute('data-status', 'done');
    const [, second] = await messageRequests(request);
    expect(systemText(second)).toContain('senior business analyst');
    expect(second.body.messages.map((m: any) => m.role)).toEqual([
      'user',
      'assistant',
      'user'
    ]);
    expect(second.body.messages[0].content[0].text).toBe(
      'Build the revenue tables'
    );
  });
});
