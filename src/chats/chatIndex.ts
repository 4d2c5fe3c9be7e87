/**
 * The chat list index: one small file next to the saved chats with what the
 * list shows and a search digest per chat, so the list opens (and searches)
 * without reading every chat file. It is a cache: the chat files stay the
 * truth, and every entry is checked against the folder listing before use.
 */

/** The index's file name in the chat folder. It cannot be a chat id (ids start with a letter or digit). */
export const CHAT_INDEX_FILE = '_index.json';

/** The index's own format version (independent of the chat files' version). */
export const CHAT_INDEX_VERSION = 1;

/** At most this many characters of search digest per chat. */
export const DIGEST_MAX_CHARS = 2000;

/** Words longer than this (encoded data, hashes) are left out of digests. */
const MAX_WORD_CHARS = 40;

/** One chat in the index. */
export interface IChatIndexEntry {
  id: string;
  title: string;
  personaId: string | null;
  createdAt: number;
  updatedAt: number;
  /** The chat file's `last_modified` when this entry was made from it. */
  modified: string;
  /** Lower-cased distinct words of the title, then user messages, then replies, space-separated. */
  search: string;
}

/** What a digest is made from: a saved chat of any format version (turns of unknown shape are skipped). */
export interface IDigestSource {
  title: string;
  turns: ReadonlyArray<unknown>;
}

const WORD = /[\p{L}\p{N}_]+/gu;

/** The lower-cased words of a text, in order. */
export function wordsOf(text: string): string[] {
  return text.toLowerCase().match(WORD) ?? [];
}

/** The text a person wrote or read in a turn: user text and reply text, whatever the turn format. */
function turnText(turn: any): string {
  if (!turn || typeof turn !== 'object') {
    return '';
  }
  if (typeof turn.text === 'string' && turn.text) {
    return turn.text;
  }
  const blocks = Array.isArray(turn.blocks)
    ? turn.blocks
    : Array.isArray(turn.content)
      ? turn.content
      : [];
  return blocks
    .filter((b: any) => b && b.type === 'text' && typeof b.text === 'string')
    .map((b: any) => b.text)
    .join('\n');
}

/**
 * A chat's search digest: distinct words of its title, its user messages,
 * then its replies (so what the user typed survives the size bound first),
 * at most `DIGEST_MAX_CHARS` characters.
 */
export function searchDigest(
  chat: IDigestSource,
  maxChars = DIGEST_MAX_CHARS
): string {
  const turns = chat.turns.filter(t => t && typeof t === 'object') as any[];
  const texts = [
    chat.title,
    ...turns.filter(t => t.role === 'user').map(turnText),
    ...turns.filter(t => t.role === 'assistant').map(turnText)
  ];
  const seen = new Set<string>();
  let length = 0;
  for (const text of texts) {
    for (const word of wordsOf(text)) {
      if (word.length < 2 || word.length > MAX_WORD_CHARS || seen.has(word)) {
        continue;
      }
      if (length + word.length + (seen.size ? 1 : 0) > maxChars) {
        return [...seen].join(' ');
      }
      length += word.length + (seen.size ? 1 : 0);
      seen.add(word);
    }
  }
  return [...seen].join(' ');
}

/**
 * Whether a chat matches a search: its title contains the query, or every
 * word of the query is part of a word of the title or digest (so "sales
 * schema" finds a chat that talks about both, and "cust" finds "customer_id").
 */
export function digestMatches(
  title: string,
  digest: string,
  query: string
): boolean {
  const needle = query.trim().toLowerCase();
  if (!needle || title.toLowerCase().includes(needle)) {
    return true;
  }
  const words = wordsOf(needle);
  if (!words.length) {
    return false;
  }
  const haystack = ` ${wordsOf(title).join(' ')} ${digest} `;
  return words.every(word => haystack.includes(word));
}

/** The index file's text: one entry per line, so a person can read it. */
export function serializeChatIndex(entries: Iterable<IChatIndexEntry>): string {
  const lines = [...entries]
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map(e => JSON.stringify(e));
  return `{"version": ${CHAT_INDEX_VERSION}, "chats": [\n${lines.join(',\n')}\n]}\n`;
}

/** The entries of an index file, or null when it is not one this code reads (corrupt, other version). */
export function parseChatIndex(
  text: string
): Map<string, IChatIndexEntry> | null {
  let data: any;
  try {
    data = JSON.parse(text);
  } catch {
    return null;
  }
  if (
    !data ||
    typeof data !== 'object' ||
    data.version !== CHAT_INDEX_VERSION ||
    !Array.isArray(data.chats)
  ) {
    return null;
  }
  const entries = new Map<string, IChatIndexEntry>();
  for (const e of data.chats) {
    // An entry that looks wrong is dropped; its chat is read again.
    if (
      e &&
      typeof e.id === 'string' &&
      typeof e.title === 'string' &&
      (e.personaId === null || typeof e.personaId === 'string') &&
      typeof e.createdAt === 'number' &&
      typeof e.updatedAt === 'number' &&
      typeof e.modified === 'string' &&
      e.modified &&
      typeof e.search === 'string'
    ) {
      entries.set(e.id, {
        id: e.id,
        title: e.title,
        personaId: e.personaId,
        createdAt: e.createdAt,
        updatedAt: e.updatedAt,
        modified: e.modified,
        search: e.search.slice(0, DIGEST_MAX_CHARS)
      });
    }
  }
  return entries;
}

