/** @jest-environment node */
import { BUNDLED_PERSONAS } from '../bundled';
import { claudeToolNames } from '../claudeTools';
import { handoffOffers } from '../handoff';
import { ModelCatalog } from '../modelCatalog';
import { resolveModelList } from '../modelResolution';
import { IPersona, parsePersona } from '../persona';
import { resolveToolReferences, toolsOfPersona } from '../personaTools';
import { PersonaRegistry } from '../registry';
import { resolveTools } from '../toolMapping';
import {
  IPersonaContents,
  IPersonaFileEntry,
  personaFolders
} from '../workspaceFolders';
import { ToolRegistry } from '../../tools/registry';
import { fakeTool, registryOfAllTools } from '../../__tests__/allTools';

const origin = {
  id: 'p',
  path: '.github/agents/p.agent.md',
  source: 'workspace' as const
};

function ok(
  text: string,
  extra: Partial<typeof origin & { format: 'claude' | 'vscode' }> = {}
): IPersona {
  const result = parsePersona(text, { ...origin, ...extra });
  if (!result.ok) {
    throw new Error(result.error);
  }
  return result.persona;
}

function bad(text: string): string {
  const result = parsePersona(text, origin);
  if (result.ok) {
    throw new Error('parsed');
  }
  return result.error;
}

class FakeContents implements IPersonaContents {
  constructor(public files: Record<string, Record<string, string>>) {}
  listed: string[] = [];
  async listDirectory(path: string): Promise<IPersonaFileEntry[]> {
    this.listed.push(path);
    const folder = this.files[path];
    if (!folder) {
      throw Object.assign(new Error('missing'), { response: { status: 404 } });
    }
    return Object.keys(folder).map(name => ({
      name,
      path: `${path}/${name}`,
      type: 'file'
    }));
  }
  async readFile(path: string): Promise<string> {
    const slash = path.lastIndexOf('/');
    return this.files[path.slice(0, slash)][path.slice(slash + 1)];
  }
}

const SERVED = [
  { id: 'claude-opus-4-6', created_at: '2026-02-01T00:00:00Z' },
  { id: 'claude-sonnet-4-6', created_at: '2026-02-01T00:00:00Z' },
  { id: 'claude-haiku-4-5-20251001', created_at: '2025-10-01T00:00:00Z' }
];

describe('hand-offs as VS Code writes them', () => {
  it('reads send and model (a name or a list) on each hand-off', () => {
    const persona = ok(
      [
        '---',
        'handoffs:',
        '  - label: Review',
        '    agent: security-engineer',
        '    prompt: Review it.',
        '    send: true',
        '    model: Claude Opus 4',
        '  - label: Plan',
        '    agent: Deployment Engineer',
        '    model: [GPT-5 (copilot), claude-haiku-4-5]',
        '---',
        'body'
      ].join('\n')
    );
    expect(persona.handoffs).toEqual([
      {
        label: 'Review',
        agent: 'security-engineer',
        prompt: 'Review it.',
        send: true,
        model: 'Claude Opus 4'
      },
      {
        label: 'Plan',
        agent: 'deployment-engineer',
        model: ['GPT-5 (copilot)', 'claude-haiku-4-5']
      }
    ]);
    expect(bad('---\nhandoffs:\n  - agent: x\n    send: "yes"\n---\nb')).toBe(
      '"handoffs" item 1: "send" must be true or false, not string'
    );
    expect(bad('---\nhandoffs:\n  - agent: x\n    model: 4\n---\nb')).toContain(
      '"handoffs" item 1: "model" must be a model name'
    );
  });

  it('offers every hand-off after a reply; the text only marks the recommended one; unknown targets disabled', () => {
    const registry = new PersonaRegistry({ bundled: BUNDLED_PERSONAS });
    const engineer = registry.get('data-engineer')!;
    const plain = handoffOffers(engineer, registry, 'The tables are built.');
    expect(plain.map(o => o.handoff.label)).toEqual([
      'Define metrics and KPIs',
      'Build a data API',
      'Review security and compliance',
      'Deploy and monitor'
    ]);
    expect(
      plain.every(o => !o.recommended && !o.disabledReason && o.target)
    ).toBe(true);
    expect(plain[2].target!.description).toMatch(
      /security and compliance gaps/
    );
    const recommended = handoffOffers(
      engineer,
      registry,
      'Next, hand this off to the **Security Engineer**.'
    );
    expect(
      recommended.filter(o => o.recommended).map(o => o.handoff.agent)
    ).toEqual(['security-engineer']);

    const lonely = ok(
      '---\nhandoffs:\n  - label: Ask the DBA\n    agent: dba\n---\nbody'
    );
    const [offer] = handoffOffers(lonely, registry);
    expect(offer.target).toBeUndefined();
    expect(offer.disabledReason).toContain('No persona "dba"');
  });
});

