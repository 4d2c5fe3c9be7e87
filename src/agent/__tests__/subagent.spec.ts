/** @jest-environment node */
import Anthropic from '@anthropic-ai/sdk';
import { Assistant } from '../assistant';
import type { IAssistantTurn, IToolCall } from '../../chats/conversation';
import { delegationTargets, SUBAGENT_TOOL } from '../subagent';
import type { IContentsLike } from '../../contents/contents';
import { InstructionsLoader } from '../../instructions/instructions';
import { BUNDLED_PERSONAS } from '../../personas/bundled';
import { ModelCatalog } from '../../personas/modelCatalog';
import { PersonaRegistry } from '../../personas/registry';
import { ToolRegistry } from '../../tools/registry';
import { DATA_FRAME_NOTE, frameData } from '../../tools/results';
import type { ApprovalMode, ITool } from '../../tools/types';
import { fakeFetch, IFakeReply } from '../../__tests__/fakeStream';
import { testSettings } from '../../__tests__/testSettings';
import { fakeTool } from '../../__tests__/allTools';

const noFiles: IContentsLike = {
  get: async () => {
    throw Object.assign(new Error('nope'), { response: { status: 404 } });
  }
};

const LEAD = `---
name: Lead
description: Builds pipelines and asks others for reviews.
tools: [agent, codebase, runNotebooks]
agents: [security-engineer, quiet-one]
---
You lead. Marker LEAD-BODY.
`;

const QUIET = `---
name: Quiet One
description: Never delegated to.
disable-model-invocation: true
---
Quiet body.
`;

function makeTool(
  name: string,
  ran: string[],
  approval: ApprovalMode = 'auto'
): ITool {
  return fakeTool(name, {
    defaultApproval: approval,
    run: async () => {
      ran.push(name);
      return { content: `${name} ok` };
    }
  });
}

function make(replies: IFakeReply[], readApproval: ApprovalMode = 'auto') {
  const fake = fakeFetch(replies);
  const client = new Anthropic({
    apiKey: 'k',
    baseURL: 'http://mock',
    fetch: fake.fetch,
    maxRetries: 0
  });
  const ran: string[] = [];
  const registry = new ToolRegistry([
    makeTool('read_file', ran, readApproval),
    makeTool('search_files', ran),
    makeTool('run_cell', ran)
  ]);
  const personas = new PersonaRegistry({
    bundled: [
      ...BUNDLED_PERSONAS,
      { id: 'lead', path: 'personas/lead.md', text: LEAD },
      { id: 'quiet-one', path: 'personas/quiet-one.md', text: QUIET }
    ]
  });
  const assistant = new Assistant({
    client: () => client,
    settings: () => testSettings(),
    personas,
    catalog: new ModelCatalog(async () => [{ id: 'claude-sonnet-4-6' }]),
    instructions: new InstructionsLoader(noFiles),
    activePath: () => null,
    registry
  });
  assistant.setPersona('lead');
  return { assistant, requests: fake.requests, ran };
}

const delegate = (input: unknown): IFakeReply => ({
  tools: [{ id: 'toolu_sub', name: SUBAGENT_TOOL, input }]
});
const review = {
  agent: 'security-engineer',
  task: 'Review pipeline.py for secrets'
};

function toolResultText(
  body: any,
  id: string
): { text: string; isError: boolean } {
  for (const message of body.messages) {
    for (const block of Array.isArray(message.content) ? message.content : []) {
      if (block.type === 'tool_result' && block.tool_use_id === id) {
        const text =
          typeof block.content === 'string'
            ? block.content
            : block.content.map((b: any) => b.text).join('');
        return { text, isError: !!block.is_error };
      }
    }
  }
  throw new Error(`no tool_result ${id}`);
}

