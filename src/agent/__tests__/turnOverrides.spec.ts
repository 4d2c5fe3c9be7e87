/** @jest-environment node */
import type { Assistant } from '../assistant';
import { PromptFileCommands } from '../promptCommands';
import { ChatModel } from '../../chats/chatModel';
import type { IAssistantTurn, IUserTurn } from '../../chats/conversation';
import type { IChatSettings } from '../../settings';
import type { IFakeReply } from '../../__tests__/fakeStream';
import { testAssistant } from '../../__tests__/assistantFixtures';

const HAIKU = 'claude-haiku-4-5-20251001';
const PERSONA_TOOLS = ['edit_file', 'read_file', 'run_cell'];

/** `.github/prompts/peek.prompt.md`: a cheaper model, reading only. */
const PEEK =
  '---\ndescription: Look only\nmodel: Claude Haiku 4.5\ntools: [read_file]\n---\nPeek at ${input:table}';

async function make(
  replies: IFakeReply[],
  settings: Partial<IChatSettings> = {},
  model?: ChatModel
) {
  const { assistant, requests } = testAssistant({
    replies,
    settings,
    tools: PERSONA_TOOLS,
    model
  });
  const prompts = new PromptFileCommands({
    contents: {
      listDirectory: async path => [
        { name: 'peek.prompt.md', path: `${path}/peek.prompt.md`, type: 'file' }
      ],
      readFile: async () => PEEK
    },
    slashCommands: assistant.slashCommands,
    context: () => ({}),
    hasPersona: () => true
  });
  await prompts.load();
  const sent = () => requests.filter(r => r.url.endsWith('/v1/messages'));
  const toolsOf = (i: number) =>
    (sent()[i].body.tools ?? []).map((t: { name: string }) => t.name);
  return { assistant, sent, toolsOf };
}

const lastReply = (assistant: Assistant) =>
  assistant.model.last as IAssistantTurn;

describe("per-turn overrides (a prompt file's model: and tools:, a hand-off's model)", () => {
  it('are sent with the request and recorded on the user turn', async () => {
    const { assistant, sent, toolsOf } = await make([{ text: 'ok' }]);
    await assistant.send('/peek table=orders');
    expect(sent()[0].body.model).toBe(HAIKU);
    expect(toolsOf(0)).toEqual(['read_file']);
    expect((assistant.model.turns[0] as IUserTurn).overrides).toEqual({
      model: 'Claude Haiku 4.5',
      tools: ['read_file']
    });
  });

  it('are reused by Retry after an error', async () => {
    const { assistant, sent, toolsOf } = await make([
      { status: 500 },
      { text: 'after retry' }
    ]);
    await assistant.send('/peek table=orders');
    expect(lastReply(assistant).status).toBe('error');
    await assistant.retry();
    expect(lastReply(assistant)).toMatchObject({
      status: 'done',
      text: 'after retry'
    });
    expect(sent()[1].body.model).toBe(HAIKU);
    expect(toolsOf(1)).toEqual(['read_file']);
  });

  it('are reused by Continue after the step limit, and recorded on its message', async () => {
    const { assistant, sent, toolsOf } = await make(
      [
        {
          text: 'Reading.',
          tools: [{ id: 'toolu_1', name: 'read_file', input: {} }],
          stopReason: 'tool_use'
        },
        { text: 'done' }
      ],
      { maxSteps: 1 }
    );
    await assistant.send('/peek table=orders');
    expect(lastReply(assistant).canContinue).toBe(true);
    await assistant.continue();
    expect(sent()).toHaveLength(2);
    expect(sent()[1].body.model).toBe(HAIKU);
    expect(toolsOf(1)).toEqual(['read_file']);
    expect(assistant.model.lastUser).toMatchObject({
      text: 'Continue.',
      overrides: { tools: ['read_file'] }
    });
  });

  it('are not inherited by the next message', async () => {
    const { assistant, sent, toolsOf } = await make([
      { text: 'one' },
      { text: 'two' }
    ]);
    await assistant.send('/peek table=orders');
    await assistant.send('plain');
    expect(sent()[1].body.model).not.toBe(HAIKU);
    expect(toolsOf(1)).toEqual(PERSONA_TOOLS);
    expect(assistant.model.lastUser?.overrides).toBeUndefined();
  });

  it('survive saving and reopening the chat', async () => {
    const first = await make([{ status: 500 }]);
    await first.assistant.send('/peek table=orders');
    const saved = JSON.parse(JSON.stringify(first.assistant.model.toJSON()));
    const reopened = await make(
      [{ text: 'ok' }],
      {},
      ChatModel.fromJSON(saved)
    );
    await reopened.assistant.retry();
    expect(reopened.sent()[0].body.model).toBe(HAIKU);
    expect(reopened.toolsOf(0)).toEqual(['read_file']);
  });

  it("keep a hand-off's model for Retry, and only for that turn", async () => {
    const { assistant, sent } = await make([
      { text: 'one' },
      { status: 500 },
      { text: 'two' },
      { text: 'three' }
    ]);
    await assistant.send('first');
    await assistant.handOff({
      label: 'Go',
      agent: 'api-engineer',
      prompt: 'Design the API',
      send: true,
      model: 'Claude Opus 4.6'
    });
    expect(sent()[1].body.model).toBe('claude-opus-4-6');
    await assistant.retry();
    expect(sent()[2].body.model).toBe('claude-opus-4-6');
    await assistant.sendMessage({ text: 'next' });
    expect(sent()[3].body.model).not.toBe('claude-opus-4-6');
  });

  it("a feature's message is sent as it is, with its attachments and overrides", async () => {
    const { assistant, sent, toolsOf } = await make([{ text: 'ok' }]);
    await assistant.sendMessage({
      text: '/peek @df',
      attachments: [{ label: 'data', text: 'a,b' }],
      overrides: { tools: ['run_cell'] }
    });
    expect(assistant.model.turns[0]).toMatchObject({
      text: '/peek @df',
      attachments: [{ label: 'data' }]
    });
    expect(toolsOf(0)).toEqual(['run_cell']);
    expect(sent()).toHaveLength(1);
  });
});
