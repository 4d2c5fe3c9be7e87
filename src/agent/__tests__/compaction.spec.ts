/** @jest-environment node */
import Anthropic, { APIUserAbortError } from '@anthropic-ai/sdk';
import type { MessageParam } from '@anthropic-ai/sdk/resources/messages';
import { ChatSession } from '../chatSession';
import {
  Compactor,
  contextWindowOf,
  estimateTokens,
  IContextMeasure,
  ICompactionReport,
  ICompactorOptions,
  IMAGE_TOKENS,
  ISummarizeRequest,
  recapCut,
  RECAP_INSTRUCTION,
  RECAP_SYSTEM
} from '../compaction';
import { ChatModel } from '../../chats/chatModel';
import {
  IAssistantTurn,
  IRecapTurn,
  IToolCall,
  IUserTurn,
  restoredTurns,
  SHORTENED_RESULT_CHARS,
  toolResultBlock,
  Turn
} from '../../chats/conversation';
import { AbortedError, isAbort } from '../errors';
import { ToolRegistry } from '../../tools/registry';
import type { ITool } from '../../tools/types';
import { fakeFetch, IFakeReply } from '../../__tests__/fakeStream';
import { callsOf, until } from '../../__tests__/chatFixtures';

const SYSTEM = 'SYSTEM PROMPT';
const MAX = 1000;
const TOOL: ITool = {
  name: 'run_code',
  description: 'Runs code',
  describe: () => 'Run code',
  inputSchema: {
    type: 'object',
    properties: { code: { type: 'string' } },
    required: ['code']
  },
  effect: 'execute',
  defaultApproval: 'auto',
  async run(input: any) {
    return { content: `ran ${input.code}` };
  }
};
const TOOLS = ToolRegistry.toApi([TOOL]);

let seq = 0;
function user(text: string): IUserTurn {
  seq += 1;
  return { id: `u${seq}`, role: 'user', text, createdAt: seq };
}

function call(
  result: IToolCall['result'] | string,
  patch: Partial<IToolCall> = {}
): IToolCall {
  seq += 1;
  return {
    id: `toolu_${seq}`,
    name: 'run_code',
    input: { code: `step ${seq}` },
    state: 'done',
    result: typeof result === 'string' ? { content: result } : result,
    ...patch
  };
}

function reply(
  text: string,
  calls: IToolCall[] = [],
  patch: Partial<IAssistantTurn> = {}
): IAssistantTurn {
  seq += 1;
  return {
    id: `a${seq}`,
    role: 'assistant',
    blocks: [
      ...(text ? [{ type: 'text' as const, text }] : []),
      ...calls.map(c => ({ type: 'tool' as const, call: c }))
    ],
    text,
    status: 'done',
    createdAt: seq,
    stopReason: calls.length ? 'tool_use' : 'end_turn',
    ...patch
  };
}

function conversationOf(turns: Turn[]): ChatModel {
  return new ChatModel({ turns: restoredTurns(turns) });
}

const estimateOf = (conversation: ChatModel) =>
  estimateTokens({
    system: SYSTEM,
    messages: conversation.toMessages(),
    tools: TOOLS
  });

/** A window that puts the conversation's estimate at `fraction` of the budget. */
const windowFor = (conversation: ChatModel, fraction: number) =>
  Math.ceil(estimateOf(conversation) / fraction) + MAX;

function argsOf(
  conversation: ChatModel,
  signal = new AbortController().signal
) {
  return {
    conversation,
    model: 'claude-test',
    maxTokens: MAX,
    system: SYSTEM,
    tools: TOOLS,
    signal
  };
}

/** A compactor with recorded callbacks; the window puts the request at `fraction`. */
function compactorFor(
  conversation: ChatModel,
  fraction: number,
  options: Partial<ICompactorOptions> = {}
) {
  const window = windowFor(conversation, fraction);
  const summaries: ISummarizeRequest[] = [];
  const counted: any[] = [];
  const measures: IContextMeasure[] = [];
  const reports: ICompactionReport[] = [];
  const compactor = new Compactor({
    contextWindow: () => window,
    summarize: async request => {
      summaries.push(request);
      return 'RECAP: the user loads sales.csv into df_sales.';
    },
    ...options,
    countTokens: options.countTokens
      ? async request => {
          counted.push(request);
          return options.countTokens!(request);
        }
      : undefined
  });
  compactor.measured.connect((_, m) => measures.push(m));
  compactor.compacted.connect((_, r) => reports.push(r));
  return {
    compactor,
    window,
    budget: window - MAX,
    summaries,
    counted,
    measures,
    reports
  };
}

const recapsOf = (conversation: ChatModel) =>
  conversation.turns.filter((t): t is IRecapTurn => t.role === 'recap');

/**
 * A request the API accepts: starts and ends with the user, roles alternate,
 * every tool_use is answered at the start of the next message and every
 * tool_result answers a tool_use of the message before.
 */
function expectValidRequest(messages: MessageParam[]): void {
  expect(messages.length).toBeGreaterThan(0);
  expect(messages[0].role).toBe('user');
  expect(messages[messages.length - 1].role).toBe('user');
  messages.forEach((message, i) => {
    const content = message.content as any[];
    expect(content.length).toBeGreaterThan(0);
    if (i > 0) {
      expect(message.role).not.toBe(messages[i - 1].role);
    }
    if (message.role === 'assistant') {
      const uses = content.filter(b => b.type === 'tool_use').map(b => b.id);
      const next = messages[i + 1].content as any[];
      expect(
        next
          .slice(0, uses.length)
          .map(b => (b.type === 'tool_result' ? b.tool_use_id : null))
      ).toEqual(uses);
    } else {
      const results = content
        .filter(b => b.type === 'tool_result')
        .map(b => b.tool_use_id);
      const previous =
        i > 0
          ? (messages[i - 1].content as any[])
              .filter(b => b.type === 'tool_use')
              .map(b => b.id)
          : [];
      expect(results).toEqual(previous);
    }
  });
}

