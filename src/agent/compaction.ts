import type {
  ContentBlockParam,
  MessageParam
} from '@anthropic-ai/sdk/resources/messages';
import { ISignal, Signal } from '@lumino/signaling';
import type { ChatModel } from '../chats/chatModel';
import {
  IToolCall,
  Turn,
  lastRecapIndex,
  messagesOf,
  pushMessage,
  toolResultBlock
} from '../chats/conversation';
import { AbortedError, isAbort } from './errors';

/*
 * Keeping long conversations inside the model's context window.
 *
 * Before each request the Compactor sizes it. The figure comes from the last
 * reply's `usage` (what the API counted for the previous request, plus that
 * reply) and a local estimate of what was added since, or from a local
 * estimate of the whole request when there is no such reply: no network round
 * trip. Only above COUNT_FRACTION of the budget (window − max_tokens) is the
 * proxy's count_tokens asked for an exact figure. Over the threshold, old
 * tool results are shortened first (oldest first), and if that is not enough
 * the older turns are summarised by the model into a recap turn.
 */

/** Characters per token of the local estimate (JSON text of the request). */
export const CHARS_PER_TOKEN = 3.5;

/**
 * Tokens counted for each image block by the local estimate: about what a
 * 1.15-megapixel image (the size the API scales images down to) costs.
 */
export const IMAGE_TOKENS = 1600;

/** Above this fraction of the budget the exact count is asked for. */
export const COUNT_FRACTION = 0.7;

/** The default threshold: compact above this fraction of the budget. */
export const DEFAULT_THRESHOLD = 0.8;

/**
 * Shortening tool results goes on until the request is under this fraction
 * of the threshold, so that the next requests do not compact again at once
 * (every compaction invalidates the prompt cache from the first change on).
 */
export const TARGET_RATIO = 0.75;

/**
 * A figure built on the last reply's usage is exact but for what was added
 * after that reply; when that part is estimated under this many tokens, the
 * exact count is not worth a round trip.
 */
export const EXACT_ENOUGH_TOKENS = 2000;

/** The max_tokens of a recap request. */
export const RECAP_MAX_TOKENS = 4096;

/** Characters of one tool result (or tool input) kept in the transcript a recap is written from. */
export const RECAP_RESULT_CHARS = 3000;

export const DEFAULT_CONTEXT_WINDOW = 200_000;

/**
 * Context windows by model name (first match wins). Names may carry a
 * provider prefix ("us.anthropic.claude-…"), so patterns are not anchored.
 */
export const CONTEXT_WINDOWS: ReadonlyArray<readonly [RegExp, number]> = [
  [/claude-(opus|sonnet|haiku)-4/, 200_000],
  [/claude-(opus|sonnet|haiku)-\d/, 200_000],
  [/claude-3-7-sonnet/, 200_000],
  [/claude-3-5-(sonnet|haiku)/, 200_000],
  [/claude-3-(opus|sonnet|haiku)/, 200_000],
  [/claude-2\.1/, 200_000],
  [/claude-(2|instant)/, 100_000]
];

/** The context window of a model: `override` when > 0, else from the table. */
export function contextWindowOf(model: string, override?: number): number {
  if (override !== undefined && override > 0) {
    return override;
  }
  for (const [pattern, window] of CONTEXT_WINDOWS) {
    if (pattern.test(model)) {
      return window;
    }
  }
  return DEFAULT_CONTEXT_WINDOW;
}

/**
 * A local, deterministic estimate of a request's input tokens: the length
 * of its JSON text (system, messages, tools; `cache_control` left out)
 * divided by CHARS_PER_TOKEN and rounded up, plus IMAGE_TOKENS per image
 * block (whose base64 data is not counted). It errs on the high side for
 * code and JSON-heavy content, which is the safe side here.
 */
