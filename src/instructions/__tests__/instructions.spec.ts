/** @jest-environment node */
import {
  IContentsGetOptions,
  IContentsLike,
  IContentsModelLike
} from '../../contents/contents';
import type { IWorkspaceFileGuard } from '../../contents/workspaceFiles';
import { buildSystemPrompt } from '../../agent/prompt';
import {
  agentsMdChain,
  appliesTo,
  DEFAULT_INSTRUCTIONS_BUDGET_TOKENS,
  instructionTokens,
  InstructionsLoader,
  MAX_INSTRUCTIONS_BYTES
} from '../instructions';

interface IFakeFile {
  content: string;
  lastModified: string;
  /** Simulate a file the contents API can't decode as text. */
  binary?: boolean;
}

/** An in-memory contents API that counts content reads. */
class FakeContents implements IContentsLike {
  files = new Map<string, IFakeFile>();
  contentReads: string[] = [];

  async get(
    path: string,
    options: IContentsGetOptions = {}
  ): Promise<IContentsModelLike> {
    const name = path.split('/').pop()!;
    if (options.type === 'directory') {
      const prefix = `${path}/`;
      const children = [...this.files.keys()].filter(
        p => p.startsWith(prefix) && !p.slice(prefix.length).includes('/')
      );
      if (!children.length) {
        throw Object.assign(new Error('not found'), {
          response: { status: 404 }
        });
      }
      return {
        name,
        path,
        type: 'directory',
        content: children.map(p => ({
          name: p.split('/').pop()!,
          path: p,
          type: 'file',
          last_modified: this.files.get(p)!.lastModified
        }))
      };
    }
    const file = this.files.get(path);
    if (!file) {
      throw Object.assign(new Error('not found'), {
        response: { status: 404 }
      });
    }
    if (options.content === false) {
      return { name, path, type: 'file', last_modified: file.lastModified };
    }
    this.contentReads.push(path);
    if (file.binary) {
      throw Object.assign(new Error('not UTF-8'), {
        response: { status: 400 }
      });
    }
    return {
      name,
      path,
      type: 'file',
      format: 'text',
      content: file.content,
      last_modified: file.lastModified
    };
  }
}

describe('InstructionsLoader', () => {
  it('reads copilot.instructions.md and re-reads only when it changed', async () => {
    const contents = new FakeContents();
    contents.files.set('copilot.instructions.md', {
      content: '# DB\nPostgreSQL 16',
      lastModified: 't1'
    });
    const loader = new InstructionsLoader(contents);

    let state = await loader.load(null);
    expect(state.missingProjectFile).toBe(false);
    expect(state.files.map(f => [f.path, f.kind, f.text])).toEqual([
      ['copilot.instructions.md', 'project', '# DB\nPostgreSQL 16']
    ]);
    await loader.load(null);
    expect(contents.contentReads).toEqual(['copilot.instructions.md']);

    contents.files.set('copilot.instructions.md', {
      content: '# DB\nDuckDB',
      lastModified: 't2'
    });
    state = await loader.load(null);
    expect(state.files[0].text).toBe('# DB\nDuckDB');
    expect(contents.contentReads).toHaveLength(2);
  });

  it('works without any file and says so', async () => {
    const state = await new InstructionsLoader(new FakeContents()).load(
      'a.ipynb'
    );
    expect(state.files).toEqual([]);
    expect(state.missingProjectFile).toBe(true);
  });

  it('honours VS Code files and applyTo-scoped instructions', async () => {
    const contents = new FakeContents();
    contents.files.set('.github/copilot-instructions.md', {
      content: 'Use snake_case.',
      lastModified: 't'
    });
    contents.files.set('.github/instructions/sql.instructions.md', {
      content: '---\napplyTo: "**/*.sql"\n---\nUppercase SQL keywords.',
      lastModified: 't'
    });
    contents.files.set('.github/instructions/notebooks.instructions.md', {
      content: '---\napplyTo: "pipelines/**/*.ipynb"\n---\nOne step per cell.',
      lastModified: 't'
    });
    contents.files.set('.github/instructions/readme.md', {
      content: 'not an instruction file',
      lastModified: 't'
    });
    const loader = new InstructionsLoader(contents);

    let state = await loader.load('pipelines/daily/load.ipynb');
    expect(state.files.map(f => f.path)).toEqual([
      '.github/copilot-instructions.md',
      '.github/instructions/notebooks.instructions.md'
    ]);
    expect(state.files[1].text).toBe('One step per cell.');
    expect(state.files[1].applyTo).toBe('pipelines/**/*.ipynb');

    state = await loader.load('queries/revenue.sql');
    expect(state.files.map(f => f.path)).toEqual([
      '.github/copilot-instructions.md',
      '.github/instructions/sql.instructions.md'
    ]);
  });

  it('truncates an oversized file with a notice and skips binary ones', async () => {
    const contents = new FakeContents();
    contents.files.set('copilot.instructions.md', {
      content: 'x'.repeat(MAX_INSTRUCTIONS_BYTES + 5000),
      lastModified: 't'
    });
    contents.files.set('.github/copilot-instructions.md', {
      content: '',
      lastModified: 't',
      binary: true
    });
    const state = await new InstructionsLoader(contents).load(null);
    expect(state.files).toHaveLength(1);
    expect(state.files[0].text.length).toBe(MAX_INSTRUCTIONS_BYTES);
    expect(state.files[0].notice).toContain('truncated');
    expect(state.skipped).toEqual([
      {
        path: '.github/copilot-instructions.md',
        reason: 'not a UTF-8 text file, skipped'
      }
    ]);
  });

  it('skips a scoped file whose front matter is broken, and empty files', async () => {
    const contents = new FakeContents();
    contents.files.set('copilot.instructions.md', {
      content: '   \n',
      lastModified: 't'
    });
    contents.files.set('.github/instructions/bad.instructions.md', {
      content: '---\napplyTo: [unclosed\n---\nbody',
      lastModified: 't'
    });
    const state = await new InstructionsLoader(contents).load('x.ipynb');
    expect(state.files).toEqual([]);
    expect(state.skipped.map(s => s.path).sort()).toEqual([
      '.github/instructions/bad.instructions.md',
      'copilot.instructions.md'
    ]);
    expect(state.missingProjectFile).toBe(false);
  });
});

