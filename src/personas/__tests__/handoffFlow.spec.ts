/** @jest-environment node */
import type { IAssistantTurn } from '../../chats/conversation';
import { BUNDLED_PERSONAS } from '../bundled';
import { testAssistant } from '../../__tests__/assistantFixtures';

function make(bundled = BUNDLED_PERSONAS) {
  return testAssistant({
    replies: [{ text: 'one' }, { text: 'two' }, { text: 'three' }],
    bundled,
    tools: ['read_file', 'run_cell', 'edit_file']
  });
}

describe('following a hand-off', () => {
  it('switches persona in the same chat and pre-fills the composer with its prompt', async () => {
    const { assistant, requests } = make();
    await assistant.send('Build the revenue tables');
    const reply = assistant.model.last as IAssistantTurn;
    const offers = assistant.handoffOffers(reply);
    expect(offers.map(o => o.handoff.label)).toHaveLength(4);
    const drafts: string[] = [];
    assistant.draftRequested.connect((_, text) => drafts.push(text));
    await assistant.handOff(
      offers.find(o => o.handoff.agent === 'security-engineer')!.handoff
    );
    expect(assistant.persona?.id).toBe('security-engineer');
    expect(drafts).toEqual([
      expect.stringContaining('Review the pipelines and data we just built')
    ]);
    expect(requests).toHaveLength(1);
    await assistant.send(drafts[0]);
    expect(requests[1].body.messages.map((m: any) => m.role)).toEqual([
      'user',
      'assistant',
      'user'
    ]);
    expect(JSON.stringify(requests[1].body.system)).toContain(
      'senior security engineer'
    );
  });

  it('send: true submits at once; model: is used for that request only', async () => {
    const { assistant, requests } = make();
    await assistant.send('first');
    await assistant.handOff({
      label: 'Go',
      agent: 'api-engineer',
      prompt: 'Design the API',
      send: true,
      model: ['gpt-5', 'Claude Opus 4.6']
    });
    expect(requests).toHaveLength(2);
    expect(requests[1].body.model).toBe('claude-opus-4-6');
    expect(assistant.resolution?.note).toContain('for this request');
    expect(JSON.stringify(requests[1].body.messages)).toContain(
      'Design the API'
    );
    await assistant.send('next');
    // The API engineer's own model again.
    expect(requests[2].body.model).not.toBe('claude-opus-4-6');
  });

  it('does not offer hand-offs after an error, and ignores an unknown target', async () => {
    const { assistant } = make();
    await assistant.send('x');
    const reply = assistant.model.last as IAssistantTurn;
    expect(
      assistant.handoffOffers({
        ...reply,
        status: 'error',
        error: { kind: 'network', message: 'm', retryable: true } as any
      })
    ).toEqual([]);
    expect(assistant.handoffOffers({ ...reply, status: 'streaming' })).toEqual(
      []
    );
    await assistant.handOff({
      label: 'x',
      agent: 'nobody',
      prompt: 'p',
      send: true
    });
    expect(assistant.persona?.id).toBe('data-engineer');
  });

  it("a slash command's model and tools hold for its request", async () => {
    const { assistant, requests } = make();
    assistant.slashCommands.add({
      name: 'peek',
      description: 'Look only',
      expand: async args => ({
        prompt: `Peek at ${args}`,
        model: 'haiku',
        tools: ['read_file']
      })
    });
    await assistant.send('/peek orders');
    expect(requests[0].body.model).toBe('claude-haiku-4-5-20251001');
    expect(requests[0].body.tools.map((t: any) => t.name)).toEqual([
      'read_file'
    ]);
    await assistant.send('plain');
    expect(requests[1].body.tools.map((t: any) => t.name)).toEqual([
      'edit_file',
      'read_file',
      'run_cell'
    ]);
  });

  it('puts #tool references of the persona body into the system prompt as our tool names', async () => {
    const text =
      '---\nname: Ref\ntools: [codebase, runNotebooks]\n---\nRead with #tool:codebase, run with #tool:runNotebooks, browse with #tool:fetch.';
    const { assistant } = make([
      ...BUNDLED_PERSONAS,
      { id: 'ref', path: 'personas/ref.md', text }
    ]);
    assistant.setPersona('ref');
    const system = JSON.stringify((await assistant.prepare()).system);
    expect(system).toContain(
      'Read with `read_file`, run with `run_cell`, browse with \\"fetch\\" (a tool not available here).'
    );
  });
});