export function estimateTokens(request: {
  system?: unknown;
  messages: MessageParam[];
  tools?: unknown[];
}): number {
  let images = 0;
  const json = JSON.stringify(
    {
      system: request.system ?? null,
      messages: request.messages,
      tools: request.tools ?? []
    },
    (key, value) => {
      if (key === 'cache_control') {
        return undefined;
      }
      if (
        value &&
        typeof value === 'object' &&
        value.type === 'image' &&
        'source' in value
      ) {
        images += 1;
        return undefined;
      }
      return value;
    }
  );
  return Math.ceil(json.length / CHARS_PER_TOKEN) + images * IMAGE_TOKENS;
}

/** How full the context window is. */
export interface IContextMeasure {
  /** Input tokens of the next request (counted or estimated). */
  tokens: number;
  /** The model's context window. */
  window: number;
  /** True when `tokens` comes from count_tokens. */
  exact: boolean;
}

/** What a compaction did. */
export interface ICompactionReport {
  /** 'recap' when older turns were summarised (tool results may have been shortened too). */
  kind: 'tool-results' | 'recap';
  tokensBefore: number;
  tokensAfter: number;
  shortenedCalls: number;
  summarizedTurns: number;
}

/** What the summarise callback gets: a complete Messages request, without tools. */
export interface ISummarizeRequest {
  model: string;
  system: string;
  messages: MessageParam[];
  maxTokens: number;
  signal: AbortSignal;
}

export interface ICompactorOptions {
  /** The proxy's count_tokens (input tokens of a request); optional. */
  countTokens?: (request: {
    model: string;
    system: unknown;
    messages: MessageParam[];
    tools: unknown[];
  }) => Promise<number>;
  /** Sends a request and resolves with the text of the reply. */
  summarize: (request: ISummarizeRequest) => Promise<string>;
  contextWindow: (model: string) => number;
  /** Fraction of (window − max_tokens) above which to compact (default 0.8). */
  threshold?: () => number;
  /** User turns kept verbatim by a recap (default 2; at least 1 is always kept). */
  keepRecentTurns?: number;
}

/** What a request is about to be made of. */
export interface ICompactionArgs {
  conversation: ChatModel;
  model: string;
  maxTokens: number;
  system: unknown;
  /** The API tool definitions of the request. */
  tools: unknown[];
  signal: AbortSignal;
}

/** The system prompt of a recap request. */
export const RECAP_SYSTEM = `You write recaps of conversations between a user and a data-engineering assistant working in JupyterLab (notebooks, pandas, SQL, Spark, pipelines).
A recap replaces the conversation in the assistant's context, so the assistant must be able to carry on from the recap alone: be faithful, specific and complete, and never invent anything.
Answer with the recap only, in concise Markdown. Do not call tools.`;

/** The request that closes a recap request. */
export const RECAP_INSTRUCTION = `Write a recap of the conversation above; it will replace it in your context. Keep:
- the user's goals, requests and preferences;
- facts learned: data sources, schemas, sizes, results of queries and checks;
- decisions made, and why;
- the exact names of files, notebooks, cells, tables, columns, variables and functions;
- code written or changed (briefly, with where it lives);
- errors met and how they were solved (or not);
- open tasks and the next step.
Leave out greetings and anything no longer relevant. Write only the recap.`;

/** Reply states whose usage describes the request the conversation has now. */
const MEASURABLE = ['done', 'tools', 'stopped'];

/**
 * Sizes each request against the model's context window and compacts the
 * conversation before it would overflow. One per chat (or shared: its state
 * is kept per conversation).
 */
export class Compactor {
  constructor(options: ICompactorOptions) {
    this._options = options;
  }

  /** Emitted with every measure (before each request, and after a compaction). */
  get measured(): ISignal<this, IContextMeasure> {
    return this._measured;
  }

  /** Emitted when a conversation was compacted. */
  get compacted(): ISignal<this, ICompactionReport> {
    return this._compacted;
  }

  /** The latest measure, if any. */
  get lastMeasure(): IContextMeasure | null {
    return this._lastMeasure;
  }

