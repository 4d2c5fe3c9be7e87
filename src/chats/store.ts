import { ISignal, Signal } from '@lumino/signaling';
import { IContents, statusOf } from '../contents/contents';
import { chatFileText } from './fileText';
import {
  ChatIndexFile,
  digestMatches,
  IChatIndexEntry,
  searchDigest
} from './chatIndex';
import type { ISerializedTurn, IUsage } from './conversation';

/** The version of the saved-chat file format this code writes and reads. */
export const CHAT_SCHEMA_VERSION = 2;

/** One chat as saved in `<folder>/<id>.json`. */
export interface ISavedChat {
  version: number;
  id: string;
  title: string;
  /** True when the user named the chat (else the title follows its first message). */
  customTitle?: boolean;
  /** Milliseconds since the epoch. */
  createdAt: number;
  updatedAt: number;
  personaId: string | null;
  /** The model chosen for this chat only, if any. */
  chatModel: string | null;
  /**
   * Tools allowed for this chat ("Allow for this chat"). Never written to nor
   * read from a file: a chat file is data anyone with write access to the
   * folder (or a tool the agent runs) could edit, so it cannot grant
   * anything. Files always hold `[]`; grants live in the page only.
   */
  grants: string[];
  /** The token use of all replies, added up (version 2). */
  usage?: IUsage;
  turns: ISerializedTurn[];
}

/** One row of the saved-chats list. */
export interface IChatListEntry {
  id: string;
  title: string;
  updatedAt: number;
  personaId: string | null;
  /** Why the file cannot be opened (corrupt, newer version); absent when fine. */
  problem?: string;
}

/** What the store needs of the contents service: the extension's one contents interface. */
export type IChatContents = IContents;

export interface IChatStoreOptions {
  contents: IChatContents;
  /** Where chats are saved (default `.jupyter/chats`). */
  folder?: string;
  /** Where they go when the server refuses hidden folders (default `data-engineer-chats`). */
  fallbackFolder?: string;
  /** The folder found in use last time (e.g. remembered by the browser): looked in first. */
  folderHint?: string | null;
}

export type ChatFileProblem =
  'corrupt' | 'newer' | 'missing' | 'invalid-id' | 'conflict';

/** A saved chat that cannot be read (or must not be overwritten). */
export class ChatFileError extends Error {
  constructor(
    readonly kind: ChatFileProblem,
    readonly path: string,
    message: string
  ) {
    super(message);
    this.name = 'ChatFileError';
  }
}

/** A chat's title: its first user message on one line, at most 60 characters. */
export function titleOf(turns: ReadonlyArray<ISerializedTurn>): string {
  const first = turns.find(turn => turn.role === 'user');
  const text = (first?.role === 'user' ? first.text : '')
    .replace(/\s+/g, ' ')
    .trim();
  return text.length <= 60 ? text : `${text.slice(0, 59).trimEnd()}…`;
}

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * Saved chats as JSON files through the contents API. Writes are atomic
 * (temporary file, then rename) and a file found corrupt or of a newer
 * format is never written over unless the caller says so.
 */
export class ChatStore {
  constructor(options: IChatStoreOptions) {
    this._contents = options.contents;
    this._primary = trimSlashes(options.folder ?? '.jupyter/chats');
    this._fallback = trimSlashes(
      options.fallbackFolder ?? 'data-engineer-chats'
    );
    this._hint = options.folderHint ? trimSlashes(options.folderHint) : null;
    this._index = new ChatIndexFile({
      read: path => this._readModel(path),
      stat: path =>
        this._contents.get(path, { content: false }).then(
          model => model.last_modified ?? '',
          error => {
            if (statusOf(error) === 404) {
              return null;
            }
            throw error;
          }
        ),
      write: async (path, text, exists) => {
        const modified = (
          (await this._writeFile(path, text, exists)) as
            { last_modified?: unknown } | undefined
        )?.last_modified;
        return typeof modified === 'string' ? modified : null;
      }
    });
  }

  /** The folder in use, once known (after the first save, load or list that found one). */
  get folder(): string | null {
    return this._folder;
  }

