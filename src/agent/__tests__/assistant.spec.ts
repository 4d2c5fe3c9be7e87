/** @jest-environment node */
import { InstructionsLoader } from '../../instructions/instructions';
import type { IChatSettings } from '../../settings';
import { testAssistant } from '../../__tests__/assistantFixtures';

const MODELS = [
  { id: 'claude-sonnet-4-20250514', created_at: '2025-05-14T00:00:00Z' },
  { id: 'claude-sonnet-4-6', created_at: '2026-02-01T00:00:00Z' },
  { id: 'claude-opus-4-6', created_at: '2026-02-01T00:00:00Z' }
];

function make(
  settings: Partial<IChatSettings> = {},
  context: string | null = 'NOTEBOOK VIEW'
) {
  return testAssistant({
    replies: [{ text: 'one' }, { text: 'two' }],
    settings,
    served: MODELS,
    activePath: () => 'a.ipynb',
    tools: ['run_cell', 'read_cell', 'edit_file', 'list_variables'],
    context: async () => context
  });
}

describe('Assistant', () => {
  it('resolves the persona model against the served list unless the user chose one', async () => {
    const { assistant } = make();
    // data-engineer.md says `claude-4-sonnet`: the newest Sonnet 4.x served.
    expect((await assistant.prepare()).model).toBe('claude-sonnet-4-6');
    const explicit = make({
      model: 'claude-opus-4-6',
      modelExplicit: true
    }).assistant;
    expect((await explicit.prepare()).model).toBe('claude-opus-4-6');
    assistant.model.setModelId('claude-sonnet-4-20250514');
    expect((await assistant.prepare()).model).toBe('claude-sonnet-4-20250514');
  });

  it('offers only the tools the persona maps to', async () => {
    const { assistant } = make();
    const names = (await assistant.prepare()).tools!.map(t => t.name);
    // runNotebooks and editFiles are in the data engineer's list.
    expect(names).toEqual([
      'edit_file',
      'list_variables',
      'read_cell',
      'run_cell'
    ]);
    assistant.setPersona('security-engineer');
    // Read-only persona: no notebook runs, no edits.
    const secNames = (await assistant.prepare()).tools!.map(t => t.name);
    expect(secNames).not.toContain('run_cell');
    expect(secNames).not.toContain('edit_file');
  });

  it('keeps the conversation when the persona changes, and sends the new persona', async () => {
    const { assistant, requests } = make();
    await assistant.send('first');
    assistant.setPersona('business-analyst');
    await assistant.send('second');
    expect(requests[1].body.messages.map((m: any) => m.role)).toEqual([
      'user',
      'assistant',
      'user'
    ]);
    expect(JSON.stringify(requests[0].body.system)).toContain('Data Engineer');
    expect(JSON.stringify(requests[1].body.system)).toContain(
      'Business Analyst'
    );
    expect(assistant.model.turns[1]).toMatchObject({
      personaId: 'data-engineer'
    });
    expect(assistant.model.turns[3]).toMatchObject({
      personaId: 'business-analyst'
    });
  });

  it('checks instruction files once per turn, not on every tool step', async () => {
    const { assistant } = make();
    const calls: string[] = [];
    (assistant as any)._options.instructions = new InstructionsLoader({
      get: async (path: string) => {
        calls.push(path);
        throw Object.assign(new Error('nope'), { response: { status: 404 } });
      }
    });
    const steps: number[] = [];
    (assistant as any)._options.context = async ({
      step
    }: {
      step: number;
    }) => {
      steps.push(step);
      return 'VIEW';
    };
    await assistant.prepare(1);
    const afterFirst = calls.length;
    expect(afterFirst).toBeGreaterThan(0);
    await assistant.prepare(2);
    await assistant.prepare(3);
    expect(calls.length).toBe(afterFirst);
    expect(steps).toEqual([1, 2, 3]);
    await assistant.prepare(1);
    expect(calls.length).toBe(2 * afterFirst);
  });

  it('sends the notebook context only when the setting is on', async () => {
    expect((await make().assistant.prepare()).context).toBe('NOTEBOOK VIEW');
    expect(
      (await make({ notebookContext: false }).assistant.prepare()).context
    ).toBeNull();
  });
});
