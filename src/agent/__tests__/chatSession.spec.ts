/** @jest-environment node */
import Anthropic from '@anthropic-ai/sdk';
import { ApprovalPolicy } from '../approval';
import { ChatSession } from '../chatSession';
import { ChatModel } from '../../chats/chatModel';
import { IAssistantTurn } from '../../chats/conversation';
import { ToolRegistry } from '../../tools/registry';
import type { ApprovalMode, ITool } from '../../tools/types';
import { fakeFetch, IFakeReply } from '../../__tests__/fakeStream';
import { callsOf, until } from '../../__tests__/chatFixtures';

const text = (t: string) => [{ type: 'text', text: t }];

/** A tool that records its calls; `behaviour` decides what a run does. */
function fakeTool(
  name: string,
  options: {
    defaultApproval?: ApprovalMode;
    run?: (input: any, signal: AbortSignal) => Promise<any>;
    risky?: (input: any) => string | null;
  } = {}
): ITool & { calls: any[] } {
  const calls: any[] = [];
  return {
    name,
    description: `The ${name} tool`,
    describe: () => `Run ${name}`,
    inputSchema: {
      type: 'object',
      properties: { code: { type: 'string' } },
      required: ['code'],
      additionalProperties: false
    },
    effect: 'execute',
    defaultApproval: options.defaultApproval ?? 'auto',
    riskOf: options.risky,
    calls,
    async run(input, context) {
      calls.push(input);
      if (options.run) {
        return options.run(input, context.signal);
      }
      return { content: `ran ${input.code}` };
    }
  };
}

function sessionWith(
  replies: IFakeReply[],
  tools: ITool[] = [],
  settings: Record<string, ApprovalMode> = {},
  maxSteps = 25
) {
  const fake = fakeFetch(replies);
  const client = new Anthropic({
    apiKey: 'test',
    baseURL: 'http://mock.local',
    fetch: fake.fetch,
    maxRetries: 0
  });
  const conversation = new ChatModel();
  const registry = new ToolRegistry(tools);
  const session = new ChatSession({
    model: conversation,
    client: () => client,
    settings: () => ({
      model: 'claude-test',
      maxTokens: 100,
      system: 'SYSTEM',
      tools,
      context: 'CONTEXT'
    }),
    registry,
    approval: new ApprovalPolicy(() => settings),
    maxSteps: () => maxSteps
  });
  // The loop's own assertions below read requests without cache breakpoints
  // (those have their own tests); `raw` keeps them.
  const requests = new Proxy(fake.requests, {
    get(target, key) {
      const value = (target as any)[key];
      if (typeof key === 'string' && /^\d+$/.test(key) && value) {
        return { ...value, body: stripCache(value.body) };
      }
      if (key === 'slice' || key === 'map') {
        return (...args: any[]) =>
          (target.map(r => ({ ...r, body: stripCache(r.body) })) as any)[key](
            ...args
          );
      }
      return value;
    }
  });
  return { session, conversation, requests, raw: fake.requests };
}

/** A deep copy without `cache_control` fields. */
function stripCache(value: any): any {
  return JSON.parse(JSON.stringify(value), (key, v) =>
    key === 'cache_control' ? undefined : v
  );
}

const lastReply = (c: ChatModel) => c.last as IAssistantTurn;