const firstText = (messages: MessageParam[]) =>
  (messages[0].content as any[])[0].text as string;

describe('estimateTokens and contextWindowOf', () => {
  it('estimates from the JSON length, 3.5 characters a token, and a flat cost per image', () => {
    const text = (n: number): MessageParam[] => [
      { role: 'user', content: [{ type: 'text', text: 'x'.repeat(n) }] }
    ];
    const base = estimateTokens({ messages: text(0) });
    expect(estimateTokens({ messages: text(3500) })).toBe(
      Math.ceil(
        (JSON.stringify({ system: null, messages: text(0), tools: [] }).length +
          3500) /
          3.5
      )
    );
    expect(
      estimateTokens({ messages: text(3500) }) - base
    ).toBeGreaterThanOrEqual(999);
    expect(estimateTokens({ messages: text(3500) }) - base).toBeLessThanOrEqual(
      1001
    );
    // Deterministic, and cache_control does not count.
    const withCache: MessageParam[] = [
      {
        role: 'user',
        content: [
          {
            type: 'text',
            text: 'x'.repeat(3500),
            cache_control: { type: 'ephemeral' }
          }
        ]
      }
    ];
    expect(estimateTokens({ messages: withCache })).toBe(
      estimateTokens({ messages: text(3500) })
    );
    // An image costs IMAGE_TOKENS whatever the size of its data.
    const image = (data: string): MessageParam[] => [
      {
        role: 'user',
        content: [
          {
            type: 'image',
            source: { type: 'base64', media_type: 'image/png', data }
          }
        ]
      }
    ];
    expect(estimateTokens({ messages: image('A'.repeat(10)) })).toBe(
      estimateTokens({ messages: image('A'.repeat(500_000)) })
    );
    expect(estimateTokens({ messages: image('A') })).toBeGreaterThanOrEqual(
      IMAGE_TOKENS
    );
    expect(estimateTokens({ messages: image('A') })).toBeLessThan(
      IMAGE_TOKENS + 30
    );
    // System and tools count.
    expect(
      estimateTokens({ system: 's'.repeat(700), messages: [] })
    ).toBeGreaterThan(200);
    expect(estimateTokens({ messages: [], tools: TOOLS })).toBeGreaterThan(
      estimateTokens({ messages: [] })
    );
  });

  it('knows the context windows and takes an override', () => {
    expect(contextWindowOf('claude-sonnet-4-5')).toBe(200_000);
    expect(contextWindowOf('claude-opus-4-1-20250805')).toBe(200_000);
    expect(contextWindowOf('claude-3-5-haiku-latest')).toBe(200_000);
    expect(
      contextWindowOf('us.anthropic.claude-3-7-sonnet-20250219-v1:0')
    ).toBe(200_000);
    expect(contextWindowOf('claude-2.0')).toBe(100_000);
    expect(contextWindowOf('some-other-model')).toBe(200_000);
    expect(contextWindowOf('claude-sonnet-4-5', 1_000_000)).toBe(1_000_000);
    expect(contextWindowOf('claude-2.0', 0)).toBe(100_000);
  });
});

describe('shortened tool results', () => {
  it('sends the start of a compacted result and a note; the full result stays', () => {
    const full = 'row\n'.repeat(1000);
    const c = call(full);
    expect(toolResultBlock(c).content).toBe(full);
    const block = toolResultBlock({ ...c, compacted: true });
    const sent = block.content as string;
    expect(sent.startsWith(full.slice(0, SHORTENED_RESULT_CHARS))).toBe(true);
    expect(sent).not.toContain(full.slice(0, SHORTENED_RESULT_CHARS + 4));
    expect(sent).toContain(`the full result was ${full.length} characters`);
    expect(sent).toContain('Run the tool again if you need it.');
    expect(sent.length).toBeLessThan(SHORTENED_RESULT_CHARS + 200);
    // Errors stay errors.
    expect(
      toolResultBlock({ ...c, state: 'failed', compacted: true }).is_error
    ).toBe(true);
    // A short result has nothing to shorten.
    expect(
      toolResultBlock({ ...call('42 rows'), compacted: true }).content
    ).toBe('42 rows');
  });

  it('replaces images by a note and keeps the full result in the saved turn', () => {
    const c = call({
      content: [
        { type: 'text', text: 'plot of sales' },
        {
          type: 'image',
          source: {
            type: 'base64',
            media_type: 'image/png',
            data: 'A'.repeat(5000)
          }
        }
      ]
    });
    const conversation = conversationOf([
      user('plot it'),
      reply('', [c]),
      reply('here'),
      user('next')
    ]);
    expect(conversation.markCompacted([c.id])).toBe(1);
    const sent = conversation.toMessages()[2].content as any[];
    expect(sent[0].type).toBe('tool_result');
    expect(typeof sent[0].content).toBe('string');
    expect(sent[0].content).toContain('plot of sales');
    expect(sent[0].content).toContain('image');
    expect(sent[0].content).not.toContain('AAAA');
    const saved = conversation.toJSON().turns[1] as IAssistantTurn;
    const savedCall = (saved.blocks[0] as { call: IToolCall }).call;
    expect(savedCall.compacted).toBe(true);
    expect((savedCall.result!.content as any[])[1].source.data).toHaveLength(
      5000
    );
  });
});

