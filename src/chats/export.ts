import type { IAssistantTurn, IToolCall, IUserTurn } from './conversation';
import type { IOutput } from '@jupyterlab/nbformat';
import { fenced } from '../markdown/markdown';
import { genericLine } from '../tools/describe';
import type { IToolResultData } from '../tools/results';
import type { IShownSoFar, IToolResult } from '../tools/types';
import type { ISavedChat } from './store';

/**
 * Exporting a chat: to a Markdown document, and to a notebook (nbformat 4.5)
 * where the code the assistant ran becomes code cells with their outputs.
 * Pure functions over a saved chat (no DOM, no services).
 *
 * Code cells and their outputs come from the typed data of the run tools'
 * results (`IToolResult.data.run`: the code as it ran and its nbformat
 * outputs), never from the text the model read. How a call is described
 * comes from its tool (`ITool.describe`, `ITool.inputMarkdown`, through the
 * options); a tool this build no longer has gets a generic line.
 */

export interface IExportOptions {
  /** A persona's display name from its id (default: the id). */
  personaName?: (id: string) => string;
  /** The export time, in milliseconds since the epoch (default: now). */
  now?: number;
  /** A call in one line (`ToolRegistry.describe`); null, or no function: a generic line from the input. */
  describe?: (
    name: string,
    input: unknown,
    result?: IToolResult
  ) => string | null;
  /** A call's input as Markdown (`ToolRegistry.inputMarkdown`); null, or no function: the input as JSON. */
  inputMarkdown?: (
    name: string,
    input: unknown,
    shown: IShownSoFar
  ) => string | null;
}

/** A chat to export: an `ISavedChat`, or anything of its shape. */
export type ExportableChat = Pick<
  ISavedChat,
  'id' | 'title' | 'createdAt' | 'updatedAt' | 'personaId' | 'chatModel'
> & {
  turns: ReadonlyArray<unknown>;
};

// ---------------------------------------------------------------------------
// Turns, as this module reads them (a recap kind may be added by others).

interface IRecapLike {
  role: string;
  text: string;
}

type ExportTurn =
  | { kind: 'user'; turn: IUserTurn }
  | { kind: 'assistant'; turn: IAssistantTurn }
  | { kind: 'recap'; turn: IRecapLike };

function classify(turn: unknown): ExportTurn | null {
  if (!turn || typeof turn !== 'object') {
    return null;
  }
  const role = (turn as { role?: unknown }).role;
  if (role === 'user') {
    return { kind: 'user', turn: turn as IUserTurn };
  }
  if (role === 'assistant') {
    return { kind: 'assistant', turn: turn as IAssistantTurn };
  }
  if (typeof (turn as { text?: unknown }).text === 'string') {
    return { kind: 'recap', turn: turn as IRecapLike };
  }
  return null;
}

function turnsOf(chat: ExportableChat): ExportTurn[] {
  return (Array.isArray(chat.turns) ? chat.turns : [])
    .map(classify)
    .filter((t): t is ExportTurn => t !== null);
}

/** The blocks of a reply, leaving out any that were saved malformed. */
function blocksOf(turn: IAssistantTurn): IAssistantTurn['blocks'] {
  if (Array.isArray(turn.blocks)) {
    return turn.blocks.filter(
      b =>
        b &&
        ((b.type === 'text' && typeof b.text === 'string') ||
          (b.type === 'tool' && b.call && typeof b.call === 'object'))
    );
  }
  return typeof turn.text === 'string' && turn.text
    ? [{ type: 'text', text: turn.text }]
    : [];
}

export const RECAP_HEADING = 'Summary of the earlier conversation';

// ---------------------------------------------------------------------------
// Small text helpers.

