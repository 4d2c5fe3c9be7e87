/** @jest-environment node */
import {
  IContentsGetOptions,
  IContentsLike,
  IContentsModelLike
} from '../../contents/contents';
import {
  appliesTo,
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
