/** @jest-environment node */
import Anthropic from '@anthropic-ai/sdk';
import { ApprovalPolicy } from '../approval';
import { ChatSession } from '../chatSession';
import { ChatModel } from '../../chats/chatModel';
import { buildSystemPrompt, withCacheBreakpoints } from '../prompt';
import { ToolRegistry } from '../../tools/registry';
import type { ITool } from '../../tools/types';
import { fakeFetch } from '../../__tests__/fakeStream';

const tool: ITool = {
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

/** Where the cache breakpoints of a request are: [message index, block index]. */
function breakpoints(body: any): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  body.messages.forEach((m: any, i: number) =>
    (m.content as any[]).forEach((b, j) => b.cache_control && out.push([i, j]))
  );
  return out;
}

/** The request's bytes up to and including one message block. */
function prefixTo(body: any, [mi, bi]: [number, number]): string {
  const messages = body.messages
    .slice(0, mi + 1)
    .map((m: any, i: number) =>
      i === mi ? { ...m, content: m.content.slice(0, bi + 1) } : m
    );
  // The markers themselves are not content: only where they sit matters.
  return JSON.stringify([body.tools, body.system, messages], (key, v) =>
    key === 'cache_control' ? undefined : v
  );
}

describe('withCacheBreakpoints', () => {
  it('marks the last block of the last two user messages, skipping empty text, without touching the input', () => {
    const messages: any[] = [
      { role: 'user', content: [{ type: 'text', text: 'one' }] },
      {
        role: 'assistant',
        content: [{ type: 'tool_use', id: 't', name: 'x', input: {} }]
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 't', content: 'r' },
          { type: 'text', text: '' }
        ]
      },
      { role: 'assistant', content: [{ type: 'text', text: 'ok' }] },
      { role: 'user', content: 'plain string' }
    ];
    const before = JSON.stringify(messages);
    const out = withCacheBreakpoints(messages) as any[];
    expect(JSON.stringify(messages)).toBe(before);
    expect(out[4].content).toEqual([
      {
        type: 'text',
        text: 'plain string',
        cache_control: { type: 'ephemeral' }
      }
    ]);
    expect(out[2].content[0].cache_control).toEqual({ type: 'ephemeral' });
    expect(out[2].content[1].cache_control).toBeUndefined();
    expect(out[0].content[0].cache_control).toBeUndefined();
    expect(out[1]).toBe(messages[1]);
  });

  it('leaves an empty conversation alone', () => {
    expect(withCacheBreakpoints([])).toEqual([]);
  });
});

describe('prompt cache prefix across a five-turn conversation', () => {
  it("keeps every request's cached prefix byte-identical in the next request, with at most four breakpoints", async () => {
    const fake = fakeFetch([
      { text: 'First answer.' },
      {
        text: 'Let me run it.',
        tools: [{ id: 'toolu_1', name: 'run_code', input: { code: '1+1' } }]
      },
      { text: 'It printed 2.' },
      { text: 'Third answer.' },
      {
        tools: [
          { id: 'toolu_2', name: 'run_code', input: { code: 'df.head()' } }
        ]
      },
      { text: 'Done.' },
      { text: 'Fifth answer.' }
    ]);
    const client = new Anthropic({
      apiKey: 'k',
      baseURL: 'http://mock.local',
      fetch: fake.fetch,
      maxRetries: 0
    });
    const conversation = new ChatModel();
    let turnNumber = 0;
    const session = new ChatSession({
      model: conversation,
      client: () => client,
      settings: () => ({
        model: 'claude-test',
        maxTokens: 100,
        system: buildSystemPrompt({
          personaBody: 'You are a data engineer.',
          instructions: []
        }),
        tools: [tool],
        // The volatile context differs on every request.
        context: `notebook view at request ${fake.requests.length} of turn ${turnNumber}`
      }),
      registry: new ToolRegistry([tool]),
      approval: new ApprovalPolicy(() => ({}))
    });
    for (const text of ['q1', 'q2', 'q3', 'q4', 'q5']) {
      turnNumber += 1;
      await session.send(text);
    }
    const bodies = fake.requests.map(r => r.body);
    expect(bodies).toHaveLength(7);
    for (const [i, body] of bodies.entries()) {
      const marks = breakpoints(body);
      const systemMarks = body.system.filter(
        (b: any) => b.cache_control
      ).length;
      expect(systemMarks).toBe(1);
      expect(marks.length + systemMarks).toBeLessThanOrEqual(4);
      // The context is the very last block, after every breakpoint.
      const last = body.messages[body.messages.length - 1];
      const lastBlock = last.content[last.content.length - 1];
      expect(lastBlock.text).toMatch(/^<context>/);
      expect(lastBlock.cache_control).toBeUndefined();
      if (i === 0) {
        continue;
      }
      // The previous request's last breakpoint is at the same place here,
      // marked again, and everything up to it is byte for byte the same.
      const previous = bodies[i - 1];
      const previousMarks = breakpoints(previous);
      const point = previousMarks[previousMarks.length - 1];
      expect(marks).toContainEqual(point);
      expect(prefixTo(body, point)).toBe(prefixTo(previous, point));
    }
  });
});
