import { APIRequestContext, expect, Page } from '@playwright/test';
import { execFileSync } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

/**
 * The evaluation runner, the same for live runs (the real model) and replays (the mock
 * playing a task's scripted run): prepare the throw-away server root, open what the task
 * opens, send the prompt, accept every approval, wait until the agent is done, save, run
 * the task's checker (eval/check.py) and write the row and the transcript.
 */

export const REPO = path.resolve(__dirname, '../..');
export const TASKS_DIR = path.join(REPO, 'eval', 'tasks');
export const MODE: 'live' | 'replay' =
  process.env.EVAL_MODE === 'live' ? 'live' : 'replay';
export const STATE = process.env.EVAL_STATE ?? '';
export const ROOT = process.env.EVAL_ROOT ?? '';
export const LOG_DIR = process.env.DE_EVAL_LOG_DIR ?? '';
export const SERVER = `http://127.0.0.1:${process.env.EVAL_JUPYTER_PORT ?? '8899'}`;
export const MOCK = `http://127.0.0.1:${process.env.EVAL_MOCK_PORT ?? '8766'}`;
/** The model of live runs (a setting, which wins over the personas' `model:`). */
export const MODEL = process.env.EVAL_MODEL || 'claude-sonnet-4-6';
const PLUGIN = 'jupyterlab-data-engineer:plugin';
const PYTHON = process.env.EVAL_PYTHON || 'python3';

export interface ITask {
  name: string;
  dir: string;
  title: string;
  /** What the user types; absent when `start.command` sends the first message. */
  prompt?: string;
  persona?: string;
  settings?: Record<string, unknown>;
  /** Files copied into the root from the repository: { "data/orders.csv": "examples/data/orders.csv" }. */
  data?: Record<string, string>;
  /** Fixture files whose `{{SECRET}}` is replaced by a fresh random value. */
  templates?: string[];
  setup?: { open?: string[]; runAll?: string[]; active?: string };
  /** Start with a command instead of a prompt (e.g. the New ETL notebook dialog), then fill its dialog. */
  start?: {
    command: string;
    args?: Record<string, unknown>;
    dialog?: Record<string, string>;
  };
  /** Click the hand-off the reply recommends (★) and send its prompt, as a user agreeing would. */
  followHandoffs?: boolean;
  timeoutSeconds?: number;
}

export interface IRow {
  task: string;
  run: string;
  mode: string;
  expected?: 'pass' | 'fail' | 'nothing';
  passed: boolean;
  failures: string[];
  checks: string[];
  turns: number;
  userTurns: number;
  toolCalls: number;
  approvals: number;
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  cost: number | null;
  wallSeconds: number;
  model: string | null;
  transcript: string;
  error?: string;
}

export function loadTasks(): ITask[] {
  const only = (process.env.EVAL_TASKS ?? '').split(',').filter(Boolean);
  return fs
    .readdirSync(TASKS_DIR)
    .filter(name => fs.existsSync(path.join(TASKS_DIR, name, 'task.json')))
    .filter(name => !only.length || only.includes(name))
    .sort()
    .map(name => ({
      name,
      dir: path.join(TASKS_DIR, name),
      ...JSON.parse(
        fs.readFileSync(path.join(TASKS_DIR, name, 'task.json'), 'utf8')
      )
    }));
}

/** What a model that does nothing answers, to every task (the do-nothing replay). */
export const NOTHING = [
  { blocks: [{ type: 'text', text: 'I will not do anything.' }] }
];

/** A replay script: the responses the mock plays, one per Messages request, in order. */
export function loadScript(
  task: ITask,
  which: 'pass' | 'fail' | 'nothing'
): any[] {
  if (which === 'nothing') {
    return NOTHING;
  }
  return JSON.parse(
    fs.readFileSync(path.join(task.dir, 'replay', `${which}.json`), 'utf8')
  ).responses;
}

/** The check a failing replay must fail (`failsOn` in replay/fail.json: part of its message). */
export function failsOn(task: ITask): string | undefined {
  return JSON.parse(
    fs.readFileSync(path.join(task.dir, 'replay', 'fail.json'), 'utf8')
  ).failsOn;
}

// ---------------------------------------------------------------------------
// The server root

