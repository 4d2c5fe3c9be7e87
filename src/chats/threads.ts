import type { TranslationBundle } from '@jupyterlab/translation';
import { messageOf } from '../errorText';
import { untranslated } from '../translation';
import { ISignal, Signal } from '@lumino/signaling';
import { ChatAutosave } from './autosave';
import type { ChatLock, ChatLockState } from './lock';
import { ChatModel } from './chatModel';
import { digestMatches, searchDigest } from './chatIndex';
import { ChatFileError, ChatStore, IChatListEntry, ISavedChat } from './store';

/** What the threads act on: the session's current chat, which they swap (`ChatSession` fits). */
export interface IThreadSession {
  readonly model: ChatModel;
  readonly modelChanged: ISignal<any, ChatModel>;
  setModel(model: ChatModel): void;
  readonly busy: boolean;
  readonly busyChanged: ISignal<any, boolean>;
  stop(): void;
}

export interface IChatThreadsOptions {
  session: IThreadSession;
  store: ChatStore;
  debounceMs?: number;
  maxWaitMs?: number;
  trans?: TranslationBundle;
  /** One writer per chat across tabs; without it this tab always writes (the store's conditional save still guards). */
  lock?: ChatLock;
}

/** A row of the chat list: a saved chat, or the current one before its first save. */
export interface IThreadEntry extends IChatListEntry {
  current: boolean;
}

/**
 * The user's chats: keeps the current one saved (an autosave bound to the
 * current `ChatModel`, at once when a turn ends), reopens it after a
 * reload, and switches (by swapping whole models), renames, deletes and
 * searches saved ones. A chat file that cannot be read is reported and
 * never written over.
 */
export class ChatThreads {
  constructor(options: IChatThreadsOptions) {
    this._session = options.session;
    this._store = options.store;
    this._trans = options.trans ?? untranslated;
    this._options = options;
    this._lock = options.lock ?? null;
    this._autosave = this._bind(this._session.model);
    this._session.modelChanged.connect(this._onModel, this);
    if (this._lock) {
      this._lock.stateChanged.connect(this._onLockState, this);
      this._lock.savedElsewhere.connect(this._onSavedElsewhere, this);
      this._holdCurrent();
    }
    this._session.busyChanged.connect(this._onBusy, this);
    this._store.listChanged.connect(this._onListChanged, this);
  }

  /** The autosave of the current chat. */
  get autosave(): ChatAutosave {
    return this._autosave;
  }

  /** How long the last restore took: reading and parsing the file, then filling the chat. */
  lastRestore: { loadMs: number; applyMs: number; turns: number } | null = null;

  /**
   * True while another tab writes this chat: this tab shows it (refreshed
   * when the other tab saves) and writes nothing, until `takeOver()`.
   */
  get readOnly(): boolean {
    return this._lock?.state === 'reader';
  }

  /** Resolves once this tab knows whether it writes the current chat. */
  whenLocked(): Promise<void> {
    return this._held;
  }

  /** Make this tab the writer of the current chat: reload it from its file first, then write from here. */
  async takeOver(): Promise<void> {
    if (!this._lock || !this.readOnly) {
      return;
    }
    await this._lock.takeOver();
  }

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
   * Reopen a chat after a reload. A missing file keeps the current (empty)
   * chat; an unreadable one is reported and a new chat is started, so the
   * file is never written over.
   */
  async restore(id: string | null): Promise<void> {
    if (!id) {
      return;
    }
    try {
      const started = now();
      const chat = await this._store.load(id);
      const loaded = now();
      const current = this._session.model;
      if (!current.isEmpty || current.id !== id) {
        return; // the user started something else meanwhile
      }
      const model = ChatModel.fromJSON(chat);
      this._session.setModel(model);
      this.lastRestore = {
        loadMs: loaded - started,
        applyMs: now() - loaded,
        turns: model.turns.length
      };
      this._changed.emit();
    } catch (error) {
      if (error instanceof ChatFileError && error.kind === 'missing') {
        return;
      }
      this._session.setModel(new ChatModel());
      this._setProblem(
        this._trans.__(
          'The last chat could not be reopened: %1',
          messageOf(error)
        )
      );
    }
  }

