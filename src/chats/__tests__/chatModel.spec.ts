/** @jest-environment node */
import * as fs from 'fs';
import * as path from 'path';
import { ChatAutosave } from '../autosave';
import { chatFileText } from '../fileText';
import { ChatModel, migrateSavedChat } from '../chatModel';
import { CHAT_SCHEMA_VERSION, ChatStore, ISavedChat } from '../store';
import { INTERRUPTED_NOTICE, IAssistantTurn, IUserTurn } from '../conversation';
import {
  conversationWithTools,
  expectValidToolPairs
} from '../../__tests__/chatFixtures';
import { FakeContents, httpError } from '../../__tests__/fakeContents';

const FOLDER = '.jupyter/chats';
const V1_FILE = path.join(__dirname, 'fixtures', 'chat-v1.json');

describe('ChatModel', () => {
  it('replaces a changed turn with a new object and leaves the others as they were', () => {
    const model = conversationWithTools();
    const before = model.turns;
    const [user, reply, next] = before;
    const changes: Array<{ index: number; same: boolean }> = [];
    model.turnChanged.connect((_, change) =>
      changes.push({
        index: change.index,
        same: change.previous === change.turn
      })
    );
    model.updateAssistant(next.id, {
      blocks: [{ type: 'text', text: 'Two columns: a and b.' }]
    });
    expect(model.turns).not.toBe(before);
    expect(model.turns[0]).toBe(user);
    expect(model.turns[1]).toBe(reply);
    expect(model.turns[2]).not.toBe(next);
    expect((next as IAssistantTurn).text).toBe('Two columns: a, b.');
    expect((model.turns[2] as IAssistantTurn).text).toBe(
      'Two columns: a and b.'
    );
    expect(changes).toEqual([{ index: 2, same: false }]);

    // A tool call update copies the call, its block and its turn.
    const call = (reply as IAssistantTurn).blocks[1];
    model.updateCall(reply.id, 'toolu_1', { durationMs: 99 });
    const updated = model.turns[1] as IAssistantTurn;
    expect(updated).not.toBe(reply);
    expect(updated.blocks[0]).toBe((reply as IAssistantTurn).blocks[0]);
    expect(updated.blocks[1]).not.toBe(call);
    expect((call as any).call.durationMs).toBe(12);
    expect(model.call(reply.id, 'toolu_1')?.durationMs).toBe(99);
  });

  it('says what changed: turnAdded, turnRemoved, stateChanged, then changed; revision counts', () => {
    const model = new ChatModel({ id: 'chat-s' });
    const events: string[] = [];
    model.turnAdded.connect((_, { index }) => events.push(`added ${index}`));
    model.turnRemoved.connect((_, { index }) =>
      events.push(`removed ${index}`)
    );
    model.stateChanged.connect((_, field) => events.push(`state ${field}`));
    model.changed.connect(() => events.push('changed'));
    const r0 = model.revision;
    const user = model.addUser('q');
    model.setPersonaId('analytics-engineer');
    model.setPersonaId('analytics-engineer'); // no change, no signal
    model.grant('read_file');
    model.grant('read_file');
    model.setTitle('  ');
    model.setModelId(' claude-opus-4-6 ');
    model.remove(user.id);
    expect(events).toEqual([
      'added 0',
      'changed',
      'state personaId',
      'changed',
      'state grants',
      'changed',
      'state modelId',
      'changed',
      'removed 0',
      'changed'
    ]);
    expect(model.revision).toBe(r0 + 5);
    expect(model.modelId).toBe('claude-opus-4-6');
    expect(model.title).toBeNull();
    expect(model.grants).toEqual(['read_file']);
  });

  it('adds up the usage of its replies', () => {
    const model = conversationWithTools();
    expect(model.usage).toEqual({
      input_tokens: 10,
      output_tokens: 5,
      cache_read_input_tokens: 0,
      cache_creation_input_tokens: 0
    });
    const reply = model.addAssistant();
    model.updateAssistant(reply.id, {
      usage: {
        input_tokens: 1,
        output_tokens: 2,
        cache_read_input_tokens: 3,
        cache_creation_input_tokens: 4
      }
    });
    expect(model.usage).toEqual({
      input_tokens: 11,
      output_tokens: 7,
      cache_read_input_tokens: 3,
      cache_creation_input_tokens: 4
    });
  });

  it('round-trips through toJSON / fromJSON (schema version 2) with everything it holds', () => {
    const model = conversationWithTools();
    model.setTitle('Sales schema');
    model.setPersonaId('analyst');
    model.setModelId('claude-opus-4-6');
    model.grant('run_cell');
    const saved = JSON.parse(JSON.stringify(model.toJSON())) as ISavedChat;
    expect(saved).toMatchObject({
      version: 2,
      id: model.id,
      title: 'Sales schema',
      customTitle: true,
      createdAt: model.createdAt,
      personaId: 'analyst',
      chatModel: 'claude-opus-4-6',
      grants: ['run_cell'],
      usage: model.usage
    });
    expect(CHAT_SCHEMA_VERSION).toBe(2);
    const back = ChatModel.fromJSON(saved);
    expect(back.id).toBe(model.id);
    expect(back.title).toBe('Sales schema');
    expect(back.createdAt).toBe(model.createdAt);
    expect(back.personaId).toBe('analyst');
    expect(back.modelId).toBe('claude-opus-4-6');
    expect(back.grants).toEqual(['run_cell']);
    expect(back.turns).toEqual(model.turns);
    expect(back.toMessages()).toEqual(model.toMessages());
    // Without a custom title, the title follows the first message and is not custom on reload.
    const plain = ChatModel.fromJSON(
      JSON.parse(JSON.stringify(conversationWithTools().toJSON()))
    );
    expect(plain.title).toBeNull();
    expect(plain.displayTitle).toBe(
      'Load sales.csv and show the schema, please'
    );
  });

  it('reads a version-1 chat file saved by the code before ChatModel', () => {
    const v1 = JSON.parse(fs.readFileSync(V1_FILE, 'utf8')) as ISavedChat;
    expect(v1.version).toBe(1);
    const model = ChatModel.fromJSON(v1);
    expect(model.id).toBe('chat-20261201120000-abc123');
    expect(model.createdAt).toBe(1764590400000);
    expect(model.personaId).toBe('data-engineer');
    expect(model.modelId).toBe('claude-opus-4-5');
    expect(model.grants).toEqual(['read_cell']);
    expect(model.title).toBeNull();
    expect(model.displayTitle).toBe(
      'Load orders.csv and show the revenue per month'
    );
    expect(model.turns.map(t => t.role)).toEqual([
      'user',
      'assistant',
      'assistant',
      'user',
      'assistant'
    ]);
    const last = model.last as IAssistantTurn;
    // The reply that was streaming when it was saved is stopped and can be continued.
    expect(last.status).toBe('stopped');
    expect(last.notice).toBe(INTERRUPTED_NOTICE);
    expect(last.canContinue).toBe(true);
    expect((model.turns[1] as IAssistantTurn).blocks[1]).toMatchObject({
      type: 'tool',
      call: { id: 'toolu_01', state: 'done' }
    });
    expect(model.usage.input_tokens).toBe(2600);
    expectValidToolPairs(model);
    // Its user turns have no overrides: the turns use the persona's model and tools.
    expect(
      model.turns
        .filter(t => t.role === 'user')
        .map(t => (t as IUserTurn).overrides)
    ).toEqual([undefined, undefined]);
    // Saved again, it is a version-2 file.
    expect(model.toJSON().version).toBe(2);
    expect(migrateSavedChat(v1).version).toBe(2);
  });

  it("records a turn's overrides on its user message, saved and reloaded; malformed ones are dropped", () => {
    const model = new ChatModel();
    model.addUser('plain', undefined, {});
    const peek = model.addUser('/peek orders', undefined, {
      model: ['gpt-5', 'Claude Haiku 4.5'],
      tools: ['read_file']
    });
    expect(model.turns[0]).not.toHaveProperty('overrides');
    expect(model.lastUser).toBe(peek);
    const saved = JSON.parse(JSON.stringify(model.toJSON())) as ISavedChat;
    expect((saved.turns[1] as IUserTurn).overrides).toEqual({
      model: ['gpt-5', 'Claude Haiku 4.5'],
      tools: ['read_file']
    });
    expect(ChatModel.fromJSON(saved).lastUser?.overrides).toEqual({
      model: ['gpt-5', 'Claude Haiku 4.5'],
      tools: ['read_file']
    });
    // A hand-edited file: a model of the wrong type and tool names that are not strings.
    (saved.turns[1] as any).overrides = { model: 3, tools: ['read_file', 7] };
    (saved.turns[0] as any).overrides = 'haiku';
    const edited = ChatModel.fromJSON(saved);
    expect(edited.lastUser?.overrides).toEqual({ tools: ['read_file'] });
    expect(edited.turns[0]).not.toHaveProperty('overrides');
  });

  it('refuses a file of a newer version', () => {
    const newer = {
      ...conversationWithTools().toJSON(),
      version: CHAT_SCHEMA_VERSION + 1
    };
    expect(() => ChatModel.fromJSON(newer)).toThrow(/newer version/);
  });

  it('turns interrupted replies into stopped ones with every tool call answered', () => {
    const conversation = new ChatModel();
    conversation.addUser('Fix the pipeline');
    const reply = conversation.addAssistant();
    const call = (id: string, state: any, input: unknown = { cell: id }) => ({
      type: 'tool' as const,
      call: { id, name: 'run_cell', input, state }
    });
    conversation.updateAssistant(reply.id, {
      status: 'tools',
      blocks: [
        { type: 'text', text: 'Running three cells.' },
        call('t_done', 'done'),
        call('t_running', 'running'),
        call('t_waiting', 'waiting_approval'),
        call('t_pending', 'pending'),
        call('t_partial', 'pending', '{"cell": "3')
      ]
    });
    conversation.updateCall(reply.id, 't_done', { result: { content: 'ok' } });
    conversation.addUser('hello?');
    conversation.addAssistant(); // waiting, never answered
    const streaming = conversation.addAssistant();
    conversation.updateAssistant(streaming.id, {
      status: 'streaming',
      blocks: [{ type: 'text', text: 'Half a sen' }]
    });

    const restored = ChatModel.fromJSON(
      JSON.parse(JSON.stringify(conversation.toJSON()))
    );

    const assistants = restored.turns.filter(
      t => t.role === 'assistant'
    ) as any[];
    expect(assistants.map(t => t.status)).toEqual([
      'stopped',
      'stopped',
      'stopped'
    ]);
    expect(assistants.every(t => t.notice === INTERRUPTED_NOTICE)).toBe(true);
    expect(assistants[0].blocks.slice(1).map((b: any) => b.call.state)).toEqual(
      ['done', 'cancelled', 'cancelled', 'cancelled', 'cancelled']
    );
    expect(restored.turns.map(t => t.id)).toEqual(
      conversation.turns.map(t => t.id)
    );
    expectValidToolPairs(restored);
    // The saved data itself was not changed.
    expect((conversation.turns[1] as any).status).toBe('tools');
  });
});