async function shutDownEverything(request: APIRequestContext): Promise<void> {
  const sessions = await (await request.get(`${SERVER}/api/sessions`)).json();
  for (const session of sessions) {
    await request.delete(`${SERVER}/api/sessions/${session.id}`);
  }
  const kernels = await (await request.get(`${SERVER}/api/kernels`)).json();
  for (const kernel of kernels) {
    await request.delete(`${SERVER}/api/kernels/${kernel.id}`);
  }
  const terminals = await request.get(`${SERVER}/api/terminals`);
  if (terminals.ok()) {
    for (const terminal of await terminals.json()) {
      await request.delete(`${SERVER}/api/terminals/${terminal.name}`);
    }
  }
}

function emptyFolder(folder: string): void {
  for (const entry of fs.readdirSync(folder)) {
    fs.rmSync(path.join(folder, entry), { recursive: true, force: true });
  }
}

/** Empty the root and the execution log, copy the task's fixture and data in; returns the template values. */
export async function prepareRoot(
  request: APIRequestContext,
  task: ITask
): Promise<Record<string, string>> {
  await shutDownEverything(request);
  emptyFolder(ROOT);
  emptyFolder(LOG_DIR);
  const fixture = path.join(task.dir, 'fixture');
  if (fs.existsSync(fixture)) {
    fs.cpSync(fixture, ROOT, { recursive: true });
  }
  for (const [target, source] of Object.entries(task.data ?? {})) {
    fs.mkdirSync(path.dirname(path.join(ROOT, target)), { recursive: true });
    fs.copyFileSync(path.join(REPO, source), path.join(ROOT, target));
  }
  const vars: Record<string, string> = {
    SECRET: `wh-${randomBytes(12).toString('hex')}`
  };
  for (const file of task.templates ?? []) {
    const full = path.join(ROOT, file);
    fs.writeFileSync(
      full,
      fs
        .readFileSync(full, 'utf8')
        .replace(/\{\{(\w+)\}\}/g, (_, key) => vars[key] ?? '')
    );
  }
  return vars;
}

// ---------------------------------------------------------------------------
// The page

export async function loadLab(page: Page): Promise<void> {
  await page.goto(`${SERVER}/lab?reset`);
  await page.waitForFunction(() => (window as any).jupyterapp, null, {
    timeout: 120000
  });
  await page.evaluate(async () => {
    await (window as any).jupyterapp.restored;
  });
}

async function command(
  page: Page,
  id: string,
  args: Record<string, unknown> = {}
): Promise<unknown> {
  return page.evaluate(
    ([i, a]) => (window as any).jupyterapp.commands.execute(i, a),
    [id, args] as const
  );
}

/** The task's settings (and the live model), written through the settings API before the page loads. */
async function applySettings(
  request: APIRequestContext,
  task: ITask
): Promise<void> {
  // Live: the model under test, room for long tasks (no Continue to click), and no package
  // installs into this machine's environment (the one tool refused rather than approved).
  const live = {
    model: MODEL,
    maxSteps: 60,
    toolApprovals: { install_packages: 'never' }
  };
  const wanted: Record<string, unknown> = {
    ...(MODE === 'live' ? live : {}),
    ...(task.settings ?? {})
  };
  const response = await request.put(`${SERVER}/lab/api/settings/${PLUGIN}`, {
    data: { raw: JSON.stringify(wanted) }
  });
  expect(
    response.ok(),
    `settings: ${response.status()} ${await response.text()}`
  ).toBeTruthy();
}

/** Wait until the notebook's kernel is idle with no cell queued or running. */
async function waitForNotebookIdle(
  page: Page,
  notebookPath: string,
  timeout = 120000
): Promise<void> {
  await expect
    .poll(
      () =>
        page.evaluate(p => {
          const app = (window as any).jupyterapp;
          let panel: any = null;
          for (const widget of app.shell.widgets('main')) {
            if (widget.context?.path === p) {
              panel = widget;
            }
          }
          const kernel = panel?.sessionContext?.session?.kernel;
          if (!panel || !kernel || kernel.status !== 'idle') {
            return false;
          }
          // A queued or running cell shows `*` as its prompt.
          return !Array.from(
            panel.node.querySelectorAll('.jp-InputPrompt')
          ).some((n: any) => n.textContent.includes('*'));
        }, notebookPath),
      { timeout, intervals: [250] }
    )
    .toBe(true);
}

