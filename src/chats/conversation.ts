import { maskSecretsInCode } from '../secretText';
import type {
  ContentBlockParam,
  MessageParam,
  ToolResultBlockParam
} from '@anthropic-ai/sdk/resources/messages';
import type { IToolPreview, IToolResult } from '../tools/types';

/** Token counts of one reply, as the API reports them. */
export interface IUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
}

/** Where an assistant reply stands. */
export type ReplyStatus =
  'waiting' | 'streaming' | 'tools' | 'done' | 'stopped' | 'error';

/** Where a tool call stands. */
export type ToolCallState =
  | 'pending'
  | 'waiting_approval'
  | 'running'
  | 'done'
  | 'failed'
  | 'denied'
  | 'cancelled';

/** One tool call the model made, and what became of it. */
export interface IToolCall {
  id: string;
  name: string;
  input: unknown;
  state: ToolCallState;
  /** Why the user is asked (a risky input), when they are. */
  approvalReason?: string;
  /** Where `approvalReason` comes from: 'destructive' for a destructive-code check, else unset. */
  approvalReasonKind?: 'destructive';
  preview?: IToolPreview;
  result?: IToolResult;
  /** The user's reason for a denial, passed to the model. */
  denyReason?: string;
  /** How the call was allowed (auto, once, chat). */
  allowedBy?: 'auto' | 'once' | 'chat';
  durationMs?: number;
  /**
   * Set when the result was shortened to save context: the model then gets
   * the start of it and a note (see `toolResultBlock`); the full result
   * stays here, saved and shown.
   */
  compacted?: boolean;
}

export type AssistantBlock =
  { type: 'text'; text: string } | { type: 'tool'; call: IToolCall };

/** Extra context the user attached to a message (e.g. an @variable summary). */
export interface IAttachment {
  /** What it is, shown on the message ("@df"). */
  label: string;
  /** The text the model gets. */
  text: string;
}

/**
 * What a prompt file or a hand-off sets for the turn a user message starts:
 * the model (a name or a prioritized list, resolved as persona models are)
 * and the tools (narrowing the persona's). Recorded on the user turn, so
 * Retry, Continue, Compact-and-retry and a reloaded chat use them again.
 */
export interface ITurnOverrides {
  model?: string | string[];
  tools?: string[];
}

export interface IUserTurn {
  id: string;
  role: 'user';
  text: string;
  attachments?: IAttachment[];
  /** The turn's model and tools when a prompt file or hand-off set them. */
  overrides?: ITurnOverrides;
  createdAt: number;
}

/** One model response (a step of the agent loop). */
export interface IAssistantTurn {
  id: string;
  role: 'assistant';
  /** The response's text and tool calls, in order. */
  blocks: AssistantBlock[];
  /** The text blocks joined (what the user reads). */
  text: string;
  status: ReplyStatus;
  createdAt: number;
  model?: string;
  /** The persona that wrote the reply. */
  personaId?: string;
  stopReason?: string | null;
  usage?: IUsage;
  error?: IChatError;
  /** A notice for the user (step limit reached, refusal...). */
  notice?: string;
  /** Whether a Continue action makes sense after this reply. */
  canContinue?: boolean;
}

/** Where a recap stands. */
export type RecapStatus = 'summarizing' | 'done' | 'failed';

/**
 * A recap of the turns before it, written by the model when the
 * conversation grew too long for its context window. The turns before it
 * stay in the conversation (the full history the user can open), but once
 * the recap is 'done' the model only gets the recap and the turns after it.
 * A recap always stands right before a user turn.
 */
export interface IRecapTurn {
  id: string;
  role: 'recap';
  /** The recap itself (empty while summarising). */
  text: string;
  status: RecapStatus;
  createdAt: number;
  /** How many user and assistant turns it replaces (all the turns before it). */
  summarizedTurns: number;
  /** The request's size before the recap, in tokens (estimated or counted). */
  tokensBefore: number;
  /** The request's estimated size with the recap. */
  tokensAfter?: number;
  /** The model that wrote it. */
  model?: string;
  /** Why summarising failed, when it did. */
  error?: string;
}

export type Turn = IUserTurn | IAssistantTurn | IRecapTurn;

/** What the model is told about a tool call that produced no result. */
export const CANCELLED_RESULT = 'Cancelled by the user before it finished.';

/** How many characters of a shortened tool result the model still gets. */
export const SHORTENED_RESULT_CHARS = 400;

/** What the model gets instead of an image of a shortened tool result. */
export const REMOVED_IMAGE_NOTE =
  '[An image of this result was removed to save context.]';

/**
 * A tool result as sent once it is shortened: the first
 * `SHORTENED_RESULT_CHARS` characters of its text and a note saying how long
 * it was; images become a one-line note. A result that is short already and
 * has no image is returned as it is.
 */
