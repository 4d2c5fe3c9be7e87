import { expect, Locator, Page } from '@playwright/test';

/**
 * Layout checks of the chat's header shared by the JupyterLab and the
 * Notebook 7 specs: measured bounding boxes, not pixels compared.
 */

type Box = { x: number; y: number; width: number; height: number };
const overlaps = (a: Box, b: Box) =>
  a.x < b.x + b.width - 0.5 &&
  b.x < a.x + a.width - 0.5 &&
  a.y < b.y + b.height - 0.5 &&
  b.y < a.y + a.height - 0.5;

/**
 * The header inside `root` (the sidebar holding the chat): the persona
 * picker and the toolbar buttons on one row, none overlapping another or
 * leaving the sidebar, every button named, the persona's name readable,
 * and the instructions line below the header rather than under it. The
 * sidebar is `width` px wide (± 3); at least the name's first `shown`
 * characters and an ellipsis fit in the picker.
 */
export async function expectHeaderFits(
  page: Page,
  width: number,
  root = '#jp-right-stack',
  shown = 6
): Promise<void> {
  const panel = (await page.locator(root).boundingBox())!;
  // Measured at the width asked for (the sidebar was resized to it).
  expect(Math.abs(panel.width - width)).toBeLessThanOrEqual(3);
  const picker = page.locator(`${root} .jp-DataEngineer-personaPicker`);
  const buttons = page.locator(
    `${root} .jp-DataEngineer-header .jp-ToolbarButtonComponent`
  );
  await expect(buttons.first()).toBeVisible();
  const boxes: Box[] = [(await picker.boundingBox())!];
  for (let i = 0; i < (await buttons.count()); i++) {
    boxes.push((await buttons.nth(i).boundingBox())!);
  }
  // The picker, details, export and new chat at least.
  expect(boxes.length).toBeGreaterThanOrEqual(4);
  // One row: every control's vertical centre within a few px of the picker's.
  const centre = (b: Box) => b.y + b.height / 2;
  for (const box of boxes) {
    expect(Math.abs(centre(box) - centre(boxes[0]))).toBeLessThan(4);
    expect(box.height).toBeLessThan(40);
    expect(box.x).toBeGreaterThanOrEqual(panel.x - 0.5);
    expect(box.x + box.width).toBeLessThanOrEqual(panel.x + panel.width + 0.5);
  }
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      expect(
        overlaps(boxes[i], boxes[j]),
        `header controls ${i} and ${j} overlap`
      ).toBe(false);
    }
  }
  // The header is a single toolbar row (nothing wrapped under it).
  const header = (await page
    .locator(`${root} .jp-DataEngineer-header`)
    .boundingBox())!;
  expect(header.height).toBeLessThan(40);

  // The persona's name is readable: its text box (the picker less its padding
  // and the drop-down arrow) holds the whole name or its first `shown` letters
  // and an ellipsis; the tooltip has the whole name and the description.
  const name = await picker.evaluate((el: HTMLSelectElement, count: number) => {
    const style = getComputedStyle(el);
    const context = document.createElement('canvas').getContext('2d')!;
    context.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    const text = el.options[el.selectedIndex]?.text ?? '';
    const room =
      el.clientWidth -
      parseFloat(style.paddingLeft) -
      parseFloat(style.paddingRight) -
      20;
    return {
      text,
      room,
      full: context.measureText(text).width,
      start: context.measureText(`${text.slice(0, count)}…`).width
    };
  }, shown);
  expect(name.text).toBe('Data Engineer');
  expect(name.room).toBeGreaterThanOrEqual(Math.min(name.full, name.start));
  await expect(picker).toHaveAttribute('title', /^Data Engineer — \S/);

  // The header and the instructions line below it do not overlap.
  const instructions = page.locator(`${root} .jp-DataEngineer-instructionsBar`);
  if (await instructions.count()) {
    const below = (await instructions.boundingBox())!;
    expect(below.y).toBeGreaterThanOrEqual(header.y + header.height - 0.5);
  }
  // Every button has an accessible name.
  for (let i = 0; i < (await buttons.count()); i++) {
    expect((await buttons.nth(i).getAttribute('aria-label')) ?? '').not.toBe(
      ''
    );
  }
}

/**
 * Elements under `root` whose computed background is light (luminance over
 * 200 of 255, at least 20 % opaque): in a dark theme there should be none.
 */
export async function lightBackgrounds(
  page: Page,
  root = '.jp-DataEngineer-shell'
): Promise<string[]> {
  return page.evaluate(selector => {
    const found: string[] = [];
    for (const top of Array.from(document.querySelectorAll(selector))) {
      for (const el of [top, ...Array.from(top.querySelectorAll('*'))]) {
        const bg = getComputedStyle(el).backgroundColor;
        const m = /rgba?\(([\d.]+), ([\d.]+), ([\d.]+)(?:, ([\d.]+))?\)/.exec(
          bg
        );
        if (!m || (m[4] !== undefined && Number(m[4]) < 0.2)) {
          continue;
        }
        const [r, g, b] = [m[1], m[2], m[3]].map(Number);
        if (0.2126 * r + 0.7152 * g + 0.0722 * b > 200) {
          found.push(
            `${el.tagName.toLowerCase()}.${String((el as HTMLElement).className)} ${bg}`
          );
        }
      }
    }
    return found;
  }, root);
}