async function setUp(page: Page, task: ITask): Promise<void> {
  for (const file of task.setup?.open ?? []) {
    await command(page, 'docmanager:open', { path: file });
    if (file.endsWith('.ipynb')) {
      await waitForNotebookIdle(page, file);
    }
  }
  for (const file of task.setup?.runAll ?? []) {
    await command(page, 'docmanager:open', { path: file });
    // Cells queue until the kernel is ready; run-all acts on the current notebook: make it so.
    await page.waitForFunction(
      p => {
        const app = (window as any).jupyterapp;
        for (const widget of app.shell.widgets('main')) {
          if (
            widget.context?.path === p &&
            widget.sessionContext?.session?.kernel
          ) {
            app.shell.activateById(widget.id);
            return app.shell.currentWidget === widget;
          }
        }
        return false;
      },
      file,
      { timeout: 60000 }
    );
    await command(page, 'notebook:run-all-cells');
    // Until the first cell has run (or failed) and nothing is queued any more.
    await page.waitForFunction(
      p => {
        for (const widget of (window as any).jupyterapp.shell.widgets('main')) {
          if (widget.context?.path === p) {
            const cells = Array.from(widget.content.model.cells) as any[];
            const code = cells.filter(c => c.type === 'code');
            return (
              code.length === 0 ||
              code[0].executionCount !== null ||
              code[0].outputs.length > 0
            );
          }
        }
        return false;
      },
      file,
      { timeout: 120000 }
    );
    await waitForNotebookIdle(page, file);
  }
  const active =
    task.setup?.active ?? task.setup?.open?.[0] ?? task.setup?.runAll?.[0];
  if (active) {
    await command(page, 'docmanager:open', { path: active });
  }
}

// ---------------------------------------------------------------------------
// Replays: the mock, step by step

async function mockPost(
  request: APIRequestContext,
  route: string,
  data: unknown
): Promise<any> {
  const response = await request.post(`${MOCK}${route}`, { data });
  expect(response.ok()).toBeTruthy();
  return response.json();
}

async function messageRequests(request: APIRequestContext): Promise<any[]> {
  const response = await request.get(`${MOCK}/_mock/requests`);
  return (await response.json()).requests.filter(
    (r: any) => r.path === '/v1/messages'
  );
}

function toolResultText(recorded: any[], toolUseId: string): string | null {
  for (const req of recorded.slice().reverse()) {
    for (const message of req.body?.messages ?? []) {
      if (message.role !== 'user' || typeof message.content === 'string') {
        continue;
      }
      for (const block of message.content) {
        if (block.type === 'tool_result' && block.tool_use_id === toolUseId) {
          return typeof block.content === 'string'
            ? block.content
            : block.content.map((b: any) => b.text ?? '').join('\n');
        }
      }
    }
  }
  return null;
}

/**
 * `{{result:<tool_use_id>:<regex>}}` in a scripted response: the regex's first group in that
 * tool's result, as the page sent it (e.g. the id of a cell insert_cell created).
 */
export function resolvePlaceholders(value: any, recorded: any[]): any {
  if (typeof value === 'string') {
    return value.replace(
      /\{\{result:([^:}]+):(.+?)\}\}/g,
      (_, id: string, pattern: string) => {
        const text = toolResultText(recorded, id);
        const match = text === null ? null : new RegExp(pattern).exec(text);
        if (!match) {
          throw new Error(
            `replay: no match for /${pattern}/ in the result of ${id}: ${text?.slice(0, 300)}`
          );
        }
        return match[1];
      }
    );
  }
  if (Array.isArray(value)) {
    return value.map(v => resolvePlaceholders(v, recorded));
  }
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        resolvePlaceholders(v, recorded)
      ])
    );
  }
  return value;
}

// ---------------------------------------------------------------------------
// Driving the chat

async function fillDialog(
  page: Page,
  values: Record<string, string>
): Promise<void> {
  const dialog = page.locator('.jp-Dialog');
  await expect(dialog).toBeVisible({ timeout: 60000 });
  for (const [name, value] of Object.entries(values)) {
    const field = dialog.locator(`[name="${name}"]`);
    if ((await field.evaluate(el => el.tagName)) === 'SELECT') {
      await field.selectOption(value);
    } else {
      await field.fill(value);
    }
  }
  await dialog.locator('.jp-Dialog-footer .jp-mod-accept').click();
}

