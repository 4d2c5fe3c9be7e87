import { expect } from '@playwright/test';

/**
 * Problems that would make the Messages API refuse a request body (or that
 * show the client lost track of its conversation): roles that do not
 * alternate or end on the assistant, empty messages or text blocks, a
 * tool_use without its tool_result in the next user message (or a result
 * without its call), results that are not first in their message.
 */
export function requestProblems(body: any): string[] {
  const problems: string[] = [];
  const messages: any[] = body?.messages ?? [];
  if (!messages.length) {
    return ['no messages'];
  }
  if (messages[0].role !== 'user') {
    problems.push("the first message is not the user's");
  }
  if (messages[messages.length - 1].role !== 'user') {
    problems.push("the last message is not the user's");
  }
  messages.forEach((message, i) => {
    const where = `messages[${i}] (${message.role})`;
    if (i > 0 && messages[i - 1].role === message.role) {
      problems.push(`${where} has the same role as the message before it`);
    }
    const blocks: any[] =
      typeof message.content === 'string'
        ? [{ type: 'text', text: message.content }]
        : (message.content ?? []);
    if (!blocks.length) {
      problems.push(`${where} is empty`);
    }
    blocks.forEach((block, j) => {
      if (block.type === 'text' && !String(block.text ?? '').trim()) {
        problems.push(`${where}.content[${j}] is an empty text block`);
      }
      if (
        block.type === 'tool_use' &&
        (typeof block.input !== 'object' ||
          block.input === null ||
          Array.isArray(block.input))
      ) {
        problems.push(
          `${where}.content[${j}] tool_use ${block.id} has no object input`
        );
      }
    });
    const calls = blocks.filter(b => b.type === 'tool_use').map(b => b.id);
    if (message.role === 'assistant' && calls.length) {
      const next = messages[i + 1];
      const nextBlocks: any[] =
        next && typeof next.content !== 'string' ? next.content : [];
      const results = nextBlocks
        .filter(b => b.type === 'tool_result')
        .map(b => b.tool_use_id);
      for (const id of calls) {
        if (!results.includes(id)) {
          problems.push(
            `tool_use ${id} in ${where} has no tool_result in the next message`
          );
        }
      }
    }
    if (message.role === 'user') {
      const previous = messages[i - 1];
      const previousCalls: string[] =
        previous && typeof previous.content !== 'string'
          ? previous.content
              .filter((b: any) => b.type === 'tool_use')
              .map((b: any) => b.id)
          : [];
      let seenOther = false;
      for (const block of blocks) {
        if (block.type === 'tool_result') {
          if (seenOther) {
            problems.push(`${where}: a tool_result comes after other content`);
          }
          if (!previousCalls.includes(block.tool_use_id)) {
            problems.push(
              `${where}: tool_result ${block.tool_use_id} answers no tool_use of the message before`
            );
          }
        } else {
          seenOther = true;
        }
      }
    }
  });
  return problems;
}

/** Fail with the list of problems when a recorded request body is not a valid conversation. */
export function expectValidRequest(body: any): void {
  expect(
    requestProblems(body),
    JSON.stringify(body?.messages ?? null).slice(0, 2000)
  ).toEqual([]);
}
