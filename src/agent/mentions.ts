import { DisposableDelegate, IDisposable } from '@lumino/disposable';
import type { IAttachment } from '../chats/conversation';
import type { IMentionItem, IMentionSource } from '../tokens';

export type { IMentionItem, IMentionSource };

/** A mentionable name: what `mentionsOf` finds after an `@`. */
export const MENTION_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** At most this many names of a message are looked up in the sources (each adds an attachment). */
export const MAX_SOURCE_MENTIONS = 8;

/** A source that takes longer than this gives the menu nothing (a slow kernel must not hold it). */
const ITEMS_TIMEOUT_MS = 8000;

function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  fallback: T
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<T>(resolve => {
    timer = setTimeout(() => resolve(fallback), ms);
  });
  return Promise.race([promise.catch(() => fallback), timeout]).finally(() =>
    clearTimeout(timer)
  );
}

/**
 * The `@` menu's sources besides the kernel's variables, added by tool
 * families (`IToolFamilyContents.mentionSources`). A source that fails or is
 * slow contributes nothing: the menu never shows an error for it.
 */
export class MentionSourceRegistry {
  add(source: IMentionSource): IDisposable {
    this._sources.push(source);
    return new DisposableDelegate(() => {
      const index = this._sources.indexOf(source);
      if (index >= 0) {
        this._sources.splice(index, 1);
      }
    });
  }

  get sources(): ReadonlyArray<IMentionSource> {
    return this._sources;
  }

  /** Every source's mentionable items, in registration order. */
  async items(): Promise<IMentionItem[]> {
    const lists = await Promise.all(
      this._sources.map(source =>
        withTimeout(
          Promise.resolve().then(() => source.items()),
          ITEMS_TIMEOUT_MS,
          [] as IMentionItem[]
        )
      )
    );
    return lists.flat().filter(item => MENTION_NAME.test(item?.name ?? ''));
  }

  /** The attachments the sources give the first `MAX_SOURCE_MENTIONS` names. */
  async attachments(names: string[]): Promise<IAttachment[]> {
    const wanted = names.slice(0, MAX_SOURCE_MENTIONS);
    const found = await Promise.all(
      wanted.flatMap(name =>
        this._sources.map(source =>
          withTimeout(
            Promise.resolve().then(() => source.attachment(name)),
            ITEMS_TIMEOUT_MS * 2,
            null
          )
        )
      )
    );
    return found.filter((a): a is IAttachment => !!a && !!a.text);
  }

  private _sources: IMentionSource[] = [];
}
