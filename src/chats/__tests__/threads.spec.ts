/** @jest-environment node */
import { Signal } from '@lumino/signaling';
import { ChatStore } from '../store';
import { ChatModel } from '../chatModel';
import { INTERRUPTED_NOTICE } from '../conversation';
import { ChatThreads, IThreadSession } from '../threads';
import { FakeContents } from '../../__tests__/fakeContents';

const FOLDER = '.jupyter/chats';

/** A session-like host: a real ChatModel that the threads swap, a session that can be busy. */
class Host implements IThreadSession {
  model = new ChatModel({
    id: 'chat-a',
    createdAt: 1000,
    personaId: 'data-engineer'
  });
  modelChanged = new Signal<this, ChatModel>(this);
  busyChanged = new Signal<this, boolean>(this);
  busy = false;
  stops = 0;
  setModel(model: ChatModel) {
    this.model = model;
    this.modelChanged.emit(model);
  }
  stop() {
    this.stops += 1;
    if (this.busy) {
      this.busy = false;
      this.busyChanged.emit(false);
    }
  }
  get chatId() {
    return this.model.id;
  }
  get conversation() {
    return this.model;
  }
  get personaId() {
    return this.model.personaId;
  }
  get title() {
    return this.model.title;
  }
  setPersona(id: string) {
    this.model.setPersonaId(id);
  }
  setChatModel(model: string | null) {
    this.model.setModelId(model);
  }
  /** A user message and a finished reply. */
  say(question: string, answer: string) {
    this.model.addUser(question);
    const reply = this.model.addAssistant();
    this.model.updateAssistant(reply.id, {
      status: 'done',
      blocks: [{ type: 'text', text: answer }]
    });
  }
}

function setup(contents = new FakeContents()) {
  const host = new Host();
  const store = new ChatStore({ contents });
  const threads = new ChatThreads({
    session: host,
    store,
    debounceMs: 10,
    maxWaitMs: 50
  });
  return { host, store, threads, contents };
}

const settle = async (threads: ChatThreads) => {
  await new Promise(resolve => setTimeout(resolve, 30));
  while (threads.autosave.busy) {
    await new Promise(resolve => setTimeout(resolve, 5));
  }
};

