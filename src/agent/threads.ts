import { ISignal, Signal } from '@lumino/signaling';
import { applySavedChat, ChatAutosave, IChatHost, savedChatOf } from './chatAutosave';
import { ChatFileError, ChatStore, IChatListEntry, ISavedChat } from './chatStore';
import { INTERRUPTED_NOTICE } from './conversation';

/** What the threads need from the chat besides `IChatHost`: change and busy signals. */
export interface IThreadHost extends IChatHost {
  readonly conversation: IChatHost['conversation'] & { readonly changed: ISignal<any, any> };
  /** Emitted when persona, model, title or chat change. */
  readonly stateChanged: ISignal<any, void>;
  readonly session: {
    readonly busy: boolean;
    readonly busyChanged: ISignal<any, boolean>;
    stop(): void;
  };
}

export interface IChatThreadsOptions {
  host: IThreadHost;
  store: ChatStore;
  debounceMs?: number;
  maxWaitMs?: number;
  trans?: (text: string, ...args: any[]) => string;
}

/** A row of the chat list: a saved chat, or the current one before its first save. */
export interface IThreadEntry extends IChatListEntry {
  current: boolean;
}

const identity = (text: string, ...args: any[]) =>
  args.reduce<string>((out, arg, i) => out.replace(`%${i + 1}`, String(arg)), text);

/**
 * The user's chats: saves the current one as it changes (debounced, and at
 * once when a turn ends), restores it after a reload, and switches, renames,
 * deletes and searches saved ones. A chat file that cannot be read is
 * reported and never written over.
 */
export class ChatThreads {
  constructor(options: IChatThreadsOptions) {
    this._host = options.host;
    this._store = options.store;
    this._trans = options.trans ?? identity;
    this.autosave = new ChatAutosave({
      store: options.store,
      chat: () => (this._suspended ? null : savedChatOf(this._host)),
      debounceMs: options.debounceMs,
      maxWaitMs: options.maxWaitMs
    });
    this.autosave.failed.connect((_, failure) => {
      const reason =
        failure.error instanceof ChatFileError
          ? failure.error.message
          : (failure.error as Error)?.message ?? String(failure.error);
      this._setProblem(this._trans('This chat could not be saved: %1', reason));
    });
    this._host.conversation.changed.connect(this._schedule, this);
    this._host.stateChanged.connect(this._schedule, this);
    this._host.session.busyChanged.connect(this._onBusy, this);
  }

  readonly autosave: ChatAutosave;

  /** How long the last restore took: reading and parsing the file, then filling the chat. */
  lastRestore: { loadMs: number; applyMs: number; turns: number } | null = null;

  /** A message for the user about saving or opening chats; null when all is well. */
  get problem(): string | null {
    return this._problem;
  }

  /** Emitted when `problem` changes or the list of chats may have changed. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get store(): ChatStore {
    return this._store;
  }

  /**
   * Reopen a chat after a reload. A missing file keeps the id (nothing was
   * said yet); an unreadable one is reported and a new chat is started, so
   * the file is never written over. `ready` is what must happen before the
   * chat's persona can be set (the personas loading); as a function it is
   * started only once the chat is shown, so it does not slow the reading.
   */
  async restore(id: string | null, ready?: Promise<unknown> | (() => Promise<unknown>)): Promise<void> {
    if (!id) {
      return;
    }
    try {
      const started = now();
      const chat = await this._store.load(id);
      const loaded = now();
      if (this._host.conversation.turns.length || this._host.chatId !== id) {
        return; // the user started something else meanwhile
      }
      this._apply(chat);
      this.lastRestore = { loadMs: loaded - started, applyMs: now() - loaded, turns: chat.turns.length };
      // The personas load meanwhile (`ready`): the chat is shown at once and
      // its persona set when known. State signals until then are the
      // personas arriving, not changes of the chat: they do not cause a save.
      if (ready) {
        this._settling = true;
        await (typeof ready === 'function' ? ready() : ready).catch(() => undefined);
        this._settling = false;
        if (this._host.chatId === id) {
          this._quietly(() => {
            if (chat.personaId && this._host.persona?.id !== chat.personaId) {
              this._host.setPersona(chat.personaId);
            }
          });
        }
      }
    } catch (error) {
      if (error instanceof ChatFileError && error.kind === 'missing') {
        return;
      }
      this._suspended = true;
      this._host.startChat();
      this._suspended = false;
      this._setProblem(this._trans('The last chat could not be reopened: %1', messageOf(error)));
    }
  }

