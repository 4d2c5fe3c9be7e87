import {
  expect,
  IJupyterLabPageFixture,
  test as base
} from '@jupyterlab/galata';
import type { APIRequestContext, Page } from '@playwright/test';
import * as net from 'net';
import {
  holdRequests,
  messageRequests,
  MOCK,
  openChat,
  resetMock,
  scriptMock,
  sendMessage,
  toolCalls,
  toolResult,
  waitForMessageRequests
} from './helpers';
import { expectValidRequest } from './requestShape';

/**
 * The fault matrix: each way a request or a tool run can fail, one test.
 * Every row checks what the user reads, that partial text stays, which
 * actions are offered, that the chat stays usable, and that the NEXT request
 * the mock records is a valid conversation (no dangling tool_use, no empty
 * assistant message).
 */

/** Galata's kernel tracking parses every /api/kernels answer as JSON (see agent.spec.ts). */
const test = base.extend({
  kernels: async ({}, use) => {
    await use(null as any);
  },
  sessions: async ({}, use) => {
    await use(null as any);
  }
});

const RECOVERED = 'Recovered after the fault.';
const lastReply = (page: Page) =>
  page.locator('.jp-DataEngineer-assistant').last();
const errorBox = (page: Page) => page.locator('.jp-DataEngineer-error');

/**
 * A TCP relay to 127.0.0.1:`target` on a free port. `cut()` resets every
 * connection through it (both sides), and says how many there were; new
 * connections go through as before.
 */
async function tcpRelay(
  target: number
): Promise<{ port: number; cut: () => number; close: () => Promise<void> }> {
  const pairs = new Set<[net.Socket, net.Socket]>();
  const server = net.createServer(client => {
    const upstream = net.connect(target, '127.0.0.1');
    const pair: [net.Socket, net.Socket] = [client, upstream];
    pairs.add(pair);
    client.pipe(upstream);
    upstream.pipe(client);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of pair) {
      socket.on('error', end);
      socket.on('close', end);
    }
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    cut: () => {
      const count = pairs.size;
      for (const pair of [...pairs]) {
        pairs.delete(pair);
        pair.forEach(socket => socket.resetAndDestroy());
      }
      return count;
    },
    close: () =>
      new Promise<void>(resolve => {
        for (const pair of pairs) {
          pair.forEach(socket => socket.destroy());
        }
        server.close(() => resolve());
      })
  };
}

/** An HTTP error as the API sends it; `times` copies (the SDK retries 429/5xx twice itself). */
function httpError(
  status: number,
  message: string,
  times = 1,
  headers: Record<string, string> = {},
  errorType?: string
) {
  return Array.from({ length: times }, () => ({
    type: 'http_error',
    status,
    message,
    ...(errorType ? { error_type: errorType } : {}),
    // The SDK's own retries wait retry-after-ms; keep them short here.
    headers: { 'retry-after-ms': '20', ...headers }
  }));
}

/** The action buttons of the error box, by class. */
async function offeredActions(page: Page): Promise<string[]> {
  return errorBox(page)
    .locator('.jp-DataEngineer-errorActions button')
    .evaluateAll(buttons =>
      buttons.map(b =>
        b.className.split(' ')[0].replace('jp-DataEngineer-', '')
      )
    );
}

/** The composer takes a new message and nothing runs. */
async function expectUsable(page: Page): Promise<void> {
  await expect(page.locator('.jp-DataEngineer-input')).toBeEnabled();
  await expect(page.locator('.jp-DataEngineer-send')).toBeVisible();
  await expect(page.locator('.jp-DataEngineer-stop')).toHaveCount(0);
}

/**
 * Recover: script a good reply, do `how` (click Retry, or send a new
 * message), wait for the reply; the request that produced it must be valid.
 */
async function recover(
  page: Page,
  request: APIRequestContext,
  how: 'retry' | 'send'
): Promise<any> {
  await scriptMock(request, [{ blocks: [{ type: 'text', text: RECOVERED }] }]);
  const before = (await messageRequests(request)).length;
  if (how === 'retry') {
    await errorBox(page).locator('.jp-DataEngineer-retry').click();
  } else {
    await sendMessage(page, 'Let us try that again');
  }
  await expect(lastReply(page)).toHaveAttribute('data-status', 'done', {
    timeout: 30000
  });
  await expect(lastReply(page)).toContainText(RECOVERED);
  const recorded = await waitForMessageRequests(request, before + 1);
  const next = recorded[recorded.length - 1];
  expectValidRequest(next.body);
  await expectUsable(page);
  return next.body;
}

