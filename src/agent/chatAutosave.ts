import { ISignal, Signal } from '@lumino/signaling';
import { CHAT_SCHEMA_VERSION, ChatStore, ISavedChat, titleOf } from './chatStore';
import type { ISerializedTurn } from './conversation';

export interface IChatAutosaveOptions {
  /** The chat as it is now; null when there is nothing to save (e.g. an empty chat). */
  chat: () => ISavedChat | null;
  store: ChatStore;
  /** Quiet time before a scheduled save, in ms (default 500). */
  debounceMs?: number;
  /**
   * Longest wait for a save while changes keep coming (a streaming reply),
   * in ms (default 2000): a reload mid-stream then loses at most that much.
   */
  maxWaitMs?: number;
}

/** Why an autosave failed. */
export interface IAutosaveFailure {
  chatId: string | null;
  error: unknown;
}

/**
 * Saves a chat after changes: `schedule()` on every change (debounced),
 * `flush()` to save now. One save runs at a time; changes during a save lead
 * to one more save after it. Failures are reported on `failed`, never thrown.
 */
export class ChatAutosave {
  constructor(options: IChatAutosaveOptions) {
    this._options = options;
  }

  /** How long the last save took (serialising and writing), in ms. */
  lastSaveMs: number | null = null;

  /** Emitted when a save fails (each time). */
  get failed(): ISignal<this, IAutosaveFailure> {
    return this._failed;
  }

  /** Whether a save is pending or running. */
  get busy(): boolean {
    return this._timer !== null || this._running !== null;
  }

  /** Whether a change was scheduled and is not saved yet. */
  get pending(): boolean {
    return this._pending;
  }

  /** Save now if a change is pending (else nothing: an unchanged chat is not written again). */
  flushPending(): Promise<void> {
    return this._pending || this._running ? this.flush() : Promise.resolve();
  }

  /** Save after `debounceMs` without further calls. */
  schedule(): void {
    if (this._disposed) {
      return;
    }
    this._pending = true;
    this._clearTimer();
    const now = Date.now();
    this._pendingSince ??= now;
    const debounce = this._options.debounceMs ?? 500;
    const deadline = this._pendingSince + (this._options.maxWaitMs ?? 2000);
    this._timer = setTimeout(() => {
      this._timer = null;
      void this.flush();
    }, Math.max(0, Math.min(debounce, deadline - now)));
  }

  /** Save now (after the running save, if any); resolves when the chat as it is now is saved or failed. */
  flush(): Promise<void> {
    this._clearTimer();
    this._pendingSince = null;
    if (this._running) {
      this._again = true;
      return this._running;
    }
    this._running = this._loop().finally(() => {
      this._running = null;
    });
    return this._running;
  }

  /** Stop scheduled saves (a running one completes). */
  dispose(): void {
    this._disposed = true;
    this._clearTimer();
  }

  private async _loop(): Promise<void> {
    do {
      this._again = false;
      this._pending = false;
      let chat: ISavedChat | null = null;
      try {
        const started = Date.now();
        chat = this._options.chat();
        if (chat) {
          await this._options.store.save(chat);
          this.lastSaveMs = Date.now() - started;
        }
      } catch (error) {
        this._failed.emit({ chatId: chat?.id ?? null, error });
      }
    } while (this._again);
  }

  private _clearTimer(): void {
    if (this._timer !== null) {
      clearTimeout(this._timer);
      this._timer = null;
    }
  }

  private _options: IChatAutosaveOptions;
  private _timer: ReturnType<typeof setTimeout> | null = null;
  private _running: Promise<void> | null = null;
  private _again = false;
  private _disposed = false;
  private _pending = false;
  /** When the first change not yet saved was scheduled. */
  private _pendingSince: number | null = null;
  private _failed = new Signal<this, IAutosaveFailure>(this);
}

/** What a saved chat is taken from and restored into (an `Assistant` fits). */
export interface IChatHost {
  readonly chatId: string;
  readonly persona: { id: string } | null;
  readonly chatModel: string | null;
  /** The title the user gave the chat, if any. */
  readonly title: string | null;
  createdAt: number;
  readonly approval: { readonly chatGrants: string[]; reset(grants?: string[]): void };
  readonly conversation: {
    readonly turns: ReadonlyArray<ISerializedTurn>;
    toJSON(): ISerializedTurn[];
    restore(turns: ReadonlyArray<ISerializedTurn>): void;
  };
  /** Switch to a chat: a fresh one, or the one with this id (then filled by `applySavedChat`). */
  startChat(id?: string): void;
  setPersona(id: string): void;
  setChatModel(model: string | null): void;
  setTitle(title: string | null): void;
}

/** The chat to save, or null for an empty one. */
export function savedChatOf(host: IChatHost): ISavedChat | null {
  if (!host.conversation.turns.length) {
    return null;
  }
  const turns = host.conversation.toJSON();
  return {
    version: CHAT_SCHEMA_VERSION,
    id: host.chatId,
    title: host.title ?? titleOf(turns),
    ...(host.title ? { customTitle: true } : {}),
    createdAt: host.createdAt,
    updatedAt: Date.now(),
    personaId: host.persona?.id ?? null,
    chatModel: host.chatModel,
    grants: host.approval.chatGrants,
    turns
  };
}

/** Make the host speak in a saved chat: its id, conversation, persona, model, grants and title. */
export function applySavedChat(host: IChatHost, chat: ISavedChat): void {
  host.startChat(chat.id);
  host.createdAt = chat.createdAt;
  if (chat.personaId) {
    host.setPersona(chat.personaId);
  }
  host.setChatModel(chat.chatModel);
  host.setTitle(chat.customTitle ? chat.title : null);
  host.approval.reset(chat.grants);
  host.conversation.restore(chat.turns);
}