  /**
   * Save a chat (replacing its file). Refuses, with the error it was found
   * with, a file that is corrupt or of a newer format, unless `overwrite`.
   */
  save(chat: ISavedChat, options: { overwrite?: boolean } = {}): Promise<void> {
    return this._serial(() => this._save(chat, !!options.overwrite));
  }

  /** Read a saved chat; a `ChatFileError` says why it cannot be. */
  async load(id: string): Promise<ISavedChat> {
    this._checkId(id);
    if (!this._folder) {
      // Reopening after a reload: ask for the file itself, no folder checks first.
      const folders = [this._primary, this._fallback];
      if (this._hint === this._fallback) {
        folders.reverse();
      }
      for (const folder of folders) {
        const path = `${folder}/${id}.json`;
        const read = await this._readModel(path).catch(error => {
          const status = statusOf(error);
          if (status === 400 || status === 403) {
            return null; // hidden paths refused
          }
          throw error;
        });
        if (read !== null) {
          this._folder = folder;
          const chat = this._parse(read.text, path, id, true)!;
          this._noteVersion(id, read.modified);
          return chat;
        }
      }
    }
    const folder = await this._resolveFolder(false);
    if (!folder) {
      throw new ChatFileError(
        'missing',
        `${id}.json`,
        `No saved chat "${id}".`
      );
    }
    const file = `${folder}/${id}.json`;
    const read = await this._readModel(file);
    let text = read?.text ?? null;
    this._noteVersion(id, read?.modified ?? null);
    if (text === null) {
      // A save interrupted between its renames leaves the new version in the
      // temporary file (and the old one in the swap file).
      text = null;
      for (const spare of [`${file}.tmp`, `${file}.swap`]) {
        const candidate = await this._readText(spare);
        if (candidate !== null && this._parse(candidate, spare, id, false)) {
          text = candidate;
          break;
        }
      }
      if (text === null) {
        throw new ChatFileError('missing', file, `No saved chat "${id}".`);
      }
    }
    return this._parse(text, file, id, true)!;
  }

  /**
   * The saved chats, most recently updated first; unreadable ones carry a
   * `problem`. By default from the index file alone (one small read: what
   * every save of every tab wrote), then checked against the folder in the
   * background: when that finds changes made outside the extension (files
   * copied in, deleted, edited, unreadable), `listChanged` is emitted and the
   * next list has them. With `validate`, the check is done before returning
   * (only chat files the index does not describe as they are now are read).
   * Without a usable index, the chat files are read and the index written.
   */
  async list(options: IChatListOptions = {}): Promise<IChatListEntry[]> {
    return (await this._listRows(!!options.validate)).map(
      ({ search, ...entry }) => entry
    );
  }

  /**
   * The saved chats that match `query` (see `digestMatches`: the title
   * contains it, or each of its words is in the title or the chat's search
   * digest), most recent first, as `list` finds them. No chat file is read
   * for the search itself.
   */
  async search(
    query: string,
    options: IChatListOptions = {}
  ): Promise<IChatListEntry[]> {
    const rows = await this._listRows(!!options.validate);
    return rows
      .filter(row => digestMatches(row.title, row.search, query))
      .map(({ search, ...entry }) => entry);
  }

  /** Emitted when a background check found the saved chats differ from what `list` last returned. */
  get listChanged(): ISignal<this, void> {
    return this._listChanged;
  }

  /** Resolves once the background check, saves, deletes and index updates asked for so far are done. */
  async whenIdle(): Promise<void> {
    await this._checking;
    await this._queue;
  }

