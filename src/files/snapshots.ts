import type { ChangeKind } from '../tools/results';
import { messageOf, statusOf } from './common';
import { ensureFolder, IFileStamp, IFilesContents } from './contentsFiles';
import { isHiddenPath, joinPath } from './paths';

/**
 * Snapshots of the assistant's file changes: each change record keeps the
 * content before and after, so a change can be undone exactly. The contents
 * API keeps a single checkpoint per file (overwritten by every save), so the
 * records are kept here, persisted so they survive a page reload.
 */

export type { ChangeKind };

/** One change the assistant made to a file. */
export interface IChangeRecord {
  id: string;
  chatId: string;
  /** The file's server path after the change (for a rename: the new path). */
  path: string;
  kind: ChangeKind;
  /**
   * Content of `path` before the change; null when it did not exist
   * (create, and rename: nothing was at the new path).
   */
  before: string | null;
  /** Content of `path` after the change; null when it no longer exists (delete) or for a rename. */
  after: string | null;
  /** Encoding of before/after; 'base64' for a deleted binary file. Text when absent. */
  encoding?: 'text' | 'base64';
  /** For a rename: the path it had before. */
  oldPath?: string;
  /** The file's version after the change (for a rename: of the moved file), for conflict checks. */
  stamp?: IFileStamp;
  /** When the change was made (ms since the epoch). */
  at: number;
  /** When it was undone, if it was. */
  undoneAt?: number;
}

/** Where change records are kept. */
export interface ISnapshotStore {
  /** Add or update a record. */
  put(record: IChangeRecord): Promise<void>;
  /** The records of a chat, oldest first. */
  list(chatId: string): Promise<IChangeRecord[]>;
  remove(chatId: string, id: string): Promise<void>;
  /** Forget a chat's records. */
  clear(chatId: string): Promise<void>;
}

function byTime(a: IChangeRecord, b: IChangeRecord): number {
  return a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function copy(record: IChangeRecord): IChangeRecord {
  return { ...record, stamp: record.stamp ? { ...record.stamp } : undefined };
}

/** Records in memory (tests, or when nothing should be written to disk). */
export class MemorySnapshotStore implements ISnapshotStore {
  async put(record: IChangeRecord): Promise<void> {
    this._records.set(record.id, copy(record));
  }

  async list(chatId: string): Promise<IChangeRecord[]> {
    return [...this._records.values()]
      .filter(r => r.chatId === chatId)
      .map(copy)
      .sort(byTime);
  }

  async remove(_chatId: string, id: string): Promise<void> {
    this._records.delete(id);
  }

  async clear(chatId: string): Promise<void> {
    for (const [id, record] of [...this._records]) {
      if (record.chatId === chatId) {
        this._records.delete(id);
      }
    }
  }

  private _records = new Map<string, IChangeRecord>();
}

/** The default folder of the snapshots (a hidden one: the user's file browser stays clean). */
export const DEFAULT_SNAPSHOT_FOLDER = '.jupyter/data-engineer/snapshots';
/**
 * Used when the server refuses hidden paths. It cannot start with "."
 * itself: jupyter_server treats every dot-name as hidden.
 */
export const FALLBACK_SNAPSHOT_FOLDER = 'data-engineer-snapshots';

export interface IContentsSnapshotStoreOptions {
  contents: IFilesContents;
  folder?: string;
  fallbackFolder?: string;
  /** Records older than this many days are deleted (0: kept for ever); the `snapshotRetentionDays` setting. */
  retentionDays?: () => number;
  /** Largest record file written or read (characters of JSON). */
  maxChars?: () => number;
  now?: () => number;
}

/** Records larger than this are neither written nor read back (two copies of a 10 MB file, in JSON). */
export const DEFAULT_SNAPSHOT_RECORD_CHARS = 2 * 14 * 1024 * 1024;

/** A name safe as one path segment (no separators, not hidden). */
function segment(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9_-]/g, '_');
  return safe || '_';
}

function isContent(value: unknown): boolean {
  return value === null || value === undefined || typeof value === 'string';
}

function isRecord(value: any): value is IChangeRecord {
  return (
    !!value &&
    typeof value.id === 'string' &&
    typeof value.chatId === 'string' &&
    typeof value.path === 'string' &&
    ['create', 'edit', 'write', 'rename', 'delete'].includes(value.kind) &&
    typeof value.at === 'number' &&
    Number.isFinite(value.at) &&
    isContent(value.before) &&
    isContent(value.after) &&
    (value.oldPath === undefined || typeof value.oldPath === 'string') &&
    (value.undoneAt === undefined || typeof value.undoneAt === 'number')
  );
}

/**
 * Records as JSON files through the contents API, one per change:
 * `<folder>/<chat>/<change>.json`. Writes go to the hidden default folder,
 * or to the fallback folder when the server refuses hidden paths; reading
 * looks in both.
 */
export class ContentsSnapshotStore implements ISnapshotStore {
  constructor(options: IContentsSnapshotStoreOptions) {
    this._contents = options.contents;
    this._folders = [
      options.folder ?? DEFAULT_SNAPSHOT_FOLDER,
      options.fallbackFolder ?? FALLBACK_SNAPSHOT_FOLDER
    ];
    this._retentionDays = options.retentionDays ?? (() => 0);
    this._maxChars = options.maxChars ?? (() => DEFAULT_SNAPSHOT_RECORD_CHARS);
    this._now = options.now ?? Date.now;
  }