  /**
   * Size the next request locally (no network) and emit `measured`: for a
   * gauge after a reply or after a saved chat was opened.
   */
  measure(args: Omit<ICompactionArgs, 'signal'>): IContextMeasure {
    const measure = {
      tokens: this._quickMeasure(args).tokens,
      window: this._options.contextWindow(args.model),
      exact: false
    };
    this._emitMeasure(measure);
    return measure;
  }

  /**
   * Called before each request: measure it and compact the conversation when
   * it is over the threshold. Resolves with what was done (null: nothing).
   * Only an abort rejects (an `AbortedError`); any other failure leaves the
   * conversation valid and the request can go on.
   */
  async beforeRequest(
    args: ICompactionArgs
  ): Promise<ICompactionReport | null> {
    const { window, budget } = this._budget(args);
    const threshold = this._threshold();
    const limit = budget * threshold;
    const quick = this._quickMeasure(args);
    let tokens = quick.tokens;
    let exact = false;
    const countTokens = this._options.countTokens;
    const nearlyExact =
      quick.fromUsage && quick.estimated <= EXACT_ENOUGH_TOKENS;
    if (
      countTokens &&
      !nearlyExact &&
      tokens > budget * Math.min(COUNT_FRACTION, threshold)
    ) {
      try {
        const counted = await countTokens({
          model: args.model,
          system: args.system,
          messages: args.conversation.toMessages(),
          tools: args.tools
        });
        if (
          typeof counted === 'number' &&
          Number.isFinite(counted) &&
          counted > 0
        ) {
          tokens = counted;
          exact = true;
        }
      } catch (error) {
        // The estimate will do.
      }
      throwIfAborted(args.signal);
    }
    this._emitMeasure({ tokens, window, exact });
    if (tokens <= limit) {
      return null;
    }
    const before = tokens;
    const shortened = this._shorten(args, tokens, limit * TARGET_RATIO, false);
    tokens = shortened.tokens;
    let recap: { summarizedTurns: number; tokensAfter: number } | null = null;
    if (tokens > limit) {
      recap = await this._recap(
        args,
        this._options.keepRecentTurns ?? 2,
        before
      );
      if (recap) {
        tokens = recap.tokensAfter;
      }
    }
    return this._report(args, before, tokens, shortened.count, recap);
  }

  /**
   * Compact whatever the measure says (the "Compact and retry" action):
   * summarise everything but the most recent user turn, then shorten tool
   * results if still over the threshold. When no recap can be made (a single
   * user turn, or summarising failed), every tool result but those of the
   * latest reply is shortened instead. Only an abort rejects.
   */
  async forceCompact(args: ICompactionArgs): Promise<ICompactionReport | null> {
    const { window, budget } = this._budget(args);
    const limit = budget * this._threshold();
    const before = this._quickMeasure(args).tokens;
    this._emitMeasure({ tokens: before, window, exact: false });
    let tokens = before;
    const recap = await this._recap(args, 1, before);
    let count = 0;
    if (recap) {
      tokens = recap.tokensAfter;
      if (tokens > limit) {
        const shortened = this._shorten(
          args,
          tokens,
          limit * TARGET_RATIO,
          true
        );
        tokens = shortened.tokens;
        count = shortened.count;
      }
    } else {
      const shortened = this._shorten(args, tokens, 0, true);
      tokens = shortened.tokens;
      count = shortened.count;
    }
    return this._report(args, before, tokens, count, recap);
  }

  /** Emit and return the report of a compaction, or null when nothing changed. */
  private _report(
    args: ICompactionArgs,
    before: number,
    tokens: number,
    shortenedCalls: number,
    recap: { summarizedTurns: number } | null
  ): ICompactionReport | null {
    if (!shortenedCalls && !recap) {
      return null;
    }
    const report: ICompactionReport = {
      kind: recap ? 'recap' : 'tool-results',
      tokensBefore: before,
      tokensAfter: tokens,
      shortenedCalls,
      summarizedTurns: recap?.summarizedTurns ?? 0
    };
    this._emitMeasure({
      tokens,
      window: this._options.contextWindow(args.model),
      exact: false
    });
    this._compacted.emit(report);
    return report;
  }

