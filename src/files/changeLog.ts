import { UUID } from '@lumino/coreutils';
import { ISignal, Signal } from '@lumino/signaling';
import { FileToolError, messageOf, Mutex } from './common';
import { ContentsFiles, sameStamp, stampOf } from './contentsFiles';
import type { ChangeKind, IChangeRecord, ISnapshotStore } from './snapshots';

/**
 * The assistant's file changes per chat, with undo. A record (with the
 * content before) is persisted before the change is made, so it can be
 * undone even after a reload; undo restores the exact previous content and
 * refuses when the file changed since the assistant's change, unless forced.
 */

/** What the log announces. */
export interface IChangeLogEvent {
  chatId: string;
  type: 'added' | 'undone' | 'cleared';
  change?: IChangeRecord;
}

export interface IUndoOptions {
  /** Undo even though the file changed since the assistant's change (overwrites those changes). */
  force?: boolean;
}

/** How one undo went. */
export interface IUndoResult {
  id: string;
  path: string;
  ok: boolean;
  message: string;
  /** Refused because the file changed since; `force` would override. */
  conflict?: boolean;
}

/** A change about to be made. */
export type ChangeDraft = Pick<
  IChangeRecord,
  'path' | 'kind' | 'before' | 'after'
> &
  Partial<Pick<IChangeRecord, 'encoding' | 'oldPath' | 'stamp'>>;

/** What the write step learned: the content that landed on disk and its stamp. */
export type ChangeOutcome = Partial<
  Pick<IChangeRecord, 'after' | 'stamp'>
> | void;

export interface IChangeLogOptions {
  store: ISnapshotStore;
  files: ContentsFiles;
  now?: () => number;
  /** Largest content a record keeps (characters); larger changes are refused. */
  maxChars?: () => number;
  /** Problems of records before they are undone, by id (see undoChecks.ts). */
  validate?: (
    records: readonly IChangeRecord[]
  ) => Promise<Map<string, string>>;
}

/** A refusal that `force` may override. */
class UndoConflict extends FileToolError {}

const VERB: Record<ChangeKind, string> = {
  create: 'Created',
  edit: 'Edited',
  write: 'Rewrote',
  rename: 'Renamed',
  delete: 'Deleted'
};

/** One line about a change: "Edited etl/load.py", "Renamed a.py → b.py". */
export function describeChange(
  record: IChangeRecord,
  show: (path: string) => string = path => path
): string {
  if (record.kind === 'rename') {
    return `Renamed ${show(record.oldPath ?? '?')} → ${show(record.path)}`;
  }
  return `${VERB[record.kind]} ${show(record.path)}`;
}

export class ChangeLog {
  constructor(options: IChangeLogOptions) {
    this._store = options.store;
    this._files = options.files;
    this._now = options.now ?? Date.now;
    this._maxChars = options.maxChars ?? (() => Infinity);
    this._validate = options.validate ?? (async () => new Map());
  }

  /** Emitted when a change is added or undone. */
  get changed(): ISignal<this, IChangeLogEvent> {
    return this._changed;
  }

  /** The changes of a chat, oldest first, undone ones included (loaded from the store the first time). */
  async changes(chatId: string): Promise<IChangeRecord[]> {
    return [...(await this._load(chatId))];
  }

  /** A loaded change by id. */
  find(id: string): IChangeRecord | undefined {
    for (const records of this._records.values()) {
      const found = records.find(record => record.id === id);
      if (found) {
        return found;
      }
    }
    return undefined;
  }

  /** Run `body` alone: file changes and undos never interleave. */
  exclusive<T>(body: () => Promise<T>): Promise<T> {
    return this._mutex.run(body);
  }

