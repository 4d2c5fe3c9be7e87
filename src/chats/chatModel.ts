import type { MessageParam } from '@anthropic-ai/sdk/resources/messages';
import { UUID } from '@lumino/coreutils';
import { ISignal, Signal } from '@lumino/signaling';
import {
  IAssistantTurn,
  IAttachment,
  IRecapTurn,
  IToolCall,
  ITurnOverrides,
  IUsage,
  IUserTurn,
  INTERRUPTED_NOTICE,
  messagesOf,
  cleanOverrides,
  restoredTurns,
  textOfBlocks,
  Turn
} from './conversation';
import { CHAT_SCHEMA_VERSION, ISavedChat, titleOf } from './store';

/** A fresh, sortable chat id: the start time, then a random part. */
export function newChatId(): string {
  const stamp = new Date()
    .toISOString()
    .replace(/[-:.TZ]/g, '')
    .slice(0, 14);
  return `chat-${stamp}-${UUID.uuid4().slice(0, 8)}`;
}

/** A fresh turn id (unique across reloads, so saved chats never collide). */
export function newTurnId(prefix: 'u' | 'a' | 'r'): string {
  return `${prefix}-${UUID.uuid4()}`;
}

/** Everything a chat is made of when it is created or reopened. */
export interface IChatModelOptions {
  id?: string;
  /** The title the user gave the chat (null: taken from its first message). */
  title?: string | null;
  createdAt?: number;
  personaId?: string | null;
  /** The model chosen for this chat only. */
  modelId?: string | null;
  /** Tools allowed for this chat ("Allow for this chat"). */
  grants?: ReadonlyArray<string>;
  turns?: ReadonlyArray<Turn>;
}

/** A turn was added (`index` is where it now stands). */
export interface ITurnAdded {
  turn: Turn;
  index: number;
}

/** A turn was replaced by a changed copy. */
export interface ITurnChanged {
  turn: Turn;
  previous: Turn;
  index: number;
}

/** The chat's state besides its turns. */
export type ChatStateField = 'title' | 'personaId' | 'modelId' | 'grants';

const ZERO_USAGE: IUsage = {
  input_tokens: 0,
  output_tokens: 0,
  cache_read_input_tokens: 0,
  cache_creation_input_tokens: 0
};

/**
 * One chat, the single source of truth for it: identity, title, persona,
 * model, "allow for this chat" grants and turns. Turns are immutable: a
 * change replaces the turn (and the `turns` array) with a new object, so
 * views can memoise by identity. Every change bumps `revision`, which is
 * what the autosave compares. Free of DOM; saved with `toJSON`, reopened
 * with `ChatModel.fromJSON`.
 */
export class ChatModel {
  constructor(options: IChatModelOptions = {}) {
    this.id = options.id || newChatId();
    this.createdAt = options.createdAt ?? Date.now();
    this._title = cleanTitle(options.title);
    this._personaId = options.personaId ?? null;
    this._modelId = cleanTitle(options.modelId);
    this._grants = [...new Set(options.grants ?? [])].sort();
    this._turns = options.turns ? [...options.turns] : [];
  }

  /** Reopen a saved chat (version 1 or 2). Unfinished work becomes stopped/cancelled. */
  static fromJSON(chat: ISavedChat): ChatModel {
    const migrated = migrateSavedChat(chat);
    const turns = restoredTurns(migrated.turns);
    // A reply cut by the reload can be taken up again with Continue.
    const last = turns[turns.length - 1];
    if (last?.role === 'assistant' && last.notice === INTERRUPTED_NOTICE) {
      last.canContinue = true;
    }
    return new ChatModel({
      id: migrated.id,
      title: migrated.customTitle ? migrated.title : null,
      createdAt: migrated.createdAt,
      personaId: migrated.personaId,
      modelId: migrated.chatModel,
      grants: migrated.grants,
      turns
    });
  }

  readonly id: string;
  /** When the chat started (ms since the epoch). */
  readonly createdAt: number;