describe('AGENTS.md', () => {
  const withAgents = () => {
    const contents = new FakeContents();
    contents.files.set('copilot.instructions.md', {
      content: 'Project rules.',
      lastModified: 't'
    });
    contents.files.set('AGENTS.md', {
      content: 'Root agents rules.',
      lastModified: 't'
    });
    contents.files.set('pipelines/AGENTS.md', {
      content: 'Pipelines rules.',
      lastModified: 't'
    });
    contents.files.set('pipelines/daily/AGENTS.md', {
      content: 'Daily rules.',
      lastModified: 't'
    });
    contents.files.set('other/AGENTS.md', {
      content: 'Not on the chain.',
      lastModified: 't'
    });
    return contents;
  };

  it('reads the root one and the nested ones of the active folder chain, nearest first', async () => {
    const loader = new InstructionsLoader(withAgents());
    let state = await loader.load('pipelines/daily/load.ipynb');
    expect(state.files.map(f => [f.path, f.kind])).toEqual([
      ['copilot.instructions.md', 'project'],
      ['pipelines/daily/AGENTS.md', 'agents'],
      ['pipelines/AGENTS.md', 'agents'],
      ['AGENTS.md', 'agents']
    ]);
    // The model is told which folder a nested one is about.
    const prompt = buildSystemPrompt({
      personaBody: 'p',
      instructions: state.files
    })
      .map(block => block.text)
      .join('\n');
    expect(prompt).toContain(
      '# Project instructions from `pipelines/daily/AGENTS.md` (applies to files under `pipelines/daily/`)\n\nDaily rules.'
    );
    expect(prompt).toContain(
      '# Project instructions from `AGENTS.md`\n\nRoot agents rules.'
    );
    // Without an active file, the root's only.
    state = await loader.load(null);
    expect(state.files.map(f => f.path)).toEqual([
      'copilot.instructions.md',
      'AGENTS.md'
    ]);
  });

  it('reads none when the setting is off, and again when it is on', async () => {
    let on = false;
    const contents = withAgents();
    const loader = new InstructionsLoader(contents, undefined, null, {
      useAgentsMd: () => on
    });
    let state = await loader.load('pipelines/daily/load.ipynb');
    expect(state.files.map(f => f.path)).toEqual(['copilot.instructions.md']);
    expect(state.skipped).toEqual([]);
    expect(contents.contentReads).toEqual(['copilot.instructions.md']);
    on = true;
    state = await loader.load('pipelines/x.ipynb');
    expect(state.files.map(f => f.path)).toEqual([
      'copilot.instructions.md',
      'pipelines/AGENTS.md',
      'AGENTS.md'
    ]);
  });

  it('lists a refused AGENTS.md (a link out of the root) as skipped, never reads it', async () => {
    const contents = withAgents();
    const asked: string[][] = [];
    const guard: IWorkspaceFileGuard = {
      async refused(paths) {
        asked.push([...paths]);
        return new Map(
          paths
            .filter(path => path === 'pipelines/AGENTS.md')
            .map(path => [
              path,
              'not read: it leads outside the server root through a symbolic link'
            ])
        );
      }
    };
    const state = await new InstructionsLoader(contents, undefined, guard).load(
      'pipelines/daily/load.ipynb'
    );
    expect(asked[0]).toEqual(
      expect.arrayContaining([
        'AGENTS.md',
        'pipelines/AGENTS.md',
        'pipelines/daily/AGENTS.md'
      ])
    );
    expect(state.files.map(f => f.path)).toEqual([
      'copilot.instructions.md',
      'pipelines/daily/AGENTS.md',
      'AGENTS.md'
    ]);
    expect(state.skipped).toEqual([
      {
        path: 'pipelines/AGENTS.md',
        reason:
          'not read: it leads outside the server root through a symbolic link'
      }
    ]);
    expect(contents.contentReads).not.toContain('pipelines/AGENTS.md');
  });

  it('walks the chain without going above the root', () => {
    expect(agentsMdChain('a/b/c.ipynb')).toEqual([
      'a/b/AGENTS.md',
      'a/AGENTS.md',
      'AGENTS.md'
    ]);
    expect(agentsMdChain('top.ipynb')).toEqual(['AGENTS.md']);
    expect(agentsMdChain(null)).toEqual(['AGENTS.md']);
    expect(agentsMdChain('../x/y.ipynb')).toEqual(['AGENTS.md']);
  });
});

