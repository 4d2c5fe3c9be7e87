import { APIRequestContext, expect, Page } from '@playwright/test';

/** Where playwright.config.js starts the mock Messages API. */
export const MOCK = 'http://127.0.0.1:8765';

/** Clear the mock's queue, records and config. */
export async function resetMock(request: APIRequestContext): Promise<void> {
  const response = await request.post(`${MOCK}/_mock/reset`, { data: {} });
  expect(response.ok()).toBeTruthy();
}

/** Queue scripted responses (see mock/SPEC.md). */
export async function scriptMock(
  request: APIRequestContext,
  responses: unknown[]
): Promise<void> {
  const response = await request.post(`${MOCK}/_mock/script`, {
    data: { responses }
  });
  expect(response.ok()).toBeTruthy();
}

/** Every API request the mock received. */
export async function mockRequests(request: APIRequestContext): Promise<any[]> {
  const response = await request.get(`${MOCK}/_mock/requests`);
  expect(response.ok()).toBeTruthy();
  return (await response.json()).requests;
}

/** The Messages API requests the mock received (model listings left out). */
export async function messageRequests(
  request: APIRequestContext
): Promise<any[]> {
  return (await mockRequests(request)).filter(r => r.path === '/v1/messages');
}

/** Open the chat through its command and wait until the composer is there. */
export async function openChat(page: Page): Promise<void> {
  await page.evaluate(async () => {
    await (window as any).jupyterapp.commands.execute('data-engineer:open');
  });
  await expect(page.locator('.jp-DataEngineer-input')).toBeVisible();
}

/** Type a message in the composer and send it with Enter. */
export async function sendMessage(page: Page, text: string): Promise<void> {
  const input = page.locator('.jp-DataEngineer-input');
  await input.fill(text);
  await input.press('Enter');
}

/** Make requests that find the queue empty wait for the next script (step-by-step tests). */
export async function holdRequests(
  request: APIRequestContext,
  ms = 30000
): Promise<void> {
  const response = await request.post(`${MOCK}/_mock/config`, {
    data: { wait_for_script_ms: ms }
  });
  expect(response.ok()).toBeTruthy();
}

/** Wait until the mock has received `count` Messages API requests; return them. */
export async function waitForMessageRequests(
  request: APIRequestContext,
  count: number,
  timeout = 60000
): Promise<any[]> {
  let found: any[] = [];
  await expect
    .poll(async () => (found = await messageRequests(request)).length, {
      timeout
    })
    .toBeGreaterThanOrEqual(count);
  return found;
}

/** The text of the tool_result for a tool_use id in a recorded request. */
export function toolResult(
  recorded: any,
  toolUseId: string
): { text: string; isError: boolean } {
  for (const message of recorded.body.messages) {
    if (message.role !== 'user' || typeof message.content === 'string') {
      continue;
    }
    for (const block of message.content) {
      if (block.type === 'tool_result' && block.tool_use_id === toolUseId) {
        const text =
          typeof block.content === 'string'
            ? block.content
            : block.content.map((b: any) => b.text ?? '').join('\n');
        return { text, isError: Boolean(block.is_error) };
      }
    }
  }
  throw new Error(`no tool_result for ${toolUseId}`);
}

/** A scripted reply made of tool calls. */
export function toolCalls(
  ...calls: { id: string; name: string; input: unknown }[]
): unknown {
  return {
    blocks: calls.map(call => ({ type: 'tool_use', ...call })),
    stop_reason: 'tool_use'
  };
}

/** Set the right sidebar's width in px (JupyterLab's main split panel). */
export async function setSidebarWidth(
  page: Page,
  width: number
): Promise<void> {
  await page.evaluate(w => {
    const split = (window as any).jupyterapp.shell._hsplitPanel;
    const total = split.node.getBoundingClientRect().width;
    const sizes = split.relativeSizes();
    split.setRelativeSizes([sizes[0], 1 - sizes[0] - w / total, w / total]);
  }, width);
  await expect
    .poll(async () =>
      Math.round((await page.locator('#jp-right-stack').boundingBox())!.width)
    )
    .toBeLessThanOrEqual(width + 2);
}

/** The JSON inside a tool result whose text frames what it read as data (`<untrusted-data …>`). */
export function framedJson(text: string): any {
  const match = /<untrusted-data[^>]*>\n([\s\S]*)\n<\/untrusted-data>/.exec(
    text
  );
  return JSON.parse(match ? match[1] : text);
}
