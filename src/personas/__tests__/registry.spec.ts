/** @jest-environment node */
import { PersonaRegistry } from '../registry';
import { BUNDLED_PERSONAS } from '../bundled';
import { VSCODE_TOOL_MAP } from '../toolMapping';
import {
  HiddenPathRefusedError,
  IPersonaContents,
  IPersonaFileEntry,
  WORKSPACE_PERSONA_FOLDERS
} from '../workspaceFolders';

const persona = (description: string, body = 'Instructions.') =>
  `---\ndescription: ${description}\n---\n${body}\n`;

const BUNDLED = [
  {
    id: 'data-engineer',
    path: 'personas/data-engineer.md',
    text: persona('Bundled data engineer')
  },
  {
    id: 'api-engineer',
    path: 'personas/api-engineer.md',
    text: persona('Bundled API engineer')
  },
  {
    id: 'business-analyst',
    path: 'personas/business-analyst.md',
    text: persona('Bundled analyst')
  }
];

/** An in-memory workspace: folder -> file name -> text; errors by folder. */
class FakeContents implements IPersonaContents {
  constructor(
    public files: Record<string, Record<string, string>> = {},
    public folderErrors: Record<string, unknown> = {}
  ) {}

  listed: string[] = [];
  read: string[] = [];

  async listDirectory(path: string): Promise<IPersonaFileEntry[]> {
    this.listed.push(path);
    if (path in this.folderErrors) {
      throw this.folderErrors[path];
    }
    const folder = this.files[path];
    if (!folder) {
      throw Object.assign(new Error(`No such directory: ${path}`), {
        response: { status: 404 }
      });
    }
    return Object.entries(folder).map(([name, text]) => ({
      name,
      path: `${path}/${name}`,
      type: name.endsWith('/') ? 'directory' : 'file',
      size: text.length
    }));
  }

  async readFile(path: string): Promise<string> {
    this.read.push(path);
    const slash = path.lastIndexOf('/');
    const text = this.files[path.slice(0, slash)]?.[path.slice(slash + 1)];
    if (text === undefined || text === 'UNREADABLE') {
      throw new Error('server error 500');
    }
    return text;
  }
}