  /**
   * Record a change and make it: the record is persisted first (no snapshot,
   * no change), then `apply` writes; if it fails the record is dropped.
   * Call inside `exclusive`.
   */
  async track(
    chatId: string,
    draft: ChangeDraft,
    apply: (record: IChangeRecord) => Promise<ChangeOutcome>
  ): Promise<IChangeRecord> {
    const records = await this._load(chatId);
    // Base64 (a deleted binary file) is a third longer than the bytes it holds.
    const max =
      draft.encoding === 'base64'
        ? Math.ceil((this._maxChars() * 4) / 3) + 4
        : this._maxChars();
    const largest = Math.max(
      draft.before?.length ?? 0,
      draft.after?.length ?? 0
    );
    if (largest > max) {
      throw new FileToolError(
        `${draft.path}: the change is too large to keep an undo snapshot of (${Math.round(largest / 1024)} KB, the limit is ${Math.round(max / 1024)} KB), so nothing was changed.`
      );
    }
    const record: IChangeRecord = {
      ...draft,
      id: this._newId(),
      chatId,
      at: this._now()
    };
    try {
      await this._store.put(record);
    } catch (error) {
      throw new FileToolError(
        `Could not save an undo snapshot, so nothing was changed: ${messageOf(error)}`
      );
    }
    let outcome: ChangeOutcome;
    try {
      outcome = await apply(record);
    } catch (error) {
      await this._store.remove(chatId, record.id).catch(() => undefined);
      throw error;
    }
    if (outcome) {
      const afterChanged =
        outcome.after !== undefined && outcome.after !== record.after;
      Object.assign(record, outcome);
      if (afterChanged) {
        await this._store.put(record).catch(() => undefined);
      }
    }
    records.push(record);
    this._changed.emit({ chatId, type: 'added', change: record });
    return record;
  }

  /** Undo one change (it must belong to a chat whose changes were loaded). */
  undo(id: string, options: IUndoOptions = {}): Promise<IUndoResult> {
    return this.exclusive(async () => {
      const record = this.find(id);
      const problem = record
        ? (await this._validate([record])).get(id)
        : undefined;
      if (record && problem) {
        return {
          id,
          path: String(record.path),
          ok: false,
          message: refusedMessage(problem)
        };
      }
      return this._undo(id, options);
    });
  }

  /** Undo every change of a chat that is not undone yet, newest first. */
  undoAll(chatId: string, options: IUndoOptions = {}): Promise<IUndoResult[]> {
    return this.exclusive(async () => {
      const pending = (await this._load(chatId))
        .filter(record => !record.undoneAt)
        .reverse();
      // Every record is checked before anything is written: one bad record stops them all.
      const problems = await this._validate(pending);
      if (problems.size) {
        return pending.map(record => {
          const problem = problems.get(record.id);
          return {
            id: record.id,
            path: String(record.path),
            ok: false,
            message: problem
              ? refusedMessage(problem)
              : `Not undone: another change of this chat has an invalid undo record (${[...problems.values()][0]}); nothing was written.`
          };
        });
      }
      const results: IUndoResult[] = [];
      for (const record of pending) {
        results.push(await this._undo(record.id, options));
      }
      return results;
    });
  }

  /** Forget a chat's changes and their snapshots (the files stay as they are). */
  async clear(chatId: string): Promise<void> {
    await this._store.clear(chatId);
    this._records.delete(chatId);
    this._loading.delete(chatId);
    this._changed.emit({ chatId, type: 'cleared' });
  }

  private async _undo(id: string, options: IUndoOptions): Promise<IUndoResult> {
    const record = this.find(id);
    if (!record) {
      return {
        id,
        path: '',
        ok: false,
        message: `No change with id ${id} is known.`
      };
    }
    const result = { id, path: record.path };
    if (record.undoneAt) {
      return {
        ...result,
        ok: false,
        message: `This change to ${record.path} was already undone.`
      };
    }
    const force = !!options.force;
    try {
      const records = this._records.get(record.chatId) ?? [];
      const later = records
        .slice(records.indexOf(record) + 1)
        .filter(other => !other.undoneAt && touches(other, record));
      if (later.length && !force) {
        throw new UndoConflict(
          `${record.path} was changed again later in this chat (${describeChange(later[later.length - 1])}); undo the later change first.`
        );
      }
      let message: string;
      switch (record.kind) {
        case 'create':
        case 'edit':
        case 'write':
          message = await this._undoContent(record, force);
          break;
        case 'delete':
          message = await this._undoDelete(record, force);
          break;
        case 'rename':
          message = await this._undoRename(record, force);
          break;
      }
      record.undoneAt = this._now();
      await this._store.put(record).catch(() => undefined);
      this._changed.emit({
        chatId: record.chatId,
        type: 'undone',
        change: record
      });
      return { ...result, ok: true, message };
    } catch (error) {
      return {
        ...result,
        ok: false,
        message: messageOf(error),
        ...(error instanceof UndoConflict ? { conflict: true } : {})
      };
    }
  }

