/** @jest-environment node */
import {
  MAX_PERSONA_BYTES,
  parsePersona,
  PersonaParseResult
} from '../persona';
import { personaIdFromFileName, slugify, titleFromId } from '../names';
import { handoffsFromBody } from '../transitions';

const origin = {
  id: 'test-persona',
  path: '.github/chatmodes/test-persona.chatmode.md',
  source: 'workspace' as const
};

function parse(text: string) {
  return parsePersona(text, origin);
}

function ok(result: PersonaParseResult) {
  if (!result.ok) {
    throw new Error(`expected a persona, got: ${result.error}`);
  }
  return result.persona;
}

function error(result: PersonaParseResult): string {
  if (result.ok) {
    throw new Error('expected an error');
  }
  return result.error;
}

describe('parsePersona', () => {
  it('reads every field of a VS Code chat mode', () => {
    const persona = ok(
      parse(
        [
          '---',
          'description: Helps with pipelines',
          'tools: [codebase, runNotebooks]',
          'model: claude-4-sonnet',
          'argument-hint: Ask about tables',
          '---',
          '# Body',
          'Be careful.'
        ].join('\n')
      )
    );
    expect(persona).toEqual({
      id: 'test-persona',
      name: 'Test Persona',
      description: 'Helps with pipelines',
      tools: ['codebase', 'runNotebooks'],
      model: 'claude-4-sonnet',
      models: ['claude-4-sonnet'],
      argumentHint: 'Ask about tables',
      handoffs: [],
      userInvocable: true,
      disableModelInvocation: false,
      agents: null,
      format: 'vscode',
      body: '# Body\nBe careful.',
      source: 'workspace',
      path: origin.path
    });
  });

  it('takes name from the front matter, else a title-cased id', () => {
    expect(ok(parse('---\nname: Pipeline Doctor\n---\nbody')).name).toBe(
      'Pipeline Doctor'
    );
    expect(
      ok(parsePersona('body', { ...origin, id: 'api-engineer' })).name
    ).toBe('API Engineer');
  });

  it('accepts a file without front matter: the whole text is the body, defaults everywhere', () => {
    const persona = ok(parse('You are a careful SQL reviewer.\n'));
    expect(persona).toMatchObject({
      name: 'Test Persona',
      description: '',
      tools: null,
      model: null,
      handoffs: [],
      body: 'You are a careful SQL reviewer.'
    });
    expect(persona.argumentHint).toBeUndefined();
  });

  it('tells a missing tools key (all tools) from an empty list (no tools)', () => {
    expect(ok(parse('---\ndescription: d\n---\nbody')).tools).toBeNull();
    expect(ok(parse('---\ntools:\n---\nbody')).tools).toBeNull();
    expect(ok(parse('---\ntools: []\n---\nbody')).tools).toEqual([]);
  });

  it('takes the first Claude model from a VS Code prioritized model list', () => {
    expect(
      ok(
        parse(
          "---\nmodel: ['GPT-5 (copilot)', 'Claude Sonnet 4.5 (copilot)']\n---\nbody"
        )
      ).model
    ).toBe('Claude Sonnet 4.5 (copilot)');
    expect(ok(parse('---\nmodel: [gpt-5]\n---\nbody')).model).toBe('gpt-5');
    expect(ok(parse('---\nmodel: "  "\n---\nbody')).model).toBeNull();
  });

  it.each([
    [
      'bad YAML',
      '---\ntools: [a, b\n---\nbody',
      /^Invalid YAML in the front matter at line \d+/
    ],
    [
      'description not text',
      '---\ndescription: [a, b]\n---\nbody',
      '"description" must be text, not a list'
    ],
    [
      'description a number',
      '---\ndescription: 42\n---\nbody',
      '"description" must be text, not a number'
    ],
    [
      'name a mapping',
      '---\nname: {a: 1}\n---\nbody',
      '"name" must be text, not a mapping'
    ],
    [
      'tools a number',
      '---\ntools: 3\n---\nbody',
      /"tools" must be a list of tool names such as/
    ],
    [
      'tools with a number',
      '---\ntools: [codebase, 3]\n---\nbody',
      '"tools" must be a list of tool names; item 2 is a number'
    ],
    [
      'model a number',
      '---\nmodel: 4\n---\nbody',
      '"model" must be a model name such as claude-sonnet-4-5 or a list of them, not a number'
    ],
    [
      'model a list with a mapping',
      '---\nmodel: [{a: 1}]\n---\nbody',
      /"model" must be a model name/
    ],
    [
      'argument-hint a list',
      '---\nargument-hint: [a]\n---\nbody',
      '"argument-hint" must be text, not a list'
    ],
    [
      'handoffs a string',
      '---\nhandoffs: business-analyst\n---\nbody',
      /"handoffs" must be a list of entries/
    ],
    [
      'handoffs of strings',
      '---\nhandoffs: [business-analyst]\n---\nbody',
      '"handoffs" item 1 must be an entry with label and agent, not string'
    ],
    [
      'handoff without agent',
      '---\nhandoffs:\n  - label: Go\n---\nbody',
      /"handoffs" item 1 has no "agent"/
    ],
    [
      'handoff send not boolean',
      '---\nhandoffs:\n  - {label: Go, agent: x, send: "yes"}\n---\nbody',
      /"send" must be true or false/
    ],
    [
      'handoff prompt a list',
      '---\nhandoffs:\n  - {label: Go, agent: x, prompt: [a]}\n---\nbody',
      /"prompt" must be text, not a list/
    ],
    ['empty body', '---\ndescription: d\n---\n\n   \n', /has no instructions/],
    ['empty file', '', /has no instructions/],
    [
      'JavaScript front matter',
      '---js\n{}\n---\nbody',
      'JavaScript front matter is not allowed'
    ],
    ['unclosed front matter', '---\ndescription: d\nbody', /never closed/]
  ])('refuses %s with a clear reason', (_, text, reason) => {
    const message = error(parse(text));
    if (typeof reason === 'string') {
      expect(message).toBe(reason);
    } else {
      expect(message).toMatch(reason);
    }
  });

  it('refuses files over 64 KB, counting UTF-8 bytes', () => {
    expect(error(parse('x'.repeat(MAX_PERSONA_BYTES + 1)))).toBe(
      'The file is 65 KB; persona files are limited to 64 KB'
    );
    expect(parse('x'.repeat(MAX_PERSONA_BYTES)).ok).toBe(true);
    // 22,000 three-byte characters: fewer than 64 K characters, more than 64 KB.
    expect(parse('€'.repeat(22_000)).ok).toBe(false);
    expect(parse('😀'.repeat(16_384)).ok).toBe(true);
    expect(parse('😀'.repeat(16_385)).ok).toBe(false);
  });

  it('reads VS Code handoffs and turns agent names into ids', () => {
    const persona = ok(
      parse(
        [
          '---',
          'handoffs:',
          '  - label: Start implementation',
          '    agent: Business Analyst',
          '    prompt: Implement the plan.',
          '    send: true',
          '  - agent: api-engineer',
          '---',
          'body'
        ].join('\n')
      )
    );
    expect(persona.handoffs).toEqual([
      {
        label: 'Start implementation',
        agent: 'business-analyst',
        prompt: 'Implement the plan.',
        send: true
      },
      { label: 'API Engineer', agent: 'api-engineer' }
    ]);
  });

  it('merges front matter and body handoffs, one per target, none to itself', () => {
    const persona = ok(
      parse(
        [
          '---',
          'handoffs:',
          '  - {label: Metrics, agent: business-analyst, prompt: From front matter}',
          '---',
          '# Persona',
          '## Transition Instructions',
          '- **For Analytics**: "Switch to **Business Analyst** chatmode to define KPIs"',
          '- **For APIs**: "Switch to **API Engineer** chatmode to create data APIs"',
          '- **Loop**: "Switch to **Test Persona** chatmode to do it again"'
        ].join('\n')
      )
    );
    expect(persona.handoffs).toEqual([
      {
        label: 'Metrics',
        agent: 'business-analyst',
        prompt: 'From front matter'
      },
      { label: 'For APIs', agent: 'api-engineer', prompt: 'Create data APIs' }
    ]);
  });
});