/** The file operations the index needs (the store's, so it is written like a chat). */
export interface IChatIndexIO {
  /** A file's text and last_modified; null when there is none. */
  read(path: string): Promise<{ text: string; modified: string | null } | null>;
  /** A file's last_modified; null when there is none. */
  stat(path: string): Promise<string | null>;
  /** Replace a file atomically; its new last_modified when the server said. */
  write(path: string, text: string, exists: boolean): Promise<string | null>;
}

/**
 * The index file of a chat folder, as this session last read or wrote it.
 * Callers check each entry against the chat file's last_modified before
 * trusting it, so any version of the index, even an old or half-merged
 * one, is safe to use.
 */
export class ChatIndexFile {
  constructor(private readonly _io: IChatIndexIO) {}

  /**
   * The index's entries: the file, else the versions a write leaves next to
   * it (`.tmp`, `.swap`), else what this session read last. `whole` is false
   * unless they come from the file itself (then it should be written whole).
   * `listed` gives a name's entry in the folder listing, if there.
   */
  async read(
    folder: string,
    listed: (name: string) => { last_modified?: string } | undefined
  ): Promise<{ entries: Map<string, IChatIndexEntry>; whole: boolean }> {
    const main = listed(CHAT_INDEX_FILE);
    if (
      main?.last_modified &&
      this._disk &&
      main.last_modified === this._disk.modified
    ) {
      return { entries: this._disk.entries, whole: true };
    }
    for (const name of [
      CHAT_INDEX_FILE,
      `${CHAT_INDEX_FILE}.tmp`,
      `${CHAT_INDEX_FILE}.swap`
    ]) {
      if (!listed(name)) {
        continue;
      }
      const model = await this._io.read(`${folder}/${name}`).catch(() => null);
      const entries = model ? parseChatIndex(model.text) : null;
      if (entries) {
        if (name === CHAT_INDEX_FILE) {
          this._disk = { entries, modified: model!.modified };
        }
        return { entries, whole: name === CHAT_INDEX_FILE };
      }
    }
    return { entries: this._disk?.entries ?? new Map(), whole: false };
  }

  /**
   * The index file's entries as it is now (read again only when its
   * last_modified changed); null when it is missing or unusable.
   */
  async current(folder: string): Promise<Map<string, IChatIndexEntry> | null> {
    const path = `${folder}/${CHAT_INDEX_FILE}`;
    try {
      if (this._disk?.modified) {
        const now = await this._io.stat(path);
        if (now === null) {
          return null;
        }
        if (now === this._disk.modified) {
          return this._disk.entries;
        }
      }
      const model = await this._io.read(path);
      const entries = model ? parseChatIndex(model.text) : null;
      if (entries) {
        this._disk = { entries, modified: model!.modified };
      }
      return entries;
    } catch {
      return null;
    }
  }

  /**
   * Set and remove entries: re-read the index if someone else wrote it since
   * (another tab), merge, write. Two tabs writing at once can still lose one
   * tab's change; that costs no chat: a lost entry no longer matches its
   * file's last_modified, so the next list reads that file again and puts
   * the entry back. Never throws: failures are left to that same repair.
   */
  async update(
    folder: string,
    set: IChatIndexEntry[],
    remove: string[]
  ): Promise<void> {
    const path = `${folder}/${CHAT_INDEX_FILE}`;
    try {
      let base: Map<string, IChatIndexEntry> | null = null;
      let onDisk = true;
      if (this._disk?.modified) {
        // One request without content when nobody else wrote it.
        const now = await this._io.stat(path);
        onDisk = now !== null;
        if (now === this._disk.modified) {
          base = this._disk.entries;
        }
      }
      if (!base && onDisk) {
        const model = await this._io.read(path);
        onDisk = model !== null;
        base = model ? parseChatIndex(model.text) : null;
      }
      // Missing or unreadable: start from what this session knew of it.
      const entries = new Map(base ?? this._disk?.entries ?? []);
      let changed = false;
      for (const entry of set) {
        const before = entries.get(entry.id);
        changed =
          changed ||
          !before ||
          JSON.stringify(before) !== JSON.stringify(entry);
        entries.set(entry.id, entry);
      }
      for (const id of remove) {
        changed = entries.delete(id) || changed;
      }
      if (!changed && (onDisk || !entries.size)) {
        return;
      }
      const modified = await this._io.write(
        path,
        serializeChatIndex(entries.values()),
        onDisk
      );
      this._disk = { entries, modified };
    } catch {
      this._disk = null; // the next list reads the chat files and writes a whole index again
    }
  }

  /** The index file's last_modified as last read or written here (null when unknown). */
  get modified(): string | null {
    return this._disk?.modified ?? null;
  }

  /** The index as last read or written here, with its last_modified then. */
  private _disk: {
    entries: Map<string, IChatIndexEntry>;
    modified: string | null;
  } | null = null;
}
