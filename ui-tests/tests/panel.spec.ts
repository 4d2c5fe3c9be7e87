import { expect, test } from '@jupyterlab/galata';
import { messageRequests, openChat, resetMock, scriptMock, sendMessage, setSidebarWidth, toolCalls } from './helpers';

/**
 * The panel at JupyterLab's default right-sidebar width and wider: one
 * toolbar row with the persona's name, nothing overlapping, JupyterLab's
 * theme colours only; the empty chat's suggested prompts send.
 */

type Box = { x: number; y: number; width: number; height: number };
const overlaps = (a: Box, b: Box) => a.x < b.x + b.width - 0.5 && b.x < a.x + a.width - 0.5 && a.y < b.y + b.height - 0.5 && b.y < a.y + a.height - 0.5;

for (const [width, theme] of [
  [250, 'light'],
  [480, 'light'],
  [250, 'dark'],
  [480, 'dark']
] as const) {
  test(`the header fits one row at ${width} px (${theme} theme) and shows the persona's name`, async ({ page, request }) => {
    await resetMock(request);
    if (theme === 'dark') {
      await page.theme.setDarkTheme();
    }
    await openChat(page);
    await setSidebarWidth(page, width);
    const panel = (await page.locator('#jp-right-stack').boundingBox())!;
    const picker = page.locator('.jp-DataEngineer-personaPicker');
    const buttons = page.locator('.jp-DataEngineer-header .jp-ToolbarButtonComponent');
    await expect(buttons.first()).toBeVisible();
    const boxes: Box[] = [(await picker.boundingBox())!];
    for (let i = 0; i < (await buttons.count()); i++) {
      boxes.push((await buttons.nth(i).boundingBox())!);
    }
    expect(boxes.length).toBeGreaterThanOrEqual(4);
    // One row: every control's vertical centre within a few px of the picker's.
    const centre = (b: Box) => b.y + b.height / 2;
    for (const box of boxes) {
      expect(Math.abs(centre(box) - centre(boxes[0]))).toBeLessThan(4);
      expect(box.x).toBeGreaterThanOrEqual(panel.x - 0.5);
      expect(box.x + box.width).toBeLessThanOrEqual(panel.x + panel.width + 0.5);
    }
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        expect(overlaps(boxes[i], boxes[j])).toBe(false);
      }
    }
    // The name shows (at least its start) and the tooltip has it whole, with the description.
    expect(boxes[0].width).toBeGreaterThan(60);
    await expect(picker).toHaveAttribute('title', /Data Engineer — /);
    // The header and the instructions line below it do not overlap.
    const header = (await page.locator('.jp-DataEngineer-header').boundingBox())!;
    const instructions = page.locator('.jp-DataEngineer-instructionsBar');
    if (await instructions.count()) {
      const below = (await instructions.boundingBox())!;
      expect(below.y).toBeGreaterThanOrEqual(header.y + header.height - 0.5);
    }
    // Every button has an accessible name.
    for (let i = 0; i < (await buttons.count()); i++) {
      expect((await buttons.nth(i).getAttribute('aria-label')) ?? '').not.toBe('');
    }
    await page.locator('.jp-DataEngineer-shell').screenshot({ path: test.info().outputPath(`panel-${width}-${theme}.png`) });
    if (theme === 'dark') {
      await page.theme.setLightTheme();
    }
  });
}

test('the empty chat suggests prompts from what is open, and one click sends', async ({ page, request, tmpPath }) => {
  await resetMock(request);
  await page.notebook.createNew('suggest.ipynb');
  await page.notebook.setCell(0, 'code', 'import pandas as pd\norders = pd.DataFrame({"id": [1, 2], "amount": [3.0, 4.5]})');
  await page.notebook.runCell(0);
  await page.notebook.addCell('code', 'import duckdb\nduckdb.sql("SELECT sum(amount) FROM orders")');
  await openChat(page);
  await page.evaluate(async () => {
    await (window as any).jupyterapp.commands.execute('data-engineer:new-chat');
  });
  const suggestions = page.locator('.jp-DataEngineer-suggestion');
  await expect(suggestions).toHaveCount(3, { timeout: 20000 });
  await expect(page.locator('.jp-DataEngineer-suggestion[data-kind="dataframe"]')).toContainText('orders');
  // Running cell 1 added an empty cell below it: the query is in cell 3.
  await expect(page.locator('.jp-DataEngineer-suggestion[data-kind="query"]')).toContainText('Explain the query in cell 3');
  await expect(page.locator('.jp-DataEngineer-emptyState')).toContainText('Data Engineer');
  await expect(page.locator('.jp-DataEngineer-emptyHandoff').first()).toBeVisible();
  await page.locator('.jp-DataEngineer-suggestion[data-kind="dataframe"]').click();
  await expect.poll(async () => (await messageRequests(request)).length, { timeout: 20000 }).toBeGreaterThan(0);
  const sent = JSON.stringify((await messageRequests(request))[0].body.messages);
  expect(sent).toContain('Inspect the dataframe `orders`');
  await expect(page.locator('.jp-DataEngineer-user').first()).toContainText('orders');
  void tmpPath;
});

test('in the dark theme no element of the panel keeps a light background', async ({ page, request }) => {
  await resetMock(request);
  await page.theme.setDarkTheme();
  await openChat(page);
  const light = await page.evaluate(() => {
    const found: string[] = [];
    const root = document.querySelector('.jp-DataEngineer-shell')!;
    for (const el of [root, ...Array.from(root.querySelectorAll('*'))]) {
      const bg = getComputedStyle(el).backgroundColor;
      const m = /rgba?\(([\d.]+), ([\d.]+), ([\d.]+)(?:, ([\d.]+))?\)/.exec(bg);
      if (!m || (m[4] !== undefined && Number(m[4]) < 0.2)) {
        continue;
      }
      const [r, g, b] = [m[1], m[2], m[3]].map(Number);
      if (0.2126 * r + 0.7152 * g + 0.0722 * b > 200) {
        found.push(`${el.tagName.toLowerCase()}.${(el as HTMLElement).className} ${bg}`);
      }
    }
    return found;
  });
  expect(light).toEqual([]);
  await page.theme.setLightTheme();
});

test('an approval can be given with the keyboard alone, and the keyboard goes back to the composer', async ({ page, request }) => {
  await resetMock(request);
  await scriptMock(request, [
    toolCalls({ id: 'toolu_kb', name: 'run_scratch', input: { code: 'print(6 * 7)' } }),
    { blocks: [{ type: 'text', text: 'It printed 42.' }] }
  ]);
  await page.notebook.createNew('keyboard.ipynb');
  await openChat(page);
  await sendMessage(page, 'Check the answer in the kernel');
  const card = page.locator('.jp-DataEngineer-toolCard[data-tool="run_scratch"]');
  await expect(card).toHaveAttribute('data-state', 'waiting_approval', { timeout: 60000 });
  await page.locator('.jp-DataEngineer-input').focus();
  let reached = false;
  for (let i = 0; i < 25 && !reached; i++) {
    await page.keyboard.press('Shift+Tab');
    reached = await page.evaluate(() => document.activeElement?.classList.contains('jp-DataEngineer-allowOnce') ?? false);
  }
  expect(reached).toBe(true);
  await page.keyboard.press('Enter');
  await expect(card).toHaveAttribute('data-state', 'done', { timeout: 60000 });
  expect(await page.evaluate(() => document.activeElement?.classList.contains('jp-DataEngineer-input'))).toBe(true);
  await expect(page.locator('.jp-DataEngineer-assistant').last()).toContainText('42', { timeout: 30000 });
});
