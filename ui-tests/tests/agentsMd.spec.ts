import { expect, test } from '@jupyterlab/galata';
import {
  messageRequests,
  openChat,
  resetMock,
  scriptMock,
  sendMessage
} from './helpers';

/**
 * AGENTS.md as always-on instructions (issue 31, item 4): the root's and the
 * nested ones of the active notebook's folder chain reach the model, nearest
 * first, are shown in the instructions line, and an edit reaches the next
 * request.
 */

/** The system prompt of a recorded request, as one string. */
function systemText(request: any): string {
  const system = request.body.system;
  return typeof system === 'string'
    ? system
    : system.map((block: any) => block.text).join('\n');
}

function notebookJson(): string {
  return JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      kernelspec: {
        name: 'python3',
        display_name: 'Python 3',
        language: 'python'
      },
      language_info: { name: 'python' }
    },
    cells: [
      {
        id: 'c1',
        cell_type: 'code',
        execution_count: null,
        metadata: {},
        outputs: [],
        source: 'x = 1'
      }
    ]
  });
}

test.describe('AGENTS.md', () => {
  test.beforeEach(async ({ request }) => {
    await resetMock(request);
  });

  test.afterEach(async ({ page }) => {
    if (await page.contents.fileExists('AGENTS.md')) {
      await page.contents.deleteFile('AGENTS.md');
    }
  });

  test('the root and nested AGENTS.md reach the model, and an edit reaches the next request', async ({
    page,
    request,
    tmpPath
  }) => {
    await page.contents.uploadContent(
      'Root rule: partitions are daily (ROOT-AGENTS-5512).\n',
      'text',
      'AGENTS.md'
    );
    await page.contents.uploadContent(
      'Nested rule: this folder loads to DuckDB (NESTED-AGENTS-8823).\n',
      'text',
      `${tmpPath}/AGENTS.md`
    );
    const notebook = `${tmpPath}/load.ipynb`;
    await page.contents.uploadContent(notebookJson(), 'text', notebook);
    await page.notebook.openByPath(notebook);
    await page.notebook.activate('load.ipynb');
    await scriptMock(request, [
      { blocks: [{ type: 'text', text: 'First.' }] },
      { blocks: [{ type: 'text', text: 'Second.' }] }
    ]);
    await openChat(page);

    await sendMessage(page, 'Where do we load?');
    await expect(
      page.locator('.jp-DataEngineer-assistant').last()
    ).toHaveAttribute('data-status', 'done');
    // Shown in the instructions line, nearest first.
    await expect(page.locator('.jp-DataEngineer-instructionsFile')).toHaveText([
      `${tmpPath}/AGENTS.md`,
      'AGENTS.md'
    ]);

    // last_modified has one-second resolution on some file systems.
    await page.waitForTimeout(1100);
    await page.contents.uploadContent(
      'Root rule: partitions are hourly now (ROOT-AGENTS-7741).\n',
      'text',
      'AGENTS.md'
    );
    await sendMessage(page, 'And now?');
    await expect(
      page.locator('.jp-DataEngineer-assistant').nth(1)
    ).toHaveAttribute('data-status', 'done');

    const [first, second] = await messageRequests(request);
    const firstSystem = systemText(first);
    expect(firstSystem).toContain('ROOT-AGENTS-5512');
    expect(firstSystem).toContain(
      `# Project instructions from \`${tmpPath}/AGENTS.md\` (applies to files under \`${tmpPath}/\`)`
    );
    expect(firstSystem.indexOf('NESTED-AGENTS-8823')).toBeLessThan(
      firstSystem.indexOf('ROOT-AGENTS-5512')
    );
    const secondSystem = systemText(second);
    expect(secondSystem).toContain('ROOT-AGENTS-7741');
    expect(secondSystem).not.toContain('ROOT-AGENTS-5512');
    expect(secondSystem).toContain('NESTED-AGENTS-8823');
  });
});

