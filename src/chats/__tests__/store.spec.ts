/** @jest-environment node */
import type { Contents } from '@jupyterlab/services';
import {
  CHAT_SCHEMA_VERSION,
  ChatFileError,
  ChatStore,
  IChatContents,
  ISavedChat,
  titleOf
} from '../store';
import { ChatAutosave } from '../autosave';
import { ChatModel } from '../chatModel';

// Compile-time check: JupyterLab's contents manager fits the narrow interface.
export const contentsFits = (manager: Contents.IManager): IChatContents =>
  manager;

import {
  conversationWithTools,
  expectValidToolPairs
} from '../../__tests__/chatFixtures';
import { FakeContents, httpError } from '../../__tests__/fakeContents';
import { ServerContents } from '../../__tests__/serverContents';

function chatOf(
  conversation: ChatModel,
  id = 'chat-1',
  extra: Partial<ISavedChat> = {}
): ISavedChat {
  const turns = conversation.toJSON().turns;
  return {
    version: CHAT_SCHEMA_VERSION,
    id,
    title: titleOf(turns),
    createdAt: 1000,
    updatedAt: 2000,
    personaId: 'data-engineer',
    chatModel: null,
    grants: [],
    turns,
    ...extra
  };
}

const FOLDER = '.jupyter/chats';

describe('titleOf', () => {
  it('takes the first user message on one line, at most 60 characters', () => {
    expect(titleOf(conversationWithTools().turns)).toBe(
      'Load sales.csv and show the schema, please'
    );
    const long = new ChatModel();
    long.addUser('word '.repeat(40));
    const title = titleOf(long.turns);
    expect(title.length).toBeLessThanOrEqual(60);
    expect(title.endsWith('…')).toBe(true);
    expect(titleOf([])).toBe('');
  });
});