  private _budget(args: { model: string; maxTokens: number }): {
    window: number;
    budget: number;
  } {
    const window = this._options.contextWindow(args.model);
    return {
      window,
      budget: Math.max(1, window - Math.max(0, args.maxTokens))
    };
  }

  private _threshold(): number {
    const value = this._options.threshold?.() ?? DEFAULT_THRESHOLD;
    return Number.isFinite(value) && value > 0
      ? Math.min(1, value)
      : DEFAULT_THRESHOLD;
  }

  /**
   * The request's size without the network: the last finished reply's usage
   * plus an estimate of what came after it, or an estimate of the whole.
   */
  private _quickMeasure(args: Omit<ICompactionArgs, 'signal'>): {
    tokens: number;
    fromUsage: boolean;
    estimated: number;
  } {
    const turns = args.conversation.turns;
    const stale = this._stale.get(args.conversation);
    for (let i = turns.length - 1; i > lastRecapIndex(turns); i--) {
      const turn = turns[i];
      if (
        turn.role !== 'assistant' ||
        !MEASURABLE.includes(turn.status) ||
        !turn.usage?.input_tokens
      ) {
        continue;
      }
      if (stale?.has(turn.id)) {
        // Its request was made before a compaction: no longer a good basis.
        break;
      }
      const usage = turn.usage;
      const rest = messagesOf(turns.slice(i), { endOnUser: false });
      if (rest[0]?.role === 'assistant') {
        rest.shift();
      }
      const estimated = rest.length ? estimateTokens({ messages: rest }) : 0;
      const tokens =
        usage.input_tokens +
        usage.cache_read_input_tokens +
        usage.cache_creation_input_tokens +
        usage.output_tokens +
        estimated;
      return { tokens, fromUsage: true, estimated };
    }
    const tokens = estimateTokens({
      system: args.system,
      messages: args.conversation.toMessages(),
      tools: args.tools
    });
    return { tokens, fromUsage: false, estimated: tokens };
  }

  /**
   * Shorten old tool results, oldest first, until the estimate is at most
   * `target`. Without `current`, the calls of the current user turn are left
   * alone; with it, only those of the latest reply are.
   */
  private _shorten(
    args: ICompactionArgs,
    tokens: number,
    target: number,
    current: boolean
  ): { tokens: number; count: number } {
    const chosen: string[] = [];
    for (const { call, saving } of shortenable(
      args.conversation.turns,
      current
    )) {
      if (tokens <= target) {
        break;
      }
      chosen.push(call.id);
      tokens -= saving;
    }
    if (!chosen.length) {
      return { tokens, count: 0 };
    }
    this._markStale(args.conversation);
    args.conversation.markCompacted(chosen);
    return { tokens: Math.max(0, tokens), count: chosen.length };
  }