  /** Increases with every change (turns or state). */
  get revision(): number {
    return this._revision;
  }

  /** True until the chat has a turn: an empty chat is never saved. */
  get isEmpty(): boolean {
    return this._turns.length === 0;
  }

  // --- state ---------------------------------------------------------------

  /** The title the user gave the chat (null: `displayTitle` follows the first message). */
  get title(): string | null {
    return this._title;
  }

  /** The title to show: the user's, else the first message on one line. */
  get displayTitle(): string {
    return this._title ?? titleOf(this._turns);
  }

  setTitle(title: string | null | undefined): void {
    this._setState('title', cleanTitle(title));
  }

  /** The persona chosen for this chat (null: the default persona). */
  get personaId(): string | null {
    return this._personaId;
  }

  setPersonaId(id: string | null): void {
    this._setState('personaId', id || null);
  }

  /** The model id chosen for this chat only (null: persona or settings decide). Saved as `chatModel`. */
  get modelId(): string | null {
    return this._modelId;
  }

  setModelId(modelId: string | null | undefined): void {
    this._setState('modelId', cleanTitle(modelId));
  }

  /** The tools the user allowed for this chat, sorted. */
  get grants(): ReadonlyArray<string> {
    return this._grants;
  }

  hasGrant(tool: string): boolean {
    return this._grants.includes(tool);
  }

  /** Remember "Allow for this chat" for a tool. */
  grant(tool: string): void {
    if (!this.hasGrant(tool)) {
      this._setState('grants', [...this._grants, tool].sort());
    }
  }

  // --- turns ---------------------------------------------------------------

  get turns(): ReadonlyArray<Turn> {
    return this._turns;
  }

  /** The last turn, if any. */
  get last(): Turn | undefined {
    return this._turns[this._turns.length - 1];
  }

  /** The turn with this id, as it is now. */
  turn(id: string): Turn | undefined {
    return this._turns.find(t => t.id === id);
  }

  /** The token use of every reply so far, added up. */
  get usage(): IUsage {
    if (this._usageOf !== this._turns) {
      const total = { ...ZERO_USAGE };
      for (const turn of this._turns) {
        if (turn.role === 'assistant' && turn.usage) {
          for (const key of Object.keys(total) as Array<keyof IUsage>) {
            total[key] += turn.usage[key] ?? 0;
          }
        }
      }
      this._usage = total;
      this._usageOf = this._turns;
    }
    return this._usage;
  }

  /** The last user turn: the one that started the current (or last) turn of the agent loop. */
  get lastUser(): IUserTurn | undefined {
    for (let i = this._turns.length - 1; i >= 0; i--) {
      const turn = this._turns[i];
      if (turn.role === 'user') {
        return turn;
      }
    }
    return undefined;
  }

  /** Add the user's message; `overrides` (a prompt file's or hand-off's) are recorded on it. */
  addUser(
    text: string,
    attachments?: IAttachment[],
    overrides?: ITurnOverrides
  ): IUserTurn {
    const turn: IUserTurn = {
      id: newTurnId('u'),
      role: 'user',
      text,
      createdAt: Date.now()
    };
    if (attachments?.length) {
      turn.attachments = attachments;
    }
    const recorded = cleanOverrides(overrides);
    if (recorded) {
      turn.overrides = recorded;
    }
    this._add(turn, this._turns.length);
    return turn;
  }

  addAssistant(): IAssistantTurn {
    const turn: IAssistantTurn = {
      id: newTurnId('a'),
      role: 'assistant',
      blocks: [],
      text: '',
      status: 'waiting',
      createdAt: Date.now()
    };
    this._add(turn, this._turns.length);
    return turn;
  }

  /** Replace an assistant turn by a copy with `patch` applied; returns the new turn. */
  updateAssistant(
    id: string,
    patch: Partial<Omit<IAssistantTurn, 'id' | 'role'>>
  ): IAssistantTurn | undefined {
    return this._update(id, 'assistant', turn => {
      const next = { ...turn, ...patch };
      if (patch.blocks) {
        next.text = textOfBlocks(patch.blocks);
      }
      return next;
    });
  }