/** Text safe inside inline Markdown (emphasis, headings, list items). */
function escapeInline(text: string): string {
  return text
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/([\\`*_[\]<>#|$~])/g, '\\$1');
}

/** Text safe inside HTML (a <summary>). */
function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

function oneLine(text: string, max = 120): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** Keep the head and tail of a long text. */
function truncate(text: string, max: number): string {
  if (text.length <= max) {
    return text;
  }
  const head = Math.ceil(max * 0.7);
  const tail = max - head;
  return `${text.slice(0, head)}\n[… ${text.length - head - tail} characters left out …]\n${text.slice(-tail)}`;
}

/** "2024-05-01 14:03 UTC": the same for every reader, whatever their zone. */
function formatDate(ms: number): string {
  if (!Number.isFinite(ms)) {
    return 'unknown date';
  }
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

function formatDuration(ms: number | undefined): string {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) {
    return '';
  }
  return ms < 1000
    ? `${Math.round(ms)} ms`
    : `${(ms / 1000).toFixed(ms < 10000 ? 1 : 0)} s`;
}

/** A tool result's text blocks joined, and its images. */
function resultParts(call: IToolCall): {
  text: string;
  images: Array<{ mediaType: string; data: string }>;
} {
  const content = call.result?.content;
  if (typeof content === 'string') {
    return { text: content, images: [] };
  }
  const texts: string[] = [];
  const images: Array<{ mediaType: string; data: string }> = [];
  for (const block of Array.isArray(content) ? content : []) {
    if (block?.type === 'text' && typeof block.text === 'string') {
      texts.push(block.text);
    } else if (block?.type === 'image' && block.source?.type === 'base64') {
      images.push({
        mediaType: block.source.media_type,
        data: block.source.data
      });
    }
  }
  return { text: texts.join('\n'), images };
}

function inputOf(call: IToolCall): Record<string, unknown> {
  const input = call.input;
  return input && typeof input === 'object' && !Array.isArray(input)
    ? (input as Record<string, unknown>)
    : {};
}

function personaLabel(
  chat: ExportableChat,
  options: IExportOptions
): string | null {
  if (!chat.personaId) {
    return null;
  }
  try {
    return options.personaName?.(chat.personaId) || chat.personaId;
  } catch {
    return chat.personaId;
  }
}

function modelLabel(chat: ExportableChat, turns: ExportTurn[]): string | null {
  if (chat.chatModel) {
    return chat.chatModel;
  }
  const models = new Set<string>();
  for (const t of turns) {
    if (
      t.kind === 'assistant' &&
      typeof t.turn.model === 'string' &&
      t.turn.model
    ) {
      models.add(t.turn.model);
    }
  }
  return models.size ? [...models].join(', ') : null;
}

function titleOf(chat: ExportableChat): string {
  return (
    (typeof chat.title === 'string' && chat.title.trim()) || 'Untitled chat'
  );
}

// ---------------------------------------------------------------------------
// What the code tools ran, and what came back: read from each result's
// typed data, never from the text the model got. Chats saved before tool
// results carried data export without those code cells.

/** The result data of a call that finished without error, or null. */
function dataOf(call: IToolCall): IToolResultData | null {
  const data = call.result?.data;
  return data && typeof data === 'object' ? data : null;
}

/** The cell sources the chat shows, by cell id, as the chat goes on. */
class CellSources implements IShownSoFar {
  /** Learn from a finished call (insert_cell, edit_cell, read_cell, create_notebook, run_cell). */
  observe(call: IToolCall): void {
    if (call.state !== 'done' || call.result?.isError) {
      return;
    }
    const cell = dataOf(call)?.cell;
    if (
      cell &&
      typeof cell.cellId === 'string' &&
      typeof cell.source === 'string'
    ) {
      this._sources.set(cell.cellId, {
        source: cell.source,
        cellType: cell.cellType
      });
    }
  }

  cell(id: string): { source: string; cellType: string } | undefined {
    return this._sources.get(id);
  }

  private _sources = new Map<string, { source: string; cellType: string }>();
}

/** One nbformat output. */
export type NotebookOutput = IOutput;

/** A code run found in the chat: what ran and what it gave. */
interface ICodeRun {
  tool: 'run_cell' | 'run_scratch';
  source: string;
  language: string;
  executionCount: number | null;
  outputs: NotebookOutput[];
  cellId?: string;
  notebookPath?: string;
}

/** What a run_cell or run_scratch call ran, or null when it ran nothing (denied, refused, cancelled). */
function codeRunOf(call: IToolCall): ICodeRun | null {
  if (call.state !== 'done' && call.state !== 'failed') {
    return null;
  }
  const run = dataOf(call)?.run;
  if (!run || typeof run.code !== 'string') {
    return null;
  }
  return {
    tool: run.kind === 'cell' ? 'run_cell' : 'run_scratch',
    source: run.code,
    language: run.language || 'python',
    executionCount: run.kind === 'cell' ? (run.executionCount ?? null) : null,
    outputs: Array.isArray(run.outputs) ? run.outputs : [],
    ...(run.cellId ? { cellId: run.cellId } : {}),
    ...(run.notebookPath ? { notebookPath: run.notebookPath } : {})
  };
}

// ---------------------------------------------------------------------------
// Describing a tool call in a line.

/** Ask a tool's own description; a tool that is gone, or fails, gets a generic line. */
function describeCall(call: IToolCall, options: IExportOptions): string {
  const input = inputOf(call);
  let line: string | null = null;
  try {
    line = options.describe?.(call.name, input, call.result) ?? null;
  } catch {
    line = null;
  }
  return line ?? genericLine(input) ?? '';
}

/** What a call did, in a few words: the tool's own preview line when saved, else its description. */
function callSummary(call: IToolCall, options: IExportOptions): string {
  const preview = call.preview?.summary;
  return oneLine(preview || describeCall(call, options), 140);
}

/** How a call ended, in a few words. */
function callOutcome(call: IToolCall): string {
  switch (call.state) {
    case 'denied':
      return call.denyReason
        ? `denied by the user: ${oneLine(call.denyReason, 160)}`
        : 'denied by the user';
    case 'cancelled':
      return 'cancelled';
    case 'failed':
      return 'failed';
    case 'done':
      return call.result?.isError ? 'failed' : 'done';
    default:
      return 'not finished';
  }
}

/** "*`run_cell` — Run cell abc in x.ipynb (denied by the user: not now)*" as Markdown. */
function callLine(call: IToolCall, options: IExportOptions): string {
  const summary = callSummary(call, options);
  const outcome = callOutcome(call);
  let detail = '';
  if (outcome === 'failed') {
    const first = oneLine(resultParts(call).text, 100);
    detail = first ? `: ${first}` : '';
  }
  const name = escapeInline(call.name || 'tool');
  const what = summary ? ` — ${escapeInline(summary)}` : '';
  return `*Tool ${name}${what} (${escapeInline(outcome + detail)})*`;
}

/** The code a call ran, or the code its saved preview showed, with its language. */
function codeOfCall(
  call: IToolCall
): { source: string; language: string } | null {
  const run = codeRunOf(call);
  if (run) {
    return { source: run.source, language: run.language };
  }
  if (call.preview?.code && typeof call.preview.code.source === 'string') {
    return {
      source: call.preview.code.source,
      language: call.preview.code.language || 'text'
    };
  }
  return null;
}

/** The call's input as its tool renders it in Markdown (code fenced in its language), or null. */
function inputMarkdownOf(
  call: IToolCall,
  sources: CellSources,
  options: IExportOptions
): string | null {
  try {
    return options.inputMarkdown?.(call.name, inputOf(call), sources) || null;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------
// Markdown.

const MAX_RESULT_CHARS = 2000;

function toolDetails(
  call: IToolCall,
  sources: CellSources,
  options: IExportOptions
): string {
  const summary = callSummary(call, options);
  const facts = [callOutcome(call), formatDuration(call.durationMs)]
    .filter(Boolean)
    .join(' · ');
  const lines = [
    '<details>',
    `<summary>Tool <code>${escapeHtml(call.name || 'tool')}</code>${summary ? ` — ${escapeHtml(summary)}` : ''} (${escapeHtml(facts)})</summary>`,
    ''
  ];
  const code = codeOfCall(call);
  const input = inputOf(call);
  const rendered = code ? null : inputMarkdownOf(call, sources, options);
  if (code) {
    lines.push(fenced(code.source, code.language), '');
  } else if (rendered) {
    lines.push(rendered, '');
  } else if (Object.keys(input).length) {
    lines.push(fenced(JSON.stringify(input, null, 2), 'json'), '');
  }
  if (call.state === 'denied') {
    lines.push(
      call.denyReason
        ? `Denied by the user: ${escapeInline(call.denyReason)}`
        : 'Denied by the user.',
      ''
    );
  } else if (call.state === 'cancelled' && !call.result) {
    lines.push('Cancelled before it finished.', '');
  } else if (call.result) {
    const { text, images } = resultParts(call);
    lines.push(
      call.result.isError || call.state === 'failed'
        ? 'Result (error):'
        : 'Result:',
      ''
    );
    lines.push(
      fenced(truncate(text || '(empty)', MAX_RESULT_CHARS), 'text'),
      ''
    );
    if (images.length) {
      lines.push(
        `*(${images.length} ${images.length === 1 ? 'image' : 'images'} not included)*`,
        ''
      );
    }
  }
  lines.push('</details>');
  return lines.join('\n');
}

function quote(text: string): string {
  return text
    .split('\n')
    .map(line => (line ? `> ${line}` : '>'))
    .join('\n');
}

function recapMarkdown(text: string): string {
  return quote(`**${RECAP_HEADING}**\n\n${text.trim()}`);
}

function userMarkdown(turn: IUserTurn): string {
  const parts: string[] = [];
  const text = typeof turn.text === 'string' ? turn.text.trim() : '';
  if (text) {
    parts.push(text);
  }
  const labels = (Array.isArray(turn.attachments) ? turn.attachments : [])
    .map(a => (typeof a?.label === 'string' ? a.label : ''))
    .filter(Boolean);
  if (labels.length) {
    parts.push(
      `*Attached: ${labels.map(label => escapeInline(label)).join(', ')}*`
    );
  }
  return parts.join('\n\n') || '*(empty message)*';
}

function assistantNotes(turn: IAssistantTurn): string[] {
  const notes: string[] = [];
  if (turn.error && typeof turn.error.message === 'string') {
    notes.push(`> **Error:** ${escapeInline(turn.error.message)}`);
  }
  if (typeof turn.notice === 'string' && turn.notice) {
    notes.push(`> *${escapeInline(turn.notice)}*`);
  }
  if (turn.status === 'stopped' && !turn.notice) {
    notes.push('> *Stopped by the user.*');
  }
  return notes;
}

function headerFacts(
  chat: ExportableChat,
  turns: ExportTurn[],
  options: IExportOptions
): string[] {
  const lines = [
    `*Started ${formatDate(chat.createdAt)} · last message ${formatDate(chat.updatedAt)}*`
  ];
  const persona = personaLabel(chat, options);
  const model = modelLabel(chat, turns);
  const who = [
    persona ? `**Persona:** ${escapeInline(persona)}` : '',
    model ? `**Model:** ${escapeInline(model)}` : ''
  ]
    .filter(Boolean)
    .join(' · ');
  if (who) {
    lines.push(who);
  }
  return lines;
}

/** The chat as a readable Markdown document. */
export function chatToMarkdown(
  chat: ExportableChat,
  options: IExportOptions = {}
): string {
  const turns = turnsOf(chat);
  const out: string[] = [
    `# ${escapeInline(titleOf(chat))}`,
    headerFacts(chat, turns, options).join('  \n')
  ];
  const sources = new CellSources();
  let previous: ExportTurn['kind'] | null = null;
  for (const entry of turns) {
    if (entry.kind === 'recap') {
      if (entry.turn.text.trim()) {
        out.push(recapMarkdown(entry.turn.text));
      }
    } else if (entry.kind === 'user') {
      out.push('## User', userMarkdown(entry.turn));
    } else {
      const turn = entry.turn;
      if (previous !== 'assistant') {
        out.push('## Assistant');
      }
      for (const block of blocksOf(turn)) {
        if (block.type === 'text') {
          if (block.text.trim()) {
            out.push(block.text.trim());
          }
        } else {
          out.push(toolDetails(block.call, sources, options));
          sources.observe(block.call);
        }
      }
      out.push(...assistantNotes(turn));
    }
    previous = entry.kind;
  }
  return `${out.join('\n\n')}\n`;
}

// ---------------------------------------------------------------------------
// Notebook.

export interface INotebookCell {
  id: string;
  cell_type: 'markdown' | 'code';
  metadata: Record<string, unknown>;
  source: string;
  execution_count?: number | null;
  outputs?: NotebookOutput[];
}

export interface INotebookJSON {
  nbformat: 4;
  nbformat_minor: 5;
  metadata: {
    kernelspec: { name: string; display_name: string; language: string };
    language_info: { name: string };
    data_engineer: {
      chat_id: string;
      exported_at: string;
      title: string;
      persona?: string;
      model?: string;
    };
  };
  cells: INotebookCell[];
}

/** Builds the cells, merging consecutive markdown of one reply. */
class CellBuilder {
  cells: INotebookCell[] = [];

  markdown(text: string, role: string): void {
    this.cells.push({
      id: this._id(),
      cell_type: 'markdown',
      metadata: { data_engineer: { role } },
      source: text
    });
  }

  code(run: ICodeRun): void {
    const meta: Record<string, unknown> = { tool: run.tool };
    if (run.cellId) {
      meta.cell_id = run.cellId;
    }
    if (run.notebookPath) {
      meta.notebook_path = run.notebookPath;
    }
    this.cells.push({
      id: this._id(),
      cell_type: 'code',
      metadata: { data_engineer: meta },
      source: run.source,
      execution_count: run.executionCount,
      outputs: run.outputs
    });
  }

  private _id(): string {
    this._count += 1;
    return `chat-cell-${this._count}`;
  }

  private _count = 0;
}

const KERNELSPEC = {
  name: 'python3',
  display_name: 'Python 3 (ipykernel)',
  language: 'python'
};

/**
 * The chat as a notebook (nbformat 4.5): the user's and assistant's words as
 * markdown cells, the code the assistant ran (run_cell, run_scratch) as code
 * cells with the outputs it got, other tool calls as one italic line each.
 */
export function chatToNotebook(
  chat: ExportableChat,
  options: IExportOptions = {}
): INotebookJSON {
  const turns = turnsOf(chat);
  const builder = new CellBuilder();
  const sources = new CellSources();
  const persona = personaLabel(chat, options);
  const model = modelLabel(chat, turns);

  builder.markdown(
    [
      `# ${escapeInline(titleOf(chat))}`,
      headerFacts(chat, turns, options).join('  \n')
    ].join('\n\n'),
    'title'
  );

  // The assistant's words and tool lines wait here until a code cell, a
  // message or the end; "**Assistant:**" opens the first cell of an answer.
  let pending: string[] = [];
  let labelPending = true;
  const flush = () => {
    if (pending.length) {
      builder.markdown(
        (labelPending ? ['**Assistant:**', ...pending] : pending).join('\n\n'),
        'assistant'
      );
      labelPending = false;
    }
    pending = [];
  };
  for (const entry of turns) {
    if (entry.kind === 'recap') {
      flush();
      if (entry.turn.text.trim()) {
        builder.markdown(recapMarkdown(entry.turn.text), 'recap');
      }
      labelPending = true;
      continue;
    }
    if (entry.kind === 'user') {
      flush();
      builder.markdown(`**You:**\n\n${userMarkdown(entry.turn)}`, 'user');
      labelPending = true;
      continue;
    }
    for (const block of blocksOf(entry.turn)) {
      if (block.type === 'text') {
        if (block.text.trim()) {
          pending.push(block.text.trim());
        }
        continue;
      }
      const run = codeRunOf(block.call);
      if (run) {
        flush();
        builder.code(run);
        labelPending = false;
      } else {
        pending.push(callLine(block.call, options));
      }
      sources.observe(block.call);
    }
    pending.push(...assistantNotes(entry.turn));
  }
  flush();

  const info: INotebookJSON['metadata']['data_engineer'] = {
    chat_id: String(chat.id),
    exported_at: new Date(options.now ?? Date.now()).toISOString(),
    title: titleOf(chat)
  };
  if (persona) {
    info.persona = persona;
  }
  if (model) {
    info.model = model;
  }
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      kernelspec: { ...KERNELSPEC },
      language_info: { name: 'python' },
      data_engineer: info
    },
    cells: builder.cells
  };
}

// ---------------------------------------------------------------------------
// File names.

/** A safe file name for an export: `chat-<slug>.<ext>`, at most 60 characters of [A-Za-z0-9._-]. */
export function exportFileName(
  chat: Pick<ExportableChat, 'title' | 'id'>,
  ext: 'md' | 'ipynb'
): string {
  const slugOf = (text: unknown) =>
    String(text ?? '')
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '');
  const suffix = `.${ext}`;
  const room = 60 - 'chat-'.length - suffix.length;
  let slug = slugOf(chat.title) || slugOf(chat.id) || 'export';
  if (slug.length > room) {
    slug = slug.slice(0, room).replace(/-+$/, '');
  }
  return `chat-${slug}${suffix}`;
}