  /** Save the current chat now if it changed since its last save (e.g. before switching). */
  async flush(): Promise<void> {
    await this.autosave.flushPending();
  }

  /** Switch to a saved chat (the current one is saved first). False with `problem` set when it cannot be opened. */
  async open(id: string): Promise<boolean> {
    if (id === this._host.chatId) {
      return true;
    }
    let chat: ISavedChat;
    try {
      chat = await this._store.load(id);
    } catch (error) {
      this._setProblem(this._trans('The chat could not be opened: %1', messageOf(error)));
      return false;
    }
    await this._stopAndSave();
    this._apply(chat);
    this._setProblem(null);
    return true;
  }

  /** Start a new chat (the current one is saved first). */
  async newChat(): Promise<void> {
    await this._stopAndSave();
    this._suspended = true;
    this._host.startChat();
    this._suspended = false;
    this._setProblem(null);
    this._changed.emit();
  }

  /** Give a chat a title (an empty one goes back to the first message). */
  async rename(id: string, title: string): Promise<void> {
    if (id === this._host.chatId) {
      this._host.setTitle(title);
      await this.flush();
    } else {
      const chat = await this._store.load(id);
      const custom = title.trim();
      await this._store.save({
        ...chat,
        title: custom || chat.title,
        customTitle: custom ? true : undefined
      });
    }
    this._changed.emit();
  }

  /** Delete a saved chat; deleting the current one starts a new chat. */
  async remove(id: string): Promise<void> {
    if (id === this._host.chatId) {
      await this._stopAndSave();
      this._suspended = true;
      this._host.startChat();
      this._suspended = false;
    }
    // The store runs this after any save still under way, so nothing brings the file back.
    await this._store.delete(id);
    this._searchCache.delete(id);
    this._changed.emit();
  }

  /**
   * The chats, most recent first, with the current one marked (and listed
   * even before its first save). With `query`, only chats whose title or
   * messages contain it (case-insensitive).
   */
  async list(query = ''): Promise<IThreadEntry[]> {
    const saved = await this._store.list();
    const current = this._host.chatId;
    const entries: IThreadEntry[] = saved.map(entry => ({ ...entry, current: entry.id === current }));
    const live = savedChatOf(this._host);
    if (live && !entries.some(e => e.current)) {
      entries.unshift({ id: live.id, title: live.title, updatedAt: live.updatedAt, personaId: live.personaId, current: true });
    }
    const needle = query.trim().toLowerCase();
    if (!needle) {
      return entries;
    }
    const matches = await Promise.all(
      entries.map(async entry => {
        if (entry.title.toLowerCase().includes(needle)) {
          return true;
        }
        if (entry.problem) {
          return false;
        }
        const chat = entry.current ? live : await this._cachedLoad(entry);
        return chat ? searchText(chat).includes(needle) : false;
      })
    );
    return entries.filter((_, i) => matches[i]);
  }

  dispose(): void {
    this._host.conversation.changed.disconnect(this._schedule, this);
    this._host.stateChanged.disconnect(this._schedule, this);
    this._host.session.busyChanged.disconnect(this._onBusy, this);
    this.autosave.dispose();
  }