describe('recap turns', () => {
  function withRecap(status: IRecapTurn['status']) {
    const turns: Turn[] = [
      user('load sales.csv'),
      reply('Loaded.'),
      user('now by region'),
      reply('Grouped.')
    ];
    const conversation = conversationOf(turns);
    const recap = conversation.insertRecap(turns[2].id, {
      status,
      summarizedTurns: 2,
      tokensBefore: 100
    })!;
    if (status === 'done') {
      conversation.updateRecap(recap.id, {
        text: 'The user loaded sales.csv.'
      });
    }
    return { conversation, recap: conversation.turn(recap.id) as IRecapTurn };
  }

  it('starts the request with a done recap and leaves the turns before it out', () => {
    const { conversation } = withRecap('done');
    expect(conversation.turns.map(t => t.role)).toEqual([
      'user',
      'assistant',
      'recap',
      'user',
      'assistant'
    ]);
    conversation.addUser('and a chart');
    const messages = conversation.toMessages();
    expectValidRequest(messages);
    expect(messages).toHaveLength(3);
    expect(messages[0].content).toEqual([
      {
        type: 'text',
        text: expect.stringMatching(
          /^<conversation-recap>\n[\s\S]*The user loaded sales.csv.\n<\/conversation-recap>$/
        )
      },
      { type: 'text', text: 'now by region' }
    ]);
    expect(JSON.stringify(messages)).not.toContain('load sales.csv');
  });

  it('ignores recaps that are not done', () => {
    for (const status of ['summarizing', 'failed'] as const) {
      const { conversation } = withRecap(status);
      const plain = conversationOf(
        conversation.turns.filter(t => t.role !== 'recap') as Turn[]
      );
      plain.addUser('x');
      conversation.addUser('x');
      expect(conversation.toMessages()).toEqual(plain.toMessages());
    }
  });

  it('only the last done recap counts', () => {
    const { conversation } = withRecap('done');
    conversation.addUser('third');
    const second = conversation.insertRecap(conversation.last!.id, {
      status: 'done',
      text: 'SECOND RECAP'
    })!;
    expect(second.role).toBe('recap');
    const messages = conversation.toMessages();
    expect(messages).toHaveLength(1);
    expect(firstText(messages)).toContain('SECOND RECAP');
    expect(JSON.stringify(messages)).not.toContain('sales.csv');
  });

  it('notifies on insert and update, and refuses an unknown turn', () => {
    const conversation = conversationOf([user('a')]);
    const seen: Array<[string, Turn, Turn?]> = [];
    let changes = 0;
    conversation.turnAdded.connect((_, { turn }) => seen.push(['added', turn]));
    conversation.turnChanged.connect((_, { turn, previous }) =>
      seen.push(['changed', turn, previous])
    );
    conversation.changed.connect(() => (changes += 1));
    const recap = conversation.insertRecap(conversation.turns[0].id, {
      tokensBefore: 5
    })!;
    expect(recap).toMatchObject({
      role: 'recap',
      status: 'summarizing',
      text: '',
      tokensBefore: 5
    });
    conversation.updateRecap(recap.id, { status: 'failed' });
    // Turns are immutable: the update replaces the recap by a changed copy.
    const updated = conversation.turn(recap.id)!;
    expect(updated).not.toBe(recap);
    expect(updated).toMatchObject({
      role: 'recap',
      status: 'failed',
      tokensBefore: 5
    });
    expect(seen).toEqual([
      ['added', recap],
      ['changed', updated, recap]
    ]);
    expect(seen[0][1]).toBe(recap);
    expect(seen[1][1]).toBe(updated);
    expect(changes).toBe(2);
    expect(conversation.insertRecap('nope', {})).toBeNull();
  });

  it('restoredTurns drops a recap still being written and keeps the others harmless', () => {
    const { conversation } = withRecap('summarizing');
    const saved = conversation.toJSON().turns;
    const restored = restoredTurns(saved);
    expect(restored.some(t => t.role === 'recap')).toBe(false);
    expect(restored).toHaveLength(4);
    const failed = withRecap('failed').conversation.toJSON().turns;
    expect(restoredTurns(failed).filter(t => t.role === 'recap')).toHaveLength(
      1
    );
    const done = withRecap('done').conversation.toJSON().turns;
    expect(restoredTurns(done).find(t => t.role === 'recap')).toMatchObject({
      status: 'done'
    });
    // A done recap without text would hide the history for nothing.
    const empty = done.map(t => (t.role === 'recap' ? { ...t, text: '' } : t));
    expect(restoredTurns(empty).find(t => t.role === 'recap')).toMatchObject({
      status: 'failed'
    });
    const again = conversationOf(empty);
    again.addUser('go on');
    expect(again.toMessages()[0].content).toEqual([
      { type: 'text', text: 'load sales.csv' }
    ]);
  });
});

/** user → tool step → answer, with a result of `size` characters. */
function toolTurn(text: string, size: number, reader = 'r'): Turn[] {
  return [
    user(text),
    reply('Looking.', [call(reader.repeat(size))]),
    reply('Found it.')
  ];
}

