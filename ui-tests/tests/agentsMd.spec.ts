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