  /** Replace one tool call of an assistant turn by a patched copy (and the turn with it). */
  updateCall(turnId: string, callId: string, patch: Partial<IToolCall>): void {
    this._update(turnId, 'assistant', turn => {
      let found = false;
      const blocks = turn.blocks.map(block => {
        if (block.type === 'tool' && block.call.id === callId) {
          found = true;
          return { type: 'tool' as const, call: { ...block.call, ...patch } };
        }
        return block;
      });
      return found ? { ...turn, blocks } : turn;
    });
  }

  /** A tool call as it is now. */
  call(turnId: string, callId: string): IToolCall | undefined {
    const turn = this.turn(turnId);
    if (turn?.role !== 'assistant') {
      return undefined;
    }
    for (const block of turn.blocks) {
      if (block.type === 'tool' && block.call.id === callId) {
        return block.call;
      }
    }
    return undefined;
  }

  /**
   * Insert a recap right before the turn `beforeTurnId` (a user turn, so no
   * tool call is separated from its result). Null when there is no such turn.
   */
  insertRecap(
    beforeTurnId: string,
    fields: Partial<Omit<IRecapTurn, 'id' | 'role'>> = {}
  ): IRecapTurn | null {
    const index = this._turns.findIndex(t => t.id === beforeTurnId);
    if (index < 0) {
      return null;
    }
    const turn: IRecapTurn = {
      text: '',
      status: 'summarizing',
      createdAt: Date.now(),
      summarizedTurns: 0,
      tokensBefore: 0,
      ...fields,
      id: newTurnId('r'),
      role: 'recap'
    };
    this._add(turn, index);
    return turn;
  }

  /** Replace a recap by a patched copy. */
  updateRecap(
    id: string,
    patch: Partial<Omit<IRecapTurn, 'id' | 'role'>>
  ): void {
    this._update(id, 'recap', turn => ({ ...turn, ...patch }));
  }

  /**
   * Mark tool calls as shortened for the model (see `IToolCall.compacted`).
   * Returns how many calls changed.
   */
  markCompacted(callIds: Iterable<string>): number {
    const ids = new Set(callIds);
    let changed = 0;
    for (const turn of this._turns) {
      if (turn.role !== 'assistant') {
        continue;
      }
      const calls = turn.blocks.filter(
        b => b.type === 'tool' && ids.has(b.call.id) && !b.call.compacted
      );
      for (const block of calls) {
        if (block.type === 'tool') {
          this.updateCall(turn.id, block.call.id, { compacted: true });
          changed += 1;
        }
      }
    }
    return changed;
  }

  /** Take a turn out (e.g. a failed reply before Retry). */
  remove(id: string): void {
    const index = this._turns.findIndex(t => t.id === id);
    if (index >= 0) {
      const turn = this._turns[index];
      this._turns = [
        ...this._turns.slice(0, index),
        ...this._turns.slice(index + 1)
      ];
      this._changedTurns();
      this._turnRemoved.emit({ turn, index });
      this._changed.emit();
    }
  }

  /**
   * The API messages for this chat: always a valid request (see
   * `messagesOf`: every tool_use answered, failed replies left out, the last
   * done recap replacing the turns before it).
   */
  toMessages(): MessageParam[] {
    return messagesOf(this._turns);
  }

  /** The chat as saved (schema version `CHAT_SCHEMA_VERSION`). Turns are plain JSON already. */
  toJSON(): ISavedChat {
    return {
      version: CHAT_SCHEMA_VERSION,
      id: this.id,
      title: this.displayTitle,
      ...(this._title ? { customTitle: true } : {}),
      createdAt: this.createdAt,
      updatedAt: Date.now(),
      personaId: this._personaId,
      chatModel: this._modelId,
      grants: [...this._grants],
      usage: { ...this.usage },
      turns: [...this._turns]
    };
  }

  // --- signals -------------------------------------------------------------

