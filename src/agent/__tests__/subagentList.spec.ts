/** @jest-environment node */
import Anthropic from '@anthropic-ai/sdk';
import { Assistant } from '../assistant';
import { MAX_LISTED_PERSONAS, SUBAGENT_TOOL } from '../subagent';
import type { IContentsLike } from '../../contents/contents';
import { InstructionsLoader } from '../../instructions/instructions';
import { ModelCatalog } from '../../personas/modelCatalog';
import { PersonaRegistry } from '../../personas/registry';
import { ToolRegistry } from '../../tools/registry';
import { fakeFetch, IFakeReply } from '../../__tests__/fakeStream';
import { testSettings } from '../../__tests__/testSettings';

const noFiles: IContentsLike = {
  get: async () => {
    throw Object.assign(new Error('nope'), { response: { status: 404 } });
  }
};

const delegate = (input: unknown): IFakeReply => ({
  tools: [{ id: 'toolu_sub', name: SUBAGENT_TOOL, input }]
});

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

describe('subagents with hundreds of personas', () => {
  it('lists a bounded number in the tool (name + one line) and the rest on request', async () => {
    const fake = fakeFetch([
      delegate({ agent: '?', task: 'which personas are there?' }),
      { text: 'There are many.' }
    ]);
    const client = new Anthropic({
      apiKey: 'k',
      baseURL: 'http://mock',
      fetch: fake.fetch,
      maxRetries: 0
    });
    const many = Array.from({ length: 200 }, (_, i) => ({
      id: `helper-${i}`,
      path: `.github/agents/helper-${i}.agent.md`,
      text: `---\nname: Helper ${i}\ndescription: "Does task ${i}.\\nSecond line HIDDEN-${i} ${'x'.repeat(300)}"\n---\nBody ${i}.\n`
    }));
    const hub = `---\nname: Hub\ndescription: Delegates.\ntools: [agent]\n---\nHub body.\n`;
    const assistant = new Assistant({
      client: () => client,
      settings: () => testSettings(),
      personas: new PersonaRegistry({
        bundled: [{ id: 'hub', path: 'personas/hub.md', text: hub }, ...many]
      }),
      catalog: new ModelCatalog(async () => [{ id: 'claude-sonnet-4-6' }]),
      instructions: new InstructionsLoader(noFiles),
      activePath: () => null,
      registry: new ToolRegistry([])
    });
    assistant.setPersona('hub');
    await assistant.send('Who can help?');
    const [first, second] = fake.requests.map(r => r.body);
    const offered = first.tools.find((t: any) => t.name === SUBAGENT_TOOL);
    const lines = offered.description
      .split('\n')
      .filter((line: string) => line.startsWith('- '));
    expect(lines).toHaveLength(MAX_LISTED_PERSONAS);
    expect(lines[0]).toBe('- helper-0: Helper 0 — Does task 0.');
    expect(offered.description).toContain(
      `…and ${200 - MAX_LISTED_PERSONAS} more: call with agent "?"`
    );
    expect(offered.description).not.toContain('HIDDEN-0');
    expect(offered.description.length).toBeLessThan(3000);
    expect(offered.input_schema.properties.agent.enum).toBeUndefined();
    // On request: every one, one line each.
    const listing = toolResultText(second, 'toolu_sub');
    expect(listing.isError).toBe(false);
    expect(listing.text).toContain('Personas you can delegate to (200):');
    expect(listing.text).toContain('- helper-199: Helper 199 — Does task 199.');
  });
});