describe('ChatSession streaming', () => {
  it('streams a reply into the conversation, delta by delta', async () => {
    const { session, conversation, requests } = sessionWith([
      {
        text: 'Hello **world**, here is code.',
        chunk: 5,
        usage: {
          input_tokens: 42,
          output_tokens: 9,
          cache_read_input_tokens: 3
        }
      }
    ]);
    const snapshots: string[] = [];
    conversation.turnChanged.connect((_, { turn }) => {
      if (
        turn.role === 'assistant' &&
        turn.status === 'streaming' &&
        turn.text
      ) {
        snapshots.push(turn.text);
      }
    });
    await session.send('hi');
    const reply = lastReply(conversation);
    expect(reply.status).toBe('done');
    expect(reply.text).toBe('Hello **world**, here is code.');
    expect(snapshots.length).toBeGreaterThan(3);
    expect(snapshots[0]).toBe('Hello');
    expect(reply.usage).toEqual({
      input_tokens: 42,
      output_tokens: 9,
      cache_read_input_tokens: 3,
      cache_creation_input_tokens: 0
    });
    expect(requests[0].body).toMatchObject({
      model: 'claude-test',
      max_tokens: 100,
      system: 'SYSTEM',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'hi' },
            { type: 'text', text: '<context>\nCONTEXT\n</context>' }
          ]
        }
      ]
    });
    expect(session.busy).toBe(false);
  });

  it('sends the whole conversation, with the context only on the last message', async () => {
    const { session, requests } = sessionWith([
      { text: 'one' },
      { text: 'two' }
    ]);
    await session.send('first');
    await session.send('second');
    expect(requests[1].body.messages).toEqual([
      { role: 'user', content: text('first') },
      { role: 'assistant', content: text('one') },
      {
        role: 'user',
        content: [
          ...text('second'),
          { type: 'text', text: '<context>\nCONTEXT\n</context>' }
        ]
      }
    ]);
  });

  it('stops at once and keeps the partial reply', async () => {
    const { session, conversation } = sessionWith([
      { text: 'a'.repeat(400), chunk: 4, delayMs: 5 }
    ]);
    const done = session.send('go');
    await until(
      conversation,
      () => (conversation.last as IAssistantTurn)?.text?.length >= 20
    );
    const started = Date.now();
    session.stop();
    await done;
    expect(Date.now() - started).toBeLessThan(200);
    const reply = lastReply(conversation);
    expect(reply.status).toBe('stopped');
    expect(reply.text.length).toBeGreaterThanOrEqual(20);
    expect(reply.text.length).toBeLessThan(400);
    expect(session.busy).toBe(false);
  });

  it('turns a 429 into a readable error, and Retry replaces it with the reply', async () => {
    const { session, conversation, requests } = sessionWith([
      { status: 429, headers: { 'retry-after': '7' } },
      { text: 'after retry' }
    ]);
    await session.send('q');
    let reply = lastReply(conversation);
    expect(reply.status).toBe('error');
    expect(reply.error?.kind).toBe('rate_limit');
    expect(reply.error?.retryAfterSeconds).toBe(7);
    await session.retry();
    reply = lastReply(conversation);
    expect(reply.status).toBe('done');
    expect(reply.text).toBe('after retry');
    expect(conversation.turns).toHaveLength(2);
    expect(requests[1].body.messages[0].content[0]).toEqual({
      type: 'text',
      text: 'q'
    });
  });

  it('keeps the text received before a mid-stream error', async () => {
    const { session, conversation } = sessionWith([
      { text: 'partial text that breaks', chunk: 4, errorAfter: 8 }
    ]);
    await session.send('q');
    const reply = lastReply(conversation);
    expect(reply.status).toBe('error');
    expect(reply.error?.kind).toBe('overloaded');
    expect(reply.text).toBe('partial ');
  });

  it('leaves failed replies out of the next request', async () => {
    const { session, requests } = sessionWith([
      { status: 500 },
      { text: 'ok' }
    ]);
    await session.send('first');
    await session.send('second');
    expect(requests[1].body.messages).toHaveLength(1);
    expect(requests[1].body.messages[0].content.slice(0, 2)).toEqual([
      ...text('first'),
      ...text('second')
    ]);
  });

  it('offers Continue after max_tokens', async () => {
    const { session, conversation, requests } = sessionWith([
      { text: 'cut off', stopReason: 'max_tokens' },
      { text: 'the rest' }
    ]);
    await session.send('long answer please');
    expect(lastReply(conversation).canContinue).toBe(true);
    expect(lastReply(conversation).notice).toContain('max tokens');
    await session.continue();
    expect(lastReply(conversation).text).toBe('the rest');
    expect(requests[1].body.messages.map((m: any) => m.role)).toEqual([
      'user',
      'assistant',
      'user'
    ]);
  });
});