test.describe('Always-on instructions at scale', () => {
  const BUDGET_TOKENS = 32000; // the instructionsBudgetTokens default

  test.beforeEach(async ({ request }) => {
    await resetMock(request);
  });

  test.afterEach(async ({ page }) => {
    for (const dir of ['.github/agents', '.github/instructions']) {
      if (await page.contents.directoryExists(dir)) {
        await page.contents.deleteDirectory(dir);
      }
    }
    if (await page.contents.fileExists('copilot.instructions.md')) {
      await page.contents.deleteFile('copilot.instructions.md');
    }
  });

  test('200 agent files and 40 always-on instruction files: the first request stays within the budget and the panel says what was left out', async ({
    page,
    request
  }) => {
    test.setTimeout(180000);
    await page.contents.uploadContent(
      'Project rules PROJECT-MARKER-3391.\n',
      'text',
      'copilot.instructions.md'
    );
    // One at a time: galata creates the folders on each upload (in parallel they race).
    for (let i = 0; i < 200; i++) {
      await page.contents.uploadContent(
        `---\nname: Helper ${i}\ndescription: Does task ${i}.\n---\nYou are helper ${i}.\n`,
        'text',
        `.github/agents/helper-${i}.agent.md`
      );
    }
    // 40 files of 6 KB that apply everywhere: 240 KB, about 60k tokens.
    for (let i = 0; i < 40; i++) {
      const name = `always-${String(i).padStart(2, '0')}`;
      await page.contents.uploadContent(
        `---\napplyTo: '**'\n---\nRule ${i} (ALWAYS-${i}-MARK). ${'r'.repeat(6000)}\n`,
        'text',
        `.github/instructions/${name}.instructions.md`
      );
    }
    await scriptMock(request, [{ blocks: [{ type: 'text', text: 'Hello.' }] }]);
    await openChat(page);
    // Every persona loads.
    await expect(
      page.locator('.jp-DataEngineer-personaPicker option')
    ).toHaveCount(205);
    await sendMessage(page, 'hello');
    await expect(
      page.locator('.jp-DataEngineer-assistant').last()
    ).toHaveAttribute('data-status', 'done');

    const [first] = await messageRequests(request);
    const system = systemText(first);
    const instructionsBlock = first.body.system[1].text as string;
    // Within the budget (4 characters a token), the project file first.
    expect(instructionsBlock.length).toBeLessThanOrEqual(BUDGET_TOKENS * 4);
    expect(system.length).toBeLessThan(BUDGET_TOKENS * 4 + 40000);
    expect(system).toContain('PROJECT-MARKER-3391');
    expect(system).toContain('ALWAYS-0-MARK');
    expect(system).not.toContain('ALWAYS-39-MARK');
    const sent = (system.match(/ALWAYS-\d+-MARK/g) ?? []).length;
    const notSent = 40 - sent;
    console.log(
      `system prompt ${system.length} chars, instructions ${instructionsBlock.length} chars, ${sent} of 40 always-on files sent`
    );
    expect(notSent).toBeGreaterThan(0);

    // The notice, and the details listing both kinds.
    const notice = page.locator('.jp-DataEngineer-instructionsOverBudget');
    await expect(notice).toContainText(
      new RegExp(
        `^${notSent} instruction files \\(\\d+ KB\\) not sent: over the budget`
      )
    );
    await page
      .locator('.jp-DataEngineer-instructionsOverBudgetDetails')
      .click();
    await expect(
      page.locator('.jp-DataEngineer-instructionsOverBudgetList li')
    ).toHaveCount(notSent);
    await expect(
      page.locator('.jp-DataEngineer-instructionsIncluded li')
    ).toHaveCount(1 + sent);
    await expect(
      page.locator('.jp-DataEngineer-instructionsIncluded li').first()
    ).toContainText('copilot.instructions.md');
  });
});
