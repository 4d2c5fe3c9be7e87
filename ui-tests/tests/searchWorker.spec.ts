import { expect, test } from '@jupyterlab/galata';
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

/**
 * search_files with a user regex in the real browser: the matching runs in a
 * Blob-URL Web Worker (as the production bundle builds it), a catastrophic
 * pattern is stopped after the time limit, and the page keeps running
 * meanwhile.
 */
const CATASTROPHIC = String.raw`^(\w+\s?)*$`;
const LONG_LINE = `${'word '.repeat(500)}!`;

test.describe('Regex search in a worker', () => {
  test.beforeEach(async ({ request }) => {
    await resetMock(request);
    await holdRequests(request);
  });

  test('a catastrophic regex is stopped after the limit while the page stays responsive', async ({
    page,
    request,
    tmpPath
  }) => {
    const long = `${tmpPath}/long.txt`;
    const short = `${tmpPath}/short.txt`;
    await page.contents.uploadContent(`${LONG_LINE}\n`, 'text', long);
    await page.contents.uploadContent(
      'word word\ndef load():\n',
      'text',
      short
    );
    await scriptMock(request, [
      toolCalls({
        id: 'toolu_ok',
        name: 'search_files',
        input: { pattern: '^def \\w+\\(', regex: true, path: tmpPath }
      })
    ]);
    await openChat(page);
    // Count the workers the page creates (the tools make theirs when a search starts),
    // and keep a heartbeat of the page's main thread.
    await page.evaluate(() => {
      const w = window as any;
      w.__workers = [];
      const Original = w.Worker;
      w.Worker = class extends Original {
        constructor(url: string | URL, options?: WorkerOptions) {
          super(url, options);
          w.__workers.push(String(url));
        }
      };
      w.__beats = [];
      setInterval(() => w.__beats.push(performance.now()), 50);
    });
    await sendMessage(page, 'Find the functions');
    let recorded = await waitForMessageRequests(request, 2);
    const found = toolResult(recorded[1], 'toolu_ok');
    expect(found.isError).toBe(false);
    expect(found.text).toContain(`${short}:2:def load():`);
    // It ran in a Blob-URL worker, not on the page.
    const workers: string[] = await page.evaluate(
      () => (window as any).__workers
    );
    expect(workers.some(url => url.startsWith('blob:'))).toBe(true);

    const startedAt: number = await page.evaluate(() => performance.now());
    await scriptMock(request, [
      toolCalls({
        id: 'toolu_bad',
        name: 'search_files',
        input: { pattern: CATASTROPHIC, regex: true, path: long }
      })
    ]);
    recorded = await waitForMessageRequests(request, 3);
    const stopped = toolResult(recorded[2], 'toolu_bad');
    expect(stopped.isError).toBe(true);
    expect(stopped.text).toContain(
      `The regular expression /${CATASTROPHIC}/ took more than 2 s on ${long} and was stopped`
    );
    await scriptMock(request, [
      {
        blocks: [
          {
            type: 'text',
            text: 'That pattern backtracks; I will use a simpler one.'
          }
        ]
      }
    ]);
    await expect(
      page.locator('.jp-DataEngineer-assistant').last()
    ).toContainText('simpler one', { timeout: 30000 });

    // The main thread kept beating every ~50 ms through the 2 s the regex ran:
    // no gap anywhere near the time limit.
    const beats: number[] = await page.evaluate(
      t0 => (window as any).__beats.filter((t: number) => t >= t0),
      startedAt
    );
    expect(beats.length).toBeGreaterThan(20);
    const longestGap = Math.max(...beats.slice(1).map((t, i) => t - beats[i]));
    expect(longestGap).toBeLessThan(1000);

    // And the page still answers input.
    const input = page.locator('.jp-DataEngineer-input');
    await input.fill('still here');
    await expect(input).toHaveValue('still here');
  });
});
