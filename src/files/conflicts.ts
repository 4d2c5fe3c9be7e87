import type { IContentsModelLike } from '../contents/contents';

/**
 * Conflict detection for the file tools. The contents API saves without any
 * conflict check (PUT overwrites), so the client remembers which version
 * of a file the assistant saw and compares before writing: the hash when
 * the server gives one, else the modification time.
 */

/** What identifies one version of a file on disk. */
export interface IFileStamp {
  hash?: string;
  last_modified?: string;
}

/** The stamp of a contents model. */
export function stampOf(
  entry: Pick<IContentsModelLike, 'hash' | 'last_modified'>
): IFileStamp {
  const stamp: IFileStamp = {};
  if (entry.hash) {
    stamp.hash = entry.hash;
  }
  if (entry.last_modified) {
    stamp.last_modified = entry.last_modified;
  }
  return stamp;
}

/** Same version: compare hashes when both have one, else modification times. */
export function sameStamp(
  a: IFileStamp | undefined,
  b: IFileStamp | undefined
): boolean {
  if (!a || !b) {
    return false;
  }
  if (a.hash && b.hash) {
    return a.hash === b.hash;
  }
  return !!a.last_modified && a.last_modified === b.last_modified;
}

/**
 * What the assistant knew of each file, per chat: the stamp when it last
 * read or wrote it. A write is refused when the file changed since.
 */
export class ConflictTracker {
  /** Remember the version the assistant has seen (read or wrote). */
  remember(chatId: string, path: string, stamp: IFileStamp): void {
    this._chat(chatId).set(path, { ...stamp });
  }

  /** The version the assistant last saw, if it saw the file in this chat. */
  known(chatId: string, path: string): IFileStamp | undefined {
    return this._stamps.get(chatId)?.get(path);
  }

  forget(chatId: string, path: string): void {
    this._stamps.get(chatId)?.delete(path);
  }

  /** Follow a rename (of a file, or of a folder and everything in it). */
  move(chatId: string, from: string, to: string): void {
    const stamps = this._chat(chatId);
    for (const [path, stamp] of [...stamps]) {
      if (path === from || path.startsWith(`${from}/`)) {
        stamps.delete(path);
        stamps.set(to + path.slice(from.length), stamp);
      }
    }
  }

  /** Forget a chat (cleared or deleted). */
  clear(chatId: string): void {
    this._stamps.delete(chatId);
  }

  private _chat(chatId: string): Map<string, IFileStamp> {
    let stamps = this._stamps.get(chatId);
    if (!stamps) {
      stamps = new Map();
      this._stamps.set(chatId, stamps);
    }
    return stamps;
  }

  private _stamps = new Map<string, Map<string, IFileStamp>>();
}