describe('handoffsFromBody', () => {
  it("reads the seed chat mode's transition lines", () => {
    const body = [
      '## Monitoring',
      '- **Alerting**: thresholds, Switch to **Nobody** agent never (outside the section)',
      '',
      '## Transition Instructions',
      '',
      'After completing data engineering work, recommend switching:',
      '',
      '- **For Analytics Implementation**: "Switch to **Business Analyst** chatmode to define business metrics and KPIs based on the data infrastructure"',
      '- **For API Development**: "Switch to **API Engineer** persona to create data APIs"',
      '* **For Security Implementation:** Switch to the **Security Engineer** agent.',
      '- **For Infrastructure Setup**: "Hand over to **Deployment Engineer** mode to deploy it"',
      '- **Not a handoff**: talk to **Someone** about it',
      '',
      '---',
      '',
      '- **After the rule**: "Switch to **Late Persona** chatmode to x"'
    ].join('\n');
    expect(handoffsFromBody(body)).toEqual([
      {
        label: 'For Analytics Implementation',
        agent: 'business-analyst',
        prompt:
          'Define business metrics and KPIs based on the data infrastructure'
      },
      {
        label: 'For API Development',
        agent: 'api-engineer',
        prompt: 'Create data APIs'
      },
      { label: 'For Security Implementation', agent: 'security-engineer' },
      {
        label: 'For Infrastructure Setup',
        agent: 'deployment-engineer',
        prompt: 'Deploy it'
      }
    ]);
  });

  it('stops at the next heading of the same level and accepts "chat mode", CRLF and no label', () => {
    const body = [
      '### Transition instructions',
      '- Switch to **Business Analyst** chat mode to x',
      '#### Deeper heading stays inside',
      '- **B**: "Switch to **API Engineer** mode"',
      '### Next',
      '- **C**: "Switch to **Security Engineer** chatmode"'
    ].join('\r\n');
    expect(handoffsFromBody(body)).toEqual([
      { label: 'Business Analyst', agent: 'business-analyst', prompt: 'X' },
      { label: 'B', agent: 'api-engineer' }
    ]);
  });

  it('finds nothing without the section', () => {
    expect(
      handoffsFromBody(
        '- **A**: "Switch to **Business Analyst** chatmode to x"'
      )
    ).toEqual([]);
  });
});

describe('names', () => {
  it('slugifies display names', () => {
    expect(slugify('Business Analyst')).toBe('business-analyst');
    expect(slugify('  API   Engineer! ')).toBe('api-engineer');
    expect(slugify('Café_Ops')).toBe('cafe-ops');
  });

  it('makes ids from file names', () => {
    expect(personaIdFromFileName('data-engineer.chatmode.md')).toBe(
      'data-engineer'
    );
    expect(personaIdFromFileName('.github/agents/Planner.agent.md')).toBe(
      'planner'
    );
    expect(personaIdFromFileName('sql_reviewer.md')).toBe('sql-reviewer');
    expect(personaIdFromFileName('notes.MD')).toBe('notes');
    expect(personaIdFromFileName('readme.txt')).toBeNull();
    expect(personaIdFromFileName('.md')).toBeNull();
  });

  it('title-cases ids, keeping acronyms upper-case', () => {
    expect(titleFromId('data-engineer')).toBe('Data Engineer');
    expect(titleFromId('etl-api-helper')).toBe('ETL API Helper');
  });
});