describe('model fallback lists', () => {
  it('keeps the whole list; picks the first model the endpoint serves and says why', () => {
    const persona = ok(
      "---\nmodel: ['GPT-5 (copilot)', 'Claude Opus 9', 'Claude Sonnet 4.6 (copilot)', haiku]\n---\nb"
    );
    expect(persona.models).toEqual([
      'GPT-5 (copilot)',
      'Claude Opus 9',
      'Claude Sonnet 4.6 (copilot)',
      'haiku'
    ]);
    const resolved = resolveModelList(
      persona.models,
      SERVED,
      'claude-fallback'
    );
    expect(resolved.model).toBe('claude-sonnet-4-6');
    expect(resolved.note).toContain('choice 3 of 4');
    expect(resolved.note).toContain(
      'GPT-5 (copilot), Claude Opus 9 are not served by this endpoint'
    );
  });

  it('exact ids first; the settings model when none is served; ids unchecked without a list', () => {
    expect(
      resolveModelList(['claude-haiku-4-5-20251001', 'opus'], SERVED, 'x')
    ).toMatchObject({
      model: 'claude-haiku-4-5-20251001',
      how: 'exact'
    });
    expect(
      resolveModelList(['gpt-5', 'gemini'], SERVED, 'claude-set')
    ).toMatchObject({
      model: 'claude-set',
      how: 'fallback',
      note: expect.stringContaining('none is served')
    });
    expect(
      resolveModelList(
        ['Opus 4', 'claude-sonnet-4-20250514'],
        null,
        'claude-set'
      )
    ).toMatchObject({
      model: 'claude-sonnet-4-20250514',
      note: expect.stringContaining('not checked')
    });
  });

  it('the catalog resolves a list against what it fetched', async () => {
    const catalog = new ModelCatalog(async () => SERVED);
    expect((await catalog.resolve(['mystery', 'sonnet'], 'f')).model).toBe(
      'claude-sonnet-4-6'
    );
    expect((await catalog.resolve('opus', 'f')).model).toBe('claude-opus-4-6');
    expect((await catalog.resolve([], 'f')).model).toBe('f');
  });
});