  private _apply(chat: ISavedChat): void {
    this._suspended = true;
    try {
      applySavedChat(this._host, chat);
      this._savedState = this._stateKey();
      // A reply cut by the reload can be taken up again with Continue.
      const turns = this._host.conversation.turns;
      const last = turns[turns.length - 1] as any;
      if (last?.role === 'assistant' && last.notice === INTERRUPTED_NOTICE) {
        (this._host.conversation as any).updateAssistant?.(last.id, { canContinue: true });
      }
    } finally {
      this._suspended = false;
    }
    this._changed.emit();
  }

  private _schedule(_sender?: unknown, turn?: unknown): void {
    if (this._suspended) {
      return;
    }
    if (turn === undefined && this._settling) {
      this._savedState = this._stateKey();
      return;
    }
    if (turn === undefined) {
      // A state change (persona list reloaded, instructions re-read...):
      // only worth a save when something that is saved changed.
      const key = this._stateKey();
      if (key === this._savedState) {
        return;
      }
      this._savedState = key;
    }
    this.autosave.schedule();
  }

  /** The saved parts of the chat besides its turns. */
  private _stateKey(): string {
    const host = this._host;
    return JSON.stringify([host.chatId, host.persona?.id ?? null, host.chatModel, host.title, host.approval.chatGrants]);
  }

  /** Change the host without it counting as the user's change. */
  private _quietly(change: () => void): void {
    this._suspended = true;
    try {
      change();
    } finally {
      this._suspended = false;
    }
    this._savedState = this._stateKey();
  }

  private _onBusy(_: unknown, busy: boolean): void {
    if (!busy) {
      // A finished turn is saved at once, and the list shows its title.
      void this.flush().then(() => this._changed.emit());
    }
  }

  /** Stop a running reply, wait until the loop has wound down (at most 2 s), then save. */
  private async _stopAndSave(): Promise<void> {
    const session = this._host.session;
    if (session.busy) {
      await new Promise<void>(resolve => {
        const timer = setTimeout(done, 2000);
        function done() {
          clearTimeout(timer);
          session.busyChanged.disconnect(onBusy);
          resolve();
        }
        function onBusy(_: unknown, busy: boolean) {
          if (!busy) {
            done();
          }
        }
        session.busyChanged.connect(onBusy);
        session.stop();
      });
    }
    await this.flush();
  }

  private async _cachedLoad(entry: IChatListEntry): Promise<ISavedChat | null> {
    const cached = this._searchCache.get(entry.id);
    if (cached && cached.updatedAt === entry.updatedAt) {
      return cached;
    }
    try {
      const chat = await this._store.load(entry.id);
      this._searchCache.set(entry.id, chat);
      return chat;
    } catch {
      return null;
    }
  }

  private _setProblem(problem: string | null): void {
    if (problem !== this._problem) {
      this._problem = problem;
      this._changed.emit();
    }
  }

  private _host: IThreadHost;
  private _store: ChatStore;
  private _trans: (text: string, ...args: any[]) => string;
  private _problem: string | null = null;
  /** True while the host is being switched: changes then are not the user's. */
  private _suspended = false;
  private _searchCache = new Map<string, ISavedChat>();
  /** True while a restored chat waits for the personas to load. */
  private _settling = false;
  /** `_stateKey()` as last saved or restored. */
  private _savedState = '';
  private _changed = new Signal<this, void>(this);
}

function now(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}

function messageOf(error: unknown): string {
  return (error as Error)?.message ?? String(error);
}

/** The searchable text of a chat, lower-cased: messages, replies and tool inputs. */
export function searchText(chat: ISavedChat): string {
  const parts: string[] = [chat.title];
  for (const turn of chat.turns as any[]) {
    if (typeof turn.text === 'string') {
      parts.push(turn.text);
    }
    for (const block of turn.blocks ?? []) {
      if (block.type === 'tool') {
        parts.push(JSON.stringify(block.call.input ?? ''));
      }
    }
  }
  return parts.join('\n').toLowerCase();
}