/**
 * The Copy / Insert / Replace strip of a rendered code block (shown, as on
 * hover) covers none of the block's lines of code: each line's box, from
 * a DOM range over the code's text, is clear of the strip's box.
 */
export async function expectCodeActionsClearOfCode(
  page: Page,
  block: Locator
): Promise<void> {
  await block.hover();
  const actions = block.locator('.jp-DataEngineer-codeActions');
  await expect(actions).toHaveCSS('opacity', '1');
  const bar = (await actions.boundingBox())!;
  const lines: Box[] = await block.locator('pre').evaluate(pre => {
    const range = document.createRange();
    range.selectNodeContents(pre);
    return Array.from(range.getClientRects())
      .filter(r => r.width > 0 && r.height > 0)
      .map(r => ({ x: r.x, y: r.y, width: r.width, height: r.height }));
  });
  expect(lines.length).toBeGreaterThan(0);
  for (const line of lines) {
    expect(
      overlaps(bar, line),
      `the code actions cover code at y=${Math.round(line.y)}`
    ).toBe(false);
  }
}

/**
 * At the panel's width, every visible button under `root` (the sidebar holding the chat) stays
 * inside it: its left edge at or right of the sidebar's, its right edge at or left of the
 * sidebar's (rows and cards wrap rather than clip), and no element of the panel scrolls
 * horizontally (code, tables and diffs excepted: they scroll by design). `what` names the
 * view in the messages. Returns how many buttons were measured.
 */
export async function expectButtonsInside(
  page: Page,
  what: string,
  root = '#jp-right-stack'
): Promise<number> {
  const found = await page.evaluate(selector => {
    const panel = document.querySelector(selector)!.getBoundingClientRect();
    const name = (el: Element) =>
      `${el.tagName.toLowerCase()}.${[...el.classList].join('.')} "${(el.textContent ?? '').trim().slice(0, 30)}"`;
    const outside: string[] = [];
    let measured = 0;
    for (const button of document.querySelectorAll(
      `${selector} button, ${selector} [role="button"]`
    )) {
      const box = button.getBoundingClientRect();
      if (!box.width || !box.height) {
        continue; // not shown (a closed <details>, a hidden strip)
      }
      measured++;
      if (box.left < panel.left - 0.5 || box.right > panel.right + 0.5) {
        outside.push(
          `${name(button)}: ${Math.round(box.left - panel.left)}..${Math.round(box.right - panel.left)} of ${Math.round(panel.width)} px`
        );
      }
    }
    const scrolling: string[] = [];
    for (const el of document.querySelectorAll(
      `${selector} .jp-DataEngineer-shell, ${selector} .jp-DataEngineer-shell *`
    )) {
      if (
        el.closest(
          'pre, table, .cm-editor, .jp-DataEngineer-approval, .jp-DataEngineer-toolDiff'
        )
      ) {
        continue;
      }
      const overflow = getComputedStyle(el).overflowX;
      if (
        (overflow === 'auto' || overflow === 'scroll') &&
        el.scrollWidth > el.clientWidth + 1
      ) {
        scrolling.push(`${name(el)}: ${el.scrollWidth} > ${el.clientWidth} px`);
      }
    }
    return { outside, scrolling, measured };
  }, root);
  expect(found.outside, `${what}: buttons past the panel's edge`).toEqual([]);
  expect(found.scrolling, `${what}: elements scrolling horizontally`).toEqual(
    []
  );
  expect(found.measured, `${what}: buttons measured`).toBeGreaterThan(0);
  return found.measured;
}

/** A workspace MCP server (`.vscode/mcp.json`) that is never started: untrusted, it waits for Trust…. */
export const WORKSPACE_MCP_JSON = `{
  "servers": {
    "warehouse-docs": { "type": "stdio", "command": "python3", "args": ["-m", "warehouse_docs_mcp"] }
  }
}
`;

/**
 * No visible button under `root` (a card's selector) has its label cut: its
 * content fits its box (a flex row that squeezes buttons instead of wrapping
 * them keeps them inside the panel but cuts their text; so does a styled
 * button's fixed height under a label on two lines). `what` names the view.
 */
export async function expectButtonLabelsWhole(
  page: Page,
  what: string,
  root: string
): Promise<void> {
  const clipped = await page.evaluate(selector => {
    const found: string[] = [];
    for (const button of document.querySelectorAll<HTMLElement>(
      `${selector} button`
    )) {
      const box = button.getBoundingClientRect();
      if (!box.width || !box.height) {
        continue;
      }
      if (
        button.scrollWidth > button.clientWidth + 1 ||
        button.scrollHeight > button.clientHeight + 1
      ) {
        found.push(
          `${[...button.classList].join('.')} "${(button.textContent ?? '').trim().slice(0, 30)}": content ${button.scrollWidth}×${button.scrollHeight} in ${button.clientWidth}×${button.clientHeight} px`
        );
      }
    }
    return found;
  }, root);
  expect(clipped, `${what}: buttons whose label is cut`).toEqual([]);
}
