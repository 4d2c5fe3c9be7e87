import { ISignal, Signal } from '@lumino/signaling';

/**
 * One writer per chat across the tabs of a browser: the tab that holds a
 * chat's lock saves it; another tab showing the same chat is a reader (it
 * shows the chat, refreshes it when the writer saved, and writes nothing)
 * until it takes over or the writer lets go. Web Locks
 * (`navigator.locks`) when the browser has them, which also free a closed
 * or crashed tab's lock; without them (every browser JupyterLab supports
 * has them) every tab writes and the store's conditional save is the guard.
 * A BroadcastChannel tells readers that the writer saved.
 */

export type ChatLockState = 'writer' | 'reader';

/** Messages between tabs, on the lock channel. */
type LockMessage = { type: 'saved'; chat: string; tab: string };

export interface IChatLockOptions {
  /** The Web Locks manager (default `navigator.locks`); null: every tab writes. */
  locks?: LockManager | null;
  /** Makes a channel by name (default `new BroadcastChannel(name)`); null: no channel. */
  channel?: ((name: string) => BroadcastChannel) | null;
  /** Prefix of lock and channel names (tests use their own). */
  prefix?: string;
}

/** This tab's hold on the chat it shows (one chat at a time). */
export class ChatLock {
  constructor(options: IChatLockOptions = {}) {
    const nav =
      typeof navigator !== 'undefined'
        ? (navigator as Navigator & { locks?: LockManager })
        : undefined;
    this._locks =
      options.locks === undefined ? (nav?.locks ?? null) : options.locks;
    this._prefix = options.prefix ?? 'jupyterlab-data-engineer:chat:';
    const make =
      options.channel === undefined
        ? typeof BroadcastChannel !== 'undefined'
          ? (name: string) => new BroadcastChannel(name)
          : null
        : options.channel;
    this._channel = make ? make(`${this._prefix}channel`) : null;
    if (this._channel) {
      this._channel.onmessage = event =>
        this._onMessage(event.data as LockMessage);
    }
  }

  /** The chat this tab holds or waits for. */
  get chatId(): string | null {
    return this._chat;
  }

  get state(): ChatLockState {
    return this._state;
  }

  /** Emitted when this tab becomes the writer or a reader of its chat. */
  get stateChanged(): ISignal<this, ChatLockState> {
    return this._stateChanged;
  }

  /** Emitted when another tab saved a chat (its id): a reader of it reloads. */
  get savedElsewhere(): ISignal<this, string> {
    return this._savedElsewhere;
  }

  /**
   * Hold `chatId` (letting go of the previous chat): writer when no other
   * tab holds it, else reader, waiting to become the writer when the other
   * tab lets go. Resolves with the state.
   */
  async hold(chatId: string): Promise<ChatLockState> {
    if (chatId === this._chat) {
      return this._state;
    }
    this.release();
    this._chat = chatId;
    const generation = ++this._generation;
    let state: ChatLockState;
    if (this._locks) {
      state = (await this._request(chatId, generation, { ifAvailable: true }))
        ? 'writer'
        : 'reader';
      if (generation === this._generation && state === 'reader') {
        void this._wait(chatId, generation);
      }
    } else {
      state = 'writer';
    }
    if (generation === this._generation) {
      this._setState(state);
    }
    return this._state;
  }

  /** Become the writer of the current chat now; the tab that held it becomes a reader. */
  async takeOver(): Promise<void> {
    const chat = this._chat;
    if (!chat || this._state === 'writer') {
      return;
    }
    const generation = ++this._generation;
    this._abortWait();
    if (this._locks) {
      await this._request(chat, generation, { steal: true });
    }
    if (generation === this._generation) {
      this._setState('writer');
    }
  }

  /** Tell readers of the chat in other tabs that it was saved. */
  notifySaved(chatId: string): void {
    this._post({ type: 'saved', chat: chatId, tab: this._tab });
  }

  /** Let go of the current chat (the next tab waiting for it becomes its writer). */
  release(): void {
    this._generation++;
    this._abortWait();
    this._letGo?.();
    this._letGo = null;
    this._chat = null;
    this._state = 'writer';
  }

  dispose(): void {
    this.release();
    this._channel?.close();
    this._channel = null;
    Signal.clearData(this);
  }

  /**
   * Ask for the Web Lock; true once held (kept until `release` or a steal).
   * With `ifAvailable`, false at once when another tab holds it.
   */
  private _request(
    chat: string,
    generation: number,
    options: LockOptions
  ): Promise<boolean> {
    return new Promise<boolean>(resolve => {
      this._locks!.request(this._prefix + chat, options, lock => {
        if (!lock || generation !== this._generation) {
          resolve(false);
          return undefined;
        }
        resolve(true);
        return new Promise<void>(letGo => {
          this._letGo = letGo;
        });
      }).catch(() => {
        // Stolen by another tab (AbortError), or the request was aborted.
        resolve(false);
        if (generation === this._generation && this._chat === chat) {
          this._letGo = null;
          this._setState('reader');
          void this._wait(chat, ++this._generation);
        }
      });
    });
  }

  /** As a reader, queue for the lock: the writer's tab closing or letting go makes this tab the writer. */
  private async _wait(chat: string, generation: number): Promise<void> {
    const controller = new AbortController();
    this._waiting = controller;
    const got = await this._request(chat, generation, {
      signal: controller.signal
    });
    if (got && generation === this._generation && this._chat === chat) {
      this._setState('writer');
    }
  }

  private _abortWait(): void {
    this._waiting?.abort();
    this._waiting = null;
  }

  private _onMessage(message: LockMessage): void {
    if (
      message?.type === 'saved' &&
      message.tab !== this._tab &&
      message.chat === this._chat
    ) {
      this._savedElsewhere.emit(message.chat);
    }
  }

  private _post(message: LockMessage): void {
    try {
      this._channel?.postMessage(message);
    } catch {
      // A closed channel: nothing to tell.
    }
  }

  private _setState(state: ChatLockState): void {
    if (state !== this._state) {
      this._state = state;
      this._stateChanged.emit(state);
    }
  }

  private _locks: LockManager | null;
  private _channel: BroadcastChannel | null;
  private _prefix: string;
  private _tab = Math.random().toString(36).slice(2) + Date.now().toString(36);
  private _chat: string | null = null;
  private _state: ChatLockState = 'writer';
  private _generation = 0;
  private _letGo: (() => void) | null = null;
  private _waiting: AbortController | null = null;
  private _stateChanged = new Signal<this, ChatLockState>(this);
  private _savedElsewhere = new Signal<this, string>(this);
}