describe('ChatThreads', () => {
  it('saves the chat as it changes and at once when a turn ends', async () => {
    const { host, threads, contents } = setup();
    host.say('Profile orders.parquet', 'It has 3 columns.');
    expect(contents.files.has(`${FOLDER}/chat-a.json`)).toBe(false);
    await settle(threads);
    const saved = JSON.parse(contents.files.get(`${FOLDER}/chat-a.json`)!);
    expect(saved.turns).toHaveLength(2);
    expect(saved.title).toBe('Profile orders.parquet');

    // The end of a turn (busy → idle) saves without waiting for the debounce.
    host.conversation.addUser('and the nulls?');
    host.busy = true;
    host.busyChanged.emit(false);
    await new Promise(resolve => setTimeout(resolve, 0));
    await threads.flush();
    expect(
      JSON.parse(contents.files.get(`${FOLDER}/chat-a.json`)!).turns
    ).toHaveLength(3);
    threads.dispose();
  });

  it('restores the last chat after a reload, with Continue on a reply cut by it', async () => {
    const first = setup();
    first.host.say('Build an ETL notebook', 'Starting.');
    const reply = first.host.conversation.addAssistant();
    first.host.conversation.updateAssistant(reply.id, {
      status: 'streaming',
      blocks: [{ type: 'text', text: 'Half a rep' }]
    });
    first.host.setPersona('analytics-engineer');
    await first.threads.flush();

    const { host, threads, contents } = setup(first.contents);
    contents.ops = [];
    await threads.restore('chat-a');
    expect(host.chatId).toBe('chat-a');
    expect(host.personaId).toBe('analytics-engineer');
    const last = host.conversation.last as any;
    expect(last.text).toBe('Half a rep');
    expect(last.status).toBe('stopped');
    expect(last.notice).toBe(INTERRUPTED_NOTICE);
    expect(last.canContinue).toBe(true);
    // Restoring is not a change, nor is setting what is already saved:
    // nothing is written.
    host.setPersona('analytics-engineer');
    await settle(threads);
    // Nor is leaving the page (pagehide flushes): an unchanged chat is not written again.
    await threads.flush();
    expect(contents.writes).toEqual([]);
    // A real change of saved state is saved.
    host.setChatModel('claude-opus-4-6');
    await settle(threads);
    expect(
      JSON.parse(contents.files.get(`${FOLDER}/chat-a.json`)!).chatModel
    ).toBe('claude-opus-4-6');
  });

  it('reopens a chat with its persona id before the personas load, and writes nothing', async () => {
    const first = setup();
    first.host.say('q', 'a');
    first.host.setPersona('workspace-persona');
    await first.threads.flush();

    const { host, threads, contents } = setup(first.contents);
    contents.ops = [];
    await threads.restore('chat-a');
    // The model keeps the persona id as saved; the assistant resolves it
    // (falling back to the default) once the personas are known.
    expect(host.conversation.turns).toHaveLength(2);
    expect(host.personaId).toBe('workspace-persona');
    await settle(threads);
    expect(contents.writes).toEqual([]);
  });

  it('keeps the id of a chat never saved, and never writes over an unreadable one', async () => {
    const contents = new FakeContents();
    contents.dirs.add('.jupyter').add(FOLDER);
    contents.files.set(`${FOLDER}/chat-bad.json`, '{"version": 1, "tu');
    const { host, threads } = setup(contents);
    await threads.restore('chat-missing');
    expect(host.chatId).toBe('chat-a');
    expect(threads.problem).toBeNull();

    await threads.restore('chat-bad');
    expect(host.chatId).not.toBe('chat-bad');
    expect(threads.problem).toMatch(/could not be reopened.*not valid JSON/);
    host.say('new question', 'answer');
    await settle(threads);
    expect(contents.files.get(`${FOLDER}/chat-bad.json`)).toBe(
      '{"version": 1, "tu'
    );
    expect(contents.files.has(`${FOLDER}/${host.chatId}.json`)).toBe(true);
  });

  it('switches between two threads, saving the current one first', async () => {
    const { host, threads, contents } = setup();
    host.say('first thread question', 'first answer');
    await threads.newChat();
    const second = host.chatId;
    expect(host.conversation.turns).toHaveLength(0);
    expect(
      JSON.parse(contents.files.get(`${FOLDER}/chat-a.json`)!).turns
    ).toHaveLength(2);
    host.say('second thread question', 'second answer');

    expect(await threads.open('chat-a')).toBe(true);
    expect(host.chatId).toBe('chat-a');
    expect((host.conversation.turns[0] as any).text).toBe(
      'first thread question'
    );
    expect(
      JSON.parse(contents.files.get(`${FOLDER}/${second}.json`)!).turns
    ).toHaveLength(2);

    const list = await threads.list();
    expect(list.map(e => [e.title, e.current])).toEqual(
      expect.arrayContaining([
        ['first thread question', true],
        ['second thread question', false]
      ])
    );
    expect(await threads.open(second)).toBe(true);
    expect((host.conversation.turns[1] as any).text).toBe('second answer');
  });

  it('stops a running reply before switching', async () => {
    const { host, threads } = setup();
    host.say('q', 'a');
    await threads.flush();
    await threads.newChat();
    host.say('other', 'b');
    host.busy = true;
    await threads.open('chat-a');
    expect(host.stops).toBeGreaterThan(0);
    expect(host.chatId).toBe('chat-a');
  });

  it('lists the current chat before its first save and searches titles and messages', async () => {
    const { host, threads } = setup();
    host.say(
      'Orders pipeline',
      'Use DuckDB read_parquet for the staging table.'
    );
    await threads.flush();
    await threads.newChat();
    host.say('Spark tuning', 'Repartition before the join.');
    const all = await threads.list();
    expect(all[0]).toMatchObject({ title: 'Spark tuning', current: true });
    expect(all).toHaveLength(2);
    expect((await threads.list('read_PARQUET')).map(e => e.title)).toEqual([
      'Orders pipeline'
    ]);
    expect((await threads.list('repartition')).map(e => e.title)).toEqual([
      'Spark tuning'
    ]);
    expect(await threads.list('no such text')).toEqual([]);
  });

  it('renames the current chat and a saved one; the title survives a reload', async () => {
    const { host, threads, contents } = setup();
    host.say('q1', 'a1');
    await threads.flush();
    await threads.rename('chat-a', 'Quarterly revenue');
    expect(host.title).toBe('Quarterly revenue');
    await threads.newChat();
    host.say('q2', 'a2');
    await threads.flush();
    const second = host.chatId;
    await threads.open('chat-a');
    await threads.rename(second, 'Second one');
    const reloaded = setup(contents);
    await reloaded.threads.restore('chat-a');
    expect(reloaded.host.title).toBe('Quarterly revenue');
    expect((await reloaded.threads.list()).map(e => e.title).sort()).toEqual([
      'Quarterly revenue',
      'Second one'
    ]);
  });

  it('deletes the current chat: a new chat starts and the file does not come back', async () => {
    const { host, threads, contents } = setup();
    host.say('to delete', 'x');
    await threads.flush();
    host.conversation.addUser('pending change');
    await threads.remove('chat-a');
    await settle(threads);
    expect(host.chatId).not.toBe('chat-a');
    expect(
      [...contents.files.keys()].filter(p => p.includes('chat-a'))
    ).toEqual([]);
    expect(await threads.list()).toEqual([]);
  });
});
