/** @jest-environment node */
import {
  CHAT_INDEX_FILE,
  DIGEST_MAX_CHARS,
  digestMatches,
  parseChatIndex,
  searchDigest,
  serializeChatIndex
} from '../chatIndex';
import { CHAT_SCHEMA_VERSION, ChatStore, ISavedChat } from '../store';
import { FakeContents } from '../../__tests__/fakeContents';
import { BareContents, ServerContents } from '../../__tests__/serverContents';

const FOLDER = '.jupyter/chats';
const INDEX = `${FOLDER}/${CHAT_INDEX_FILE}`;

/** A saved chat with a user message and a reply (with a tool call whose result is not searchable). */
function chat(
  id: string,
  extra: Partial<ISavedChat> = {},
  words = ''
): ISavedChat {
  return {
    version: CHAT_SCHEMA_VERSION,
    id,
    title: `Chat ${id}`,
    createdAt: 1000,
    updatedAt: 2000,
    personaId: 'data-engineer',
    chatModel: null,
    grants: [],
    turns: [
      {
        id: `${id}-u`,
        role: 'user',
        text: `Load orders.csv for ${id} ${words}`,
        createdAt: 1000
      },
      {
        id: `${id}-a`,
        role: 'assistant',
        status: 'done',
        createdAt: 1001,
        text: 'The customer_id column is unique.',
        blocks: [
          { type: 'text', text: 'The customer_id column is unique.' },
          {
            type: 'tool',
            call: {
              id: 't1',
              name: 'read_file',
              input: { path: 'orders.csv' },
              state: 'done',
              result: { content: 'zebrafish' }
            }
          }
        ]
      }
    ],
    ...extra
  } as ISavedChat;
}

/** Write a chat file as something outside the extension would (a copy, an editor). */
function putOutside(
  contents: FakeContents,
  name: string,
  text: string,
  mtime?: number
): void {
  contents.put(`${FOLDER}/${name}`, text, mtime);
}

const chatReads = (contents: FakeContents) =>
  contents.ops.filter(op =>
    /^get .*\/[^_/][^/]*\.json(\.tmp|\.swap)?$/.test(op)
  );

async function saved(
  contents: FakeContents,
  count: number
): Promise<ChatStore> {
  const store = new ChatStore({ contents });
  for (let i = 0; i < count; i++) {
    await store.save(
      chat(`chat-${String(i).padStart(3, '0')}`, { updatedAt: 2000 + i })
    );
  }
  return store;
}

describe('searchDigest / digestMatches', () => {
  it('keeps distinct lower-cased words of title, user text, then replies, within the bound', () => {
    const digest = searchDigest(chat('c1'));
    expect(digest.split(' ').slice(0, 6)).toEqual([
      'chat',
      'c1',
      'load',
      'orders',
      'csv',
      'for'
    ]);
    expect(digest).toContain('customer_id');
    expect(digest).not.toContain('zebrafish'); // tool results are not message text
    expect(new Set(digest.split(' ')).size).toBe(digest.split(' ').length);

    const long = chat(
      'c2',
      {},
      Array.from({ length: 2000 }, (_, i) => `word${i}`).join(' ')
    );
    const bounded = searchDigest(long);
    expect(bounded.length).toBeLessThanOrEqual(DIGEST_MAX_CHARS);
    expect(bounded.length).toBeGreaterThan(DIGEST_MAX_CHARS - 12);
    expect(bounded.startsWith('chat c2 load orders csv for word0 word1')).toBe(
      true
    );
    expect(searchDigest({ title: 'x', turns: [] }, 0)).toBe('');
  });

  it('tolerates turns of unknown shape (a later format)', () => {
    const digest = searchDigest({
      title: 'Future',
      turns: [
        null,
        'text',
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Partition by region' },
            { type: 'image' }
          ]
        },
        {
          role: 'assistant',
          blocks: [
            { type: 'thinking', text: 'hidden' },
            { type: 'text', text: 'Done quickly' }
          ]
        },
        { role: 'assistant', text: 42 },
        { role: 'system', text: 'ignored' }
      ]
    });
    expect(digest).toBe('future partition by region done quickly');
  });

  it('matches a title substring or every query word', () => {
    const digest = searchDigest(chat('c1'));
    expect(digestMatches('Chat c1', digest, 'CUSTOMER')).toBe(true);
    expect(digestMatches('Chat c1', digest, 'orders  unique')).toBe(true);
    expect(digestMatches('Chat c1', digest, 'orders zebrafish')).toBe(false);
    expect(digestMatches('Sales: Q3 report', '', 'sales: q3')).toBe(true);
    expect(digestMatches('Chat c1', digest, '  ')).toBe(true);
    expect(digestMatches('Chat c1', digest, '!!')).toBe(false);
  });

  it('reads back what it writes, and nothing of another version or shape', () => {
    const entry = {
      id: 'a',
      title: 'A',
      personaId: null,
      createdAt: 1,
      updatedAt: 2,
      modified: 'm',
      search: 'a b'
    };
    const text = serializeChatIndex([{ ...entry, id: 'b' }, entry]);
    expect(text.split('\n')).toHaveLength(5); // one entry per line
    expect([...parseChatIndex(text)!.values()]).toEqual([
      entry,
      { ...entry, id: 'b' }
    ]);
    expect(
      parseChatIndex(text.replace('"version": 1', '"version": 2'))
    ).toBeNull();
    expect(parseChatIndex(text.slice(0, 30))).toBeNull();
    expect(parseChatIndex('[]')).toBeNull();
    const odd = parseChatIndex(
      JSON.stringify({
        version: 1,
        chats: [entry, { ...entry, id: 'c', modified: 5 }, null]
      })
    )!;
    expect([...odd.keys()]).toEqual(['a']);
  });
});