describe('Compactor thresholds', () => {
  it('under 70% of the budget: no count, nothing compacted', async () => {
    const conversation = conversationOf([...toolTurn('q1', 3000), user('q2')]);
    const before = conversation.toMessages();
    const t = compactorFor(conversation, 0.6, { countTokens: async () => 1 });
    expect(await t.compactor.beforeRequest(argsOf(conversation))).toBeNull();
    expect(t.counted).toHaveLength(0);
    expect(t.summaries).toHaveLength(0);
    expect(conversation.toMessages()).toEqual(before);
    expect(t.measures).toEqual([
      { tokens: estimateOf(conversation), window: t.window, exact: false }
    ]);
    expect(t.compactor.lastMeasure).toEqual(t.measures[0]);
  });

  it('between 70% and the threshold: counts exactly, compacts nothing', async () => {
    const conversation = conversationOf([...toolTurn('q1', 3000), user('q2')]);
    const t = compactorFor(conversation, 0.75, {
      countTokens: async () => estimateOf(conversation) + 7
    });
    expect(await t.compactor.beforeRequest(argsOf(conversation))).toBeNull();
    expect(t.counted).toEqual([
      {
        model: 'claude-test',
        system: SYSTEM,
        messages: conversation.toMessages(),
        tools: TOOLS
      }
    ]);
    expect(t.measures).toEqual([
      { tokens: estimateOf(conversation) + 7, window: t.window, exact: true }
    ]);
    expect(callsOf(conversation).some(c => c.compacted)).toBe(false);
    expect(t.reports).toHaveLength(0);
  });

  it('decides on the exact count when there is one', async () => {
    const conversation = conversationOf([
      ...toolTurn('q1', 8000),
      ...toolTurn('q2', 8000),
      user('q3')
    ]);
    const window = windowFor(conversation, 0.75);
    const t = compactorFor(conversation, 0.75, {
      countTokens: async () => Math.round((window - MAX) * 0.95)
    });
    const report = await t.compactor.beforeRequest(argsOf(conversation));
    expect(report).toMatchObject({
      kind: 'tool-results',
      tokensBefore: Math.round((window - MAX) * 0.95)
    });
    expect(callsOf(conversation)[0].compacted).toBe(true);
  });

  it('falls back to the estimate when count_tokens fails', async () => {
    const conversation = conversationOf([
      ...toolTurn('q1', 8000),
      ...toolTurn('q2', 8000),
      user('q3')
    ]);
    const failing = async () => {
      throw new Error('404 from the proxy');
    };
    const under = compactorFor(conversation, 0.75, { countTokens: failing });
    expect(
      await under.compactor.beforeRequest(argsOf(conversation))
    ).toBeNull();
    expect(under.counted).toHaveLength(1);
    expect(under.measures).toEqual([
      { tokens: estimateOf(conversation), window: under.window, exact: false }
    ]);
    const over = compactorFor(conversation, 0.95, { countTokens: failing });
    const report = await over.compactor.beforeRequest(argsOf(conversation));
    expect(report?.kind).toBe('tool-results');
    expect(report?.tokensBefore).toBe(over.measures[0].tokens);
  });

  it('over the threshold: shortens old tool results first, oldest first, never the current turn', async () => {
    const conversation = conversationOf([
      ...toolTurn('q1', 10_000, 'a'),
      ...toolTurn('q2', 10_000, 'b'),
      ...toolTurn('q3', 10_000, 'c'),
      user('q4'),
      reply('', [call('d'.repeat(20_000))])
    ]);
    const t = compactorFor(conversation, 0.9);
    const report = await t.compactor.beforeRequest(argsOf(conversation));
    expect(callsOf(conversation).map(c => !!c.compacted)).toEqual([
      true,
      true,
      false,
      false
    ]);
    expect(t.summaries).toHaveLength(0);
    expect(recapsOf(conversation)).toHaveLength(0);
    expect(report).toMatchObject({
      kind: 'tool-results',
      shortenedCalls: 2,
      summarizedTurns: 0
    });
    expect(t.reports).toEqual([report]);
    // The request really shrank below the threshold, and is still valid.
    const messages = conversation.toMessages();
    expectValidRequest(messages);
    const after = estimateTokens({ system: SYSTEM, messages, tools: TOOLS });
    expect(after).toBeLessThan(t.budget * 0.8);
    expect(Math.abs(report!.tokensAfter - after)).toBeLessThan(50);
    expect(t.measures[t.measures.length - 1]).toMatchObject({
      tokens: report!.tokensAfter,
      exact: false
    });
    expect(JSON.stringify(messages)).toContain('d'.repeat(20_000));
    expect(JSON.stringify(messages)).toContain('c'.repeat(10_000));
    expect(JSON.stringify(messages)).not.toContain(
      'a'.repeat(SHORTENED_RESULT_CHARS + 1)
    );
  });

  it('summarises older turns only when shortening is not enough', async () => {
    const conversation = conversationOf([
      user('first question ' + 'x'.repeat(40_000)),
      reply('Looking.', [call('r'.repeat(2000))]),
      reply('Answer one.'),
      user('second question'),
      reply('Answer two.'),
      user('third question'),
      reply('Answer three.', [call('s'.repeat(2000))]),
      reply('Done three.'),
      user('fourth question'),
      // The current turn's own results are never shortened.
      reply('', [call('t'.repeat(20_000))])
    ]);
    const turnsBefore = conversation.turns.length;
    const t = compactorFor(conversation, 1.2, {
      summarize: async request => {
        // Tool results were shortened before the summary was asked for.
        expect(callsOf(conversation)[0].compacted).toBe(true);
        expect(recapsOf(conversation)).toMatchObject([
          { status: 'summarizing' }
        ]);
        t.summaries.push(request);
        return 'RECAP TEXT';
      }
    });
    const report = await t.compactor.beforeRequest(argsOf(conversation));
    expect(t.summaries).toHaveLength(1);
    expect(report).toMatchObject({
      kind: 'recap',
      shortenedCalls: 2,
      summarizedTurns: 5
    });
    expect(callsOf(conversation).map(c => !!c.compacted)).toEqual([
      true,
      true,
      false
    ]);
    // The recap sits before the first of the two kept user turns.
    const roles = conversation.turns.map(t =>
      t.role === 'user' ? t.text.slice(0, 15) : t.role
    );
    expect(roles).toEqual([
      'first question ',
      'assistant',
      'assistant',
      'second question',
      'assistant',
      'recap',
      'third question',
      'assistant',
      'assistant',
      'fourth question',
      'assistant'
    ]);
    expect(conversation.turns).toHaveLength(turnsBefore + 1);
    const recap = recapsOf(conversation)[0];
    expect(recap).toMatchObject({
      status: 'done',
      text: 'RECAP TEXT',
      summarizedTurns: 5,
      tokensBefore: report!.tokensBefore,
      tokensAfter: report!.tokensAfter,
      model: 'claude-test'
    });
    const messages = conversation.toMessages();
    expectValidRequest(messages);
    expect(firstText(messages)).toMatch(/^<conversation-recap>/);
    expect(firstText(messages)).toContain('RECAP TEXT');
    expect((messages[0].content as any[])[1]).toEqual({
      type: 'text',
      text: 'third question'
    });
    expect(JSON.stringify(messages)).toContain('t'.repeat(20_000));
    expect(
      estimateTokens({ system: SYSTEM, messages, tools: TOOLS })
    ).toBeLessThan(t.budget * 0.8);
    // The recap request: own system prompt, no tool blocks, the instruction last.
    const request = t.summaries[0];
    expect(request).toMatchObject({
      model: 'claude-test',
      system: RECAP_SYSTEM,
      maxTokens: 4096
    });
    expect(request.signal).toBeInstanceOf(AbortSignal);
    expect(JSON.stringify(request.messages)).not.toMatch(
      /tool_use|tool_result/
    );
    expect(JSON.stringify(request.messages)).toContain('first question');
    expect(JSON.stringify(request.messages)).toContain('Answer two.');
    expect(JSON.stringify(request.messages)).not.toContain('third question');
    const last = request.messages[request.messages.length - 1];
    expect(last.role).toBe('user');
    expect((last.content as any[])[(last.content as any[]).length - 1]).toEqual(
      { type: 'text', text: RECAP_INSTRUCTION }
    );
    request.messages.forEach(
      (m, i) => i > 0 && expect(m.role).not.toBe(request.messages[i - 1].role)
    );
    expect(request.messages[0].role).toBe('user');
  });

  it('keeps at least one user turn, and summarises an earlier recap with the rest', async () => {
    const conversation = conversationOf([
      user('q1 ' + 'x'.repeat(30_000)),
      reply('a1'),
      user('q2')
    ]);
    const t = compactorFor(conversation, 1.5, { keepRecentTurns: 5 });
    expect((await t.compactor.beforeRequest(argsOf(conversation)))?.kind).toBe(
      'recap'
    );
    expect(conversation.turns.map(t => t.role)).toEqual([
      'user',
      'assistant',
      'recap',
      'user'
    ]);
    // Later, the older recap is part of what the next one summarises.
    conversation.addAssistant();
    conversation.updateAssistant(conversation.last!.id, {
      status: 'done',
      blocks: [{ type: 'text', text: 'a2' }]
    });
    conversation.addUser('q3 ' + 'y'.repeat(30_000));
    conversation.addAssistant();
    conversation.updateAssistant(conversation.last!.id, {
      status: 'done',
      blocks: [{ type: 'text', text: 'a3' }]
    });
    conversation.addUser('q4');
    t.summaries.length = 0;
    const second = new Compactor({
      keepRecentTurns: 1,
      contextWindow: () => windowFor(conversation, 1.5),
      summarize: async request => {
        t.summaries.push(request);
        return 'SECOND';
      }
    });
    expect(
      (await second.beforeRequest(argsOf(conversation)))?.summarizedTurns
    ).toBe(6);
    expect(JSON.stringify(t.summaries[0].messages)).toContain(
      '<conversation-recap>'
    );
    expect(JSON.stringify(t.summaries[0].messages)).not.toContain('q1 xxx');
    const messages = conversation.toMessages();
    expectValidRequest(messages);
    expect(firstText(messages)).toContain('SECOND');
    expect((messages[0].content as any[])[1].text).toBe('q4');
  });

  it("uses the last reply's usage, and counts only when the estimated part is large", async () => {
    const usage = (input: number) => ({
      input_tokens: input,
      output_tokens: 50,
      cache_read_input_tokens: 0,
      cache_creation_input_tokens: 0
    });
    const make = (input: number, next: string) =>
      conversationOf([
        user('hi'),
        reply('hello', [], { usage: usage(input) }),
        user(next)
      ]);
    const options = (counted: number[]) => ({
      contextWindow: () => 100_000 + MAX,
      summarize: async () => 'R',
      countTokens: async () => {
        counted.push(1);
        return 1;
      }
    });
    // 60%: a small conversation by the estimate, but the usage says otherwise.
    let counted: number[] = [];
    let compactor = new Compactor(options(counted));
    let conversation = make(60_000, 'short');
    await compactor.beforeRequest(argsOf(conversation));
    expect(compactor.lastMeasure!.tokens).toBeGreaterThan(60_050);
    expect(compactor.lastMeasure!.tokens).toBeLessThan(60_100);
    expect(counted).toHaveLength(0);
    // 75% with little added since: near enough to exact, no count.
    conversation = make(75_000, 'short');
    await compactor.beforeRequest(argsOf(conversation));
    expect(counted).toHaveLength(0);
    expect(compactor.lastMeasure).toMatchObject({
      window: 100_000 + MAX,
      exact: false
    });
    // 75% with a long message added since: counted.
    conversation = make(75_000, 'z'.repeat(20_000));
    await compactor.beforeRequest(argsOf(conversation));
    expect(counted).toHaveLength(1);
    // 90% by usage: compacted; afterwards the old usage no longer counts.
    counted = [];
    compactor = new Compactor({ ...options(counted), countTokens: undefined });
    conversation = make(90_000, 'short');
    const report = await compactor.beforeRequest(argsOf(conversation));
    expect(report).toMatchObject({ kind: 'recap', summarizedTurns: 2 });
    expect(report!.tokensBefore).toBeGreaterThan(90_000);
    expect(compactor.measure(argsOf(conversation)).tokens).toBeLessThan(1000);
  });

  it("stops trusting a reply's usage once the conversation was compacted under it", async () => {
    const usage = {
      input_tokens: 90_000,
      output_tokens: 50,
      cache_read_input_tokens: 0,
      cache_creation_input_tokens: 0
    };
    const conversation = conversationOf([
      user('q1'),
      reply('', [call('r'.repeat(60_000))], {
        usage: { ...usage, input_tokens: 70_000 }
      }),
      reply('done', [], { usage }),
      user('q2')
    ]);
    const compactor = new Compactor({
      contextWindow: () => 100_000 + MAX,
      summarize: async () => 'R'
    });
    expect(compactor.measure(argsOf(conversation)).tokens).toBeGreaterThan(
      90_000
    );
    const report = await compactor.beforeRequest(argsOf(conversation));
    expect(report).toMatchObject({ kind: 'tool-results', shortenedCalls: 1 });
    // The usage described the request before the result was shortened.
    expect(compactor.measure(argsOf(conversation)).tokens).toBe(
      estimateOf(conversation)
    );
    // A reply made after the compaction is a good basis again.
    conversation.addAssistant();
    conversation.updateAssistant(conversation.last!.id, {
      status: 'done',
      blocks: [{ type: 'text', text: 'ok' }],
      usage: { ...usage, input_tokens: 5000 }
    });
    conversation.addUser('q3');
    expect(compactor.measure(argsOf(conversation)).tokens).toBeGreaterThan(
      5050
    );
    expect(compactor.measure(argsOf(conversation)).tokens).toBeLessThan(5100);
  });
});