  private async _listRows(validate: boolean): Promise<IRow[]> {
    if (!validate) {
      const folder = await this._resolveFolder(false);
      const entries = folder ? await this._index.current(folder) : null;
      if (entries) {
        const last = this._lastCheck;
        let rows: IRow[];
        if (
          last &&
          last.index !== null &&
          last.index === this._index.modified
        ) {
          rows = [...last.rows]; // nobody wrote the index since the last check: its result stands
        } else {
          // What the saves wrote, and the unreadable files the last check found
          // (never indexed): so a check that finds nothing new says nothing.
          rows = [...entries.values()].map(e => ({
            id: e.id,
            title: e.title,
            updatedAt: e.updatedAt,
            personaId: e.personaId,
            search: e.search
          }));
          rows.push(
            ...(last?.rows ?? []).filter(
              row => row.problem && !entries.has(row.id)
            )
          );
          sortRows(rows);
        }
        this._shown = JSON.stringify(rows);
        this._checking ??= this._rows()
          .then(
            checked => {
              if (JSON.stringify(checked) !== this._shown) {
                this._listChanged.emit();
              }
            },
            () => undefined
          )
          .finally(() => (this._checking = null));
        return rows;
      }
    }
    return this._rows();
  }

  /** The list's rows with their search digests (empty for unreadable files). */
  private async _rows(): Promise<IRow[]> {
    const folder = await this._resolveFolder(false);
    if (!folder) {
      return [];
    }
    const listing = await this._contents.get(folder, {
      content: true,
      type: 'directory'
    });
    const files: IListedFile[] = Array.isArray(listing.content)
      ? listing.content
      : [];
    const byName = new Map(
      files.filter(f => f.type !== 'directory').map(f => [f.name, f])
    );
    // A save interrupted between its renames leaves no `<id>.json`, only its spares.
    const ids = new Set<string>();
    for (const name of byName.keys()) {
      const id = /^(.*)\.json(\.tmp|\.swap)?$/.exec(name)?.[1];
      if (id && ID_PATTERN.test(id)) {
        ids.add(id);
      }
    }
    const { entries: indexed, whole } = await this._index.read(folder, name =>
      byName.get(name)
    );
    const fresh: IChatIndexEntry[] = [];
    const valid: IChatIndexEntry[] = [];
    const rows = await Promise.all(
      [...ids].map(async id => {
        const modified = byName.get(`${id}.json`)?.last_modified;
        // The index (or this session) describes the file as it is now: no read.
        for (const known of [indexed.get(id), this._known.get(id)]) {
          if (modified && known && known.modified === modified) {
            valid.push(known);
            return {
              id,
              title: known.title,
              updatedAt: known.updatedAt,
              personaId: known.personaId,
              search: known.search
            };
          }
        }
        try {
          const chat = await this.load(id);
          const entry = indexEntryOf(chat, modified ?? '');
          if (modified) {
            this._known.set(id, entry);
            fresh.push(entry);
          }
          return {
            id,
            title: entry.title,
            updatedAt: entry.updatedAt,
            personaId: entry.personaId,
            search: entry.search
          };
        } catch (error) {
          if (error instanceof ChatFileError && error.kind === 'missing') {
            return null; // an unusable temporary file, or deleted meanwhile
          }
          const time = Date.parse(modified ?? '');
          return {
            id,
            title: id,
            updatedAt: Number.isNaN(time) ? 0 : time,
            personaId: null,
            problem: (error as Error).message ?? String(error),
            search: ''
          };
        }
      })
    );
    // Entries of chats gone (deleted or renamed outside) or read again go;
    // unreadable files are not indexed, so their problem is always current.
    // A missing or unreadable index is written whole again.
    const gone = [...indexed.keys()].filter(id => !byName.has(`${id}.json`));
    if (fresh.length || gone.length || (!whole && valid.length)) {
      const set = whole ? fresh : [...valid, ...fresh];
      void this._serial(() => this._index.update(folder, set, gone));
    }
    const result = sortRows(
      rows.filter((row): row is NonNullable<typeof row> => row !== null)
    );
    this._lastCheck = { rows: result, index: this._index.modified };
    return result;
  }

  /** Delete a saved chat (and its spare files); a missing one is fine. */
  delete(id: string): Promise<void> {
    return this._serial(async () => {
      this._checkId(id);
      const folder = await this._resolveFolder(false);
      if (!folder) {
        return;
      }
      for (const path of [
        `${folder}/${id}.json`,
        `${folder}/${id}.json.tmp`,
        `${folder}/${id}.json.swap`
      ]) {
        await this._contents.delete(path).catch(error => {
          if (statusOf(error) !== 404) {
            throw error;
          }
        });
      }
      this._bad.delete(id);
      this._checked.delete(id);
      this._known.delete(id);
      await this._index.update(folder, [], [id]);
    });
  }

