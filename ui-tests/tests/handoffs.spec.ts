import { expect, test } from '@jupyterlab/galata';
import {
  messageRequests,
  openChat,
  resetMock,
  scriptMock,
  sendMessage,
  toolResult
} from './helpers';

/** The system prompt of a recorded request, as one string. */
function systemText(request: any): string {
  const system = request.body.system;
  return typeof system === 'string'
    ? system
    : system.map((block: any) => block.text).join('\n');
}

/** The text of a recorded request's last user message. */
function lastUserText(request: any): string {
  const last = request.body.messages[request.body.messages.length - 1];
  return typeof last.content === 'string'
    ? last.content
    : last.content
        .filter((b: any) => b.type === 'text')
        .map((b: any) => b.text)
        .join('\n');
}

const LEAD_PATH = '.github/agents/lead.agent.md';
const LEAD = `---
name: Pipeline Lead
description: Builds pipelines and gets them reviewed.
tools: [agent, codebase]
agents: [security-engineer]
handoffs:
  - label: Ask the analyst now
    agent: business-analyst
    prompt: List the KPIs these tables support. SEND-NOW-5521
    send: true
---
You lead the pipeline work. Marker LEAD-BODY-3310.
`;

const PROFILE_PATH = '.github/prompts/profile.prompt.md';
const PROFILE = `---
description: Profile a table
argument-hint: <table>
---
Profile the table \${input:table} with row counts, null rates and distinct counts. PROFILE-PROMPT-8812
`;