describe('ChatSession context window stop', () => {
  it('turns a model_context_window_exceeded stop into a context_too_long error, tool calls dropped', async () => {
    const tool = fakeTool('run_code');
    const { session, conversation } = sessionWith(
      [
        {
          text: 'partial',
          tools: [{ id: 'toolu_cut', name: 'run_code', input: { code: 'x' } }],
          stopReason: 'model_context_window_exceeded'
        }
      ],
      [tool]
    );
    await session.send('a very long question');
    const reply = lastReply(conversation);
    expect(reply.status).toBe('done');
    expect(reply.error?.kind).toBe('context_too_long');
    expect(reply.blocks.filter(b => b.type === 'tool')).toEqual([]);
    expect(tool.calls).toEqual([]);
  });
});

describe('ChatSession lost connection', () => {
  // Events of a scripted reply: 0 message_start, 1 content_block_start, then
  // one text delta per `chunk` characters, content_block_stop, then the tool
  // block (start, 7-character input_json_delta fragments, stop).
  const TEXT = 'The first words arrive, then the line goes dead.'; // 6 deltas of 8

  /** The next request is a valid conversation: user first, alternating, no tool_use left alone. */
  function expectValid(body: any): void {
    const roles = body.messages.map((m: any) => m.role);
    roles.forEach((role: string, i: number) =>
      expect(role).toBe(i % 2 === 0 ? 'user' : 'assistant')
    );
    for (const message of body.messages) {
      expect(message.content.length).toBeGreaterThan(0);
      if (message.role === 'assistant') {
        expect(message.content.some((c: any) => c.type === 'tool_use')).toBe(
          false
        );
      }
    }
  }

  it('a connection lost mid-text (the fetch body fails) keeps the partial text and says so; Retry sends a valid request', async () => {
    const { session, conversation, requests } = sessionWith([
      { text: TEXT, chunk: 8, dropAfterEvents: 4, cutBytes: 20 },
      { text: 'recovered' }
    ]);
    await session.send('Row counts per day?');
    const reply = lastReply(conversation);
    expect(reply.status).toBe('error');
    expect(reply.error?.kind).toBe('network');
    expect(reply.error?.message).toContain('connection was lost');
    expect(reply.error?.retryable).toBe(true);
    expect(reply.text).toBe(TEXT.slice(0, 16));
    await session.retry();
    expect(lastReply(conversation).text).toBe('recovered');
    expectValid(requests[1].body);
    expect(requests[1].body.messages).toHaveLength(1);
    expect(JSON.stringify(requests[1].body)).not.toContain('The first words');
  });

  it.each([
    ['the fetch body fails', { dropAfterEvents: 9, cutBytes: 30 }],
    ['the body ends without message_stop', { endAfterEvents: 9 }]
  ])(
    'a connection lost inside a tool input (%s) neither runs nor sends the half call',
    async (_, cut) => {
      const tool = fakeTool('run_code');
      const { session, conversation, requests } = sessionWith(
        [
          {
            text: 'Let me read.',
            tools: [
              {
                id: 'toolu_half',
                name: 'run_code',
                input: { code: 'print(1)' }
              }
            ],
            ...cut
          },
          { text: 'recovered' }
        ],
        [tool]
      );
      await session.send('Run it');
      const reply = lastReply(conversation);
      expect(reply.status).toBe('error');
      expect(reply.error?.kind).toBe('network');
      expect(reply.error?.message).toContain('connection was lost');
      expect(reply.error?.detail).toMatch(
        /this page and the Jupyter server|stream ended before the reply was complete/
      );
      expect(reply.text).toBe('Let me read.');
      expect(reply.blocks.filter(b => b.type === 'tool')).toEqual([]);
      expect(tool.calls).toEqual([]);
      await session.send('Try again');
      expect(lastReply(conversation).text).toBe('recovered');
      expectValid(requests[1].body);
      expect(JSON.stringify(requests[1].body)).not.toContain('toolu_half');
    }
  );

  it("the proxy's error event for a dropped upstream is a lost connection, partial text kept", async () => {
    const { session, conversation } = sessionWith([
      {
        text: TEXT,
        chunk: 8,
        errorAfter: 16,
        errorType: 'api_connection_error'
      }
    ]);
    await session.send('q');
    const reply = lastReply(conversation);
    expect(reply.error?.kind).toBe('network');
    expect(reply.error?.message).toContain('connection was lost');
    expect(reply.text).toBe(TEXT.slice(0, 16));
  });
});

