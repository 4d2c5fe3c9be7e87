import { ISignal, Signal } from '@lumino/signaling';
import type { ChatModel } from './chatModel';
import type { ChatStore } from './store';

export interface IChatAutosaveOptions {
  /** The chat to keep saved. */
  model: ChatModel;
  store: ChatStore;
  /** Quiet time before a scheduled save, in ms (default 500). */
  debounceMs?: number;
  /**
   * Longest wait for a save while changes keep coming (a streaming reply),
   * in ms (default 2000): a reload mid-stream then loses at most that much.
   */
  maxWaitMs?: number;
  /**
   * The longest wait while the last reply is streaming, in ms (default
   * 10000). Each save serialises and writes the whole chat; during a long
   * reply that work competes with rendering it, and a reload ends the stream
   * anyway. The save after the stream comes at once.
   */
  streamingMaxWaitMs?: number;
}

/** Why an autosave failed. */
export interface IAutosaveFailure {
  chatId: string;
  error: unknown;
}

/**
 * Keeps one `ChatModel` saved: every change of the model schedules a save
 * (debounced, at most `maxWaitMs` apart while changes keep coming);
 * `flush()` saves now. What counts as changed is the model's `revision`: a
 * model opened from its file, or saved already, is not written again. An
 * empty chat is never saved. One save runs at a time; failures are reported
 * on `failed`, never thrown.
 */
export class ChatAutosave {
  constructor(options: IChatAutosaveOptions) {
    this._options = options;
    this._savedRevision = options.model.revision;
    options.model.changed.connect(this.schedule, this);
  }

  /** The chat being saved. */
  get model(): ChatModel {
    return this._options.model;
  }

  /** How long the last save took (serialising and writing), in ms. */
  lastSaveMs: number | null = null;

  /**
   * While paused (this tab is a reader of the chat: another tab writes it),
   * nothing is written; changes stay pending.
   */
  paused = false;

  /** Emitted after each save that wrote the chat. */
  get saved(): ISignal<this, string> {
    return this._saved;
  }

  /** Emitted when a save fails (each time). */
  get failed(): ISignal<this, IAutosaveFailure> {
    return this._failed;
  }

  /** Whether a save is pending or running. */
  get busy(): boolean {
    return this._timer !== null || this._running !== null;
  }

  /** Whether the model changed since its last save. */
  get pending(): boolean {
    return this.model.revision !== this._savedRevision && !this.model.isEmpty;
  }

  /** Save now if the model changed (else nothing: an unchanged chat is not written again). */
  flushPending(): Promise<void> {
    return this.pending || this._running ? this.flush() : Promise.resolve();
  }

  /** Save after `debounceMs` without further changes. */
  schedule(): void {
    if (this._disposed) {
      return;
    }
    this._clearTimer();
    const now = Date.now();
    this._pendingSince ??= now;
    const debounce = this._options.debounceMs ?? 500;
    const last = this.model.last;
    const streaming = last?.role === 'assistant' && last.status === 'streaming';
    const maxWait = streaming
      ? (this._options.streamingMaxWaitMs ?? 10000)
      : (this._options.maxWaitMs ?? 2000);
    const deadline = this._pendingSince + maxWait;
    this._timer = setTimeout(
      () => {
        this._timer = null;
        void this.flush();
      },
      Math.max(0, Math.min(debounce, deadline - now))
    );
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

  /** Stop listening and scheduling (a running save completes). */
  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this._clearTimer();
    this.model.changed.disconnect(this.schedule, this);
  }

  private async _loop(): Promise<void> {
    const model = this.model;
    do {
      this._again = false;
      if (!this.pending || this.paused) {
        continue;
      }
      const revision = model.revision;
      try {
        const started = Date.now();
        await this._options.store.save(model.toJSON());
        this._savedRevision = revision;
        this.lastSaveMs = Date.now() - started;
        this._saved.emit(model.id);
      } catch (error) {
        this._failed.emit({ chatId: model.id, error });
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
  private _savedRevision: number;
  /** When the first change not yet saved was scheduled. */
  private _pendingSince: number | null = null;
  private _failed = new Signal<this, IAutosaveFailure>(this);
  private _saved = new Signal<this, string>(this);
}