  /**
   * Delete records older than the retention (by their file's modification
   * time, without reading them). Runs once per
   * page on the first write; callable directly. Returns the records deleted.
   */
  async prune(): Promise<number> {
    const days = Number(this._retentionDays());
    if (!Number.isFinite(days) || days <= 0) {
      return 0;
    }
    const cutoff = this._now() - days * 24 * 60 * 60 * 1000;
    let deleted = 0;
    for (const folder of this._folders) {
      let chats: any[] = [];
      try {
        const listing = await this._contents.get(folder, {
          content: true,
          type: 'directory'
        });
        chats = Array.isArray(listing.content) ? listing.content : [];
      } catch {
        continue;
      }
      for (const chat of chats) {
        if (chat.type !== 'directory') {
          continue;
        }
        let entries: any[] = [];
        try {
          const listing = await this._contents.get(chat.path, {
            content: true,
            type: 'directory'
          });
          entries = Array.isArray(listing.content) ? listing.content : [];
        } catch {
          continue;
        }
        for (const entry of entries) {
          const modified = Date.parse(String(entry.last_modified ?? ''));
          if (
            entry.type === 'file' &&
            Number.isFinite(modified) &&
            modified < cutoff
          ) {
            try {
              await this._contents.delete(entry.path);
              deleted++;
            } catch {
              // Kept; tried again next time.
            }
          }
        }
        // Empty chat folders stay: a write may be landing in one right now.
      }
    }
    return deleted;
  }

  /** The folder records are written to (known after the first write). */
  get folder(): string {
    return this._folders[this._writeTo];
  }

  /** Both folders, so searches can skip them. */
  get folders(): readonly string[] {
    return this._folders;
  }

  async put(record: IChangeRecord): Promise<void> {
    const content = JSON.stringify(record);
    if (content.length > this._maxChars()) {
      throw new Error(
        `the snapshot would be ${Math.round(content.length / 1024)} KB, more than the ${Math.round(this._maxChars() / 1024)} KB allowed`
      );
    }
    if (!this._pruned) {
      this._pruned = true;
      void this.prune().catch(() => undefined);
    }
    for (let i = this._writeTo; i < this._folders.length; i++) {
      const chatFolder = joinPath(this._folders[i], segment(record.chatId));
      try {
        if (!this._ensured.has(chatFolder)) {
          await ensureFolder(this._contents, chatFolder);
          this._ensured.add(chatFolder);
        }
        await this._contents.save(
          joinPath(chatFolder, `${segment(record.id)}.json`),
          {
            type: 'file',
            format: 'text',
            content
          }
        );
        this._writeTo = i;
        return;
      } catch (error) {
        const refusedHidden =
          isHiddenPath(chatFolder) &&
          [400, 403, 404].includes(statusOf(error) ?? 0);
        if (!refusedHidden || i === this._folders.length - 1) {
          throw new Error(
            `Could not save the undo snapshot in ${chatFolder}: ${messageOf(error)}`
          );
        }
      }
    }
  }

  async list(chatId: string): Promise<IChangeRecord[]> {
    const found = new Map<string, IChangeRecord>();
    for (const folder of this._folders) {
      const chatFolder = joinPath(folder, segment(chatId));
      let entries: any[] = [];
      try {
        const listing = await this._contents.get(chatFolder, {
          content: true,
          type: 'directory'
        });
        entries = Array.isArray(listing.content) ? listing.content : [];
      } catch (error) {
        continue; // missing, or hidden and refused
      }
      for (const entry of entries) {
        if (
          entry.type !== 'file' ||
          !String(entry.name).endsWith('.json') ||
          (entry.size ?? 0) > this._maxChars() * 4
        ) {
          continue; // not a record, or larger than any record written here (UTF-8: at most 4 bytes a character)
        }
        try {
          const file = await this._contents.get(entry.path, {
            content: true,
            type: 'file',
            format: 'text'
          });
          const record = JSON.parse(String(file.content));
          if (
            isRecord(record) &&
            record.chatId === chatId &&
            !found.has(record.id)
          ) {
            found.set(record.id, record);
          }
        } catch {
          // A damaged snapshot is skipped rather than blocking the others.
        }
      }
    }
    return [...found.values()].sort(byTime);
  }

  async remove(chatId: string, id: string): Promise<void> {
    for (const folder of this._folders) {
      try {
        await this._contents.delete(
          joinPath(folder, segment(chatId), `${segment(id)}.json`)
        );
      } catch {
        // Not in this folder.
      }
    }
  }

  async clear(chatId: string): Promise<void> {
    for (const folder of this._folders) {
      const chatFolder = joinPath(folder, segment(chatId));
      try {
        // Without a trash, the server refuses to delete a folder that is not empty.
        const listing = await this._contents.get(chatFolder, {
          content: true,
          type: 'directory'
        });
        for (const entry of Array.isArray(listing.content)
          ? listing.content
          : []) {
          await this._contents.delete(entry.path);
        }
        await this._contents.delete(chatFolder);
        this._ensured.delete(chatFolder);
      } catch {
        // Not in this folder.
      }
    }
  }

  private _contents: IFilesContents;
  private _folders: string[];
  private _writeTo = 0;
  private _ensured = new Set<string>();
  private _retentionDays: () => number;
  private _maxChars: () => number;
  private _now: () => number;
  private _pruned = false;
}