describe('the recap request', () => {
  const summaryOf = async (turns: Turn[]) => {
    const conversation = conversationOf(turns);
    const requests: ISummarizeRequest[] = [];
    const compactor = new Compactor({
      contextWindow: () => 20_000,
      summarize: async request => {
        requests.push(request);
        return 'R';
      }
    });
    await compactor.beforeRequest(argsOf(conversation));
    expect(requests).toHaveLength(1);
    const request = requests[0];
    expect(
      estimateTokens({ system: request.system, messages: request.messages })
    ).toBeLessThanOrEqual((20_000 - request.maxTokens) * 0.9);
    request.messages.forEach((m, i) =>
      expect(m.role).toBe(i % 2 ? 'assistant' : 'user')
    );
    return JSON.stringify(request.messages);
  };

  it('cuts long blocks so that it fits in the window', async () => {
    const text = await summaryOf([
      user('A'.repeat(60_000)),
      reply('a1'),
      user('B'.repeat(60_000)),
      reply('a2'),
      user('q3'),
      reply('a3'),
      user('q4')
    ]);
    expect(text).toContain('AAAA');
    expect(text).toContain('BBBB');
    expect(text).toContain('more characters]');
    expect(text).not.toContain('left out');
  });

  it('leaves the earliest messages out as a last resort', async () => {
    const many = Array.from({ length: 200 }, (_, i) => [
      user(`question ${i} ${'C'.repeat(3000)}`),
      reply(`answer ${i}`)
    ]).flat();
    const text = await summaryOf([
      ...many,
      user('q1'),
      reply('a1'),
      user('q2')
    ]);
    expect(text).toContain('The earliest part of the conversation is left out');
    expect(text).not.toContain('question 0 ');
    expect(text).toContain('question 199 ');
  });
});