describe('ChatAutosave', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  const settle = async (autosave: ChatAutosave) => {
    while (autosave.busy) {
      await new Promise(resolve => setTimeout(resolve, 0));
    }
  };

  it('debounces: several changes make one save of the latest state', async () => {
    jest.useFakeTimers();
    const contents = new FakeContents();
    const store = new ChatStore({ contents });
    const save = jest.spyOn(store, 'save');
    const model = new ChatModel({
      id: 'chat-1',
      turns: conversationWithTools().turns
    });
    const autosave = new ChatAutosave({ store, model });
    for (let i = 0; i < 5; i++) {
      model.addUser(`message ${i}`);
      jest.advanceTimersByTime(200);
    }
    expect(save).not.toHaveBeenCalled();
    expect(autosave.busy).toBe(true);
    jest.advanceTimersByTime(500);
    jest.useRealTimers();
    await settle(autosave);
    expect(save).toHaveBeenCalledTimes(1);
    expect(
      JSON.parse(contents.files.get(`${FOLDER}/chat-1.json`)!).turns
    ).toHaveLength(8);
    expect(autosave.busy).toBe(false);
  });

  it('saves at least every maxWaitMs while changes keep coming (a streaming reply)', async () => {
    jest.useFakeTimers();
    const contents = new FakeContents();
    const store = new ChatStore({ contents });
    const save = jest.spyOn(store, 'save');
    const model = new ChatModel({
      id: 'chat-1',
      turns: conversationWithTools().turns
    });
    const reply = model.addAssistant();
    const autosave = new ChatAutosave({
      store,
      model,
      debounceMs: 500,
      maxWaitMs: 2000,
      streamingMaxWaitMs: 2000
    });
    let text = '';
    const token = () => {
      text += 'x';
      model.updateAssistant(reply.id, {
        status: 'streaming',
        blocks: [{ type: 'text', text }]
      });
    };
    // A token every 100 ms for 1.9 s: the debounce alone would never fire.
    for (let i = 0; i < 19; i++) {
      token();
      jest.advanceTimersByTime(100);
    }
    expect(save).not.toHaveBeenCalled();
    token();
    jest.advanceTimersByTime(100);
    expect(save).toHaveBeenCalledTimes(1);
    jest.useRealTimers();
    await settle(autosave);
    jest.useFakeTimers();
    // The wait starts again after a save.
    token();
    jest.advanceTimersByTime(400);
    expect(save).toHaveBeenCalledTimes(1);
    jest.advanceTimersByTime(100);
    expect(save).toHaveBeenCalledTimes(2);
    jest.useRealTimers();
  });

  it('waits longer while a reply streams, and saves at once when it ends', async () => {
    jest.useFakeTimers();
    const contents = new FakeContents();
    const store = new ChatStore({ contents });
    const save = jest.spyOn(store, 'save');
    const model = new ChatModel({
      id: 'chat-1',
      turns: conversationWithTools().turns
    });
    const reply = model.addAssistant();
    const autosave = new ChatAutosave({
      store,
      model,
      debounceMs: 500,
      maxWaitMs: 2000
    });
    let text = '';
    const token = (status: 'streaming' | 'done' = 'streaming') => {
      text += 'x';
      model.updateAssistant(reply.id, {
        status,
        blocks: [{ type: 'text', text }]
      });
    };
    // Tokens every 100 ms for 9.9 s: no save yet (10 s while streaming).
    for (let i = 0; i < 99; i++) {
      token();
      jest.advanceTimersByTime(100);
    }
    expect(save).not.toHaveBeenCalled();
    token();
    jest.advanceTimersByTime(100);
    expect(save).toHaveBeenCalledTimes(1);
    jest.useRealTimers();
    await settle(autosave);
    jest.useFakeTimers();
    // Three more seconds of tokens, then the reply ends: saved on the next tick, not 7 s later.
    for (let i = 0; i < 30; i++) {
      token();
      jest.advanceTimersByTime(100);
    }
    expect(save).toHaveBeenCalledTimes(1);
    token('done');
    jest.advanceTimersByTime(0);
    expect(save).toHaveBeenCalledTimes(2);
    jest.useRealTimers();
    await settle(autosave);
  });

  it('runs one save at a time and coalesces changes made during it into one more save', async () => {
    const contents = new FakeContents();
    const store = new ChatStore({ contents });
    const save = jest.spyOn(store, 'save');
    const model = new ChatModel({
      id: 'chat-1',
      turns: conversationWithTools().turns
    });
    const autosave = new ChatAutosave({ store, model, debounceMs: 0 });
    model.setTitle('first');

    let release!: () => void;
    contents.gate = new Promise(resolve => (release = resolve));
    const first = autosave.flush();
    await new Promise(resolve => setTimeout(resolve, 0));
    expect(save).toHaveBeenCalledTimes(1);

    model.addUser('during the save 1');
    const second = autosave.flush();
    model.addUser('during the save 2');
    const third = autosave.flush();
    expect(save).toHaveBeenCalledTimes(1);

    contents.gate = null;
    release();
    await Promise.all([first, second, third]);
    expect(save).toHaveBeenCalledTimes(2);
    expect(
      JSON.parse(contents.files.get(`${FOLDER}/chat-1.json`)!).turns
    ).toHaveLength(5);
    expect(
      contents.writes.filter(
        w => w.startsWith('rename') && w.endsWith('/chat-1.json')
      )
    ).toHaveLength(2);
    autosave.dispose();
  });

  it('never writes an empty or unchanged chat; reports failures on `failed` and never throws', async () => {
    const contents = new FakeContents();
    const store = new ChatStore({ contents });
    const model = new ChatModel({ id: 'chat-1' });
    const autosave = new ChatAutosave({ store, model });
    const failures: Array<{ chatId: string | null; error: unknown }> = [];
    autosave.failed.connect((_, failure) => failures.push(failure));

    model.setTitle('named but empty');
    await autosave.flush();
    expect(contents.ops).toEqual([]);

    model.addUser('a question');
    contents.failNext.rename = httpError(500, 'server gone');
    await expect(autosave.flush()).resolves.toBeUndefined();
    expect(failures).toHaveLength(1);
    expect(failures[0].chatId).toBe('chat-1');
    expect((failures[0].error as Error).message).toBe('server gone');
    expect(autosave.pending).toBe(true);

    await autosave.flush();
    expect(failures).toHaveLength(1);
    expect(contents.files.has(`${FOLDER}/chat-1.json`)).toBe(true);
    expect(autosave.pending).toBe(false);

    // A model opened from its file is not written again.
    contents.ops = [];
    const reopened = ChatModel.fromJSON(await store.load('chat-1'));
    const again = new ChatAutosave({ store, model: reopened });
    await again.flushPending();
    await again.flush();
    expect(contents.writes).toEqual([]);
    autosave.dispose();
    again.dispose();
  });
});