  /**
   * Summarise the turns before the last `keep` user turns into a recap turn.
   * Null when there is nothing to summarise or summarising failed (the recap
   * is then marked 'failed'); an abort removes the recap and rejects.
   */
  private async _recap(
    args: ICompactionArgs,
    keep: number,
    tokensBefore: number
  ): Promise<{ summarizedTurns: number; tokensAfter: number } | null> {
    const { conversation, signal } = args;
    throwIfAborted(signal);
    const turns = conversation.turns;
    const cut = recapCut(turns, keep);
    if (cut < 0) {
      return null;
    }
    const old = turns.slice(0, cut);
    const summarizedTurns = old.filter(t => t.role !== 'recap').length;
    const request = this._summaryRequest(old, args.model);
    const recap = conversation.insertRecap(turns[cut].id, {
      status: 'summarizing',
      summarizedTurns,
      tokensBefore,
      model: args.model
    });
    if (!recap) {
      return null;
    }
    let text: string;
    try {
      text = String(
        (await this._options.summarize({ ...request, signal })) ?? ''
      ).trim();
      throwIfAborted(signal);
      if (!text) {
        throw new Error('The model returned an empty recap.');
      }
    } catch (error) {
      if (isAbort(error) || signal.aborted) {
        conversation.remove(recap.id);
        throw new AbortedError();
      }
      conversation.updateRecap(recap.id, {
        status: 'failed',
        error: error instanceof Error ? error.message : String(error)
      });
      return null;
    }
    const index = conversation.turns.findIndex(t => t.id === recap.id);
    const tokensAfter = estimateTokens({
      system: args.system,
      messages: messagesOf([
        { ...recap, status: 'done', text },
        ...conversation.turns.slice(index + 1)
      ]),
      tools: args.tools
    });
    this._markStale(conversation);
    conversation.updateRecap(recap.id, { status: 'done', text, tokensAfter });
    return { summarizedTurns, tokensAfter };
  }

  /**
   * The request that summarises `old`: its messages as a plain transcript
   * (tool calls and results as text, so the request needs no tools; long
   * results cut), then the recap instruction. When that would not fit in
   * the window, long blocks are cut shorter, and as a last resort the
   * earliest messages are left out.
   */
  private _summaryRequest(
    old: ReadonlyArray<Turn>,
    model: string
  ): Omit<ISummarizeRequest, 'signal'> {
    const source = messagesOf(old, { endOnUser: false });
    if (source[0]?.role === 'assistant') {
      source.unshift({
        role: 'user',
        content: [{ type: 'text', text: '(The conversation starts here.)' }]
      });
    }
    // The instruction and the "left out" note come on top.
    const room =
      (this._options.contextWindow(model) - RECAP_MAX_TOKENS) * 0.9 -
      Math.ceil((RECAP_INSTRUCTION.length + 200) / CHARS_PER_TOKEN);
    const fits = (messages: MessageParam[]) =>
      estimateTokens({ system: RECAP_SYSTEM, messages }) <= room;
    let messages = transcriptOf(source, Infinity, RECAP_RESULT_CHARS);
    for (const max of [RECAP_RESULT_CHARS, 1000, 300]) {
      if (fits(messages)) {
        break;
      }
      messages = transcriptOf(source, max, Math.min(max, RECAP_RESULT_CHARS));
    }
    let omitted = false;
    while (messages.length > 2 && !fits(messages)) {
      messages = messages.slice(2);
      omitted = true;
    }
    if (omitted) {
      const first = messages[0];
      messages[0] = {
        ...first,
        content: [
          {
            type: 'text',
            text: '[The earliest part of the conversation is left out: it was too long to summarise at once.]'
          },
          ...(first.content as ContentBlockParam[])
        ]
      } as MessageParam;
    }
    pushMessage(messages, 'user', [{ type: 'text', text: RECAP_INSTRUCTION }]);
    return {
      model,
      system: RECAP_SYSTEM,
      messages,
      maxTokens: RECAP_MAX_TOKENS
    };
  }

  /** The usage of replies made so far no longer describes the conversation. */
  private _markStale(conversation: ChatModel): void {
    let stale = this._stale.get(conversation);
    if (!stale) {
      stale = new Set();
      this._stale.set(conversation, stale);
    }
    for (const turn of conversation.turns) {
      if (turn.role === 'assistant' && turn.usage) {
        stale.add(turn.id);
      }
    }
  }

  private _emitMeasure(measure: IContextMeasure): void {
    this._lastMeasure = measure;
    this._measured.emit(measure);
  }

  private _options: ICompactorOptions;
  private _lastMeasure: IContextMeasure | null = null;
  private _stale = new WeakMap<ChatModel, Set<string>>();
  private _measured = new Signal<this, IContextMeasure>(this);
  private _compacted = new Signal<this, ICompactionReport>(this);
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) {
    throw new AbortedError();
  }
}