test.describe('Personas as in VS Code', () => {
  test.beforeEach(async ({ request }) => {
    await resetMock(request);
  });

  test.afterEach(async ({ page }) => {
    for (const path of [LEAD_PATH, PROFILE_PATH]) {
      if (await page.contents.fileExists(path)) {
        await page.contents.deleteFile(path);
      }
    }
  });

  test('after any reply the data engineer offers its four hand-offs; one switches persona, keeps the chat and pre-fills the prompt', async ({
    page,
    request
  }) => {
    await scriptMock(request, [
      { blocks: [{ type: 'text', text: 'The revenue tables are ready.' }] },
      { blocks: [{ type: 'text', text: 'Here is the review.' }] }
    ]);
    await openChat(page);
    // Not while the reply streams or before it: no buttons yet.
    await expect(page.locator('.jp-DataEngineer-handoff')).toHaveCount(0);
    await sendMessage(page, 'Build the revenue tables');
    await expect(
      page.locator('.jp-DataEngineer-assistant').last()
    ).toHaveAttribute('data-status', 'done');
    const buttons = page.locator('.jp-DataEngineer-handoff');
    await expect(buttons).toHaveText([
      'Define metrics and KPIs',
      'Build a data API',
      'Review security and compliance',
      'Deploy and monitor'
    ]);
    const review = buttons.filter({
      hasText: 'Review security and compliance'
    });
    await expect(review).toHaveAttribute(
      'title',
      /security and compliance gaps/
    );
    await review.click();
    await expect(page.locator('.jp-DataEngineer-personaPicker')).toHaveValue(
      'security-engineer'
    );
    await expect(page.locator('.jp-DataEngineer-input')).toHaveValue(
      /^Review the pipelines and data we just built/
    );
    // The conversation is still there, and nothing was sent yet.
    await expect(page.locator('.jp-DataEngineer-user')).toHaveCount(1);
    expect(await messageRequests(request)).toHaveLength(1);

    await page.locator('.jp-DataEngineer-input').press('Enter');
    await expect(page.locator('.jp-DataEngineer-assistant')).toHaveCount(2);
    await expect(
      page.locator('.jp-DataEngineer-assistant').last()
    ).toHaveAttribute('data-status', 'done');
    const [, second] = await messageRequests(request);
    expect(systemText(second)).toContain('senior security engineer');
    expect(second.body.messages.map((m: any) => m.role)).toEqual([
      'user',
      'assistant',
      'user'
    ]);
    expect(second.body.messages[0].content[0].text).toBe(
      'Build the revenue tables'
    );
    // The security engineer's own hand-offs follow its reply.
    await expect(page.locator('.jp-DataEngineer-handoff').first()).toHaveText(
      'Implement the data controls'
    );
  });

  test('a hand-off with send: true submits its prompt at once', async ({
    page,
    request
  }) => {
    await page.contents.uploadContent(LEAD, 'text', LEAD_PATH);
    await scriptMock(request, [
      { blocks: [{ type: 'text', text: 'Tables built.' }] },
      { blocks: [{ type: 'text', text: 'KPIs listed.' }] }
    ]);
    await openChat(page);
    await page.locator('.jp-DataEngineer-personaPicker').selectOption('lead');
    await sendMessage(page, 'Build the tables');
    await page
      .locator('.jp-DataEngineer-handoff', { hasText: 'Ask the analyst now' })
      .click();
    await expect(page.locator('.jp-DataEngineer-personaPicker')).toHaveValue(
      'business-analyst'
    );
    await expect(page.locator('.jp-DataEngineer-user')).toHaveCount(2);
    await expect(
      page.locator('.jp-DataEngineer-assistant').last()
    ).toHaveAttribute('data-status', 'done');
    const [first, second] = await messageRequests(request);
    expect(systemText(first)).toContain('LEAD-BODY-3310');
    expect(lastUserText(second)).toContain('SEND-NOW-5521');
    expect(systemText(second)).toContain('senior business analyst');
    await expect(page.locator('.jp-DataEngineer-input')).toHaveValue('');
  });

  test('a prompt file runs as a slash command, completed as you type /', async ({
    page,
    request
  }) => {
    await page.contents.uploadContent(PROFILE, 'text', PROFILE_PATH);
    await scriptMock(request, [
      { blocks: [{ type: 'text', text: 'Profiled.' }] }
    ]);
    await openChat(page);
    const input = page.locator('.jp-DataEngineer-input');
    await input.fill('/pro');
    const option = page.locator(
      '.jp-DataEngineer-slashCommands [role="option"]',
      { hasText: '/profile' }
    );
    await expect(option).toContainText('Profile a table');
    await expect(option).toContainText('<table>');
    await input.press('Tab');
    await expect(input).toHaveValue('/profile ');
    await input.pressSequentially('orders');
    await input.press('Enter');
    await expect(
      page.locator('.jp-DataEngineer-assistant').last()
    ).toHaveAttribute('data-status', 'done');
    const [sent] = await messageRequests(request);
    expect(lastUserText(sent)).toContain(
      'Profile the table orders with row counts'
    );
    expect(lastUserText(sent)).toContain('PROFILE-PROMPT-8812');
    expect(lastUserText(sent)).not.toContain('${input');
  });

  test('a subagent runs in one card and only its answer returns to the parent', async ({
    page,
    request
  }) => {
    await page.contents.uploadContent(LEAD, 'text', LEAD_PATH);
    await scriptMock(request, [
      {
        blocks: [
          {
            type: 'tool_use',
            id: 'toolu_sub1',
            name: 'run_subagent',
            input: {
              agent: 'security-engineer',
              task: 'Review the pipeline files for leaked secrets. TASK-6402'
            }
          }
        ],
        stop_reason: 'tool_use'
      },
      {
        blocks: [
          {
            type: 'tool_use',
            id: 'toolu_ls1',
            name: 'list_directory',
            input: { path: '' }
          }
        ],
        stop_reason: 'tool_use'
      },
      {
        blocks: [
          { type: 'text', text: 'No secrets found. SUBAGENT-ANSWER-7781' }
        ]
      },
      { blocks: [{ type: 'text', text: 'The review found nothing to fix.' }] }
    ]);
    await openChat(page);
    await page.locator('.jp-DataEngineer-personaPicker').selectOption('lead');
    await sendMessage(page, 'Get a security review of the pipeline');
    await expect(
      page.locator('.jp-DataEngineer-assistant').last()
    ).toContainText('The review found nothing to fix.');
    await expect(
      page.locator('.jp-DataEngineer-assistant').last()
    ).toHaveAttribute('data-status', 'done');

    const card = page.locator('.jp-DataEngineer-subagentCard');
    await expect(card).toHaveCount(1);
    await expect(card).toHaveAttribute('data-state', 'done');
    await expect(card.locator('.jp-DataEngineer-subagentName')).toHaveText(
      'Subagent: Security Engineer'
    );
    // The subagent's tool call is inside the card, not in the parent chat.
    await expect(
      page.locator('.jp-DataEngineer-assistant > .jp-DataEngineer-toolCard')
    ).toHaveCount(0);
    await card.locator('summary.jp-DataEngineer-subagentHeader').click();
    await expect(
      card.locator('.jp-DataEngineer-toolCard[data-tool="list_directory"]')
    ).toHaveAttribute('data-state', 'done');
    await expect(card.locator('.jp-DataEngineer-subagentAnswer')).toContainText(
      'SUBAGENT-ANSWER-7781'
    );

    const requests = await messageRequests(request);
    expect(requests).toHaveLength(4);
    const [parent, child, childAgain, parentAgain] = requests;
    expect(parent.body.tools.map((t: any) => t.name)).toContain('run_subagent');
    expect(systemText(child)).toContain('senior security engineer');
    expect(systemText(child)).not.toContain('LEAD-BODY-3310');
    expect(child.body.messages).toHaveLength(1);
    expect(lastUserText(child)).toContain('TASK-6402');
    expect(child.body.tools.map((t: any) => t.name)).not.toContain(
      'run_subagent'
    );
    expect(child.body.tools.map((t: any) => t.name)).not.toContain('run_cell');
    expect(toolResult(childAgain, 'toolu_ls1').isError).toBe(false);
    // Only the answer goes back, framed as data (issue 26, item 7).
    const answer = toolResult(parentAgain, 'toolu_sub1');
    expect(answer.isError).toBe(false);
    expect(answer.text).toMatch(
      /<untrusted-data source="run_subagent [^"]+">\nNo secrets found\. SUBAGENT-ANSWER-7781\n<\/untrusted-data>$/
    );
    expect(parentAgain.body.messages.map((m: any) => m.role)).toEqual([
      'user',
      'assistant',
      'user'
    ]);
  });
});