/** Send a message and wait for the error box of `kind`. */
async function failWith(
  page: Page,
  kind: string,
  text = 'Count the orders per day'
): Promise<void> {
  await openChat(page);
  await sendMessage(page, text);
  await expect(errorBox(page)).toHaveAttribute('data-kind', kind, {
    timeout: 30000
  });
  await expect(lastReply(page)).toHaveAttribute('data-status', 'error');
  await expectUsable(page);
}

test.describe('Fault matrix', () => {
  test.beforeEach(async ({ request }) => {
    await resetMock(request);
  });

  test('401: the key is refused; the user is told to check the server key', async ({
    page,
    request
  }) => {
    await scriptMock(request, httpError(401, 'invalid x-api-key'));
    await failWith(page, 'auth');
    await expect(errorBox(page)).toContainText('API key was refused');
    await expect(errorBox(page)).toContainText('ANTHROPIC_API_KEY');
    await expect(errorBox(page)).toContainText('invalid x-api-key');
    expect(await offeredActions(page)).toEqual(['retry']);
    // Not retried by the SDK: one request only.
    expect(await messageRequests(request)).toHaveLength(1);
    await recover(page, request, 'retry');
  });

  test('403: the key lacks permission; settings are offered', async ({
    page,
    request
  }) => {
    await scriptMock(
      request,
      httpError(
        403,
        'Your API key does not have permission to use the specified resource.'
      )
    );
    await failWith(page, 'permission');
    await expect(errorBox(page)).toContainText('lacks permission');
    expect(await offeredActions(page)).toEqual(['openSettings', 'retry']);
    await errorBox(page).locator('.jp-DataEngineer-openSettings').click();
    await expect(
      page.locator('.jp-SettingsEditor, .jp-SettingsPanel').first()
    ).toBeVisible();
    await openChat(page);
    await recover(page, request, 'retry');
  });

  test('404 unknown model: the model name is named as the cause; settings are offered', async ({
    page,
    request
  }) => {
    await scriptMock(request, httpError(404, 'model: claude-nonexistent-9'));
    await failWith(page, 'not_found');
    await expect(errorBox(page)).toContainText('does not know this model');
    await expect(errorBox(page)).toContainText('model: claude-nonexistent-9');
    expect(await offeredActions(page)).toEqual(['openSettings', 'retry']);
    await recover(page, request, 'send');
  });

  test('400 prompt too long: Compact and retry summarises and sends again', async ({
    page,
    request
  }) => {
    await scriptMock(request, [
      {
        blocks: [
          { type: 'text', text: 'Orders land in raw.orders every hour.' }
        ]
      }
    ]);
    await openChat(page);
    await sendMessage(page, 'Where do orders land?');
    await expect(lastReply(page)).toContainText('raw.orders');
    await scriptMock(
      request,
      httpError(400, 'prompt is too long: 215000 tokens > 200000 maximum')
    );
    await sendMessage(page, 'Now write the dedup query');
    await expect(errorBox(page)).toHaveAttribute(
      'data-kind',
      'context_too_long'
    );
    await expect(errorBox(page)).toContainText(
      "no longer fits in the model's context window"
    );
    expect(await offeredActions(page)).toEqual([
      'compactRetry',
      'errorNewChat'
    ]);
    await scriptMock(request, [
      {
        blocks: [
          { type: 'text', text: 'Recap: orders arrive hourly in raw.orders.' }
        ]
      },
      { blocks: [{ type: 'text', text: RECOVERED }] }
    ]);
    await errorBox(page).locator('.jp-DataEngineer-compactRetry').click();
    await expect(lastReply(page)).toContainText(RECOVERED, { timeout: 30000 });
    await expect(page.locator('.jp-DataEngineer-recap')).toHaveAttribute(
      'data-status',
      'done'
    );
    const recorded = await messageRequests(request);
    const retried = recorded[recorded.length - 1].body;
    expectValidRequest(retried);
    expect(JSON.stringify(retried.messages)).toContain('<conversation-recap>');
    await expectUsable(page);
  });

  test('413 request too large: Compact and retry or a new chat are offered', async ({
    page,
    request
  }) => {
    await scriptMock(
      request,
      httpError(
        413,
        'Request exceeds the maximum allowed number of bytes.',
        1,
        {},
        'request_too_large'
      )
    );
    await failWith(page, 'too_long');
    await expect(errorBox(page)).toContainText(
      'too large for the model endpoint'
    );
    expect(await offeredActions(page)).toEqual([
      'compactRetry',
      'errorNewChat'
    ]);
    await errorBox(page).locator('.jp-DataEngineer-errorNewChat').click();
    await expect(page.locator('.jp-DataEngineer-turn')).toHaveCount(0);
    await scriptMock(request, [
      { blocks: [{ type: 'text', text: RECOVERED }] }
    ]);
    await sendMessage(page, 'A fresh start');
    await expect(lastReply(page)).toContainText(RECOVERED);
    const recorded = await messageRequests(request);
    const next = recorded[recorded.length - 1].body;
    expectValidRequest(next);
    expect(next.messages).toHaveLength(1);
  });

  test('429 with retry-after: the wait is shown and counts down; Retry works', async ({
    page,
    request
  }) => {
    await scriptMock(request, [
      ...httpError(429, 'Number of requests has exceeded your rate limit', 2, {
        'retry-after': '0'
      }),
      ...httpError(429, 'Number of requests has exceeded your rate limit', 1, {
        'retry-after': '4',
        'retry-after-ms': '4000'
      })
    ]);
    await failWith(page, 'rate_limit');
    await expect(errorBox(page)).toContainText('You can retry in 4 s');
    const retry = errorBox(page).locator('.jp-DataEngineer-retry');
    await expect(retry).toHaveText(/Retry \(in [1-4] s\)/);
    await expect(retry).toHaveText('Retry', { timeout: 8000 });
    // The SDK retried twice by itself before reporting.
    expect(await messageRequests(request)).toHaveLength(3);
    await recover(page, request, 'retry');
  });

  test('500: an internal error of the endpoint, Retry', async ({
    page,
    request
  }) => {
    await scriptMock(request, httpError(500, 'Internal server error', 3));
    await failWith(page, 'server');
    await expect(errorBox(page)).toContainText('internal error (500)');
    expect(await offeredActions(page)).toEqual(['retry']);
    await recover(page, request, 'retry');
  });

  test('529: overloaded, Retry', async ({ page, request }) => {
    await scriptMock(request, httpError(529, 'Overloaded', 3));
    await failWith(page, 'overloaded');
    await expect(errorBox(page)).toContainText('overloaded');
    expect(await offeredActions(page)).toEqual(['retry']);
    await recover(page, request, 'send');
  });

  test('event: error mid-stream keeps the partial text; the next request is valid', async ({
    page,
    request
  }) => {
    const text =
      'Partial answer about the orders table, then more words that never arrive.';
    await scriptMock(request, [
      {
        blocks: [{ type: 'text', text }],
        error_after_chars: 30,
        error_type: 'overloaded_error'
      }
    ]);
    await failWith(page, 'overloaded');
    await expect(errorBox(page)).toContainText('stopped mid-reply');
    await expect(
      lastReply(page).locator('.jp-DataEngineer-markdown')
    ).toContainText(text.slice(0, 25));
    expect(await offeredActions(page)).toEqual(['retry']);
    const next = await recover(page, request, 'send');
    // The broken reply is not sent as if it were complete.
    expect(JSON.stringify(next.messages)).not.toContain('Partial answer');
  });

  test('connection dropped mid-text keeps the partial text; Retry', async ({
    page,
    request
  }) => {
    const text =
      'Row counts per day: the first words arrive and then the line goes dead.';
    // The upstream closes the connection 32 characters in, inside the next event.
    await scriptMock(request, [
      {
        blocks: [{ type: 'text', text }],
        drop_after_chars: 32,
        drop_inside_event_bytes: 40
      }
    ]);
    await failWith(page, 'network');
    await expect(errorBox(page)).toContainText('connection was lost');
    await expect(errorBox(page)).not.toContainText(/overloaded/i);
    await expect(errorBox(page)).toContainText(
      'between the Jupyter server and the Anthropic API'
    );
    // All 32 characters that arrived are shown, none of the cut event.
    await expect(
      lastReply(page).locator('.jp-DataEngineer-markdown')
    ).toHaveText(text.slice(0, 32).trim());
    expect(await offeredActions(page)).toEqual(['retry']);
    const next = await recover(page, request, 'retry');
    expect(next.messages).toHaveLength(1);
    expect(JSON.stringify(next.messages)).not.toContain('the first words');
  });

  test('the page loses its connection to the Jupyter server mid-stream: partial text stays, Retry', async ({
    page,
    request
  }) => {
    // The page talks to Jupyter through a TCP relay this test can cut (a reset,
    // as a dropped network or a restarted reverse proxy would); the proxy's
    // connection to the model endpoint is left alone.
    const relay = await tcpRelay(Number(new URL(page.url()).port));
    try {
      await page.goto(`http://127.0.0.1:${relay.port}/lab`);
      await scriptMock(request, [
        {
          blocks: [{ type: 'text', text: 'streaming words '.repeat(100) }],
          chunk_size: 8,
          delay_ms: 40
        }
      ]);
      await openChat(page);
      await sendMessage(page, 'Explain partitioning');
      await expect(lastReply(page)).toHaveAttribute('data-status', 'streaming');
      await expect
        .poll(async () => (await lastReply(page).innerText()).length)
        .toBeGreaterThan(40);
      expect(relay.cut()).toBeGreaterThan(0);
      await expect(errorBox(page)).toHaveAttribute('data-kind', 'network', {
        timeout: 15000
      });
      await expect(errorBox(page)).toContainText('connection was lost');
      await expect(errorBox(page)).toContainText(
        'between this page and the Jupyter server'
      );
      await expect(
        lastReply(page).locator('.jp-DataEngineer-markdown')
      ).toContainText('streaming words');
      expect(await offeredActions(page)).toEqual(['retry']);
      // The server saw the page go and gave up the upstream request too.
      await expect
        .poll(
          async () => (await messageRequests(request))[0].client_disconnected,
          { timeout: 5000 }
        )
        .toBe(true);
      await expectUsable(page);
      await recover(page, request, 'retry');
    } finally {
      await relay.close();
    }
  });

  test('connection dropped mid tool-input JSON: no half call runs or is sent', async ({
    page,
    request
  }) => {
    const intro = 'Let me read the file first.';
    await scriptMock(request, [
      {
        blocks: [
          { type: 'text', text: intro },
          {
            type: 'tool_use',
            id: 'toolu_half',
            name: 'read_file',
            input: { path: 'orders/2026-12-01.csv' }
          }
        ],
        stop_reason: 'tool_use',
        drop_after_chars: intro.length + 12,
        drop_inside_event_bytes: 60
      }
    ]);
    await failWith(page, 'network');
    await expect(errorBox(page)).toContainText('connection was lost');
    await expect(lastReply(page)).toContainText(intro);
    expect(await offeredActions(page)).toEqual(['retry']);
    await expect(page.locator('.jp-DataEngineer-toolCard')).toHaveCount(0);
    const next = await recover(page, request, 'send');
    expect(JSON.stringify(next.messages)).not.toContain('toolu_half');
  });

  test('no first byte: the reply says it is waiting, and Stop cancels at once', async ({
    page,
    request
  }) => {
    // The mock would answer after 60 s; the proxy waits (its limit is 600 s).
    await scriptMock(request, [
      {
        blocks: [{ type: 'text', text: 'Too late.' }],
        first_byte_delay_ms: 60000
      }
    ]);
    await openChat(page);
    await sendMessage(page, 'Are you there?');
    const waiting = lastReply(page).locator('.jp-DataEngineer-waiting');
    await expect(waiting).toHaveText('Thinking…');
    await expect(waiting).toHaveAttribute('data-waited', 'long', {
      timeout: 15000
    });
    await expect(waiting).toContainText(
      'Waiting for the model endpoint to answer'
    );
    await expect(waiting).toContainText('Stop cancels');
    await page.locator('.jp-DataEngineer-stop').click();
    await expect(lastReply(page)).toHaveAttribute('data-status', 'stopped', {
      timeout: 2000
    });
    await expectUsable(page);
    // The proxy gave up the upstream request too.
    await expect
      .poll(
        async () => (await messageRequests(request))[0].client_disconnected,
        { timeout: 5000 }
      )
      .toBe(true);
    const next = await recover(page, request, 'send');
    expect(next.messages).toHaveLength(1); // both user messages, no empty assistant message between
  });

  test('server restarted mid-stream: partial text stays, Retry works', async ({
    page,
    request
  }) => {
    await scriptMock(request, [
      {
        blocks: [{ type: 'text', text: 'streaming words '.repeat(100) }],
        chunk_size: 8,
        delay_ms: 40
      }
    ]);
    await openChat(page);
    await sendMessage(page, 'Explain partitioning');
    await expect(lastReply(page)).toHaveAttribute('data-status', 'streaming');
    await expect
      .poll(async () => (await lastReply(page).innerText()).length)
      .toBeGreaterThan(40);
    const severed = await request.post(`${MOCK}/_mock/sever`, { data: {} });
    expect((await severed.json()).severed).toBe(1);
    await expect(errorBox(page)).toHaveAttribute('data-kind', 'network', {
      timeout: 15000
    });
    await expect(
      lastReply(page).locator('.jp-DataEngineer-markdown')
    ).toContainText('streaming words');
    await expectUsable(page);
    await recover(page, request, 'retry');
  });
});