function subagentCall(assistant: Assistant): IToolCall {
  for (const turn of assistant.model.turns) {
    if (turn.role === 'assistant') {
      for (const block of (turn as IAssistantTurn).blocks) {
        if (block.type === 'tool' && block.call.name === SUBAGENT_TOOL) {
          return block.call;
        }
      }
    }
  }
  throw new Error('no subagent call');
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) {
    await new Promise(resolve => setTimeout(resolve, 10));
  }
  expect(check()).toBe(true);
}

describe('subagents', () => {
  it('runs the target with its own instructions and tools only, and returns only its final answer', async () => {
    const { assistant, requests, ran } = make([
      delegate(review),
      // The subagent tries a tool it was not given, then one it has.
      {
        tools: [
          { id: 'toolu_c1', name: 'run_cell', input: {} },
          { id: 'toolu_c2', name: 'read_file', input: {} }
        ]
      },
      { text: 'Review: no secrets found. FINAL-ANSWER-42' },
      { text: 'The security engineer found nothing.' }
    ]);
    await assistant.send('Build it, then get a security review');
    expect(requests).toHaveLength(4);
    const [parent, child1, child2, parentAgain] = requests.map(r => r.body);

    // The parent is offered the subagent tool with its allowed targets only.
    const offered = parent.tools.find((t: any) => t.name === SUBAGENT_TOOL);
    expect(offered.input_schema.properties.agent.enum).toEqual([
      'security-engineer'
    ]);
    expect(offered.description).toContain(
      'security-engineer: Security Engineer'
    );

    // The subagent: its persona's prompt, its tools (read-only: no run_cell, no delegation), only the task.
    const childSystem = JSON.stringify(child1.system);
    expect(childSystem).toContain('senior security engineer');
    expect(childSystem).toContain('Working as a subagent');
    expect(childSystem).not.toContain('LEAD-BODY');
    const childTools = child1.tools.map((t: any) => t.name);
    expect(childTools).toEqual(['read_file', 'search_files']);
    expect(child1.messages.map((m: any) => m.role)).toEqual(['user']);
    expect(JSON.stringify(child1.messages)).toContain(review.task);
    expect(JSON.stringify(child1.messages)).not.toContain('Build it');
    expect(toolResultText(child2, 'toolu_c1')).toEqual({
      text: expect.stringContaining('"run_cell" was not offered'),
      isError: true
    });
    expect(ran).toEqual(['read_file']);

    // Only the final answer goes back to the parent.
    expect(toolResultText(parentAgain, 'toolu_sub')).toEqual({
      text:
        'Security Engineer finished. Its answer:\n' +
        `${DATA_FRAME_NOTE}\n` +
        frameData(
          'run_subagent security-engineer',
          'Review: no secrets found. FINAL-ANSWER-42'
        ),
      isError: false
    });
    // The parent chat holds none of the subagent's turns; the card's data does.
    expect(assistant.model.turns.map(t => t.role)).toEqual([
      'user',
      'assistant',
      'assistant'
    ]);
    const call = subagentCall(assistant);
    expect(call.state).toBe('done');
    expect(call.result?.data?.subagent).toMatchObject({
      persona: 'security-engineer',
      status: 'done',
      calls: [
        { name: 'run_cell', state: 'failed' },
        { name: 'read_file', state: 'done' }
      ]
    });
    const run = assistant.subagents.get('toolu_sub');
    expect(run?.persona.id).toBe('security-engineer');
    expect(run?.model.turns.length).toBe(3);
  });

  it('asks the user to approve the subagent\'s tools; "Allow for this chat" holds for the parent chat', async () => {
    const { assistant, ran } = make(
      [
        delegate(review),
        { tools: [{ id: 'toolu_r', name: 'read_file', input: {} }] },
        { text: 'Checked.' },
        { text: 'ok' }
      ],
      'ask'
    );
    const done = assistant.send('review please');
    await until(() => !!assistant.subagents.get('toolu_sub'));
    const run = assistant.subagents.get('toolu_sub')!;
    const waiting = () => {
      const turn = run.model.turns.find(t => t.role === 'assistant') as
        IAssistantTurn | undefined;
      const block = turn?.blocks.find(b => b.type === 'tool');
      return block?.type === 'tool' ? block.call.state : undefined;
    };
    await until(() => waiting() === 'waiting_approval');
    expect(ran).toEqual([]);
    run.session.answerApproval('toolu_r', { kind: 'allow_chat' });
    await done;
    expect(ran).toEqual(['read_file']);
    expect(assistant.model.grants).toContain('read_file');
  });

  it('Stop stops the subagent and the parent at once', async () => {
    const { assistant, ran, requests } = make(
      [
        delegate(review),
        { tools: [{ id: 'toolu_r', name: 'read_file', input: {} }] },
        { text: 'never' }
      ],
      'ask'
    );
    const done = assistant.send('review please');
    await until(() => !!assistant.subagents.get('toolu_sub'));
    const run = assistant.subagents.get('toolu_sub')!;
    await until(
      () =>
        run.session.busy &&
        JSON.stringify(run.model.turns).includes('waiting_approval')
    );
    assistant.session.stop();
    await done;
    expect(run.session.busy).toBe(false);
    expect(assistant.session.busy).toBe(false);
    expect(ran).toEqual([]);
    expect(requests).toHaveLength(2);
    expect(JSON.stringify(run.model.turns)).toContain('"state":"cancelled"');
    expect(subagentCall(assistant).state).toBe('cancelled');
  });

  it('limits depth to 1: a subagent has no delegation tool, and the tool refuses to run inside one', async () => {
    const { assistant, requests } = make([
      {
        tools: [
          {
            id: 'toolu_sub',
            name: SUBAGENT_TOOL,
            input: { agent: 'security-engineer', task: 't' }
          }
        ]
      },
      {
        tools: [
          {
            id: 'toolu_deep',
            name: SUBAGENT_TOOL,
            input: { agent: 'data-engineer', task: 'deeper' }
          }
        ]
      },
      { text: 'cannot go deeper' },
      { text: 'ok' }
    ]);
    // Even a persona that names `agent` gets no delegation tool as a subagent.
    (assistant.personas.get('security-engineer') as any).tools = [
      'codebase',
      'agent'
    ];
    await assistant.send('go');
    expect(requests[1].body.tools.map((t: any) => t.name)).not.toContain(
      SUBAGENT_TOOL
    );
    expect(toolResultText(requests[2].body, 'toolu_deep').text).toContain(
      `"${SUBAGENT_TOOL}" was not offered`
    );
    const result = await assistant.registry
      .get(SUBAGENT_TOOL)!
      .run(
        { agent: 'security-engineer', task: 't' },
        { signal: new AbortController().signal, services: { subagent: true } }
      );
    expect(result).toMatchObject({
      isError: true,
      content: expect.stringContaining('depth limit is 1')
    });
  });

  it('delegates only to the personas `agents:` allows, never to disable-model-invocation ones', async () => {
    const { assistant, requests } = make([
      {
        tools: [
          {
            id: 'toolu_q',
            name: SUBAGENT_TOOL,
            input: { agent: 'quiet-one', task: 't' }
          }
        ]
      },
      { text: 'ok' }
    ]);
    expect(
      delegationTargets(assistant.persona, assistant.personas).map(p => p.id)
    ).toEqual(['security-engineer']);
    await assistant.send('go');
    expect(requests).toHaveLength(2);
    expect(toolResultText(requests[1].body, 'toolu_q')).toEqual({
      text: expect.stringContaining('never run as a subagent'),
      isError: true
    });
    // A persona whose tools do not name `agent` is not offered the tool at all.
    assistant.setPersona('data-engineer');
    expect((await assistant.prepare()).tools!.map(t => t.name)).not.toContain(
      SUBAGENT_TOOL
    );
  });
});