describe('ChatStore with the index', () => {
  it('writes the index entry with each save, with the file last_modified the listing shows', async () => {
    const contents = new ServerContents();
    const store = new ChatStore({ contents });
    await store.save(chat('chat-1', { title: '' }));
    await store.save(chat('chat-2', { personaId: null, updatedAt: 3000 }));
    const index = parseChatIndex(contents.files.get(INDEX)!)!;
    const listing = (await contents.get(FOLDER, { content: true }))
      .content as Array<{ name: string; last_modified: string }>;
    expect(index.get('chat-1')).toEqual({
      id: 'chat-1',
      title: 'Load orders.csv for chat-1', // an empty title follows the first message
      personaId: 'data-engineer',
      createdAt: 1000,
      updatedAt: 2000,
      modified: listing.find(f => f.name === 'chat-1.json')!.last_modified,
      search: searchDigest({
        title: 'Load orders.csv for chat-1',
        turns: chat('chat-1').turns
      })
    });
    expect(index.get('chat-2')).toMatchObject({
      personaId: null,
      updatedAt: 3000
    });
    // Renames answered with the model: no request to learn last_modified.
    expect(
      contents.ops.filter(op => op === `get ${FOLDER}/chat-2.json`)
    ).toEqual([`get ${FOLDER}/chat-2.json`]);
    // The index is never listed as a chat.
    expect((await new ChatStore({ contents }).list()).map(e => e.id)).toEqual([
      'chat-2',
      'chat-1'
    ]);
  });

  it('lists 300 chats with a constant number of requests and no chat file read', async () => {
    const contents = new FakeContents();
    const writer = await saved(contents, 300);
    await writer.whenIdle();
    contents.ops = [];
    const store = new ChatStore({ contents });
    let changes = 0;
    store.listChanged.connect(() => changes++);
    // The folder listing (slow on a server: it looks at every file) is held back...
    let release!: () => void;
    const held = new Promise<void>(resolve => (release = resolve));
    const get = contents.get.bind(contents);
    let listings = 0;
    contents.get = async (path, options) => {
      if (path === FOLDER && options?.content) {
        listings++;
        await held;
      }
      return get(path, options);
    };
    const entries = await store.list();
    // ...and the list is there: the folder found, the index read.
    expect(listings).toBe(1);
    expect(contents.ops).toEqual([`get ${FOLDER}`, `get ${INDEX}`]);
    expect(entries).toHaveLength(300);
    expect(entries[0]).toEqual({
      id: 'chat-299',
      title: 'Chat chat-299',
      updatedAt: 2299,
      personaId: 'data-engineer'
    });
    // Then the listing checks it, and finds nothing to read or change.
    release();
    await store.whenIdle();
    expect(contents.ops).toEqual([
      `get ${FOLDER}`,
      `get ${INDEX}`,
      `get ${FOLDER}`
    ]);
    expect(changes).toBe(0);
    // Checked before returning, from a fresh store: the same three requests.
    contents.ops = [];
    expect(await new ChatStore({ contents }).list({ validate: true })).toEqual(
      entries
    );
    expect(contents.ops).toEqual([
      `get ${FOLDER}`,
      `get ${FOLDER}`,
      `get ${INDEX}`
    ]);
  });

  it('rebuilds a missing index from the chat files once, then reads only the index', async () => {
    const contents = new FakeContents();
    await saved(contents, 30);
    for (const name of [INDEX, `${INDEX}.tmp`]) {
      contents.files.delete(name);
    }
    contents.ops = [];
    const first = new ChatStore({ contents });
    expect(await first.list()).toHaveLength(30);
    expect(chatReads(contents)).toHaveLength(30);
    await first.whenIdle();
    expect(parseChatIndex(contents.files.get(INDEX)!)!.size).toBe(30);
    contents.ops = [];
    expect(await new ChatStore({ contents }).list()).toHaveLength(30);
    expect(chatReads(contents)).toEqual([]);
  });

  it('rebuilds a corrupt index (or one of another version), falling back to its previous version first', async () => {
    const contents = new FakeContents();
    await saved(contents, 5);
    // The previous version (kept as .tmp) lacks the last chat: only that one is read.
    putOutside(contents, CHAT_INDEX_FILE, '{"version": 1, "chats": [');
    contents.ops = [];
    const store = new ChatStore({ contents });
    expect((await store.list()).map(e => e.id)).toEqual([
      'chat-004',
      'chat-003',
      'chat-002',
      'chat-001',
      'chat-000'
    ]);
    expect(chatReads(contents)).toEqual([`get ${FOLDER}/chat-004.json`]);
    await store.whenIdle();
    expect(parseChatIndex(contents.files.get(INDEX)!)!.size).toBe(5);

    putOutside(
      contents,
      CHAT_INDEX_FILE,
      contents.files.get(INDEX)!.replace('"version": 1', '"version": 7')
    );
    contents.files.delete(`${INDEX}.tmp`);
    contents.ops = [];
    const other = new ChatStore({ contents });
    expect(await other.list()).toHaveLength(5);
    expect(chatReads(contents)).toHaveLength(5);
    await other.whenIdle();
    expect(parseChatIndex(contents.files.get(INDEX)!)!.size).toBe(5);
  });

  it('reads again a chat changed outside, and indexes copied-in files; drops deleted ones', async () => {
    const contents = new FakeContents();
    await saved(contents, 3);
    putOutside(
      contents,
      'chat-001.json',
      JSON.stringify(
        chat('chat-001', { title: 'Edited outside', updatedAt: 9000 })
      )
    );
    putOutside(
      contents,
      'copied.json',
      JSON.stringify(chat('copied', { updatedAt: 500 }))
    );
    contents.files.delete(`${FOLDER}/chat-002.json`);
    contents.ops = [];
    const store = new ChatStore({ contents });
    let changes = 0;
    store.listChanged.connect(() => changes++);
    // From the index at once: still as the extension last saved it...
    expect((await store.list()).map(e => e.id)).toEqual([
      'chat-002',
      'chat-001',
      'chat-000'
    ]);
    await store.whenIdle();
    // ...then the check sees the changes and says so; the next list has them.
    expect(changes).toBe(1);
    expect(chatReads(contents).sort()).toEqual([
      `get ${FOLDER}/chat-001.json`,
      `get ${FOLDER}/copied.json`
    ]);
    contents.ops = [];
    expect((await store.list()).map(e => [e.id, e.title])).toEqual([
      ['chat-001', 'Edited outside'],
      ['chat-000', 'Chat chat-000'],
      ['copied', 'Chat copied']
    ]);
    await store.whenIdle();
    expect(changes).toBe(1);
    expect(chatReads(contents)).toEqual([]);
    const index = parseChatIndex(contents.files.get(INDEX)!)!;
    expect([...index.keys()].sort()).toEqual([
      'chat-000',
      'chat-001',
      'copied'
    ]);
    expect(index.get('chat-001')!.title).toBe('Edited outside');
    // A file put back with an older copy (its last_modified differs) is read again too.
    putOutside(
      contents,
      'chat-001.json',
      JSON.stringify(chat('chat-001', { title: 'Backup' })),
      1
    );
    contents.ops = [];
    expect(
      (await new ChatStore({ contents }).list({ validate: true })).find(
        e => e.id === 'chat-001'
      )!.title
    ).toBe('Backup');
    expect(chatReads(contents)).toEqual([`get ${FOLDER}/chat-001.json`]);
  });

  it('keeps both chats when two tabs save at once, and repairs an entry lost by a racing write', async () => {
    const contents = new FakeContents();
    await saved(contents, 2);
    const tabA = new ChatStore({ contents });
    const tabB = new ChatStore({ contents });
    await Promise.all([tabA.list(), tabB.list()]);
    await Promise.all([
      tabA.save(chat('from-a', { updatedAt: 5000 })),
      tabB.save(chat('from-b', { updatedAt: 6000 }))
    ]);
    await Promise.all([tabA.whenIdle(), tabB.whenIdle()]);
    const reader = new ChatStore({ contents });
    expect((await reader.list({ validate: true })).map(e => e.id)).toEqual([
      'from-b',
      'from-a',
      'chat-001',
      'chat-000'
    ]);
    await reader.whenIdle();
    contents.ops = [];
    expect(
      await new ChatStore({ contents }).list({ validate: true })
    ).toHaveLength(4);
    expect(chatReads(contents)).toEqual([]);

    // A write that read the index before another tab's write loses that entry...
    const before = contents.files.get(INDEX)!;
    await tabA.save(chat('later-a', { updatedAt: 7000 }));
    putOutside(contents, CHAT_INDEX_FILE, before);
    // ...but the chat is not lost: its file is not in the index, so it is read and indexed again.
    contents.ops = [];
    const next = new ChatStore({ contents });
    expect((await next.list({ validate: true })).map(e => e.id)[0]).toBe(
      'later-a'
    );
    expect(chatReads(contents)).toEqual([`get ${FOLDER}/later-a.json`]);
    await next.whenIdle();
    expect(parseChatIndex(contents.files.get(INDEX)!)!.has('later-a')).toBe(
      true
    );
  });

  it('searches titles and message words through the digest without reading chat files', async () => {
    const contents = new FakeContents();
    const writer = new ChatStore({ contents });
    await writer.save(
      chat(
        'sales',
        { title: 'Sales by region', updatedAt: 3000 },
        'partition by month'
      )
    );
    await writer.save(
      chat('churn', { title: 'Churn model' }, 'logistic regression')
    );
    putOutside(contents, 'broken.json', '{"version": 1, "id": "broken", "tu');
    const store = new ChatStore({ contents });
    // From the index alone: no request but the index's own check.
    contents.ops = [];
    expect((await store.search('regression')).map(e => e.id)).toEqual([
      'churn'
    ]);
    // (and the check of the folder, started in the background)
    expect(contents.ops).toEqual([
      `get ${FOLDER}`,
      `get ${INDEX}`,
      `get ${FOLDER}`
    ]);
    await store.whenIdle();
    contents.ops = [];
    expect(
      (await store.search('regression', { validate: true })).map(e => e.id)
    ).toEqual(['churn']);
    expect(
      (await store.search('customer_id', { validate: true })).map(e => e.id)
    ).toEqual(['sales', 'churn']);
    expect(
      (await store.search('MONTH part', { validate: true })).map(e => e.id)
    ).toEqual(['sales']);
    expect(
      (await store.search('zebrafish', { validate: true })).map(e => e.id)
    ).toEqual([]);
    expect(
      (await store.search('bro', { validate: true })).map(e => [
        e.id,
        !!e.problem
      ])
    ).toEqual([['broken', true]]);
    // An unreadable file is dated by its last_modified (here, later than the chats' own dates).
    expect((await store.search('', { validate: true })).map(e => e.id)).toEqual(
      ['broken', 'sales', 'churn']
    );
    expect(
      chatReads(contents).filter(op => !op.endsWith('broken.json'))
    ).toEqual([]);
    expect(
      (await store.search('Sales by', { validate: true })).map(e => e.id)
    ).toEqual(['sales']);
  });

  it('reports corrupt and newer chat files with an index present, never indexes them, and removes a deleted chat', async () => {
    const contents = new FakeContents();
    const writer = await saved(contents, 2);
    putOutside(contents, 'bad.json', 'not json');
    putOutside(
      contents,
      'new.json',
      JSON.stringify({ ...chat('new'), version: CHAT_SCHEMA_VERSION + 1 })
    );
    const store = new ChatStore({ contents });
    for (let round = 0; round < 2; round++) {
      const entries = await store.list({ validate: true });
      expect(entries.map(e => [e.id, !!e.problem])).toEqual([
        ['new', true],
        ['bad', true],
        ['chat-001', false],
        ['chat-000', false]
      ]);
      expect(entries[0].problem).toMatch(/newer version/);
      expect(entries[1].problem).toMatch(/not valid JSON/);
      await store.whenIdle();
    }
    expect([...parseChatIndex(contents.files.get(INDEX)!)!.keys()]).toEqual([
      'chat-000',
      'chat-001'
    ]);
    await expect(store.save(chat('bad'))).rejects.toMatchObject({
      kind: 'corrupt'
    });
    expect(contents.files.get(`${FOLDER}/bad.json`)).toBe('not json');

    await writer.delete('chat-000');
    expect([...parseChatIndex(contents.files.get(INDEX)!)!.keys()]).toEqual([
      'chat-001'
    ]);
    expect(
      contents.ops.filter(
        op => op.startsWith('delete') && op.includes(CHAT_INDEX_FILE)
      )
    ).toEqual([]);
  });

  it('signals a change once: a re-list after the signal shows what the check found, and no new signal', async () => {
    for (const contents of [new BareContents(), new ServerContents()]) {
      const writer = await saved(contents, 2);
      putOutside(contents, 'bad.json', 'not json');
      putOutside(
        contents,
        'copied.json',
        JSON.stringify(chat('copied', { updatedAt: 100 }))
      );
      const store = new ChatStore({ contents });
      let changes = 0;
      store.listChanged.connect(() => changes++);
      expect((await store.list()).map(e => e.id)).toEqual([
        'chat-001',
        'chat-000'
      ]);
      await store.whenIdle();
      expect(changes).toBe(1);
      for (let round = 0; round < 2; round++) {
        // What the UI does on the signal: list again.
        expect((await store.list()).map(e => [e.id, !!e.problem])).toEqual([
          ['bad', true],
          ['chat-001', false],
          ['chat-000', false],
          ['copied', false]
        ]);
        await store.whenIdle();
        expect(changes).toBe(1);
      }
      // A save from another tab shows at once; the check agrees.
      await writer.save(chat('chat-new', { updatedAt: 9000 }));
      // (an unreadable file is dated by its last_modified, later than these chats' own dates)
      expect((await store.list()).map(e => e.id)).toEqual([
        'bad',
        'chat-new',
        'chat-001',
        'chat-000',
        'copied'
      ]);
      await store.whenIdle();
      expect(changes).toBe(1);
    }
  });

  it('saves even when the index cannot be written, and the list repairs it', async () => {
    const contents = new FakeContents();
    const store = await saved(contents, 1);
    const save = contents.save.bind(contents);
    contents.save = async (path, options) => {
      if (path.includes(CHAT_INDEX_FILE)) {
        throw new Error('quota');
      }
      return save(path, options);
    };
    await expect(
      store.save(chat('chat-new', { updatedAt: 9000 }))
    ).resolves.toBeUndefined();
    contents.save = save;
    expect(contents.files.has(`${FOLDER}/chat-new.json`)).toBe(true);
    const reader = new ChatStore({ contents });
    expect((await reader.list({ validate: true })).map(e => e.id)).toEqual([
      'chat-new',
      'chat-000'
    ]);
    await reader.whenIdle();
    expect(parseChatIndex(contents.files.get(INDEX)!)!.has('chat-new')).toBe(
      true
    );
  });
});