test.describe('Fault matrix: tool runs', () => {
  test.beforeEach(async ({ request }) => {
    await resetMock(request);
    await holdRequests(request);
  });

  /** A new notebook with one code cell; its cell id. */
  async function notebookWith(
    page: IJupyterLabPageFixture,
    name: string,
    code: string
  ): Promise<string> {
    await page.notebook.createNew(name);
    await page.notebook.setCell(0, 'code', code);
    await page.notebook.save();
    return page.evaluate(
      () =>
        (window as any).jupyterapp.shell.currentWidget.content.model.cells.get(
          0
        ).id
    );
  }

  test('the kernel dies during run_cell: the tool says so, the loop goes on', async ({
    page,
    request,
    tmpPath
  }) => {
    const cell = await notebookWith(
      page,
      'dies.ipynb',
      'print("before the crash", flush=True)\nimport os\nos._exit(1)'
    );
    await scriptMock(request, [
      toolCalls({
        id: 'toolu_run',
        name: 'run_cell',
        input: { notebook_path: `${tmpPath}/dies.ipynb`, cell_id: cell }
      })
    ]);
    await openChat(page);
    await sendMessage(page, 'Run the first cell');
    const card = page.locator(
      '.jp-DataEngineer-toolCard[data-tool="run_cell"]'
    );
    await expect(card).toHaveAttribute('data-state', 'waiting_approval', {
      timeout: 30000
    });
    await card.locator('.jp-DataEngineer-allowOnce').click();
    await expect(card).toHaveAttribute('data-state', 'failed', {
      timeout: 30000
    });
    const recorded = await waitForMessageRequests(request, 2);
    const result = toolResult(recorded[1], 'toolu_run');
    expect(result.isError).toBe(true);
    expect(result.text).toContain('died while running cell');
    expect(result.text).toContain('every variable is gone');
    expectValidRequest(recorded[1].body);
    await scriptMock(request, [
      {
        blocks: [
          { type: 'text', text: 'The kernel crashed; I will find out why.' }
        ]
      }
    ]);
    await expect(lastReply(page)).toContainText('kernel crashed');
    await expectUsable(page);
  });

  test('the notebook is closed during run_cell: the tool stops and says so', async ({
    page,
    request,
    tmpPath
  }) => {
    const cell = await notebookWith(
      page,
      'closed.ipynb',
      'import time\ntime.sleep(20)\nprint("finished")'
    );
    await scriptMock(request, [
      toolCalls({
        id: 'toolu_run',
        name: 'run_cell',
        input: { notebook_path: `${tmpPath}/closed.ipynb`, cell_id: cell }
      })
    ]);
    await openChat(page);
    await sendMessage(page, 'Run the slow cell');
    const card = page.locator(
      '.jp-DataEngineer-toolCard[data-tool="run_cell"]'
    );
    await expect(card).toHaveAttribute('data-state', 'waiting_approval', {
      timeout: 30000
    });
    await card.locator('.jp-DataEngineer-allowOnce').click();
    await expect(card).toHaveAttribute('data-state', 'running');
    const started = Date.now();
    // Close its tab as the user would (the run made it dirty: discard).
    await page.evaluate(() => {
      void (window as any).jupyterapp.commands.execute('application:close');
    });
    const discard = page
      .locator('.jp-Dialog')
      .getByRole('button', { name: /Discard|Don't Save/ });
    if (
      await discard.waitFor({ state: 'visible', timeout: 3000 }).then(
        () => true,
        () => false
      )
    ) {
      await discard.click();
    }
    await expect(page.locator('.jp-NotebookPanel')).toHaveCount(0);
    await expect(card).toHaveAttribute('data-state', 'failed', {
      timeout: 10000
    });
    expect(Date.now() - started).toBeLessThan(15000);
    const recorded = await waitForMessageRequests(request, 2);
    const result = toolResult(recorded[1], 'toolu_run');
    expect(result.isError).toBe(true);
    expect(result.text).toContain('closed.ipynb was closed');
    expectValidRequest(recorded[1].body);
    await scriptMock(request, [
      {
        blocks: [
          { type: 'text', text: 'The notebook was closed, so I stopped.' }
        ]
      }
    ]);
    await expect(lastReply(page)).toContainText('I stopped');
    await expectUsable(page);
  });
});