describe('the instructions budget', () => {
  /** 40 files that apply everywhere, 4 KB each, and two scoped to notebooks. */
  const crowded = () => {
    const contents = new FakeContents();
    contents.files.set('copilot.instructions.md', {
      content: 'Project rules PROJECT-1.',
      lastModified: 't'
    });
    contents.files.set('AGENTS.md', {
      content: 'Agents rules AGENTS-1.',
      lastModified: 't'
    });
    for (let i = 0; i < 40; i++) {
      const name = `a${String(i).padStart(2, '0')}`;
      contents.files.set(`.github/instructions/${name}.instructions.md`, {
        content: `---\napplyTo: '**'\n---\nGeneral ${i}. ${'g'.repeat(4000)}`,
        lastModified: 't'
      });
    }
    for (const name of ['z1', 'z2']) {
      contents.files.set(`.github/instructions/${name}.instructions.md`, {
        content: `---\napplyTo: '**/*.ipynb'\n---\nNotebook rule ${name}.`,
        lastModified: 't'
      });
    }
    return contents;
  };

  it('keeps the most specific files within the budget and lists the rest', async () => {
    const budget = 10000;
    const loader = new InstructionsLoader(crowded(), undefined, null, {
      budgetTokens: () => budget
    });
    const state = await loader.load('etl/load.ipynb');
    const paths = state.files.map(f => f.path);
    // Project files, then the ones whose applyTo names the notebook, then `**`.
    expect(paths.slice(0, 4)).toEqual([
      'copilot.instructions.md',
      'AGENTS.md',
      '.github/instructions/z1.instructions.md',
      '.github/instructions/z2.instructions.md'
    ]);
    expect(paths[4]).toBe('.github/instructions/a00.instructions.md');
    const used = state.files.reduce((sum, f) => sum + instructionTokens(f), 0);
    expect(used).toBeLessThanOrEqual(budget);
    expect(state.budget).toEqual({ tokens: budget, used });
    // ~1,000 tokens each: 9 of the 40 fit; 31 are listed with their size.
    expect(state.files).toHaveLength(4 + 9);
    expect(state.overBudget).toHaveLength(31);
    expect(state.overBudget[0]).toEqual({
      path: '.github/instructions/a09.instructions.md',
      bytes: 4011 // 'General 9. ' and 4,000 letters
    });
    expect(state.overBudget.every(o => !paths.includes(o.path))).toBe(true);
  });

  it('holds 30 of the 40 general files under the default budget (32k tokens)', async () => {
    const contents = crowded();
    const state = await new InstructionsLoader(contents).load('x.ipynb');
    expect(state.budget.tokens).toBe(DEFAULT_INSTRUCTIONS_BUDGET_TOKENS);
    // ~1,034 tokens each (4,011 characters and a heading): 30 fit in what the first four leave.
    expect(state.files).toHaveLength(4 + 30);
    expect(state.overBudget).toHaveLength(10);
  });
});

describe('appliesTo', () => {
  it('matches globs, comma lists and base names', () => {
    expect(appliesTo(undefined, null)).toBe(true);
    expect(appliesTo('**', null)).toBe(true);
    expect(appliesTo('**/*.py', null)).toBe(false);
    expect(appliesTo('**/*.py', 'src/a.py')).toBe(true);
    expect(appliesTo('*.sql, *.ipynb', 'deep/dir/x.ipynb')).toBe(true);
    expect(appliesTo('dbt/**', 'models/x.sql')).toBe(false);
  });
});