describe('ChatStore', () => {
  it('saves and loads a conversation with tool calls (round trip)', async () => {
    const contents = new FakeContents();
    const store = new ChatStore({ contents });
    const conversation = conversationWithTools();
    const chat = chatOf(conversation);
    await store.save(chat);

    expect(store.folder).toBe(FOLDER);
    expect(contents.dirs.has('.jupyter')).toBe(true);
    expect(contents.dirs.has(FOLDER)).toBe(true);
    expect(contents.files.has(`${FOLDER}/chat-1.json`)).toBe(true);
    expect(contents.files.has(`${FOLDER}/chat-1.json.tmp`)).toBe(false);

    // A fresh store (a reload) reads it back.
    const loaded = await new ChatStore({ contents }).load('chat-1');
    expect(loaded).toEqual(chat);
    const restored = ChatModel.fromJSON(loaded);
    expect(restored.turns).toEqual(conversation.turns);
    expect(restored.toMessages()).toEqual(conversation.toMessages());
    expectValidToolPairs(restored);

    expect(await store.list()).toEqual([
      {
        id: 'chat-1',
        title: 'Load sales.csv and show the schema, please',
        updatedAt: 2000,
        personaId: 'data-engineer'
      }
    ]);
  });

  it('writes atomically without deleting: temporary file, then renames; the final file is never partial', async () => {
    const contents = new FakeContents();
    const store = new ChatStore({ contents });
    const conversation = conversationWithTools();
    await store.save(chatOf(conversation));
    const final = `${FOLDER}/chat-1.json`;
    const tmp = `${final}.tmp`;
    const index = `${FOLDER}/_index.json`;
    expect(contents.writes).toEqual([
      'save .jupyter',
      'save .jupyter/chats',
      `save ${tmp}`,
      `rename ${tmp} -> ${final}`,
      // The chat list's index, written the same way, after the chat.
      `save ${index}.tmp`,
      `rename ${index}.tmp -> ${index}`
    ]);

    const seen: Array<string | undefined> = [];
    contents.afterOp = () => seen.push(contents.files.get(final));
    contents.ops = [];
    conversation.addUser('And the row count?');
    await store.save(chatOf(conversation, 'chat-1', { updatedAt: 3000 }));
    const swap = `${final}.swap`;
    expect(contents.writes).toEqual([
      `save ${tmp}`,
      `rename ${final} -> ${swap}`,
      `rename ${tmp} -> ${final}`,
      `rename ${swap} -> ${tmp}`,
      `save ${index}.tmp`,
      `rename ${index} -> ${index}.swap`,
      `rename ${index}.tmp -> ${index}`,
      `rename ${index}.swap -> ${index}.tmp`
    ]);
    // At every step the final file is absent or a whole, valid chat (old or new).
    for (const text of seen) {
      if (text !== undefined) {
        expect(() => JSON.parse(text)).not.toThrow();
      }
    }
    expect(JSON.parse(contents.files.get(final)!).turns).toHaveLength(4);
    // The previous version is kept as the temporary file; nothing else is left.
    expect(JSON.parse(contents.files.get(tmp)!).turns).toHaveLength(3);
    expect([...contents.files.keys()].sort()).toEqual([
      index,
      `${index}.tmp`,
      final,
      tmp
    ]);

    // Many saves, never a delete (a delete goes to the OS trash on a default server).
    for (let i = 0; i < 5; i++) {
      conversation.addUser(`more ${i}`);
      await store.save(chatOf(conversation, 'chat-1', { updatedAt: 4000 + i }));
    }
    expect(contents.ops.filter(op => op.startsWith('delete'))).toEqual([]);
    expect(JSON.parse(contents.files.get(final)!).turns).toHaveLength(9);
    expect((await new ChatStore({ contents }).list()).map(e => e.id)).toEqual([
      'chat-1'
    ]);
  });

  it('recovers a save interrupted between its renames, then goes on cleanly', async () => {
    const contents = new FakeContents();
    const store = new ChatStore({ contents });
    const conversation = conversationWithTools();
    await store.save(chatOf(conversation));
    conversation.addUser('one more');
    // The connection drops after the chat file was moved aside.
    let renames = 0;
    const rename = contents.rename.bind(contents);
    contents.rename = async (from: string, to: string) => {
      renames += 1;
      if (renames === 2) {
        throw httpError(500, 'connection lost');
      }
      return rename(from, to);
    };
    await expect(
      store.save(chatOf(conversation, 'chat-1', { updatedAt: 5000 }))
    ).rejects.toThrow('connection lost');
    contents.rename = rename;
    expect(contents.files.has(`${FOLDER}/chat-1.json`)).toBe(false);
    expect(contents.files.has(`${FOLDER}/chat-1.json.swap`)).toBe(true);

    // A reload finds the newest whole version in the temporary file.
    const fresh = new ChatStore({ contents });
    expect((await fresh.load('chat-1')).turns).toHaveLength(4);
    expect(
      (await fresh.list({ validate: true })).map(e => [
        e.id,
        e.updatedAt,
        e.problem
      ])
    ).toEqual([['chat-1', 5000, undefined]]);
    // The next saves complete the file; the stale swap file is cleared once.
    await fresh.save(chatOf(conversation, 'chat-1', { updatedAt: 6000 }));
    await fresh.save(chatOf(conversation, 'chat-1', { updatedAt: 7000 }));
    expect(
      JSON.parse(contents.files.get(`${FOLDER}/chat-1.json`)!).updatedAt
    ).toBe(7000);
    expect(
      JSON.parse(contents.files.get(`${FOLDER}/chat-1.json.tmp`)!).updatedAt
    ).toBe(6000);
    expect(contents.files.has(`${FOLDER}/chat-1.json.swap`)).toBe(false);
  });

  it('keeps a recap turn through a save and load, and the restored request starts with it', async () => {
    const contents = new FakeContents();
    const store = new ChatStore({ contents });
    const conversation = conversationWithTools();
    conversation.addUser('second question');
    const recap = conversation.insertRecap(conversation.turns[3].id, {
      text: 'Recap: sales.csv has columns a and b.',
      status: 'done',
      summarizedTurns: 3,
      tokensBefore: 150000,
      tokensAfter: 900
    });
    expect(recap).not.toBeNull();
    await store.save(chatOf(conversation));
    const loaded = await new ChatStore({ contents }).load('chat-1');
    expect(loaded.turns.map(t => t.role)).toEqual([
      'user',
      'assistant',
      'assistant',
      'recap',
      'user'
    ]);
    const restored = ChatModel.fromJSON(loaded);
    const messages = restored.toMessages();
    expect(messages).toHaveLength(1);
    expect(JSON.stringify(messages[0])).toContain(
      'Recap: sales.csv has columns a and b.'
    );
    expect(JSON.stringify(messages[0])).toContain('second question');
  });

  it('reopens a chat with one request when it is in the usual folder', async () => {
    const contents = new FakeContents();
    await new ChatStore({ contents }).save(chatOf(conversationWithTools()));
    contents.ops = [];
    const fresh = new ChatStore({ contents });
    expect((await fresh.load('chat-1')).turns).toHaveLength(3);
    expect(contents.ops).toEqual([`get ${FOLDER}/chat-1.json`]);
    expect(fresh.folder).toBe(FOLDER);

    // Hidden folders refused: the fallback file is asked for next.
    const hidden = new FakeContents();
    hidden.refuseHidden = true;
    await new ChatStore({ contents: hidden }).save(
      chatOf(conversationWithTools())
    );
    hidden.ops = [];
    const other = new ChatStore({ contents: hidden });
    expect((await other.load('chat-1')).turns).toHaveLength(3);
    expect(hidden.ops).toEqual([
      `get ${FOLDER}/chat-1.json`,
      'get data-engineer-chats/chat-1.json'
    ]);
    expect(other.folder).toBe('data-engineer-chats');
    // Told where chats were found last time, one request again.
    hidden.ops = [];
    const hinted = new ChatStore({
      contents: hidden,
      folderHint: 'data-engineer-chats'
    });
    expect((await hinted.load('chat-1')).turns).toHaveLength(3);
    expect(hidden.ops).toEqual(['get data-engineer-chats/chat-1.json']);
  });

  it('saves again after the chat file was deleted outside, with no extra check per save', async () => {
    // A server that answers renames with the file's model (as jupyter_server does).
    const contents = new ServerContents();
    const store = new ChatStore({ contents });
    const conversation = conversationWithTools();
    await store.save(chatOf(conversation));
    contents.ops = [];
    await store.save(chatOf(conversation, 'chat-1', { updatedAt: 3000 }));
    // Only the chat file (the conditional save) and the index are asked whether another tab wrote them since (no content).
    expect(contents.ops.filter(op => op.startsWith('get'))).toEqual([
      `get ${FOLDER}/chat-1.json`,
      `get ${FOLDER}/_index.json`
    ]);
    contents.files.delete(`${FOLDER}/chat-1.json`);
    await store.save(chatOf(conversation, 'chat-1', { updatedAt: 4000 }));
    expect(
      JSON.parse(contents.files.get(`${FOLDER}/chat-1.json`)!).updatedAt
    ).toBe(4000);
  });

  it('lists without reading unchanged chat files again', async () => {
    const contents = new FakeContents();
    const store = new ChatStore({ contents });
    const conversation = conversationWithTools();
    await store.save(chatOf(conversation, 'chat-1'));
    await store.save(chatOf(conversation, 'chat-2', { updatedAt: 2500 }));
    const reader = new ChatStore({ contents });
    // Chat files read (the index is not one), with the check against the folder done before returning.
    const reads = () =>
      contents.ops.filter(op => /^get .*\/chat-\d\.json$/.test(op)).length;
    const list = async () =>
      (await reader.list({ validate: true })).map(e => [e.id, e.title]);
    let before = reads();
    expect((await list()).map(([id]) => id)).toEqual(['chat-2', 'chat-1']);
    // The saves wrote the index: no chat file was read.
    expect(reads()).toBe(before);
    expect((await list()).map(([id]) => id)).toEqual(['chat-2', 'chat-1']);
    expect(reads()).toBe(before);
    // A chat saved meanwhile (another tab) is in the index: still no chat file read.
    await store.save(
      chatOf(conversation, 'chat-1', { updatedAt: 9000, title: 'Renamed' })
    );
    before = reads();
    expect(await list()).toEqual([
      ['chat-1', 'Renamed'],
      ['chat-2', 'Load sales.csv and show the schema, please']
    ]);
    expect(reads()).toBe(before);
    // The same without waiting for the check.
    expect((await reader.list()).map(e => e.title)[0]).toBe('Renamed');
    await reader.whenIdle();
    expect(reads()).toBe(before);
    // Without the index, only the chat saved meanwhile is read.
    contents.files.delete(`${FOLDER}/_index.json`);
    contents.files.delete(`${FOLDER}/_index.json.tmp`);
    await store.save(
      chatOf(conversation, 'chat-2', { updatedAt: 9500, title: 'Again' })
    );
    contents.files.delete(`${FOLDER}/_index.json`);
    contents.ops = [];
    expect(await list()).toEqual([
      ['chat-2', 'Again'],
      ['chat-1', 'Renamed']
    ]);
    expect(contents.ops.filter(op => /^get .*chat-\d\.json$/.test(op))).toEqual(
      [`get ${FOLDER}/chat-2.json`]
    );
  });

  it('refuses a newer format version and leaves the file untouched', async () => {
    const contents = new FakeContents();
    contents.dirs.add('.jupyter').add(FOLDER);
    const text = JSON.stringify({
      ...chatOf(conversationWithTools(), 'chat-new'),
      version: CHAT_SCHEMA_VERSION + 1
    });
    contents.files.set(`${FOLDER}/chat-new.json`, text);
    const store = new ChatStore({ contents });

    const error = await store.load('chat-new').catch(e => e);
    expect(error).toBeInstanceOf(ChatFileError);
    expect(error.kind).toBe('newer');
    expect(error.message).toMatch(/newer version/);

    const [entry] = await store.list();
    expect(entry.id).toBe('chat-new');
    expect(entry.problem).toMatch(/newer version/);

    await expect(
      store.save(chatOf(conversationWithTools(), 'chat-new'))
    ).rejects.toMatchObject({
      kind: 'newer',
      message: error.message
    });
    expect(contents.files.get(`${FOLDER}/chat-new.json`)).toBe(text);
    expect(contents.writes).toEqual([]);
  });

  it('reports a corrupt file in list and load and never writes over it, even through autosave', async () => {
    const contents = new FakeContents();
    contents.dirs.add('.jupyter').add(FOLDER);
    const corrupt =
      '{"version": 1, "id": "chat-bad", "turns": [{"id": "u-1", "ro';
    contents.files.set(`${FOLDER}/chat-bad.json`, corrupt);
    const good = new ChatStore({ contents });
    await good.save(
      chatOf(conversationWithTools(), 'chat-good', {
        updatedAt: Date.parse('2025-01-01')
      })
    );

    const store = new ChatStore({ contents });
    const entries = await store.list({ validate: true });
    expect(entries.map(e => [e.id, !!e.problem])).toEqual([
      ['chat-good', false],
      ['chat-bad', true]
    ]);
    expect(entries[1].problem).toMatch(/not valid JSON/);
    const error = await store.load('chat-bad').catch(e => e);
    expect(error).toBeInstanceOf(ChatFileError);
    expect(error.kind).toBe('corrupt');

    contents.ops = [];
    const model = new ChatModel({
      id: 'chat-bad',
      turns: conversationWithTools().turns
    });
    const autosave = new ChatAutosave({ store, model });
    model.setTitle('changed, so there is something to save');
    const failures: unknown[] = [];
    autosave.failed.connect((_, failure) => failures.push(failure));
    await autosave.flush();
    expect(failures).toEqual([{ chatId: 'chat-bad', error }]);
    expect(contents.writes).toEqual([]);
    expect(contents.files.get(`${FOLDER}/chat-bad.json`)).toBe(corrupt);

    // Only an explicit overwrite replaces it.
    await store.save(chatOf(conversationWithTools(), 'chat-bad'), {
      overwrite: true
    });
    expect((await store.load('chat-bad')).id).toBe('chat-bad');
  });

  it('checks an existing file before its first write, even if it was never loaded', async () => {
    const contents = new FakeContents();
    contents.dirs.add('.jupyter').add(FOLDER);
    contents.files.set(`${FOLDER}/chat-1.json`, 'not json at all');
    const store = new ChatStore({ contents });
    await expect(
      store.save(chatOf(conversationWithTools()))
    ).rejects.toMatchObject({ kind: 'corrupt' });
    expect(contents.files.get(`${FOLDER}/chat-1.json`)).toBe('not json at all');
    expect(contents.writes).toEqual([]);
  });

  it('falls back to a visible folder when the server refuses hidden ones', async () => {
    const contents = new FakeContents();
    contents.refuseHidden = true;
    const store = new ChatStore({ contents });
    expect(await store.list()).toEqual([]);
    await store.save(chatOf(conversationWithTools()));
    expect(store.folder).toBe('data-engineer-chats');
    expect(contents.writes).toEqual([
      'save .jupyter',
      'save data-engineer-chats',
      'save data-engineer-chats/chat-1.json.tmp',
      'rename data-engineer-chats/chat-1.json.tmp -> data-engineer-chats/chat-1.json',
      'save data-engineer-chats/_index.json.tmp',
      'rename data-engineer-chats/_index.json.tmp -> data-engineer-chats/_index.json'
    ]);
    const fresh = new ChatStore({ contents });
    expect((await fresh.list()).map(e => e.id)).toEqual(['chat-1']);
    expect((await fresh.load('chat-1')).turns).toHaveLength(3);
    expect(fresh.folder).toBe('data-engineer-chats');
  });

  it('does not fall back on other errors', async () => {
    const contents = new FakeContents();
    contents.failNext.save = httpError(500, 'disk full');
    const store = new ChatStore({ contents });
    await expect(store.save(chatOf(conversationWithTools()))).rejects.toThrow(
      'disk full'
    );
    expect(contents.dirs.has('data-engineer-chats')).toBe(false);
    // It retries the folder next time.
    await store.save(chatOf(conversationWithTools()));
    expect(store.folder).toBe(FOLDER);
  });

  it('deletes a chat and refuses ids that are not file names', async () => {
    const contents = new FakeContents();
    const store = new ChatStore({ contents });
    await store.save(chatOf(conversationWithTools()));
    await store.delete('chat-1');
    expect(await store.list()).toEqual([]);
    await expect(store.load('chat-1')).rejects.toMatchObject({
      kind: 'missing'
    });
    await expect(store.delete('chat-1')).resolves.toBeUndefined();
    await expect(
      store.save(chatOf(conversationWithTools(), '../escape'))
    ).rejects.toMatchObject({
      kind: 'invalid-id'
    });
  });
});