describe('ChatSession agent loop', () => {
  it('runs a multi-step tool sequence and sends every result back', async () => {
    const tool = fakeTool('run_code');
    const { session, conversation, requests } = sessionWith(
      [
        {
          text: 'Let me check.',
          tools: [{ id: 'toolu_1', name: 'run_code', input: { code: 'a' } }]
        },
        {
          text: '',
          tools: [
            { id: 'toolu_2', name: 'run_code', input: { code: 'b' } },
            { id: 'toolu_3', name: 'run_code', input: { code: 'c' } }
          ]
        },
        { text: 'All done.' }
      ],
      [tool]
    );
    await session.send('analyse');
    expect(tool.calls).toEqual([{ code: 'a' }, { code: 'b' }, { code: 'c' }]);
    expect(requests).toHaveLength(3);
    expect(requests[0].body.tools.map((t: any) => t.name)).toEqual([
      'run_code'
    ]);
    const third = requests[2].body.messages;
    expect(third.map((m: any) => m.role)).toEqual([
      'user',
      'assistant',
      'user',
      'assistant',
      'user'
    ]);
    expect(third[2].content[0]).toEqual({
      type: 'tool_result',
      tool_use_id: 'toolu_1',
      content: 'ran a'
    });
    expect(third[4].content.slice(0, 2)).toEqual([
      { type: 'tool_result', tool_use_id: 'toolu_2', content: 'ran b' },
      { type: 'tool_result', tool_use_id: 'toolu_3', content: 'ran c' }
    ]);
    // The context goes on the last user message only.
    expect(JSON.stringify(third[2])).not.toContain('CONTEXT');
    expect(JSON.stringify(third[4])).toContain('CONTEXT');
    expect(callsOf(conversation).map(c => c.state)).toEqual([
      'done',
      'done',
      'done'
    ]);
    expect(lastReply(conversation).text).toBe('All done.');
  });

  it('returns tool errors and invalid input to the model as is_error', async () => {
    const tool = fakeTool('run_code', {
      run: async () => {
        throw new Error('kernel died');
      }
    });
    const { session, conversation, requests } = sessionWith(
      [
        { tools: [{ id: 't1', name: 'run_code', input: { code: 'x' } }] },
        { tools: [{ id: 't2', name: 'run_code', input: { cod: 1 } }] },
        { tools: [{ id: 't3', name: 'no_such_tool', input: {} }] },
        { text: 'ok' }
      ],
      [tool]
    );
    await session.send('go');
    const results = requests
      .slice(1)
      .map(r => r.body.messages[r.body.messages.length - 1].content[0]);
    expect(results[0]).toMatchObject({ tool_use_id: 't1', is_error: true });
    expect(results[0].content).toContain('kernel died');
    expect(results[1]).toMatchObject({ tool_use_id: 't2', is_error: true });
    expect(results[1].content).toContain('Invalid input for run_code');
    expect(results[2].content).toContain('was not offered');
    expect(tool.calls).toHaveLength(1);
    expect(callsOf(conversation).map(c => c.state)).toEqual([
      'failed',
      'failed',
      'failed'
    ]);
  });

  it('refuses a call to a tool the request did not offer, running nothing', async () => {
    const offered = fakeTool('read_file');
    const hidden = fakeTool('explain_query');
    const fake = fakeFetch([
      {
        tools: [
          { id: 't1', name: 'explain_query', input: { code: 'x' } },
          { id: 't2', name: 'read_file', input: { code: 'y' } }
        ]
      },
      { tools: [{ id: 't3', name: 'read_file', input: { code: 'z' } }] },
      { text: 'ok' }
    ]);
    const client = new Anthropic({
      apiKey: 'test',
      baseURL: 'http://mock.local',
      fetch: fake.fetch,
      maxRetries: 0
    });
    const conversation = new ChatModel();
    // Both tools are registered and set to auto; the request offers only
    // read_file, and the second request offers nothing (`tools: []`).
    let step = 0;
    const session = new ChatSession({
      model: conversation,
      client: () => client,
      settings: () => ({
        model: 'claude-test',
        maxTokens: 100,
        system: 'SYSTEM',
        tools: ++step === 1 ? [offered] : []
      }),
      registry: new ToolRegistry([offered, hidden]),
      approval: new ApprovalPolicy(() => ({
        read_file: 'auto',
        explain_query: 'auto'
      }))
    });
    await session.send('go');
    expect(fake.requests[0].body.tools.map((t: any) => t.name)).toEqual([
      'read_file'
    ]);
    expect(fake.requests[1].body.tools).toBeUndefined();
    expect(hidden.calls).toHaveLength(0);
    expect(offered.calls).toHaveLength(1);
    const results = fake.requests[1].body.messages.at(-1).content;
    expect(results[0]).toMatchObject({ tool_use_id: 't1', is_error: true });
    expect(results[0].content).toContain(
      '"explain_query" was not offered in this request, so it did not run'
    );
    expect(results[0].content).toContain('read_file');
    expect(results[1].is_error).toBeFalsy();
    const last = fake.requests[2].body.messages.at(-1).content;
    expect(last[0]).toMatchObject({ tool_use_id: 't3', is_error: true });
    expect(last[0].content).toContain('No tools were offered');
    expect(callsOf(conversation).map(c => c.state)).toEqual([
      'failed',
      'done',
      'failed'
    ]);
  });

  it('asks before an `ask` tool, and a denial with a reason reaches the model', async () => {
    const tool = fakeTool('run_code', { defaultApproval: 'ask' });
    const { session, conversation, requests } = sessionWith(
      [
        { tools: [{ id: 't1', name: 'run_code', input: { code: 'x' } }] },
        { text: 'understood' }
      ],
      [tool]
    );
    const done = session.send('go');
    await until(
      conversation,
      () => callsOf(conversation)[0]?.state === 'waiting_approval'
    );
    session.answerApproval('t1', {
      kind: 'deny',
      reason: 'use the staging table'
    });
    await done;
    expect(tool.calls).toHaveLength(0);
    expect(callsOf(conversation)[0].state).toBe('denied');
    const result = requests[1].body.messages[2].content[0];
    expect(result).toMatchObject({ tool_use_id: 't1', is_error: true });
    expect(result.content).toContain('use the staging table');
  });

  it('"Allow for this chat" stops asking, except for risky input', async () => {
    const tool = fakeTool('run_code', {
      defaultApproval: 'ask',
      risky: input => (/DROP/.test(input.code) ? 'drops a table' : null)
    });
    const { session, conversation } = sessionWith(
      [
        {
          tools: [{ id: 't1', name: 'run_code', input: { code: 'select 1' } }]
        },
        {
          tools: [{ id: 't2', name: 'run_code', input: { code: 'select 2' } }]
        },
        {
          tools: [
            { id: 't3', name: 'run_code', input: { code: 'DROP TABLE x' } }
          ]
        },
        { text: 'done' }
      ],
      [tool]
    );
    const done = session.send('go');
    await until(
      conversation,
      () => callsOf(conversation)[0]?.state === 'waiting_approval'
    );
    session.answerApproval('t1', { kind: 'allow_chat' });
    await until(
      conversation,
      () => callsOf(conversation)[2]?.state === 'waiting_approval'
    );
    expect(callsOf(conversation)[1]).toMatchObject({
      state: 'done',
      allowedBy: 'chat'
    });
    expect(callsOf(conversation)[2].approvalReason).toBe('drops a table');
    session.answerApproval('t3', { kind: 'allow_once' });
    await done;
    expect(tool.calls.map(c => c.code)).toEqual([
      'select 1',
      'select 2',
      'DROP TABLE x'
    ]);
  });

  it('refuses `never` tools without asking', async () => {
    const tool = fakeTool('run_code');
    const { session, conversation } = sessionWith(
      [
        { tools: [{ id: 't1', name: 'run_code', input: { code: 'x' } }] },
        { text: 'ok' }
      ],
      [tool],
      { run_code: 'never' }
    );
    await session.send('go');
    expect(tool.calls).toHaveLength(0);
    expect(callsOf(conversation)[0].state).toBe('denied');
  });

  it('pauses at the step limit and Continue goes on', async () => {
    const tool = fakeTool('run_code');
    const replies: IFakeReply[] = [1, 2, 3, 4].map(i => ({
      tools: [{ id: `t${i}`, name: 'run_code', input: { code: String(i) } }]
    }));
    const { session, conversation, requests } = sessionWith(
      [...replies, { text: 'finished' }],
      [tool],
      {},
      3
    );
    await session.send('loop');
    expect(requests).toHaveLength(3);
    expect(lastReply(conversation).notice).toContain('3 steps');
    expect(lastReply(conversation).canContinue).toBe(true);
    await session.continue();
    expect(tool.calls).toHaveLength(4);
    expect(lastReply(conversation).text).toBe('finished');
    // Continue joins the pending tool results in one valid user message.
    const fourth = requests[3].body.messages;
    const lastUser = fourth[fourth.length - 1].content;
    expect(lastUser[0]).toMatchObject({
      type: 'tool_result',
      tool_use_id: 't3'
    });
    expect(lastUser[1]).toEqual({ type: 'text', text: 'Continue.' });
  });

  it('Stop during a running tool cancels it and keeps the conversation valid', async () => {
    let aborted = false;
    const tool = fakeTool('run_code', {
      run: (_input, signal) =>
        new Promise(resolve => {
          signal.addEventListener('abort', () => {
            aborted = true;
            resolve({ content: 'interrupted', isError: true });
          });
        })
    });
    const { session, conversation, requests } = sessionWith(
      [
        {
          tools: [
            { id: 't1', name: 'run_code', input: { code: 'sleep' } },
            { id: 't2', name: 'run_code', input: { code: 'never runs' } }
          ]
        },
        { text: 'next turn' }
      ],
      [tool]
    );
    const done = session.send('go');
    await until(
      conversation,
      () => callsOf(conversation)[0]?.state === 'running'
    );
    session.stop();
    await done;
    expect(aborted).toBe(true);
    expect(callsOf(conversation).map(c => c.state)).toEqual([
      'cancelled',
      'cancelled'
    ]);
    expect(session.busy).toBe(false);
    await session.send('what happened?');
    const messages = requests[1].body.messages;
    expect(
      messages[2].content
        .slice(0, 2)
        .map((b: any) => [b.tool_use_id, b.is_error])
    ).toEqual([
      ['t1', true],
      ['t2', true]
    ]);
    expect(messages[2].content[2]).toEqual({
      type: 'text',
      text: 'what happened?'
    });
  });

  it('Stop during an approval withdraws it', async () => {
    const tool = fakeTool('run_code', { defaultApproval: 'ask' });
    const { session, conversation, requests } = sessionWith(
      [
        { tools: [{ id: 't1', name: 'run_code', input: { code: 'x' } }] },
        { text: 'ok' }
      ],
      [tool]
    );
    const done = session.send('go');
    await until(
      conversation,
      () => callsOf(conversation)[0]?.state === 'waiting_approval'
    );
    session.stop();
    await done;
    expect(callsOf(conversation)[0].state).toBe('cancelled');
    expect(tool.calls).toHaveLength(0);
    // A late click does nothing.
    session.answerApproval('t1', { kind: 'allow_once' });
    expect(tool.calls).toHaveLength(0);
    await session.send('again');
    expect(requests[1].body.messages[2].content[0]).toMatchObject({
      tool_use_id: 't1',
      is_error: true
    });
  });

  it('New chat clears the conversation and the chat grants', async () => {
    const tool = fakeTool('run_code', { defaultApproval: 'ask' });
    const { session, conversation } = sessionWith(
      [
        { tools: [{ id: 't1', name: 'run_code', input: { code: 'x' } }] },
        { text: 'x' }
      ],
      [tool]
    );
    const done = session.send('q');
    await until(
      conversation,
      () => callsOf(conversation)[0]?.state === 'waiting_approval'
    );
    session.answerApproval('t1', { kind: 'allow_chat' });
    await done;
    expect(conversation.grants).toEqual(['run_code']);
    // A new chat is a new model swapped into the session.
    const fresh = new ChatModel();
    session.setModel(fresh);
    expect(session.model).toBe(fresh);
    expect(session.model.turns).toHaveLength(0);
    expect(session.model.grants).toEqual([]);
  });
});