  private async _save(chat: ISavedChat, overwrite: boolean): Promise<void> {
    this._checkId(chat.id);
    const known = this._bad.get(chat.id);
    if (known && !overwrite) {
      throw known;
    }
    const folder = await this._resolveFolder(true);
    const file = `${folder}/${chat.id}.json`;
    let exists: boolean;
    if (this._checked.has(chat.id) && !overwrite) {
      // Read or written this session: it exists (if it was removed meanwhile,
      // the rename below says so and the save goes on without it).
      exists = true;
    } else if (overwrite) {
      exists = await this._exists(file);
    } else {
      // First write this session: make sure we are not replacing a file we cannot read.
      const text = await this._readText(file);
      exists = text !== null;
      if (exists && !overwrite) {
        this._parse(text!, file, chat.id, true);
      }
    }
    if (exists && !overwrite) {
      await this._checkUnchanged(chat.id, file);
    }
    // Grants stay in the page (see ISavedChat.grants).
    const data: ISavedChat = {
      ...chat,
      version: CHAT_SCHEMA_VERSION,
      grants: []
    };
    const model = await this._writeFile(file, chatFileText(data), exists);
    this._bad.delete(chat.id);
    this._checked.add(chat.id);
    // The index entry needs the file's last_modified as the listing will
    // show it: the server's rename answers with it; ask only if it did not.
    let modified = (model as { last_modified?: unknown } | undefined)
      ?.last_modified;
    if (typeof modified !== 'string' || !modified) {
      modified = await this._contents.get(file, { content: false }).then(
        m => m.last_modified,
        () => undefined
      );
    }
    this._noteVersion(
      chat.id,
      typeof modified === 'string' && modified ? modified : null
    );
    if (typeof modified === 'string' && modified) {
      const entry = indexEntryOf(data, modified);
      this._known.set(entry.id, entry);
      await this._index.update(folder!, [entry], []);
    }
  }

  /**
   * A conditional save: refuse when the file changed since this store last
   * read or wrote it (another tab or window saved it), comparing its
   * last_modified, asked without content and without hash (cheap for any
   * size). A file gone meanwhile is fine (the save makes it again).
   */
  private async _checkUnchanged(id: string, file: string): Promise<void> {
    const known = this._versions.get(id);
    if (!known) {
      return;
    }
    let now: string | null;
    try {
      now =
        (await this._contents.get(file, { content: false })).last_modified ??
        null;
    } catch (error) {
      if (statusOf(error) === 404) {
        return;
      }
      throw error;
    }
    if (now && now !== known) {
      throw new ChatFileError(
        'conflict',
        file,
        `${file} was changed elsewhere (another tab or window) since this tab read it, so this tab did not write over it. Reopen the chat to see the newer version.`
      );
    }
  }

  /** Remember the file version this store last saw of a chat (null: unknown). */
  private _noteVersion(id: string, modified: string | null): void {
    if (modified) {
      this._versions.set(id, modified);
    } else {
      this._versions.delete(id);
    }
  }

  /**
   * Replace `file` with `text` atomically, without deleting: the new version
   * goes to the temporary file first and the file is only ever renamed, so it
   * is always absent or whole. (With the server's default `delete_to_trash`,
   * a delete per save would fill the user's trash.) The previous version
   * stays as the temporary file until the next write replaces it. Returns
   * the server's answer to the last rename (the file's model).
   */
  private async _writeFile(
    file: string,
    text: string,
    exists: boolean
  ): Promise<unknown> {
    const tmp = `${file}.tmp`;
    const swap = `${file}.swap`;
    await this._contents.save(tmp, {
      type: 'file',
      format: 'text',
      content: text
    });
    const movedAside = exists && (await this._renameOver(file, swap));
    const model = await this._contents.rename(tmp, file);
    if (movedAside) {
      await this._contents.rename(swap, tmp).catch(() => undefined);
    }
    return model;
  }