/**
 * Where a recap keeping the last `keep` user turns (at least one) would go:
 * the index of the first kept user turn, or -1 when there is no earlier
 * turn to summarise. Cutting before a user turn never separates a tool call
 * from its result.
 */
export function recapCut(turns: ReadonlyArray<Turn>, keep: number): number {
  const start = lastRecapIndex(turns) + 1;
  const users: number[] = [];
  for (let i = start; i < turns.length; i++) {
    if (turns[i].role === 'user') {
      users.push(i);
    }
  }
  const kept = Math.min(Math.max(1, Math.floor(keep)), users.length - 1);
  if (kept < 1) {
    return -1;
  }
  const cut = users[users.length - kept];
  // Something worth summarising must come before the cut.
  return turns.slice(start, cut).some(t => t.role !== 'recap') ? cut : -1;
}

/**
 * The tool calls whose results could be shortened, oldest first, with the
 * tokens each would save: finished calls sent in the request (after the last
 * recap), not yet shortened, before the current user turn (or, with
 * `current`, before the latest reply).
 */
function shortenable(
  turns: ReadonlyArray<Turn>,
  current: boolean
): { call: IToolCall; saving: number }[] {
  let end = turns.length;
  for (let i = turns.length - 1; i >= 0; i--) {
    const turn = turns[i];
    if (
      current
        ? turn.role === 'assistant' && turn.status !== 'waiting'
        : turn.role === 'user'
    ) {
      end = i;
      break;
    }
  }
  const out: { call: IToolCall; saving: number }[] = [];
  for (const turn of turns.slice(lastRecapIndex(turns) + 1, end)) {
    if (turn.role !== 'assistant') {
      continue;
    }
    for (const block of turn.blocks) {
      const call = block.type === 'tool' ? block.call : null;
      if (
        !call ||
        call.compacted ||
        (call.state !== 'done' && call.state !== 'failed')
      ) {
        continue;
      }
      const size = (c: IToolCall) =>
        estimateTokens({
          messages: [{ role: 'user', content: [toolResultBlock(c)] }]
        });
      const saving = size(call) - size({ ...call, compacted: true });
      if (saving > 0) {
        out.push({ call, saving });
      }
    }
  }
  return out;
}

function cut(text: string, max: number): string {
  return text.length <= max
    ? text
    : `${text.slice(0, max)}… [${text.length - max} more characters]`;
}

/**
 * Messages with tool calls and results (and images) turned into text, texts
 * cut at `textChars` and tool inputs and results at `toolChars`.
 */
function transcriptOf(
  messages: MessageParam[],
  textChars: number,
  toolChars: number
): MessageParam[] {
  const names = new Map<string, string>();
  return messages.map(message => {
    const blocks: ContentBlockParam[] =
      typeof message.content === 'string'
        ? [{ type: 'text', text: message.content }]
        : message.content;
    const content: ContentBlockParam[] = blocks.map(block => {
      switch (block.type) {
        case 'text':
          return { type: 'text', text: cut(block.text, textChars) };
        case 'tool_use':
          names.set(block.id, block.name);
          return {
            type: 'text',
            text: `[Tool call ${block.name}: ${cut(JSON.stringify(block.input), toolChars)}]`
          };
        case 'tool_result': {
          const parts =
            typeof block.content === 'string'
              ? [block.content]
              : (block.content ?? []).map(b =>
                  b.type === 'text' ? b.text : `[${b.type}]`
                );
          const name = names.get(block.tool_use_id) ?? 'a tool';
          return {
            type: 'text',
            text: `[Result of ${name}${block.is_error ? ' (an error)' : ''}: ${cut(parts.join('\n'), toolChars)}]`
          };
        }
        default:
          return { type: 'text', text: `[${block.type}]` };
      }
    });
    return { role: message.role, content } as MessageParam;
  });
}