export function shortenedResult(
  content: IToolResult['content']
): IToolResult['content'] {
  const texts: string[] = [];
  let images = 0;
  if (typeof content === 'string') {
    texts.push(content);
  } else {
    for (const block of content ?? []) {
      if (block.type === 'text') {
        texts.push(block.text);
      } else {
        images += 1;
      }
    }
  }
  const text = texts.join('\n');
  if (!images && text.length <= SHORTENED_RESULT_CHARS) {
    return content;
  }
  const parts: string[] = [];
  if (text.length > SHORTENED_RESULT_CHARS) {
    let end = SHORTENED_RESULT_CHARS;
    // Never split a surrogate pair.
    const code = text.charCodeAt(end - 1);
    if (code >= 0xd800 && code <= 0xdbff) {
      end -= 1;
    }
    parts.push(
      `${text.slice(0, end)}…`,
      `[Shortened to save context: the full result was ${text.length} characters. Run the tool again if you need it.]`
    );
  } else if (text) {
    parts.push(text);
  }
  for (let i = 0; i < images; i++) {
    parts.push(REMOVED_IMAGE_NOTE);
  }
  return parts.join('\n\n');
}

/** The tool_result block for a call, whatever state it ended in. */
export function toolResultBlock(call: IToolCall): ToolResultBlockParam {
  switch (call.state) {
    case 'done':
    case 'failed': {
      const content = call.result?.content ?? '';
      return {
        type: 'tool_result',
        tool_use_id: call.id,
        content: (call.compacted
          ? shortenedResult(content)
          : content) as ToolResultBlockParam['content'],
        ...(call.state === 'failed' || call.result?.isError
          ? { is_error: true }
          : {})
      };
    }
    case 'denied':
      return {
        type: 'tool_result',
        tool_use_id: call.id,
        content: call.denyReason
          ? `The user denied this tool call. Their reason: ${call.denyReason}`
          : 'The user denied this tool call.',
        is_error: true
      };
    default:
      return {
        type: 'tool_result',
        tool_use_id: call.id,
        content: CANCELLED_RESULT,
        is_error: true
      };
  }
}

/** The index of the last 'done' recap, or -1. */
export function lastRecapIndex(turns: ReadonlyArray<Turn>): number {
  for (let i = turns.length - 1; i >= 0; i--) {
    const turn = turns[i];
    if (turn.role === 'recap' && turn.status === 'done') {
      return i;
    }
  }
  return -1;
}

/** The text of the user message that carries a recap to the model. */
export function recapMessageText(text: string): string {
  return `<conversation-recap>\nThe earlier part of this conversation was summarised to save context. Recap:\n\n${text.trim()}\n</conversation-recap>`;
}

/**
 * Add content to a message list, merging it into the last message when that
 * one has the same role (tool_result blocks first in a user message, as the
 * API requires).
 */
export function pushMessage(
  messages: MessageParam[],
  role: 'user' | 'assistant',
  content: ContentBlockParam[]
): void {
  if (!content.length) {
    return;
  }
  const previous = messages[messages.length - 1];
  if (previous && previous.role === role) {
    const before: ContentBlockParam[] =
      typeof previous.content === 'string'
        ? [{ type: 'text', text: previous.content }]
        : previous.content;
    previous.content =
      role === 'user'
        ? [
            ...before.filter(b => b.type === 'tool_result'),
            ...content.filter(b => b.type === 'tool_result'),
            ...before.filter(b => b.type !== 'tool_result'),
            ...content.filter(b => b.type !== 'tool_result')
          ]
        : [...before, ...content];
  } else {
    messages.push({ role, content: [...content] });
  }
}

/**
 * The API messages for a list of turns (see `Conversation.toMessages`).
 * With `endOnUser: false` a trailing assistant message is kept (for a
 * transcript that a further user message will follow).
 */
export function messagesOf(
  turns: ReadonlyArray<Turn>,
  options: { endOnUser?: boolean } = {}
): MessageParam[] {
  const messages: MessageParam[] = [];
  const push = (role: 'user' | 'assistant', content: ContentBlockParam[]) =>
    pushMessage(messages, role, content);
  const recapIndex = lastRecapIndex(turns);
  if (recapIndex >= 0) {
    push('user', [
      {
        type: 'text',
        text: recapMessageText((turns[recapIndex] as IRecapTurn).text)
      }
    ]);
  }
  for (const turn of turns.slice(recapIndex + 1)) {
    if (turn.role === 'recap') {
      // Only the last done recap counts; others (failed, summarising) are notes.
      continue;
    }
    if (turn.role === 'user') {
      push('user', [
        { type: 'text', text: turn.text },
        ...(turn.attachments ?? []).map(
          a =>
            ({
              type: 'text',
              text: `<attachment label="${a.label}">\n${maskSecretsInCode(a.text)}\n</attachment>`
            }) as ContentBlockParam
        )
      ]);
      continue;
    }
    if (turn.status === 'waiting') {
      continue;
    }
    const content: ContentBlockParam[] = [];
    const calls: IToolCall[] = [];
    for (const block of turn.blocks) {
      if (block.type === 'text') {
        if (block.text.trim()) {
          content.push({ type: 'text', text: block.text });
        }
      } else if (isCompleteInput(block.call.input)) {
        content.push({
          type: 'tool_use',
          id: block.call.id,
          name: block.call.name,
          input: block.call.input as Record<string, unknown>
        });
        calls.push(block.call);
      }
    }
    if (turn.status === 'error' && !calls.length) {
      continue;
    }
    push('assistant', content);
    push('user', calls.map(toolResultBlock));
  }
  if (options.endOnUser !== false) {
    // A request must end on the user's side.
    while (messages.length && messages[messages.length - 1].role !== 'user') {
      messages.pop();
    }
  }
  return messages;
}