async function send(page: Page, text: string): Promise<void> {
  const input = page.locator('.jp-DataEngineer-input');
  await input.fill(text);
  await input.press('Enter');
  // Enter may first pick a command from the slash-completion list.
  if (text.startsWith('/') && (await input.inputValue()).trim() !== '') {
    await input.press('Enter');
  }
}

interface IDriveOutcome {
  approvals: number;
  wallSeconds: number;
}

/** Send the task's message and drive the chat until the agent is done. */
async function drive(
  page: Page,
  request: APIRequestContext,
  task: ITask,
  script: any[] | null
): Promise<IDriveOutcome> {
  const started = Date.now();
  const timeoutMs =
    (task.timeoutSeconds ?? (MODE === 'live' ? 600 : 120)) * 1000;
  if (task.start) {
    void command(page, task.start.command, task.start.args ?? {});
    if (task.start.dialog) {
      await fillDialog(page, task.start.dialog);
    }
  } else {
    await send(page, task.prompt ?? '');
  }
  let approvals = 0;
  let scripted = 0;
  let followed = false;
  let quietSince = 0;
  const waiting = page.locator(
    '.jp-DataEngineer-toolCard[data-state="waiting_approval"]'
  );
  while (Date.now() - started < timeoutMs) {
    if (script && scripted < script.length) {
      const recorded = await messageRequests(request);
      if (recorded.length > scripted) {
        await mockPost(request, '/_mock/script', {
          responses: [resolvePlaceholders(script[scripted], recorded)]
        });
        scripted += 1;
        quietSince = 0;
        continue;
      }
    }
    // Every approval is accepted: for the chat where the card offers it, else once.
    if ((await waiting.count()) > 0) {
      const card = waiting.first();
      const forChat = card.locator('.jp-DataEngineer-allowChat');
      const button = (await forChat.count())
        ? forChat
        : card.locator('.jp-DataEngineer-allowOnce');
      await button.click({ timeout: 5000 }).then(
        () => (approvals += 1),
        () => undefined
      );
      quietSince = 0;
      continue;
    }
    // Any other dialog (a confirmation the agent's action brought up) is accepted too.
    const dialog = page.locator('.jp-Dialog .jp-Dialog-footer .jp-mod-accept');
    if ((await dialog.count()) > 0) {
      await dialog
        .first()
        .click({ timeout: 5000 })
        .then(
          () => (approvals += 1),
          () => undefined
        );
      quietSince = 0;
      continue;
    }
    const busy = (await page.locator('.jp-DataEngineer-stop').count()) > 0;
    const replies = await page.locator('.jp-DataEngineer-assistant').count();
    if (busy || replies === 0) {
      quietSince = 0;
    } else if (
      task.followHandoffs &&
      !followed &&
      (await page
        .locator('.jp-DataEngineer-handoff.jp-mod-recommended')
        .count()) > 0
    ) {
      followed = true;
      await page
        .locator('.jp-DataEngineer-handoff.jp-mod-recommended')
        .first()
        .click();
      const input = page.locator('.jp-DataEngineer-input');
      if ((await input.inputValue()).trim()) {
        await input.press('Enter');
      }
      quietSince = 0;
    } else if (!quietSince) {
      quietSince = Date.now();
    } else if (
      Date.now() - quietSince > (MODE === 'live' ? 4000 : 1200) &&
      (!script || scripted >= script.length)
    ) {
      break;
    }
    await page.waitForTimeout(250);
  }
  const timedOut = Date.now() - started >= timeoutMs;
  if (timedOut) {
    await command(page, 'data-engineer:stop').catch(() => undefined);
  }
  return { approvals, wallSeconds: (Date.now() - started) / 1000 };
}

// ---------------------------------------------------------------------------
// Transcript, usage, cost

interface IPrice {
  input: number;
  output: number;
  cacheWrite?: number;
  cacheRead?: number;
}

/** The price table is the extension's own default (schema/plugin.json `prices`). */
function prices(): Record<string, IPrice> {
  const schema = JSON.parse(
    fs.readFileSync(path.join(REPO, 'schema', 'plugin.json'), 'utf8')
  );
  return schema.properties.prices.default;
}