describe('chatFileText', () => {
  it('is the chat as JSON, and serialises each turn object once', () => {
    const model = conversationWithTools();
    const first = model.toJSON();
    expect(JSON.parse(chatFileText(first))).toEqual(
      JSON.parse(JSON.stringify(first))
    );
    const empty = new ChatModel({ id: 'chat-e' }).toJSON();
    expect(JSON.parse(chatFileText(empty))).toEqual(
      JSON.parse(JSON.stringify(empty))
    );

    const stringify = jest.spyOn(JSON, 'stringify');
    const reply = model.addAssistant();
    model.updateAssistant(reply.id, {
      status: 'streaming',
      blocks: [{ type: 'text', text: 'partial' }]
    });
    const second = model.toJSON();
    const text = chatFileText(second);
    // The head and the one new turn; the three unchanged turns come from the cache.
    expect(stringify).toHaveBeenCalledTimes(2);
    stringify.mockRestore();
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(second)));
  });
});

describe('attachments sent to the model', () => {
  it('have literal secrets masked; the chat keeps them as attached', () => {
    const key = 'sk-live-4f9a8b7c6d5e4f3a2b1c0d9e';
    const model = new ChatModel();
    model.addUser('Explain this cell', [
      { label: 'cell 3', text: `api_token = "${key}"\nrun(api_token)` }
    ]);
    const sent = JSON.stringify(model.toMessages());
    expect(sent).not.toContain(key);
    expect(sent).toContain('api_token = \\"<redacted, 32 chars>\\"');
    expect((model.turns[0] as IUserTurn).attachments![0].text).toContain(key);
  });
});
