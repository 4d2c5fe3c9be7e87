import type {
  ContentBlockParam,
  MessageParam,
  ToolResultBlockParam
} from '@anthropic-ai/sdk/resources/messages';
import { ISignal, Signal } from '@lumino/signaling';
import type { IToolPreview, IToolResult } from '../tools/types';
import type { IChatError } from './errors';

/** Token counts of one reply, as the API reports them. */
export interface IUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
}

/** Where an assistant reply stands. */
export type ReplyStatus = 'waiting' | 'streaming' | 'tools' | 'done' | 'stopped' | 'error';

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
  preview?: IToolPreview;
  result?: IToolResult;
  /** The user's reason for a denial, passed to the model. */
  denyReason?: string;
  /** How the call was allowed (auto, once, chat). */
  allowedBy?: 'auto' | 'once' | 'chat';
  durationMs?: number;
}

export type AssistantBlock = { type: 'text'; text: string } | { type: 'tool'; call: IToolCall };

/** Extra context the user attached to a message (e.g. an @variable summary). */
export interface IAttachment {
  /** What it is, shown on the message ("@df"). */
  label: string;
  /** The text the model gets. */
  text: string;
}

export interface IUserTurn {
  id: string;
  role: 'user';
  text: string;
  attachments?: IAttachment[];
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

export type Turn = IUserTurn | IAssistantTurn;

let counter = 0;
function newId(prefix: string): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}`;
}

/** What the model is told about a tool call that produced no result. */
export const CANCELLED_RESULT = 'Cancelled by the user before it finished.';

/** The tool_result block for a call, whatever state it ended in. */
export function toolResultBlock(call: IToolCall): ToolResultBlockParam {
  switch (call.state) {
    case 'done':
    case 'failed':
      return {
        type: 'tool_result',
        tool_use_id: call.id,
        content: (call.result?.content ?? '') as ToolResultBlockParam['content'],
        ...(call.state === 'failed' || call.result?.isError ? { is_error: true } : {})
      };
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
      return { type: 'tool_result', tool_use_id: call.id, content: CANCELLED_RESULT, is_error: true };
  }
}

/**
 * The conversation of one chat: the single source of truth the UI renders.
 * Free of DOM so it can be unit-tested and persisted.
 */
export class Conversation {
  get turns(): ReadonlyArray<Turn> {
    return this._turns;
  }

  /** Emitted after any change; the argument is the changed turn, if one. */
  get changed(): ISignal<this, Turn | null> {
    return this._changed;
  }

  addUser(text: string, attachments?: IAttachment[]): IUserTurn {
    const turn: IUserTurn = { id: newId('u'), role: 'user', text, createdAt: Date.now() };
    if (attachments?.length) {
      turn.attachments = attachments;
    }
    this._turns.push(turn);
    this._changed.emit(turn);
    return turn;
  }

  addAssistant(): IAssistantTurn {
    const turn: IAssistantTurn = {
      id: newId('a'),
      role: 'assistant',
      blocks: [],
      text: '',
      status: 'waiting',
      createdAt: Date.now()
    };
    this._turns.push(turn);
    this._changed.emit(turn);
    return turn;
  }

  /** Change an assistant turn in place and notify. */
  updateAssistant(id: string, patch: Partial<Omit<IAssistantTurn, 'id' | 'role'>>): void {
    const turn = this._turns.find(t => t.id === id);
    if (!turn || turn.role !== 'assistant') {
      return;
    }
    Object.assign(turn, patch);
    if (patch.blocks) {
      turn.text = textOfBlocks(turn.blocks);
    }
    this._changed.emit(turn);
  }

  /** Change a tool call in place and notify. */
  updateCall(turnId: string, callId: string, patch: Partial<IToolCall>): void {
    const turn = this._turns.find(t => t.id === turnId);
    if (!turn || turn.role !== 'assistant') {
      return;
    }
    for (const block of turn.blocks) {
      if (block.type === 'tool' && block.call.id === callId) {
        Object.assign(block.call, patch);
        this._changed.emit(turn);
        return;
      }
    }
  }

  remove(id: string): void {
    const index = this._turns.findIndex(t => t.id === id);
    if (index >= 0) {
      this._turns.splice(index, 1);
      this._changed.emit(null);
    }
  }

  clear(): void {
    this._turns = [];
    this._changed.emit(null);
  }

  /** The last turn, if any. */
  get last(): Turn | undefined {
    return this._turns[this._turns.length - 1];
  }

  /**
   * The API messages for this conversation. Every tool_use gets its
   * tool_result (a cancelled or interrupted call gets "cancelled by the
   * user"), failed and empty replies are left out, and consecutive messages
   * of one role are merged, so the result is always a valid request.
   */
  toMessages(): MessageParam[] {
    const messages: MessageParam[] = [];
    const push = (role: 'user' | 'assistant', content: ContentBlockParam[]) => {
      if (!content.length) {
        return;
      }
      const previous = messages[messages.length - 1];
      if (previous && previous.role === role) {
        const before = previous.content as ContentBlockParam[];
        // tool_result blocks must open a user message.
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
    };
    for (const turn of this._turns) {
      if (turn.role === 'user') {
        push('user', [
          { type: 'text', text: turn.text },
          ...(turn.attachments ?? []).map(
            a => ({ type: 'text', text: `<attachment label="${a.label}">\n${a.text}\n</attachment>` }) as ContentBlockParam
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
    // A request must end on the user's side.
    while (messages.length && messages[messages.length - 1].role !== 'user') {
      messages.pop();
    }
    return messages;
  }

  /**
   * The turns as plain JSON data (a deep copy), for saving the chat.
   * Tool results with images are kept as they are (base64 text).
   */
  toJSON(): ISerializedTurn[] {
    return JSON.parse(JSON.stringify(this._turns));
  }

  /**
   * Replace the turns with saved ones (ids kept) and notify. Work that was
   * under way when the chat was saved cannot resume: such replies become
   * 'stopped' with a notice, and their unfinished tool calls 'cancelled', so
   * `toMessages()` stays a valid request.
   */
  restore(turns: ReadonlyArray<ISerializedTurn>): void {
    this._turns = restoredTurns(turns);
    this._changed.emit(null);
  }

  private _turns: Turn[] = [];
  private _changed = new Signal<this, Turn | null>(this);
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

const UNFINISHED_REPLY: ReadonlyArray<ReplyStatus> = ['waiting', 'streaming', 'tools'];
const UNFINISHED_CALL: ReadonlyArray<ToolCallState> = ['pending', 'waiting_approval', 'running'];

/**
 * Saved turns made safe to continue from: a deep copy where unfinished
 * replies are 'stopped' (with a notice) and unfinished tool calls 'cancelled'.
 */
export function restoredTurns(turns: ReadonlyArray<ISerializedTurn>): Turn[] {
  const copy: Turn[] = JSON.parse(JSON.stringify(turns));
  for (const turn of copy) {
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
