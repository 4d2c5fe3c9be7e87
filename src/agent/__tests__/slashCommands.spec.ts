/** @jest-environment node */
import Anthropic from '@anthropic-ai/sdk';
import { Assistant } from '../assistant';
import { parseSlash, SlashCommandRegistry } from '../slashCommands';
import { InstructionsLoader } from '../../instructions/instructions';
import { BUNDLED_PERSONAS } from '../../personas/bundled';
import { ModelCatalog } from '../../personas/modelCatalog';
import { PersonaRegistry } from '../../personas/registry';
import { ToolRegistry } from '../../tools/registry';
import { fakeFetch } from '../../__tests__/fakeStream';
import { testSettings } from '../../__tests__/testSettings';

describe('parseSlash', () => {
  it('splits the name from the arguments and ignores text that is not a command', () => {
    expect(parseSlash('/explain')).toEqual({ name: 'explain', args: '' });
    expect(parseSlash('  /optimize  why so slow?\nsecond line ')).toEqual({
      name: 'optimize',
      args: 'why so slow?\nsecond line'
    });
    expect(parseSlash('explain /this')).toBeNull();
    expect(parseSlash('/ nothing')).toBeNull();
  });
});

describe('SlashCommandRegistry', () => {
  const command = (name: string, description = name) => ({
    name,
    description,
    expand: async (args: string) => ({ prompt: `${name}:${args}` })
  });

  it('lists by prefix, one per name, and a later registration wins until disposed', () => {
    const registry = new SlashCommandRegistry();
    let changes = 0;
    registry.changed.connect(() => changes++);
    registry.add(command('explain', 'first'));
    const later = registry.add(command('Explain', 'second'));
    registry.add(command('etl'));
    registry.add(command('optimize'));
    expect(registry.list('e').map(c => c.description)).toEqual([
      'etl',
      'second'
    ]);
    expect(registry.get('EXPLAIN')?.description).toBe('second');
    later.dispose();
    later.dispose();
    expect(registry.get('explain')?.description).toBe('first');
    expect(changes).toBe(5);
    expect(() => registry.add(command('bad name'))).toThrow(
      /Invalid slash command/
    );
  });
});

describe('Assistant.send with slash commands', () => {
  function make() {
    const fake = fakeFetch([{ text: 'one' }, { text: 'two' }]);
    const client = new Anthropic({
      apiKey: 'k',
      baseURL: 'http://mock',
      fetch: fake.fetch,
      maxRetries: 0
    });
    const assistant = new Assistant({
      client: () => client,
      settings: () => testSettings({}),
      personas: new PersonaRegistry({ bundled: BUNDLED_PERSONAS }),
      catalog: new ModelCatalog(async () => [
        { id: 'claude-sonnet-4-6', created_at: '2026-02-01T00:00:00Z' }
      ]),
      instructions: new InstructionsLoader({
        get: async () => {
          throw Object.assign(new Error('nope'), { response: { status: 404 } });
        }
      }),
      activePath: () => null,
      registry: new ToolRegistry([]),
      context: async () => null
    });
    return { assistant, requests: fake.requests };
  }

  it('sends the expansion with its attachments, and unknown commands as typed', async () => {
    const { assistant, requests } = make();
    assistant.slashCommands.add({
      name: 'explain',
      description: 'Explain the active cell',
      expand: async args => ({
        prompt: `Explain the active cell. ${args}`,
        attachments: [{ label: 'cell 3', text: 'SELECT 42' }]
      })
    });
    await assistant.send('/explain in business terms');
    const first = JSON.stringify(requests[0].body.messages);
    expect(first).toContain('Explain the active cell. in business terms');
    expect(first).toContain('SELECT 42');
    await assistant.send('/tmp/data.csv has what columns?');
    expect(JSON.stringify(requests[1].body.messages)).toContain(
      '/tmp/data.csv has what columns?'
    );
  });

  it('sends nothing when the command handled itself', async () => {
    const { assistant, requests } = make();
    assistant.slashCommands.add({
      name: 'etl',
      description: 'dialog',
      expand: async () => null
    });
    await assistant.send('/etl');
    expect(requests).toHaveLength(0);
  });
});