describe('Claude Code agents', () => {
  it('maps a comma-separated tool string onto our tools', () => {
    expect(
      claudeToolNames('Read, Grep, Glob, Edit, Write, NotebookEdit, WebFetch')
    ).toEqual([
      'read_file',
      'notebook-read',
      'files-search',
      'find_files',
      'list_directory',
      'edit_file',
      'write_file',
      'notebook-edit',
      'WebFetch'
    ]);
    // Bash is our terminal command tool (its Claude-style argument pattern is not kept).
    expect(claudeToolNames('Bash(git diff:*), Task')).toEqual([
      'run_command',
      'agent'
    ]);
    const resolved = resolveTools(
      claudeToolNames('Read, Grep, Bash, WebSearch'),
      registryOfAllTools()
    );
    expect([...resolved.tools]).toEqual(
      expect.arrayContaining([
        'read_file',
        'read_cell',
        'search_files',
        'find_usages',
        'run_command'
      ])
    );
    expect(resolved.tools.has('write_file')).toBe(false);
    expect(resolved.unavailable).toEqual(['WebSearch']);
  });

  it('reads name as the id, tools and disallowedTools in Claude format', () => {
    const persona = ok(
      '---\nname: sql-reviewer\ndescription: Reviews SQL\ntools: Read, Grep\ndisallowedTools: Grep\nmodel: inherit\n---\nReview SQL.',
      { format: 'claude', path: '.claude/agents/whatever.md' }
    );
    expect(persona).toMatchObject({
      id: 'sql-reviewer',
      name: 'SQL Reviewer',
      format: 'claude',
      tools: ['read_file', 'notebook-read', 'files-search'],
      disallowedTools: ['files-search'],
      models: [],
      model: null
    });
    const registry = new ToolRegistry(
      ['read_file', 'search_files', 'write_file'].map(name => fakeTool(name))
    );
    const everything = ok('---\ndisallowedTools: Write, Edit\n---\nb', {
      format: 'claude'
    });
    expect(toolsOfPersona(registry, everything).map(t => t.name)).toEqual([
      'read_file',
      'search_files'
    ]);
    expect(bad('---\ntools: {a: 1}\n---\nb')).toContain(
      '"tools" must be a list'
    );
  });

  it('loads .claude/agents, any .md in .github/agents and the extra folders; hides what the picker must not offer', async () => {
    const contents = new FakeContents({
      '.claude/agents': {
        'reviewer.md':
          '---\nname: code-reviewer\ndescription: Reviews\ntools: Read\n---\nReview.',
        'notes.txt': 'not a persona'
      },
      '.github/agents': {
        'planner.md':
          '---\ndescription: Plans\nuser-invocable: false\n---\nPlan.',
        'cloud.agent.md':
          '---\ndescription: Runs on GitHub\ntarget: github-copilot\n---\nCloud.'
      },
      'team/agents': { 'dba.md': '---\nname: DBA\n---\nTune.' }
    });
    const registry = new PersonaRegistry({
      bundled: BUNDLED_PERSONAS,
      contents,
      extraFolders: () => ['./team/agents/', '../escape']
    });
    await registry.load();
    expect(registry.problems).toEqual([]);
    expect(contents.listed).toEqual([
      '.github/chatmodes',
      '.github/agents',
      '.claude/agents',
      'team/agents',
      '.jupyter/personas'
    ]);
    expect(registry.get('code-reviewer')).toMatchObject({
      format: 'claude',
      tools: ['read_file', 'notebook-read']
    });
    expect(registry.get('planner')).toMatchObject({ userInvocable: false });
    expect(registry.get('cloud')).toMatchObject({ target: 'github-copilot' });
    expect(registry.get('dba')?.name).toBe('DBA');
    const selectable = registry.selectable().map(p => p.id);
    expect(selectable).toEqual(
      expect.arrayContaining(['code-reviewer', 'dba', 'data-engineer'])
    );
    expect(selectable).not.toContain('planner');
    expect(selectable).not.toContain('cloud');
    expect(registry.all().map(p => p.id)).toEqual(
      expect.arrayContaining(['planner', 'cloud'])
    );
  });

  it('reads a .claude/agents folder named in the setting in Claude format', () => {
    expect(
      personaFolders(['work/.claude/agents']).find(
        f => f.path === 'work/.claude/agents'
      )
    ).toEqual({
      path: 'work/.claude/agents',
      suffix: '.md',
      format: 'claude'
    });
  });
});

describe('#tool references', () => {
  it('resolve to the tools offered, or become a note', () => {
    const body =
      'Use #tool:codebase to look, then #tool:runNotebooks; never #tool:githubRepo or #tool:run_cell.';
    const all = registryOfAllTools();
    const text = resolveToolReferences(
      body,
      ['read_file', 'list_directory', 'run_cell'],
      all
    );
    expect(text).toContain('Use `list_directory`, `read_file` to look');
    expect(text).toContain('then `run_cell`;');
    expect(text).toContain('"githubRepo" (a tool not available here)');
    expect(text).toContain('or `run_cell`.');
    expect(text).not.toContain('#tool:');
    expect(resolveToolReferences('Use #tool:codebase.', [], all)).toBe(
      'Use "codebase" (a tool not available here).'
    );
  });
});