  /** Undo create / edit / write: bring back the content before (or remove a created file). */
  private async _undoContent(
    record: IChangeRecord,
    force: boolean
  ): Promise<string> {
    const { path } = record;
    const entry = await this._files.stat(path);
    if (!entry) {
      if (record.kind === 'create') {
        return `${path} was already removed.`;
      }
      if (!force) {
        throw new UndoConflict(
          `${path} was deleted after the assistant's change. Undo anyway to recreate it as it was before.`
        );
      }
      await this._files.writeRaw(path, record.before ?? '', 'text');
      return `Recreated ${path} as it was before the assistant's change.`;
    }
    if (entry.type === 'directory') {
      throw new FileToolError(
        `${path} is now a folder; the change cannot be undone.`
      );
    }
    let current: string | null = null;
    try {
      current = (await this._files.readText(path)).text;
    } catch (error) {
      if (!force) {
        throw new UndoConflict(
          `${path} changed after the assistant's change (${messageOf(error)}).`
        );
      }
    }
    if (!force && current !== record.after) {
      throw new UndoConflict(
        `${path} changed after the assistant's change (in an editor or by another program). Undo anyway to replace those changes with the version before the assistant's change.`
      );
    }
    this._files.assertNotDirty(path);
    if (record.kind === 'create') {
      await this._files.delete(path);
      return `Removed ${path}, which the assistant had created.`;
    }
    await this._files.writeText(path, record.before ?? '', current);
    return `Restored ${path} as it was before the assistant's change.`;
  }

  private async _undoDelete(
    record: IChangeRecord,
    force: boolean
  ): Promise<string> {
    const { path } = record;
    const entry = await this._files.stat(path);
    if (entry?.type === 'directory') {
      throw new FileToolError(
        `${path} is now a folder; the deleted file cannot be restored there.`
      );
    }
    if (entry && !force) {
      throw new UndoConflict(
        `${path} exists again (created after the assistant deleted it). Undo anyway to replace it with the deleted version.`
      );
    }
    if (entry) {
      this._files.assertNotDirty(path);
    }
    if (entry && record.encoding !== 'base64') {
      await this._files.writeText(path, record.before ?? '', null);
    } else {
      await this._files.writeRaw(
        path,
        record.before ?? '',
        record.encoding === 'base64' ? 'base64' : 'text'
      );
    }
    return `Restored ${path}, which the assistant had deleted.`;
  }

  private async _undoRename(
    record: IChangeRecord,
    force: boolean
  ): Promise<string> {
    const from = record.path;
    const to = record.oldPath;
    if (!to) {
      throw new FileToolError('This rename has no original path.');
    }
    const moved = await this._files.stat(from);
    if (!moved) {
      throw new FileToolError(
        `${from} no longer exists (renamed or deleted since), so it cannot be renamed back.`
      );
    }
    if (
      !force &&
      record.stamp &&
      moved.type !== 'directory' &&
      !sameStamp(record.stamp, stampOf(moved))
    ) {
      throw new UndoConflict(
        `${from} changed after it was renamed. Undo anyway to rename it back with those changes.`
      );
    }
    if (await this._files.stat(to)) {
      throw new FileToolError(
        `${to} exists again, so ${from} cannot be renamed back; move or delete ${to} first.`
      );
    }
    await this._files.rename(from, to);
    return `Renamed ${from} back to ${to}.`;
  }

  private _load(chatId: string): Promise<IChangeRecord[]> {
    let loading = this._loading.get(chatId);
    if (!loading) {
      loading = this._store.list(chatId).then(
        records => {
          this._records.set(chatId, records);
          return records;
        },
        () => {
          // Unreadable store: start empty, and try again next time.
          this._loading.delete(chatId);
          const records: IChangeRecord[] = [];
          this._records.set(chatId, records);
          return records;
        }
      );
      this._loading.set(chatId, loading);
    }
    return loading;
  }

  private _newId(): string {
    return `${this._now().toString(36)}-${UUID.uuid4().slice(0, 8)}`;
  }

  private _store: ISnapshotStore;
  private _files: ContentsFiles;
  private _now: () => number;
  private _maxChars: () => number;
  private _validate: (
    records: readonly IChangeRecord[]
  ) => Promise<Map<string, string>>;
  private _mutex = new Mutex();
  private _records = new Map<string, IChangeRecord[]>();
  private _loading = new Map<string, Promise<IChangeRecord[]>>();
  private _changed = new Signal<this, IChangeLogEvent>(this);
}

function refusedMessage(problem: string): string {
  return `This undo record was refused and nothing was written: ${problem}. It may have been damaged or written by something other than the assistant.`;
}

/** The paths a change touches. */
function pathsOf(record: IChangeRecord): string[] {
  return record.oldPath ? [record.path, record.oldPath] : [record.path];
}

function touches(a: IChangeRecord, b: IChangeRecord): boolean {
  const paths = pathsOf(b);
  return pathsOf(a).some(path => paths.includes(path));
}