/** The text blocks of a reply, joined. */
export function textOfBlocks(blocks: AssistantBlock[]): string {
  return blocks
    .filter(block => block.type === 'text')
    .map(block => (block as { text: string }).text)
    .join('\n\n');
}

/** A tool input is sendable once it is a parsed object (not a half-streamed one). */
function isCompleteInput(input: unknown): boolean {
  return typeof input === 'object' && input !== null && !Array.isArray(input);
}

/** A turn as saved: plain JSON data. */
export type ISerializedTurn = Turn;

/** What a reply interrupted by a reload says. */
export const INTERRUPTED_NOTICE = 'Interrupted (the page was reloaded).';

const UNFINISHED_REPLY: ReadonlyArray<ReplyStatus> = [
  'waiting',
  'streaming',
  'tools'
];
const UNFINISHED_CALL: ReadonlyArray<ToolCallState> = [
  'pending',
  'waiting_approval',
  'running'
];

/**
 * Saved turns made safe to continue from: a deep copy where unfinished
 * replies are 'stopped' (with a notice), unfinished tool calls 'cancelled',
 * and recaps that were still being written are dropped (the turns they were
 * to replace are all there).
 */
export function restoredTurns(turns: ReadonlyArray<ISerializedTurn>): Turn[] {
  const copy: Turn[] = (JSON.parse(JSON.stringify(turns)) as Turn[]).filter(
    turn =>
      turn.role !== 'recap' ||
      turn.status === 'done' ||
      turn.status === 'failed'
  );
  for (const turn of copy) {
    if (turn.role === 'recap') {
      if (typeof turn.text !== 'string') {
        turn.text = '';
      }
      if (turn.status === 'done' && !turn.text.trim()) {
        // A recap without text would hide the history for nothing.
        turn.status = 'failed';
      }
      continue;
    }
    if (turn.role === 'user') {
      const overrides = cleanOverrides(turn.overrides);
      if (overrides) {
        turn.overrides = overrides;
      } else {
        delete turn.overrides;
      }
      continue;
    }
    if (turn.role !== 'assistant') {
      continue;
    }
    if (!Array.isArray(turn.blocks)) {
      turn.blocks = [];
    }
    if (UNFINISHED_REPLY.includes(turn.status)) {
      turn.status = 'stopped';
      turn.notice = INTERRUPTED_NOTICE;
    }
    for (const block of turn.blocks) {
      if (block.type === 'tool' && UNFINISHED_CALL.includes(block.call.state)) {
        block.call.state = 'cancelled';
      }
    }
  }
  return copy;
}

/**
 * Overrides as they may be recorded: a model name or a list of names, a list
 * of tool names; anything else (a hand-edited file) is left out. Undefined
 * when nothing is left.
 */
export function cleanOverrides(value: unknown): ITurnOverrides | undefined {
  if (!value || typeof value !== 'object') {
    return undefined;
  }
  const { model, tools } = value as Record<string, unknown>;
  const names = (list: unknown[]) =>
    list.filter((n): n is string => typeof n === 'string' && !!n.trim());
  const out: ITurnOverrides = {};
  if (typeof model === 'string' && model.trim()) {
    out.model = model;
  } else if (Array.isArray(model) && names(model).length) {
    out.model = names(model);
  }
  if (Array.isArray(tools)) {
    out.tools = names(tools);
  }
  return out.model !== undefined || out.tools !== undefined ? out : undefined;
}

/** The causes a user can act on, each with its own wording and remedy. */
export type ChatErrorKind =
  | 'no_key'
  | 'no_server_extension'
  | 'auth'
  | 'permission'
  | 'session'
  | 'rate_limit'
  | 'overloaded'
  | 'too_long'
  | 'context_too_long'
  | 'bad_request'
  | 'not_found'
  | 'server'
  | 'upstream_unreachable'
  | 'network'
  | 'stream'
  | 'unknown';

/** An error turned into plain words. `message` is never the API key. */
export interface IChatError {
  kind: ChatErrorKind;
  /** What happened, in plain words, for the conversation. */
  message: string;
  /** The upstream's own text, if any, for details. */
  detail?: string;
  /** Seconds to wait before retrying, when the server said. */
  retryAfterSeconds?: number;
  /** Whether a Retry action makes sense. */
  retryable: boolean;
  status?: number;
  requestId?: string;
}