  /** A turn was added (a message, a reply, a recap). */
  get turnAdded(): ISignal<this, ITurnAdded> {
    return this._turnAdded;
  }

  /** A turn was replaced by a changed copy (streamed text, a tool call's progress…). */
  get turnChanged(): ISignal<this, ITurnChanged> {
    return this._turnChanged;
  }

  /** A turn was removed. */
  get turnRemoved(): ISignal<this, ITurnAdded> {
    return this._turnRemoved;
  }

  /** Title, persona, model or grants changed. */
  get stateChanged(): ISignal<this, ChatStateField> {
    return this._stateChanged;
  }

  /** Anything changed (after the specific signal): what the autosave listens to. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Disconnect every listener (the chat is gone from the panel). */
  dispose(): void {
    Signal.clearData(this);
  }

  private _add(turn: Turn, index: number): void {
    this._turns = [
      ...this._turns.slice(0, index),
      turn,
      ...this._turns.slice(index)
    ];
    this._changedTurns();
    this._turnAdded.emit({ turn, index });
    this._changed.emit();
  }

  private _update<R extends Turn['role']>(
    id: string,
    role: R,
    change: (turn: Extract<Turn, { role: R }>) => Extract<Turn, { role: R }>
  ): Extract<Turn, { role: R }> | undefined {
    const index = this._turns.findIndex(t => t.id === id);
    const previous = this._turns[index];
    if (!previous || previous.role !== role) {
      return undefined;
    }
    const turn = change(previous as Extract<Turn, { role: R }>);
    if (turn === previous) {
      return turn;
    }
    const turns = this._turns.slice();
    turns[index] = turn;
    this._turns = turns;
    this._changedTurns();
    this._turnChanged.emit({ turn, previous, index });
    this._changed.emit();
    return turn;
  }

  private _changedTurns(): void {
    this._revision += 1;
  }

  private _setState(
    field: ChatStateField,
    value: string | null | string[]
  ): void {
    const self = this as unknown as Record<string, unknown>;
    const key = `_${field}`;
    if (JSON.stringify(self[key]) === JSON.stringify(value)) {
      return;
    }
    self[key] = value;
    this._revision += 1;
    this._stateChanged.emit(field);
    this._changed.emit();
  }

  private _title: string | null;
  private _personaId: string | null;
  private _modelId: string | null;
  private _grants: string[];
  private _turns: Turn[];
  private _revision = 0;
  private _usage: IUsage = ZERO_USAGE;
  private _usageOf: ReadonlyArray<Turn> | null = null;
  private _turnAdded = new Signal<this, ITurnAdded>(this);
  private _turnChanged = new Signal<this, ITurnChanged>(this);
  private _turnRemoved = new Signal<this, ITurnAdded>(this);
  private _stateChanged = new Signal<this, ChatStateField>(this);
  private _changed = new Signal<this, void>(this);
}

function cleanTitle(value: string | null | undefined): string | null {
  return value && value.trim() ? value.trim() : null;
}

/**
 * A saved chat in the current schema. Version 1 (before `ChatModel`) had
 * the same top-level fields and no usage totals; its turns carry no
 * structured tool data, which every reader treats as optional.
 */
export function migrateSavedChat(chat: ISavedChat): ISavedChat {
  const version = typeof chat.version === 'number' ? chat.version : 1;
  if (version > CHAT_SCHEMA_VERSION) {
    throw new Error(
      `The chat file is of a newer version (${version}) than this extension reads (${CHAT_SCHEMA_VERSION}).`
    );
  }
  const migrated: ISavedChat = {
    ...chat,
    version: CHAT_SCHEMA_VERSION,
    title: typeof chat.title === 'string' ? chat.title : '',
    personaId: chat.personaId ?? null,
    chatModel: chat.chatModel ?? null,
    grants: Array.isArray(chat.grants)
      ? chat.grants.filter(g => typeof g === 'string')
      : [],
    turns: Array.isArray(chat.turns) ? chat.turns : []
  };
  return migrated;
}