  /**
   * Rename `from` to `to`; a `to` left by an interrupted save (the only way
   * one exists) is deleted first. False when `from` does not exist.
   */
  private async _renameOver(from: string, to: string): Promise<boolean> {
    try {
      await this._contents.rename(from, to);
    } catch (error) {
      const status = statusOf(error);
      if (status === 404) {
        return false; // `from` is gone (deleted outside): nothing to move aside
      }
      if (status !== 409 && status !== 400) {
        throw error;
      }
      await this._contents.delete(to);
      await this._contents.rename(from, to);
    }
    return true;
  }

  /**
   * Parse and check a saved chat. When `record`, a problem is remembered (so
   * saves refuse) and thrown; otherwise null is returned for a problem.
   */
  private _parse(
    text: string,
    path: string,
    id: string,
    record: boolean
  ): ISavedChat | null {
    const fail = (kind: ChatFileProblem, message: string): null => {
      const error = new ChatFileError(kind, path, message);
      if (!record) {
        return null;
      }
      this._bad.set(id, error);
      throw error;
    };
    let data: any;
    try {
      data = JSON.parse(text);
    } catch (error) {
      return fail(
        'corrupt',
        `The saved chat ${path} is not valid JSON (${(error as Error).message}); it was left as it is.`
      );
    }
    if (typeof data !== 'object' || data === null || Array.isArray(data)) {
      return fail(
        'corrupt',
        `The saved chat ${path} is not a chat object; it was left as it is.`
      );
    }
    const version = data.version;
    if (
      typeof version !== 'number' ||
      !Number.isInteger(version) ||
      version < 1
    ) {
      return fail(
        'corrupt',
        `The saved chat ${path} has no known format version; it was left as it is.`
      );
    }
    if (version > CHAT_SCHEMA_VERSION) {
      return fail(
        'newer',
        `The saved chat ${path} was written by a newer version of the extension (format ${version}, this one reads up to ${CHAT_SCHEMA_VERSION}); it was left as it is.`
      );
    }
    const turnsOk =
      Array.isArray(data.turns) &&
      data.turns.every(
        (t: any) =>
          t &&
          typeof t.id === 'string' &&
          ((t.role === 'user' && typeof t.text === 'string') ||
            (t.role === 'assistant' && Array.isArray(t.blocks)) ||
            (t.role === 'recap' && typeof t.text === 'string'))
      );
    if (!turnsOk || (data.id !== undefined && data.id !== id)) {
      return fail(
        'corrupt',
        `The saved chat ${path} does not hold a valid conversation; it was left as it is.`
      );
    }
    this._bad.delete(id);
    this._checked.add(id);
    const turns = data.turns as ISerializedTurn[];
    const number = (value: unknown, fallback: number) =>
      typeof value === 'number' ? value : fallback;
    const createdAt = number(data.createdAt, turns[0]?.createdAt ?? 0);
    return {
      version,
      id,
      title:
        typeof data.title === 'string' && data.title
          ? data.title
          : titleOf(turns),
      ...(data.customTitle === true ? { customTitle: true } : {}),
      createdAt,
      updatedAt: number(data.updatedAt, createdAt),
      personaId: typeof data.personaId === 'string' ? data.personaId : null,
      chatModel: typeof data.chatModel === 'string' ? data.chatModel : null,
      // Whatever the file says, a loaded chat grants nothing (see ISavedChat.grants).
      grants: [],
      turns
    };
  }

  /**
   * The folder to use: the hidden one if it exists or can be made, else the
   * fallback. Without `create`, null when neither exists yet.
   */
  private async _resolveFolder(create: boolean): Promise<string | null> {
    if (this._folder) {
      return this._folder;
    }
    for (const folder of [this._primary, this._fallback]) {
      if (await this._exists(folder)) {
        return (this._folder = folder);
      }
    }
    if (!create) {
      return null;
    }
    try {
      await this._makeFolders(this._primary);
      return (this._folder = this._primary);
    } catch (error) {
      const status = statusOf(error);
      if (status !== 400 && status !== 403 && status !== 404) {
        throw error;
      }
    }
    await this._makeFolders(this._fallback);
    return (this._folder = this._fallback);
  }