  /** Save the current chat now if it changed since its last save (e.g. before switching). */
  async flush(): Promise<void> {
    await this._autosave.flushPending();
  }

  /** Switch to a saved chat (the current one is saved first). False with `problem` set when it cannot be opened. */
  async open(id: string): Promise<boolean> {
    if (id === this._session.model.id) {
      return true;
    }
    let chat: ISavedChat;
    try {
      chat = await this._store.load(id);
    } catch (error) {
      this._setProblem(
        this._trans.__('The chat could not be opened: %1', messageOf(error))
      );
      return false;
    }
    await this._stopAndSave();
    this._session.setModel(ChatModel.fromJSON(chat));
    this._setProblem(null);
    this._changed.emit();
    return true;
  }

  /** Start a new chat (the current one is saved first). */
  async newChat(): Promise<void> {
    await this._stopAndSave();
    this._session.setModel(new ChatModel());
    this._setProblem(null);
    this._changed.emit();
  }

  /** Give a chat a title (an empty one goes back to the first message). */
  async rename(id: string, title: string): Promise<void> {
    if (id === this._session.model.id) {
      this._session.model.setTitle(title);
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
    if (id === this._session.model.id) {
      await this._stopAndSave();
      this._session.setModel(new ChatModel());
    }
    // The store runs this after any save still under way, so nothing brings the file back.
    await this._store.delete(id);
    this._changed.emit();
  }

  /**
   * The chats, most recent first, with the current one marked (and listed
   * even before its first save). With `query`, only chats whose title or
   * messages contain it (case-insensitive), matched on the index's search
   * digest: no chat file is read. The list comes from the index at once;
   * when the folder turns out to differ, `changed` is emitted.
   */
  async list(query = ''): Promise<IThreadEntry[]> {
    const needle = query.trim();
    const saved = needle
      ? await this._store.search(needle)
      : await this._store.list();
    const model = this._session.model;
    const entries: IThreadEntry[] = saved.map(entry => ({
      ...entry,
      current: entry.id === model.id
    }));
    if (!model.isEmpty && !entries.some(e => e.current)) {
      const title = model.displayTitle;
      if (
        !needle ||
        digestMatches(
          title,
          searchDigest({ title, turns: model.turns }),
          needle
        )
      ) {
        entries.unshift({
          id: model.id,
          title,
          updatedAt: Date.now(),
          personaId: model.personaId,
          current: true
        });
      }
    }
    return entries;
  }

  dispose(): void {
    this._lock?.stateChanged.disconnect(this._onLockState, this);
    this._lock?.savedElsewhere.disconnect(this._onSavedElsewhere, this);
    this._lock?.release();
    this._session.modelChanged.disconnect(this._onModel, this);
    this._session.busyChanged.disconnect(this._onBusy, this);
    this._store.listChanged.disconnect(this._onListChanged, this);
    this._autosave.dispose();
  }

  /** An autosave for `model`, its failures shown as the threads' problem. */
  private _bind(model: ChatModel): ChatAutosave {
    const autosave = new ChatAutosave({
      model,
      store: this._store,
      debounceMs: this._options.debounceMs,
      maxWaitMs: this._options.maxWaitMs
    });
    autosave.paused = this.readOnly;
    autosave.saved.connect((_, id) => this._lock?.notifySaved(id));
    autosave.failed.connect((_, failure) => {
      const reason =
        failure.error instanceof ChatFileError
          ? failure.error.message
          : ((failure.error as Error)?.message ?? String(failure.error));
      this._setProblem(
        this._trans.__('This chat could not be saved: %1', reason)
      );
    });
    return autosave;
  }

  private _onModel(_: unknown, model: ChatModel): void {
    if (this._autosave.model !== model) {
      this._keepGrants(this._autosave.model);
      this._regrant(model);
      // The previous chat was saved before the swap (see `_stopAndSave`);
      // a change it gets afterwards (a stopped reply winding down) is saved too.
      const previous = this._autosave;
      void previous.flushPending().finally(() => previous.dispose());
      this._autosave = this._bind(model);
    }
    if (this._lock && this._lock.chatId !== model.id) {
      this._holdCurrent();
    }
  }

  /** Hold the current chat's lock; the autosave writes only as its writer. */
  private _holdCurrent(): void {
    const lock = this._lock!;
    const id = this._session.model.id;
    this._autosave.paused = true; // until the lock says who writes
    this._held = lock.hold(id).then(() => {
      if (this._session.model.id === id) {
        this._autosave.paused = this.readOnly;
        if (!this.readOnly) {
          this._autosave.schedule();
        }
        this._changed.emit();
      }
    });
  }

  /** This tab became the writer or a reader of the current chat. */
  private _onLockState(_: unknown, state: ChatLockState): void {
    if (state === 'writer') {
      // The file is newer than what this tab shows: take it up before writing.
      void this._reload().finally(() => {
        this._autosave.paused = false;
        this._changed.emit();
      });
    } else {
      this._autosave.paused = true;
      if (this._session.busy) {
        this._session.stop();
      }
      this._changed.emit();
    }
  }

  /** The writer tab saved the chat this (reader) tab shows: show the new version. */
  private _onSavedElsewhere(_: unknown, id: string): void {
    if (this.readOnly && id === this._session.model.id) {
      void this._reload();
    }
  }

  /** Replace the current chat by its saved version (a missing file keeps it as it is). */
  private async _reload(): Promise<void> {
    const id = this._session.model.id;
    try {
      const chat = await this._store.load(id);
      if (this._session.model.id !== id) {
        return;
      }
      this._session.setModel(ChatModel.fromJSON(chat));
      this._changed.emit();
    } catch (error) {
      if (!(error instanceof ChatFileError && error.kind === 'missing')) {
        this._setProblem(
          this._trans.__('The chat could not be reloaded: %1', messageOf(error))
        );
      }
    }
  }

  private _onListChanged(): void {
    this._changed.emit();
  }

  private _onBusy(_: unknown, busy: boolean): void {
    if (!busy) {
      // A finished turn is saved at once, and the list shows its title.
      void this.flush().then(() => this._changed.emit());
    }
  }

  /** Stop a running reply, wait until the loop has wound down (at most 2 s), then save. */
  private async _stopAndSave(): Promise<void> {
    const session = this._session;
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

  /**
   * "Allow for this chat" grants are never read from a chat file (a file
   * cannot forge an approval); they last while this page is open, kept here
   * when the user switches chats and given back when the chat is reopened.
   */
  private _keepGrants(model: ChatModel): void {
    if (model.grants.length) {
      this._grants.set(model.id, [...model.grants]);
    }
  }

  private _regrant(model: ChatModel): void {
    for (const tool of this._grants.get(model.id) ?? []) {
      if (!model.hasGrant(tool)) {
        model.grant(tool);
      }
    }
  }

  private _setProblem(problem: string | null): void {
    if (problem !== this._problem) {
      this._problem = problem;
      this._changed.emit();
    }
  }

  private _session: IThreadSession;
  private _store: ChatStore;
  private _options: IChatThreadsOptions;
  private _autosave: ChatAutosave;
  private _trans: TranslationBundle;
  private _problem: string | null = null;
  private _lock: ChatLock | null;
  private _held: Promise<void> = Promise.resolve();
  /** Grants of chats switched away from in this page, by chat id. */
  private _grants = new Map<string, string[]>();
  private _changed = new Signal<this, void>(this);
}

function now(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}