function costOf(
  usage: any,
  model: string | undefined,
  table: Record<string, IPrice>
): number | null {
  const prefix = Object.keys(table)
    .filter(p => model?.startsWith(p))
    .sort((a, b) => b.length - a.length)[0];
  if (!prefix) {
    return null;
  }
  const p = table[prefix];
  return (
    ((usage.input_tokens ?? 0) * p.input +
      (usage.cache_creation_input_tokens ?? 0) *
        (p.cacheWrite ?? p.input * 1.25) +
      (usage.cache_read_input_tokens ?? 0) * (p.cacheRead ?? p.input * 0.1) +
      (usage.output_tokens ?? 0) * p.output) /
    1_000_000
  );
}

/** The saved chat (the chat store writes `<root>/.jupyter/chats/<id>.json`), once it has every reply. */
async function savedChat(page: Page): Promise<any> {
  const shown = await page.locator('.jp-DataEngineer-assistant').count();
  let chat: any = null;
  await expect
    .poll(
      () => {
        const folder = path.join(ROOT, '.jupyter', 'chats');
        const files = fs.existsSync(folder)
          ? fs
              .readdirSync(folder)
              .filter(
                f =>
                  f.endsWith('.json') &&
                  !f.startsWith('_') &&
                  !f.startsWith('index')
              )
          : [];
        chat = null;
        for (const file of files) {
          try {
            const parsed = JSON.parse(
              fs.readFileSync(path.join(folder, file), 'utf8')
            );
            if (
              Array.isArray(parsed.turns) &&
              (!chat || parsed.turns.length > chat.turns.length)
            ) {
              chat = parsed;
            }
          } catch {
            // Being written.
          }
        }
        const replies = chat
          ? chat.turns.filter((t: any) => t.role === 'assistant')
          : [];
        return (
          replies.length >= shown &&
          replies.every(
            (t: any) =>
              t.status !== 'streaming' &&
              t.status !== 'tools' &&
              t.status !== 'waiting'
          )
        );
      },
      { timeout: 30000, intervals: [500] }
    )
    .toBe(true)
    .catch(() => undefined);
  return chat ?? { turns: [] };
}

function markdownOf(chat: any, task: ITask): string {
  const lines = [
    `# ${task.name}: ${task.title}`,
    '',
    `Persona at the end: ${chat.personaId ?? 'data-engineer'}`,
    ''
  ];
  for (const turn of chat.turns ?? []) {
    if (turn.role === 'user') {
      lines.push('## User', '', turn.text, '');
    } else if (turn.role === 'assistant') {
      lines.push(
        `## Assistant (${turn.personaId ?? 'data-engineer'}, ${turn.model ?? '?'}, ${turn.status})`,
        ''
      );
      for (const block of turn.blocks ?? []) {
        if (block.type === 'text') {
          lines.push(block.text, '');
        } else if (block.type === 'tool') {
          const call = block.call;
          lines.push(
            `**Tool \`${call.name}\`** (${call.state}${call.allowedBy ? `, allowed: ${call.allowedBy}` : ''})`,
            ''
          );
          lines.push('```json', JSON.stringify(call.input, null, 2), '```', '');
          const content = call.result?.content;
          if (content) {
            const text =
              typeof content === 'string' ? content : JSON.stringify(content);
            lines.push(
              '<details><summary>result</summary>',
              '',
              '```',
              text.length > 4000 ? `${text.slice(0, 4000)}\n…` : text,
              '```',
              '</details>',
              ''
            );
          }
        }
      }
    } else if (turn.role === 'recap') {
      lines.push('## Recap', '', turn.text, '');
    }
  }
  return lines.join('\n');
}

function runChecker(
  task: ITask,
  chatFile: string,
  vars: Record<string, string>
): { passed: boolean; failures: string[]; checks: string[] } {
  try {
    const out = execFileSync(
      PYTHON,
      [
        path.join(REPO, 'eval', 'check.py'),
        '--task',
        task.dir,
        '--root',
        ROOT,
        '--chat',
        chatFile,
        '--server',
        SERVER,
        '--log-dir',
        LOG_DIR,
        '--vars',
        JSON.stringify(vars)
      ],
      { encoding: 'utf8', timeout: 300000, env: { ...process.env } }
    );
    return JSON.parse(out.trim().split('\n').pop() ?? '{}');
  } catch (error: any) {
    return {
      passed: false,
      failures: [
        `checker crashed: ${error.stderr || error.message}`.slice(0, 2000)
      ],
      checks: []
    };
  }
}