describe('Compactor recap cut', () => {
  /** Conversations of many shapes: tool loops, stopped and failed replies, attachments. */
  function shapes(): Turn[][] {
    const loop = (n: number) => [
      user(`loop ${n}`),
      ...Array.from({ length: n }, (_, i) =>
        reply(i ? '' : 'Starting.', [
          call('o'.repeat(900)),
          call('p'.repeat(900))
        ])
      ),
      reply('Loop done.')
    ];
    return [
      [...loop(1), ...loop(2), ...loop(3), user('now')],
      [
        ...loop(2),
        user('q'),
        reply('partial', [], { status: 'stopped' }),
        ...loop(1),
        user('now')
      ],
      [
        ...loop(1),
        user('q'),
        reply('', [], { status: 'error' }),
        user('again'),
        ...loop(2).slice(1),
        user('now')
      ],
      [
        ...loop(1),
        {
          ...user('with data'),
          attachments: [{ label: '@df', text: 'columns a, b' }]
        },
        reply('', [
          call('x', { state: 'cancelled' }),
          call('y', { state: 'denied', denyReason: 'no' })
        ]),
        reply('OK.'),
        ...loop(2),
        user('now')
      ]
    ];
  }

  it('always cuts before a user turn and leaves a valid request', async () => {
    for (const turns of shapes()) {
      for (const keep of [1, 2, 3]) {
        const conversation = conversationOf(turns);
        const cut = recapCut(conversation.turns, keep);
        expect(conversation.turns[cut].role).toBe('user');
        // The current reply, still waiting, is the last turn during a step.
        conversation.addAssistant();
        const t = compactorFor(conversation, 5, { keepRecentTurns: keep });
        const report = await t.compactor.beforeRequest(argsOf(conversation));
        expect(report?.kind).toBe('recap');
        const index = conversation.turns.findIndex(x => x.role === 'recap');
        expect(conversation.turns[index + 1].role).toBe('user');
        expect(conversation.last!.role).toBe('assistant');
        expect((conversation.last as IAssistantTurn).status).toBe('waiting');
        const users = conversation.turns
          .slice(index)
          .filter(x => x.role === 'user');
        expect(users).toHaveLength(
          Math.min(keep, turns.filter(x => x.role === 'user').length - 1)
        );
        const messages = conversation.toMessages();
        expectValidRequest(messages);
        expect(firstText(messages)).toMatch(/^<conversation-recap>/);
        expectValidRequest(
          t.summaries[0].messages.concat() // the recap request alternates too
        );
      }
    }
  });

  it('has nothing to summarise with a single user turn', async () => {
    const conversation = conversationOf([
      user('q ' + 'x'.repeat(20_000)),
      reply('a')
    ]);
    expect(recapCut(conversation.turns, 2)).toBe(-1);
    conversation.addUser('more');
    expect(recapCut(conversation.turns, 2)).toBe(2);
  });
});