describe('PersonaRegistry', () => {
  it('starts with the bundled personas, default first', () => {
    const registry = new PersonaRegistry({ bundled: BUNDLED });
    expect(registry.all().map(p => p.id)).toEqual([
      'data-engineer',
      'api-engineer',
      'business-analyst'
    ]);
    expect(registry.defaultPersona()?.id).toBe('data-engineer');
    expect(registry.get('api-engineer')?.source).toBe('bundled');
    expect(registry.get('nobody')).toBeUndefined();
    expect(registry.problems).toEqual([]);
  });

  it('loads the real bundled files without problems', () => {
    const registry = new PersonaRegistry({ bundled: BUNDLED_PERSONAS });
    expect(registry.problems).toEqual([]);
    expect(registry.all()).toHaveLength(5);
    expect(registry.defaultPersona()?.id).toBe('data-engineer');
  });

  it("the data engineer looks at the catalog, asks the data with run_query and takes the gateway's refusals as final", () => {
    const registry = new PersonaRegistry({ bundled: BUNDLED_PERSONAS });
    const de = registry.get('data-engineer')!;
    // runNotebooks (the seed's name) grants kernel-inspect, the group of the catalog tools.
    expect(de.tools).toContain('runNotebooks');
    expect(VSCODE_TOOL_MAP.runnotebooks).toContain('kernel-inspect');
    for (const phrase of [
      '`list_tables`',
      '`describe_table`',
      '`run_query`',
      'refusals (files, URLs, writes, DDL, side effects) are final',
      'never route around'
    ]) {
      expect(de.body).toContain(phrase);
    }
  });

  it('loads workspace personas from all three folders; one with a bundled id is offered under its own', async () => {
    const contents = new FakeContents({
      '.github/chatmodes': {
        'api-engineer.chatmode.md': persona('Workspace API engineer'),
        'notes.md': persona('not a chat mode: ignored')
      },
      '.github/agents': { 'planner.agent.md': persona('Planner'), 'sub/': '' },
      '.jupyter/personas': {
        'sql-reviewer.md': persona('Reviews SQL'),
        'readme.txt': 'x'
      }
    });
    const registry = new PersonaRegistry({ bundled: BUNDLED, contents });
    const changed = jest.fn();
    registry.changed.connect(changed);
    await registry.load();
    expect(changed).toHaveBeenCalledTimes(1);
    expect(contents.listed.sort()).toEqual(
      WORKSPACE_PERSONA_FOLDERS.map(folder => folder.path).sort()
    );
    expect(contents.read.sort()).toEqual([
      '.github/agents/planner.agent.md',
      '.github/chatmodes/api-engineer.chatmode.md',
      '.jupyter/personas/sql-reviewer.md'
    ]);
    expect(registry.get('api-engineer')?.source).toBe('bundled');
    const api = registry.get('api-engineer-workspace')!;
    expect(api).toMatchObject({
      source: 'workspace',
      description: 'Workspace API engineer',
      path: '.github/chatmodes/api-engineer.chatmode.md'
    });
    expect(registry.all().map(p => p.id)).toEqual([
      'data-engineer',
      'api-engineer',
      'api-engineer-workspace',
      'business-analyst',
      'planner',
      'sql-reviewer'
    ]);
    expect(registry.problems).toEqual([
      expect.objectContaining({
        path: '.github/chatmodes/api-engineer.chatmode.md',
        kind: 'renamed'
      })
    ]);
  });

  it('never lets a workspace persona replace the default one', async () => {
    const contents = new FakeContents({
      '.jupyter/personas': { 'data-engineer.md': persona('Ours') }
    });
    const registry = new PersonaRegistry({ bundled: BUNDLED, contents });
    await registry.load();
    expect(registry.defaultPersona()?.description).toBe(
      'Bundled data engineer'
    );
    expect(registry.all()[0].source).toBe('bundled');
    expect(registry.get('data-engineer-workspace')?.description).toBe('Ours');
  });

  it('is silent about folders that do not exist', async () => {
    const contents = new FakeContents(
      {},
      { '.github/agents': Object.assign(new Error('nope'), { status: 404 }) }
    );
    const registry = new PersonaRegistry({ bundled: BUNDLED, contents });
    await registry.load();
    expect(registry.problems).toEqual([]);
    expect(registry.all()).toHaveLength(3);
  });

  it('gives one hint per hidden top folder the server refuses', async () => {
    const contents = new FakeContents(
      { '.jupyter/personas': { 'x.md': persona('X') } },
      {
        '.github/chatmodes': new HiddenPathRefusedError('.github/chatmodes'),
        '.github/agents': Object.assign(new Error('404'), {
          hiddenRefused: true
        })
      }
    );
    const registry = new PersonaRegistry({ bundled: BUNDLED, contents });
    await registry.load();
    expect(registry.problems).toEqual([
      {
        path: '.github',
        kind: 'hidden',
        reason:
          'Workspace personas in .github/ are hidden from Jupyter: start the server with --ContentsManager.allow_hidden=True to use them'
      }
    ]);
    expect(registry.get('x')).toBeDefined();
  });

  it('lists malformed, oversized and unreadable files with their reason and skips them', async () => {
    const contents = new FakeContents(
      {
        '.github/chatmodes': {
          'good.chatmode.md': persona('Good'),
          'bad-yaml.chatmode.md': '---\ntools: [a\n---\nbody',
          'js.chatmode.md':
            '---js\n{ description: (globalThis.__registryPwned = true, "x") }\n---\nbody',
          'empty.chatmode.md': persona('No body', ''),
          'huge.chatmode.md': persona('Huge', 'x'.repeat(70 * 1024)),
          'broken.chatmode.md': 'UNREADABLE'
        }
      },
      { '.jupyter/personas': new Error('server error 500') }
    );
    const registry = new PersonaRegistry({ bundled: BUNDLED, contents });
    await registry.load();
    expect(registry.get('good')).toBeDefined();
    for (const id of ['bad-yaml', 'js', 'empty', 'huge', 'broken']) {
      expect(registry.get(id)).toBeUndefined();
    }
    expect((globalThis as any).__registryPwned).toBeUndefined();
    // Too big to read at all.
    expect(contents.read).not.toContain('.github/chatmodes/huge.chatmode.md');
    const byPath = Object.fromEntries(
      registry.problems.map(problem => [problem.path, problem])
    );
    expect(byPath['.github/chatmodes/bad-yaml.chatmode.md']).toMatchObject({
      kind: 'invalid',
      reason: expect.stringMatching(
        /^Invalid YAML in the front matter at line 3: unexpected end/
      )
    });
    expect(byPath['.github/chatmodes/js.chatmode.md']).toMatchObject({
      kind: 'invalid',
      reason: 'JavaScript front matter is not allowed'
    });
    expect(byPath['.github/chatmodes/empty.chatmode.md'].reason).toMatch(
      /no instructions/
    );
    expect(byPath['.github/chatmodes/huge.chatmode.md'].reason).toMatch(
      /limited to 64 KB/
    );
    expect(byPath['.github/chatmodes/broken.chatmode.md']).toMatchObject({
      kind: 'unreadable',
      reason: 'Could not read the file: server error 500'
    });
    expect(byPath['.jupyter/personas']).toMatchObject({
      kind: 'unreadable',
      reason: 'Could not list the folder: server error 500'
    });
    expect(registry.problems).toHaveLength(6);
  });

  it('when two workspace files share an id, the later folder wins and the other is listed', async () => {
    const contents = new FakeContents({
      '.github/chatmodes': { 'planner.chatmode.md': persona('Old chat mode') },
      '.github/agents': { 'planner.agent.md': persona('Agent') }
    });
    const registry = new PersonaRegistry({ bundled: BUNDLED, contents });
    await registry.load();
    expect(registry.get('planner')?.description).toBe('Agent');
    expect(registry.problems).toEqual([
      {
        path: '.github/chatmodes/planner.chatmode.md',
        kind: 'shadowed',
        reason:
          'Ignored: persona "planner" is also defined in .github/agents/planner.agent.md, which is used'
      }
    ]);
  });

  it('reloads: removed files disappear, problems are replaced', async () => {
    const contents = new FakeContents({
      '.jupyter/personas': {
        'a.md': persona('A'),
        'b.md': '---\nname: [x]\n---\nbody'
      }
    });
    const registry = new PersonaRegistry({ bundled: BUNDLED, contents });
    await registry.load();
    expect(registry.get('a')).toBeDefined();
    expect(registry.problems).toHaveLength(1);
    contents.files = { '.jupyter/personas': { 'b.md': persona('B fixed') } };
    await registry.load();
    expect(registry.get('a')).toBeUndefined();
    expect(registry.get('b')?.description).toBe('B fixed');
    expect(registry.problems).toEqual([]);
  });

  it('keeps the result of the latest load when loads overlap', async () => {
    let release!: () => void;
    const gate = new Promise<void>(resolve => (release = resolve));
    const contents = new FakeContents({
      '.jupyter/personas': { 'old.md': persona('Old') }
    });
    const slowList = contents.listDirectory.bind(contents);
    let calls = 0;
    contents.listDirectory = async (path: string) => {
      const first = calls++ < WORKSPACE_PERSONA_FOLDERS.length;
      const entries = await slowList(path);
      if (first) {
        await gate;
      }
      return entries;
    };
    const registry = new PersonaRegistry({ bundled: BUNDLED, contents });
    const stale = registry.load();
    contents.files = { '.jupyter/personas': { 'new.md': persona('New') } };
    await registry.load();
    release();
    await stale;
    expect(registry.get('new')).toBeDefined();
    expect(registry.get('old')).toBeUndefined();
  });

  it('lists a malformed bundled persona instead of failing', () => {
    const registry = new PersonaRegistry({
      bundled: [
        ...BUNDLED,
        {
          id: 'broken',
          path: 'personas/broken.md',
          text: '---\ndescription: [x]\n---\nbody'
        }
      ]
    });
    expect(registry.get('broken')).toBeUndefined();
    expect(registry.problems).toEqual([
      {
        path: 'personas/broken.md',
        kind: 'invalid',
        reason: '"description" must be text, not a list'
      }
    ]);
  });

  it('works without workspace access and without any persona', async () => {
    const registry = new PersonaRegistry({ bundled: [] });
    await registry.load();
    expect(registry.all()).toEqual([]);
    expect(registry.defaultPersona()).toBeNull();
    const other = new PersonaRegistry({ bundled: BUNDLED.slice(1) });
    expect(other.defaultPersona()?.id).toBe('api-engineer');
  });
});

