import type { ContentBlockParam } from '@anthropic-ai/sdk/resources/messages';
import { ChatModel } from '../chats/chatModel';
import type { IToolCall } from '../chats/conversation';

/** A conversation with a user message, a reply that ran a tool, and the follow-up. */
export function conversationWithTools(): ChatModel {
  const conversation = new ChatModel();
  conversation.addUser('Load  sales.csv\nand show the schema, please', [
    { label: '@df', text: 'DataFrame 3x2' }
  ]);
  const reply = conversation.addAssistant();
  conversation.updateAssistant(reply.id, {
    status: 'tools',
    blocks: [
      { type: 'text', text: 'Reading it.' },
      {
        type: 'tool',
        call: {
          id: 'toolu_1',
          name: 'read_file',
          input: { path: 'sales.csv' },
          state: 'done',
          result: { content: 'a,b\n1,2' },
          allowedBy: 'auto',
          durationMs: 12
        }
      }
    ]
  });
  conversation.updateAssistant(reply.id, {
    status: 'done',
    stopReason: 'tool_use'
  });
  const next = conversation.addAssistant();
  conversation.updateAssistant(next.id, {
    status: 'done',
    blocks: [{ type: 'text', text: 'Two columns: a, b.' }],
    personaId: 'data-engineer',
    usage: {
      input_tokens: 10,
      output_tokens: 5,
      cache_read_input_tokens: 0,
      cache_creation_input_tokens: 0
    }
  });
  return conversation;
}

/** Every tool_use of the request has a tool_result in the next message. */
export function expectValidToolPairs(conversation: ChatModel): void {
  const messages = conversation.toMessages();
  messages.forEach((message, index) => {
    const blocks = message.content as ContentBlockParam[];
    const uses = blocks
      .filter(b => b.type === 'tool_use')
      .map(b => (b as { id: string }).id);
    if (uses.length) {
      const next = (messages[index + 1]?.content ?? []) as ContentBlockParam[];
      const results = next
        .filter(b => b.type === 'tool_result')
        .map(b => (b as { tool_use_id: string }).tool_use_id);
      expect(results.sort()).toEqual([...uses].sort());
    }
  });
  expect(messages[messages.length - 1]?.role).toBe('user');
}

/** Every tool call in the chat, in order. */
export const callsOf = (c: ChatModel): IToolCall[] =>
  c.turns.flatMap(t =>
    t.role === 'assistant'
      ? t.blocks.flatMap(b => (b.type === 'tool' ? [b.call] : []))
      : []
  );

/** Resolve when the chat reaches a condition (checked now and on every change). */
export function until(c: ChatModel, predicate: () => boolean): Promise<void> {
  return new Promise(resolve => {
    const check = () => {
      if (predicate()) {
        c.changed.disconnect(check);
        resolve();
      }
    };
    c.changed.connect(check);
    check();
  });
}

/** Resolve when the chat's n-th tool call waits for the user's approval. */
export const waiting = (m: ChatModel, n = 0): Promise<void> =>
  until(m, () => callsOf(m)[n]?.state === 'waiting_approval');
