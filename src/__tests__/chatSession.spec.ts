/** @jest-environment node */
import Anthropic from '@anthropic-ai/sdk';
import { ChatSession } from '../agent/chatSession';
import { Conversation, IAssistantTurn } from '../agent/conversation';
import { fakeFetch, IFakeReply } from './fakeStream';

function sessionWith(replies: IFakeReply[]) {
  const fake = fakeFetch(replies);
  const client = new Anthropic({
    apiKey: 'test',
    baseURL: 'http://mock.local',
    fetch: fake.fetch,
    maxRetries: 0
  });
  const conversation = new Conversation();
  const session = new ChatSession({
    conversation,
    client: () => client,
    settings: () => ({ model: 'claude-test', maxTokens: 100, system: 'SYSTEM' })
  });
  return { session, conversation, requests: fake.requests };
}

const lastReply = (c: Conversation) => c.last as IAssistantTurn;

describe('ChatSession', () => {
  it('streams a reply into the conversation, delta by delta', async () => {
    const { session, conversation, requests } = sessionWith([
      { text: 'Hello **world**, here is code.', chunk: 5, usage: { input_tokens: 42, output_tokens: 9, cache_read_input_tokens: 3 } }
    ]);
    const snapshots: string[] = [];
    conversation.changed.connect((_, turn) => {
      if (turn?.role === 'assistant' && turn.status === 'streaming') {
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
      messages: [{ role: 'user', content: 'hi' }]
    });
    expect(session.busy).toBe(false);
  });

  it('sends the whole conversation on the next turn', async () => {
    const { session, requests } = sessionWith([{ text: 'one' }, { text: 'two' }]);
    await session.send('first');
    await session.send('second');
    expect(requests[1].body.messages).toEqual([
      { role: 'user', content: 'first' },
      { role: 'assistant', content: 'one' },
      { role: 'user', content: 'second' }
    ]);
  });

  it('stops at once and keeps the partial reply', async () => {
    const { session, conversation } = sessionWith([
      { text: 'a'.repeat(400), chunk: 4, delayMs: 5 }
    ]);
    const done = session.send('go');
    await new Promise<void>(resolve => {
      conversation.changed.connect((_, turn) => {
        if (turn?.role === 'assistant' && turn.text.length >= 20) {
          resolve();
        }
      });
    });
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
    expect(requests[1].body.messages).toEqual([{ role: 'user', content: 'q' }]);
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
    const { session, requests } = sessionWith([{ status: 500 }, { text: 'ok' }]);
    await session.send('first');
    await session.send('second');
    expect(requests[1].body.messages).toEqual([{ role: 'user', content: 'first\n\nsecond' }]);
  });

  it('New chat clears the conversation', async () => {
    const { session, conversation } = sessionWith([{ text: 'x' }]);
    await session.send('q');
    session.reset();
    expect(conversation.turns).toHaveLength(0);
  });
});