describe('Compactor failures', () => {
  it('a failed summary leaves the conversation valid and the request can go on', async () => {
    const conversation = conversationOf([
      user('q1 ' + 'x'.repeat(30_000)),
      reply('a1'),
      user('q2'),
      reply('a2'),
      user('q3')
    ]);
    const before = conversation.toMessages();
    const t = compactorFor(conversation, 1.5, {
      summarize: async () => {
        throw new Error('overloaded');
      }
    });
    expect(await t.compactor.beforeRequest(argsOf(conversation))).toBeNull();
    expect(recapsOf(conversation)).toMatchObject([
      { status: 'failed', error: 'overloaded', text: '' }
    ]);
    expect(conversation.toMessages()).toEqual(before);
    expectValidRequest(conversation.toMessages());
    // An empty recap is a failure too.
    const empty = conversationOf([
      user('q1 ' + 'x'.repeat(30_000)),
      reply('a1'),
      user('q2')
    ]);
    const e = compactorFor(empty, 1.5, { summarize: async () => '   ' });
    expect(await e.compactor.beforeRequest(argsOf(empty))).toBeNull();
    expect(recapsOf(empty)[0].status).toBe('failed');
    expect(firstText(empty.toMessages())).toMatch(/^q1 /);
  });

  it('an abort while summarising removes the recap and rejects as an abort', async () => {
    const conversation = conversationOf([
      user('q1 ' + 'x'.repeat(30_000)),
      reply('a1'),
      user('q2')
    ]);
    const controller = new AbortController();
    const t = compactorFor(conversation, 1.5, {
      summarize: request =>
        new Promise((_, reject) => {
          request.signal.addEventListener('abort', () =>
            reject(new DOMException('aborted', 'AbortError'))
          );
          controller.abort();
        })
    });
    const result = t.compactor.beforeRequest(
      argsOf(conversation, controller.signal)
    );
    await expect(result).rejects.toBeInstanceOf(AbortedError);
    await result.catch(error => expect(isAbort(error)).toBe(true));
    expect(recapsOf(conversation)).toHaveLength(0);
    expect(conversation.turns).toHaveLength(3);
    expect(t.reports).toHaveLength(0);
  });
});

describe('Compactor.forceCompact', () => {
  it('summarises everything but the most recent user turn, whatever the measure', async () => {
    const conversation = conversationOf([
      ...toolTurn('q1', 100),
      user('q2'),
      reply('a2'),
      user('q3')
    ]);
    const t = compactorFor(conversation, 0.05, { countTokens: async () => 1 });
    const report = await t.compactor.forceCompact(argsOf(conversation));
    expect(t.counted).toHaveLength(0);
    expect(report).toMatchObject({ kind: 'recap', summarizedTurns: 5 });
    expect(conversation.turns.map(x => x.role)).toEqual([
      'user',
      'assistant',
      'assistant',
      'user',
      'assistant',
      'recap',
      'user'
    ]);
    const messages = conversation.toMessages();
    expect(messages).toHaveLength(1);
    expect(
      (messages[0].content as any[]).map(b => b.text.slice(0, 20))
    ).toEqual(['<conversation-recap>', 'q3']);
  });

  it("with a single user turn, shortens every tool result but the latest reply's", async () => {
    const conversation = conversationOf([
      user('migrate the tables'),
      reply('', [call('a'.repeat(5000))]),
      reply('', [call('b'.repeat(5000)), call('c'.repeat(50))]),
      reply('', [call('d'.repeat(5000))])
    ]);
    const t = compactorFor(conversation, 0.5);
    const report = await t.compactor.forceCompact(argsOf(conversation));
    expect(t.summaries).toHaveLength(0);
    expect(report).toMatchObject({ kind: 'tool-results', shortenedCalls: 2 });
    expect(callsOf(conversation).map(c => !!c.compacted)).toEqual([
      true,
      true,
      false,
      false
    ]);
    expectValidRequest(conversation.toMessages());
  });
});

/** A session on a chat that starts with `turns` (restored as a saved chat would be). */
function sessionWith(
  replies: IFakeReply[],
  compactor?: Compactor,
  turns: Turn[] = []
) {
  const fake = fakeFetch(replies);
  const client = new Anthropic({
    apiKey: 'test',
    baseURL: 'http://mock.local',
    fetch: fake.fetch,
    maxRetries: 0
  });
  const conversation = new ChatModel({ turns: restoredTurns(turns) });
  const session = new ChatSession({
    model: conversation,
    client: () => client,
    settings: () => ({
      model: 'claude-test',
      maxTokens: 100,
      system: 'SYSTEM',
      tools: [TOOL],
      context: 'CONTEXT'
    }),
    registry: new ToolRegistry([TOOL]),
    compactor
  });
  return { session, conversation, client, requests: fake.requests };
}

const history = (): Turn[] => [
  user('q1 ' + 'x'.repeat(40_000)),
  reply('a1'),
  user('q2'),
  reply('a2')
];