describe('PersonaRegistry with the lazily loaded YAML parser', () => {
  const fresh = async (
    use: (modules: {
      registry: any;
      frontMatter: any;
      bundled: any;
    }) => Promise<void>
  ) =>
    jest.isolateModulesAsync(async () => {
      const frontMatter = require('../frontMatter');
      frontMatter.setFrontMatterParser(null); // as in the browser before the first parse
      await use({
        registry: require('../registry'),
        frontMatter,
        bundled: require('../bundled')
      });
    });

  it('draws the bundled personas without loading the parser (front matter parsed at build time)', async () => {
    await fresh(async ({ registry, frontMatter, bundled }) => {
      const personas = new registry.PersonaRegistry({
        bundled: bundled.BUNDLED_PERSONAS
      });
      expect(frontMatter.frontMatterParserLoaded()).toBe(false);
      expect(personas.defaultPersona()?.name).toBe('Data Engineer');
      expect(personas.all()).toHaveLength(BUNDLED_PERSONAS.length);
      expect(personas.problems).toEqual([]);
      await personas.load(); // no workspace: nothing to parse
      expect(frontMatter.frontMatterParserLoaded()).toBe(false);
    });
  });

  it('loads the parser on the first workspace persona file', async () => {
    await fresh(async ({ registry, frontMatter, bundled }) => {
      const contents = new FakeContents({
        '.github/chatmodes': { 'sql.chatmode.md': persona('Workspace SQL') }
      });
      const personas = new registry.PersonaRegistry({
        bundled: bundled.BUNDLED_PERSONAS,
        contents
      });
      await personas.load();
      expect(frontMatter.frontMatterParserLoaded()).toBe(true);
      expect(personas.get('sql')?.description).toBe('Workspace SQL');
    });
  });

  it('parses bundled files given as text once the parser has loaded, and announces them', async () => {
    await fresh(async ({ registry }) => {
      const personas = new registry.PersonaRegistry({ bundled: BUNDLED });
      const changed = jest.fn();
      personas.changed.connect(changed);
      expect(personas.all()).toEqual([]); // a brief loading state
      await personas.load();
      expect(personas.all().map((p: any) => p.id)).toEqual([
        'data-engineer',
        'api-engineer',
        'business-analyst'
      ]);
      expect(changed).toHaveBeenCalled();
    });
  });
});
