import { expect, test } from '@jupyterlab/galata';
import {
  openChat,
  resetMock,
  scriptMock,
  sendMessage,
  toolCalls,
  toolResult,
  waitForMessageRequests
} from './helpers';

/**
 * The public API (src/tokens.ts) as another extension uses it: the example
 * plugin (src/examples/exampleToolPlugin.ts, not started by default) adds a
 * tool family through IToolRegistry; the chat offers the tool, runs it and
 * draws its result with the family's own view. (`IDataEngineerChat` is what the
 * query and ETL commands send through: query.spec.ts and etl.spec.ts drive it.)
 */
test.describe('Public API', () => {
  test.beforeEach(async ({ request }) => {
    await resetMock(request);
  });

  test('a tool added by another plugin is offered, runs and draws its own result view', async ({
    page,
    request
  }) => {
    // Started after JupyterLab and before the chat loads, as an extension's plugin would be.
    await page.evaluate(async () => {
      await (window as any).jupyterapp.activatePlugin(
        'jupyterlab-data-engineer:example-tool'
      );
    });
    await scriptMock(request, [
      toolCalls({
        id: 'toolu_stats',
        name: 'example_text_stats',
        input: { text: 'one two three\nfour' }
      }),
      { blocks: [{ type: 'text', text: 'Four words.' }] }
    ]);
    await openChat(page);
    await sendMessage(page, 'How many words?');

    const recorded = await waitForMessageRequests(request, 2);
    expect(recorded[0].body.tools.map((t: any) => t.name)).toContain(
      'example_text_stats'
    );
    const result = toolResult(recorded[1], 'toolu_stats');
    expect(result.isError).toBe(false);
    expect(result.text).toContain('2 lines, 4 words, 18 characters');
    const card = page.locator(
      '.jp-DataEngineer-toolCard[data-tool="example_text_stats"]'
    );
    await expect(card).toHaveAttribute('data-state', 'done');
    await expect(card.locator('.jp-DataEngineer-exampleTextStats')).toHaveText(
      '4 words in 2 lines'
    );
    await expect(
      page.locator('.jp-DataEngineer-assistant').last()
    ).toContainText('Four words.');

    // After a reload the chat comes back with its card: drawing it loads the tools (they load
    // on first need, not with the chat), and the card re-renders once the family adds its view.
    await page.reload();
    await page.evaluate(async () => {
      await (window as any).jupyterapp.activatePlugin(
        'jupyterlab-data-engineer:example-tool'
      );
    });
    await openChat(page);
    await expect(card).toHaveAttribute('data-state', 'done');
    await expect(card.locator('.jp-DataEngineer-exampleTextStats')).toHaveText(
      '4 words in 2 lines'
    );
  });
});