describe('ChatSession with a compactor', () => {
  it('compacts before the request and sends the recap first, cache breakpoint before the context', async () => {
    const counted: any[] = [];
    const compactor = new Compactor({
      contextWindow: () => 10_000,
      countTokens: async request => {
        counted.push(request);
        return 12_000;
      },
      summarize: async () => 'RECAP OF Q1'
    });
    const { session, conversation, requests } = sessionWith(
      [{ text: 'answer' }],
      compactor,
      history()
    );
    await session.send('q3');
    expect(counted).toHaveLength(1);
    expect(counted[0]).toMatchObject({
      model: 'claude-test',
      system: 'SYSTEM'
    });
    expect(counted[0].tools.map((x: any) => x.name)).toEqual(['run_code']);
    expect(JSON.stringify(counted[0].messages)).not.toContain('CONTEXT');
    expect(requests).toHaveLength(1);
    const messages = requests[0].body.messages;
    expect(messages[0].content[0].text).toMatch(/^<conversation-recap>/);
    expect(messages[0].content[0].text).toContain('RECAP OF Q1');
    expect(messages[0].content[1].text).toBe('q2');
    expect(JSON.stringify(messages)).not.toContain('xxxxx');
    const last = messages[messages.length - 1].content;
    expect(last[last.length - 1]).toEqual({
      type: 'text',
      text: '<context>\nCONTEXT\n</context>'
    });
    expect(last[last.length - 2]).toMatchObject({
      text: 'q3',
      cache_control: { type: 'ephemeral' }
    });
    expect(conversation.turns.map(t => t.role)).toEqual([
      'user',
      'assistant',
      'recap',
      'user',
      'assistant',
      'user',
      'assistant'
    ]);
    expect((conversation.last as IAssistantTurn).text).toBe('answer');
  });

  it('sends the request anyway when the summary fails', async () => {
    const compactor = new Compactor({
      contextWindow: () => 10_000,
      summarize: async () => {
        throw new Error('529 overloaded');
      }
    });
    const { session, conversation, requests } = sessionWith(
      [{ text: 'answer' }],
      compactor,
      history()
    );
    await session.send('q3');
    expect(requests).toHaveLength(1);
    expectValidRequest(requests[0].body.messages);
    expect(requests[0].body.messages[0].content[0].text).toMatch(/^q1 x/);
    expect(recapsOf(conversation)[0]?.status).toBe('failed');
    expect((conversation.last as IAssistantTurn).status).toBe('done');
  });

  it('Stop while summarising stops the step before any request', async () => {
    const compactor = new Compactor({
      contextWindow: () => 10_000,
      summarize: request =>
        new Promise((_, reject) =>
          request.signal.addEventListener('abort', () =>
            reject(new APIUserAbortError())
          )
        )
    });
    const { session, conversation, requests } = sessionWith(
      [{ text: 'later' }],
      compactor,
      history()
    );
    const done = session.send('q3');
    await until(conversation, () =>
      recapsOf(conversation).some(r => r.status === 'summarizing')
    );
    session.stop();
    await done;
    expect(requests).toHaveLength(0);
    expect((conversation.last as IAssistantTurn).status).toBe('stopped');
    expect((conversation.last as IAssistantTurn).error).toBeUndefined();
    expect(recapsOf(conversation)).toHaveLength(0);
    expect(session.busy).toBe(false);
    expectValidRequest(conversation.toMessages());
  });

  it('Compact and retry after a too-long error sends a request that starts with the recap', async () => {
    const tooLong = {
      status: 400,
      errorBody: {
        type: 'error',
        error: {
          type: 'invalid_request_error',
          message: 'prompt is too long: 210000 tokens > 200000 maximum'
        }
      }
    };
    let client: Anthropic;
    const compactor = new Compactor({
      contextWindow: () => 200_000,
      summarize: async request => {
        const message = await client.messages
          .stream(
            {
              model: request.model,
              system: request.system,
              messages: request.messages,
              max_tokens: request.maxTokens
            },
            { signal: request.signal }
          )
          .finalMessage();
        return message.content
          .map(b => (b.type === 'text' ? b.text : ''))
          .join('');
      }
    });
    const s = sessionWith(
      [tooLong, { text: 'THE RECAP' }, { text: 'answer' }],
      compactor,
      history()
    );
    client = s.client;
    await s.session.send('q3');
    const failed = s.conversation.last as IAssistantTurn;
    expect(failed.status).toBe('error');
    expect(failed.error?.kind).toBe('context_too_long');
    await s.session.compactAndRetry();
    expect(s.requests).toHaveLength(3);
    // The recap request: no tools, its own system prompt, the instruction last.
    const summary = s.requests[1].body;
    expect(summary.system).toBe(RECAP_SYSTEM);
    expect(summary.tools).toBeUndefined();
    const closing = summary.messages[summary.messages.length - 1].content;
    expect(closing[closing.length - 1]).toEqual({
      type: 'text',
      text: RECAP_INSTRUCTION
    });
    expect(JSON.stringify(summary.messages)).toContain('q1 xxx');
    // The retried request starts with the recap and ends with the question.
    const messages = s.requests[2].body.messages;
    expect(messages).toHaveLength(1);
    expect(messages[0].content[0].text).toMatch(/^<conversation-recap>/);
    expect(messages[0].content[0].text).toContain('THE RECAP');
    expect(messages[0].content[1].text).toBe('q3');
    expect(s.conversation.turns.map(t => t.role)).toEqual([
      'user',
      'assistant',
      'user',
      'assistant',
      'recap',
      'user',
      'assistant'
    ]);
    expect((s.conversation.last as IAssistantTurn).text).toBe('answer');
    expect(
      s.conversation.turns.some(
        t => t.role === 'assistant' && t.status === 'error'
      )
    ).toBe(false);
  });

  it('Compact and retry without a compactor is a plain retry', async () => {
    const { session, conversation, requests } = sessionWith([
      { status: 500 },
      { text: 'fine' }
    ]);
    await session.send('q');
    expect((conversation.last as IAssistantTurn).status).toBe('error');
    await session.compactAndRetry();
    expect(requests).toHaveLength(2);
    expect(conversation.turns.map(t => t.role)).toEqual(['user', 'assistant']);
    expect((conversation.last as IAssistantTurn).text).toBe('fine');
  });
});