  /** Create a folder and its missing parents (the server makes one level at a time). */
  private async _makeFolders(folder: string): Promise<void> {
    const parts = folder.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const path = parts.slice(0, i).join('/');
      if (i === parts.length || !(await this._exists(path))) {
        await this._contents.save(path, { type: 'directory' });
      }
    }
  }

  private async _exists(path: string): Promise<boolean> {
    try {
      await this._contents.get(path, { content: false });
      return true;
    } catch (error) {
      const status = statusOf(error);
      if (status === 404 || status === 400 || status === 403) {
        return false;
      }
      throw error;
    }
  }

  /** A file's text and last_modified, or null when there is none. */
  private async _readModel(
    path: string
  ): Promise<{ text: string; modified: string | null } | null> {
    try {
      const model = await this._contents.get(path, {
        content: true,
        type: 'file',
        format: 'text'
      });
      const text =
        typeof model.content === 'string'
          ? model.content
          : JSON.stringify(model.content);
      return { text, modified: model.last_modified ?? null };
    } catch (error) {
      if (statusOf(error) === 404) {
        return null;
      }
      throw error;
    }
  }

  /** A file's text, or null when there is none. */
  private async _readText(path: string): Promise<string | null> {
    try {
      const model = await this._contents.get(path, {
        content: true,
        type: 'file',
        format: 'text'
      });
      return typeof model.content === 'string'
        ? model.content
        : JSON.stringify(model.content);
    } catch (error) {
      if (statusOf(error) === 404) {
        return null;
      }
      throw error;
    }
  }

  private _checkId(id: string): void {
    if (!ID_PATTERN.test(id)) {
      throw new ChatFileError(
        'invalid-id',
        id,
        `"${id}" cannot name a saved chat.`
      );
    }
  }

  /** Run writes one after another, so two saves never interleave their steps. */
  private _serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this._queue.then(task, task);
    this._queue = run.then(
      () => undefined,
      () => undefined
    );
    return run;
  }

  private _contents: IChatContents;
  private _primary: string;
  private _fallback: string;
  private _folder: string | null = null;
  private _hint: string | null;
  private _index: ChatIndexFile;
  private _listChanged = new Signal<this, void>(this);
  /** The background check of the folder under way, if any. */
  private _checking: Promise<void> | null = null;
  /** The rows `list` last returned from the index (JSON), for that check. */
  private _shown = '';
  /** The rows the last check of the folder found, and the index's last_modified then. */
  private _lastCheck: { rows: IRow[]; index: string | null } | null = null;
  /** Index entries made here from chat files (by save or read), by id. */
  private _known = new Map<string, IChatIndexEntry>();
  /** Files found unreadable, by id: saves refuse them. */
  private _bad = new Map<string, ChatFileError>();
  /** Ids whose file was read or written fine this session. */
  private _checked = new Set<string>();
  /** The last_modified of each chat file as last read or written here (for conditional saves). */
  private _versions = new Map<string, string>();
  private _queue: Promise<void> = Promise.resolve();
}

export interface IChatListOptions {
  /** Check the index against the folder before returning (else in the background). */
  validate?: boolean;
}

/** A list row with the chat's search digest ('' for unreadable files). */
type IRow = IChatListEntry & { search: string };

/** Most recently updated first; ties by id, so the same chats give the same order. */
function sortRows<T extends IChatListEntry>(rows: T[]): T[] {
  return rows.sort(
    (a, b) =>
      b.updatedAt - a.updatedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

/** A file in a folder listing of the contents API. */
interface IListedFile {
  name: string;
  type?: string;
  last_modified?: string;
}

/** The index entry of a chat read from (or written to) a file last modified at `modified`. */
function indexEntryOf(chat: ISavedChat, modified: string): IChatIndexEntry {
  const title = chat.title || titleOf(chat.turns);
  return {
    id: chat.id,
    title,
    personaId: chat.personaId ?? null,
    createdAt: chat.createdAt,
    updatedAt: chat.updatedAt,
    modified,
    search: searchDigest({ title, turns: chat.turns })
  };
}

function trimSlashes(path: string): string {
  return path.replace(/^\/+|\/+$/g, '');
}
