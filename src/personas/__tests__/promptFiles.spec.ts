/** @jest-environment node */
import {
  expandPromptFile,
  PromptFileCommands
} from '../../agent/promptCommands';
import { SlashCommandRegistry } from '../../agent/slashCommands';
import {
  parsePromptArgs,
  parsePromptFile,
  promptInputs,
  PromptVariableError,
  substitutePromptVariables
} from '../promptFiles';
import {
  HiddenPathRefusedError,
  IPersonaContents,
  IPersonaFileEntry
} from '../workspaceFolders';

const PROFILE = `---
description: Profile a table
agent: security-engineer
model: [gpt-5, Claude Sonnet 4]
tools: [codebase, Read]
argument-hint: table=<name> [limit=<rows>]
---
Profile \${input:table} (at most \${input:limit:number of rows} rows) from \${fileBasename} in \${fileDirname}.
Selected: \${selection}
Cell: \${cell}
Root: \${workspaceFolder} Unknown: \${env:HOME}`;

function parsed(text: string, path = '.github/prompts/profile.prompt.md') {
  const result = parsePromptFile(text, path);
  if (!result.ok) {
    throw new Error(result.error);
  }
  return result.prompt;
}

const context = {
  file: 'etl/orders.ipynb',
  selection: 'df.head()',
  cell: 'df = load()\ndf.head()'
};

describe('prompt files', () => {
  it('parse the front matter VS Code reads', () => {
    expect(parsed(PROFILE)).toMatchObject({
      name: 'profile',
      description: 'Profile a table',
      persona: 'security-engineer',
      askOnly: false,
      models: ['gpt-5', 'Claude Sonnet 4'],
      tools: ['codebase', 'read_file', 'notebook-read'],
      argumentHint: 'table=<name> [limit=<rows>]',
      path: '.github/prompts/profile.prompt.md'
    });
    expect(
      parsed(
        '---\nmode: ask\n---\nExplain.',
        '.github/prompts/Explain Query.prompt.md'
      )
    ).toMatchObject({
      name: 'explain-query',
      askOnly: true,
      tools: null
    });
    expect(parsed('---\nagent: agent\n---\nGo.').persona).toBeUndefined();
    expect(
      parsePromptFile('---\ndescription: x\n---\n', 'a.prompt.md')
    ).toEqual({ ok: false, error: expect.stringContaining('empty') });
    expect(parsePromptFile('text', '.github/prompts/a.md')).toEqual({
      ok: false,
      error: expect.stringContaining('.prompt.md')
    });
    expect(
      parsePromptFile('---\ndescription: [1\n---\nx', 'a.prompt.md').ok
    ).toBe(false);
  });

  it('fills inputs from name=value arguments and the free text, and the JupyterLab variables', () => {
    const prompt = parsed(PROFILE);
    expect(promptInputs(prompt.body)).toEqual([
      { name: 'table' },
      { name: 'limit', placeholder: 'number of rows' }
    ]);
    expect(
      parsePromptArgs('table=orders limit="10 000" look at nulls')
    ).toEqual({
      named: { table: 'orders', limit: '10 000' },
      rest: 'look at nulls'
    });
    const { text, rest } = substitutePromptVariables(
      prompt,
      'limit=50 orders and more',
      context
    );
    expect(rest).toBe('');
    expect(text).toBe(
      'Profile orders and more (at most 50 rows) from orders.ipynb in etl.\nSelected: df.head()\nCell: df = load()\ndf.head()\nRoot: . Unknown: ${env:HOME}'
    );
  });

  it('says what is missing instead of sending a prompt with holes', () => {
    const prompt = parsed(PROFILE);
    expect(() =>
      substitutePromptVariables(prompt, 'table=orders', context)
    ).toThrow(
      '/profile needs limit (number of rows): type /profile limit="number of rows"'
    );
    expect(() =>
      substitutePromptVariables(prompt, 'table=o limit=1', {
        ...context,
        selection: null
      })
    ).toThrow(PromptVariableError);
    expect(() =>
      substitutePromptVariables(prompt, 'table=o limit=1', {
        ...context,
        selection: null
      })
    ).toThrow('select some text in a cell or file');
    expect(() =>
      substitutePromptVariables(prompt, 'table=o limit=1', {
        ...context,
        file: null
      })
    ).toThrow('open a notebook or file');
  });

  it('expand into the slash expansion: persona, model list, tools; extra text appended', () => {
    const expansion = expandPromptFile(
      parsed('---\nagent: data-engineer\nmodel: opus\n---\nCheck ${file}.'),
      'quickly',
      context
    );
    expect(expansion).toEqual({
      prompt: 'Check etl/orders.ipynb.\n\nquickly',
      persona: 'data-engineer',
      model: 'opus'
    });
    expect(
      expandPromptFile(parsed('---\nmode: ask\n---\nWhy?'), '', context)
    ).toEqual({ prompt: 'Why?', tools: [] });
    expect(
      expandPromptFile(parsed(PROFILE), 'table=t limit=2', context)
    ).toMatchObject({
      model: ['gpt-5', 'Claude Sonnet 4'],
      tools: ['codebase', 'read_file', 'notebook-read']
    });
  });

  it('register as slash commands from .github/prompts, replaced on reload, problems listed', async () => {
    const files: Record<string, string> = {
      'profile.prompt.md': PROFILE,
      'broken.prompt.md': '---\ndescription: [oops\n---\nx',
      'readme.md': 'not a prompt'
    };
    let refuse = false;
    const contents: IPersonaContents = {
      listDirectory: async (path: string): Promise<IPersonaFileEntry[]> => {
        if (refuse) {
          throw new HiddenPathRefusedError(path);
        }
        return Object.keys(files).map(name => ({
          name,
          path: `${path}/${name}`,
          type: 'file'
        }));
      },
      readFile: async (path: string) => files[path.split('/').pop()!]
    };
    const slash = new SlashCommandRegistry();
    slash.add({
      name: 'explain',
      description: 'Explain the cell',
      expand: async () => ({ prompt: 'x' })
    });
    const commands = new PromptFileCommands({
      contents,
      slashCommands: slash,
      context: () => context,
      hasPersona: id => id !== 'nobody'
    });
    await commands.load();
    expect(slash.list().map(c => c.name)).toEqual(['explain', 'profile']);
    expect(slash.get('profile')).toMatchObject({
      description: 'Profile a table',
      argumentHint: 'table=<name> [limit=<rows>]'
    });
    expect(commands.problems).toEqual([
      {
        path: '.github/prompts/broken.prompt.md',
        reason: expect.stringContaining('YAML')
      }
    ]);
    await expect(
      slash.get('profile')!.expand('table=x limit=3')
    ).resolves.toMatchObject({
      prompt: expect.stringContaining('Profile x (at most 3 rows)'),
      persona: 'security-engineer'
    });

    files['profile.prompt.md'] = '---\nagent: nobody\n---\nHi';
    await commands.load();
    await expect(slash.get('profile')!.expand('')).rejects.toThrow(
      'names the persona "nobody"'
    );
    delete files['profile.prompt.md'];
    await commands.load();
    expect(slash.list().map(c => c.name)).toEqual(['explain']);

    refuse = true;
    await commands.load();
    expect(commands.problems[0].reason).toContain('allow_hidden');
  });
});