/** One task, end to end: the row (also written to EVAL_STATE/rows/). */
export async function runTask(
  page: Page,
  request: APIRequestContext,
  task: ITask,
  run: 'live' | 'pass' | 'fail' | 'nothing'
): Promise<IRow> {
  const label = run === 'live' ? task.name : `${task.name}.${run}`;
  const t0 = Date.now();
  const phase = (name: string) =>
    process.env.EVAL_DEBUG &&
    console.log(`[eval] ${label} ${name} +${Date.now() - t0} ms`);
  const script = run === 'live' ? null : loadScript(task, run);
  if (script) {
    await mockPost(request, '/_mock/reset', {});
    await mockPost(request, '/_mock/config', { wait_for_script_ms: 60000 });
  }
  await page.goto('about:blank');
  const vars = await prepareRoot(request, task);
  await applySettings(request, task);
  phase('root');
  await loadLab(page);
  phase('lab');
  await setUp(page, task);
  phase('setup');
  await command(page, 'data-engineer:open');
  await expect(page.locator('.jp-DataEngineer-input')).toBeVisible({
    timeout: 30000
  });
  if (task.persona) {
    await page
      .locator('.jp-DataEngineer-personaPicker')
      .selectOption(task.persona);
  }
  let error: string | undefined;
  let outcome: IDriveOutcome = { approvals: 0, wallSeconds: 0 };
  try {
    outcome = await drive(page, request, task, script);
    phase('driven');
  } catch (e: any) {
    error = String(e?.message ?? e).slice(0, 1000);
  }
  await command(page, 'docmanager:save-all').catch(() => undefined);
  await page.waitForTimeout(500);
  const chat = await savedChat(page);
  phase('saved');

  const outDir = path.join(STATE, 'transcripts');
  fs.mkdirSync(outDir, { recursive: true });
  const chatFile = path.join(outDir, `${label}.json`);
  fs.writeFileSync(chatFile, JSON.stringify(chat, null, 1));
  fs.writeFileSync(path.join(outDir, `${label}.md`), markdownOf(chat, task));

  const verdict = runChecker(task, chatFile, vars);
  phase('checked');
  const table = prices();
  const replies = (chat.turns ?? []).filter((t: any) => t.role === 'assistant');
  const sum = (key: string) =>
    replies.reduce((n: number, t: any) => n + (t.usage?.[key] ?? 0), 0);
  const costs = replies
    .filter((t: any) => t.usage)
    .map((t: any) => costOf(t.usage, t.model, table));
  const row: IRow = {
    task: task.name,
    run: label,
    mode: MODE,
    ...(run === 'live' ? {} : { expected: run }),
    passed: Boolean(verdict.passed) && !error,
    failures: [
      ...(error ? [`runner: ${error}`] : []),
      ...(verdict.failures ?? [])
    ],
    checks: verdict.checks ?? [],
    turns: replies.length,
    userTurns: (chat.turns ?? []).filter((t: any) => t.role === 'user').length,
    toolCalls: replies.reduce(
      (n: number, t: any) =>
        n + (t.blocks ?? []).filter((b: any) => b.type === 'tool').length,
      0
    ),
    approvals: outcome.approvals,
    input: sum('input_tokens'),
    output: sum('output_tokens'),
    cacheRead: sum('cache_read_input_tokens'),
    cacheWrite: sum('cache_creation_input_tokens'),
    cost: costs.some((c: number | null) => c === null)
      ? null
      : costs.reduce((a: number, c: number | null) => a + (c ?? 0), 0),
    wallSeconds: Math.round(outcome.wallSeconds * 10) / 10,
    model: replies.find((t: any) => t.model)?.model ?? null,
    transcript: `transcripts/${label}.md`,
    ...(error ? { error } : {})
  };
  fs.mkdirSync(path.join(STATE, 'rows'), { recursive: true });
  fs.writeFileSync(
    path.join(STATE, 'rows', `${label}.json`),
    JSON.stringify(row, null, 1)
  );
  return row;
}
