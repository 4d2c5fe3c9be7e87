/**
 * Workspace files the chat reads before any click (issue 26, items 3 and 8):
 * instruction, persona and prompt files, tasks.json and the Makefile go
 * through the file tools' symlink and sensitive-path rules and a 1 MiB cap,
 * and a refused file is listed with the reason, never read.
 *
 * The contents API follows links silently (as jupyter_server does), so a
 * link here is a file whose text is the target's; the symlink-check route is
 * played by `LinkedRoot`, which answers as files.py does (the route itself is
 * tested against a real server in test_workspace_files.py).
 */
import { SlashCommandRegistry } from '../agent/slashCommands';
import { PromptFileCommands } from '../agent/promptCommands';
import type {
  IPathStat,
  IRootCheck,
  IRootDescription
} from '../contents/rootCheck';
import { MAX_WORKSPACE_FILE_BYTES } from '../contents/workspaceFiles';
import { createWorkspaceFileGuard, SensitivePaths } from '../files';
import { InstructionsLoader } from '../instructions/instructions';
import { PersonaRegistry } from '../personas/registry';
import { PersonaContents } from '../personas/workspaceContents';
import { listWorkspaceTasks } from '../terminal/tasks/taskTools';
import { FakeContents } from './fakeContents';

const SECRET = '[default]\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG\n';

/** The symlink-check route over a FakeContents: links are declared, the rest is described from the fake. */
class LinkedRoot implements IRootCheck {
  constructor(private contents: FakeContents) {}
  /** path -> target inside the root, or null for a link leading outside it. */
  links = new Map<string, string | null>();
  /** Paths that are devices or FIFOs. */
  special = new Set<string>();
  fail: Error | null = null;
  asked: string[][] = [];

  async outside(paths: readonly string[]): Promise<Set<string>> {
    return (await this.describe(paths)).outside;
  }

  async describe(paths: readonly string[]): Promise<IRootDescription> {
    this.asked.push([...paths]);
    if (this.fail) {
      throw this.fail;
    }
    const outside = new Set<string>();
    const stat = new Map<string, IPathStat>();
    for (const path of paths) {
      const link = this.links.get(path);
      if (link === null) {
        outside.add(path);
        continue;
      }
      const real = link ?? path;
      const info: IPathStat = this.special.has(real)
        ? { kind: 'other' }
        : this.contents.exists(real)
          ? this.contents.dirs.has(real)
            ? { kind: 'dir' }
            : { kind: 'file', size: this.contents.bytes(real)!.length }
          : { kind: 'missing' };
      if (link) {
        info.target = link;
      }
      stat.set(path, info);
    }
    return { checked: true, outside, stat };
  }
}

function setup(files: Record<string, string | Buffer>) {
  const contents = new FakeContents(files);
  const root = new LinkedRoot(contents);
  const reads: string[] = [];
  contents.before = (op, path, options) => {
    if (op === 'get' && options?.content && options?.type !== 'directory') {
      reads.push(path);
    }
  };
  const guard = createWorkspaceFileGuard({
    rootCheck: root,
    contents,
    sensitive: () => new SensitivePaths({ extra: ['private/'] })
  });
  return { contents, root, reads, guard };
}

describe('the workspace-file guard (the file tools rules for files read before a click)', () => {
  it('refuses links out of the root, links to sensitive paths, sensitive paths, non-regular and big files', async () => {
    const { contents, root, guard } = setup({
      'ok.md': 'fine',
      'big.md': Buffer.alloc(MAX_WORKSPACE_FILE_BYTES + 1, 97),
      'home/.aws/credentials': SECRET,
      'private/notes.md': 'mine',
      'link_ok.md': 'fine',
      'pipe.md': '',
      '.env.md': 'TOKEN=1'
    });
    contents.put('link_aws.md', SECRET);
    contents.put('link_out.md', SECRET);
    contents.put('link_big.md', 'small?');
    root.links.set('link_out.md', null);
    root.links.set('link_aws.md', 'home/.aws/credentials');
    root.links.set('link_big.md', 'big.md');
    root.links.set('link_ok.md', 'ok.md');
    root.special.add('pipe.md');
    const refused = await guard.refused([
      'ok.md',
      'big.md',
      'link_out.md',
      'link_aws.md',
      'link_big.md',
      'link_ok.md',
      'pipe.md',
      '.env.md',
      'private/notes.md',
      'missing.md'
    ]);
    expect(Object.fromEntries(refused)).toEqual({
      'big.md':
        'not read: it is 1.0 MiB, over the 1.0 MiB limit for workspace files',
      'link_out.md':
        'not read: it leads outside the server root through a symbolic link',
      'link_aws.md':
        'not read: it is a symbolic link to home/.aws/credentials, which is sensitive (cloud credentials)',
      'link_big.md':
        'not read: it is 1.0 MiB, over the 1.0 MiB limit for workspace files',
      'pipe.md':
        'not read: it is not a regular file (a device, FIFO or socket)',
      '.env.md':
        'not read: it is sensitive (an environment file, which often holds secrets)',
      'private/notes.md': expect.stringMatching(/^not read: it is sensitive/)
    });
    // One request to the server for every path (it only describes them; a
    // missing file needs no glob matching, so minimatch loads only for files that exist).
    expect(root.asked).toHaveLength(1);
    expect(refused.has('missing.md')).toBe(false);
  });

  it('refuses everything when the check itself fails (nothing is read unchecked)', async () => {
    const { root, guard } = setup({ 'a.md': 'x' });
    root.fail = new Error("the server's symlink check answered HTTP 500");
    const refused = await guard.refused(['a.md', 'b.md']);
    expect(refused.get('a.md')).toBe(
      "not read: could not check where it leads (the server's symlink check answered HTTP 500); try again"
    );
    expect(refused.size).toBe(2);
  });
});

describe('instruction files', () => {
  it('a copilot.instructions.md linked to ~/.aws/credentials is skipped with the reason, never read', async () => {
    const { contents, root, reads, guard } = setup({
      '.github/copilot-instructions.md': 'Use snake_case.',
      '.github/instructions/sql.instructions.md':
        '---\napplyTo: "**"\n---\nUpper-case keywords.'
    });
    contents.put('copilot.instructions.md', SECRET);
    root.links.set('copilot.instructions.md', null);
    const loader = new InstructionsLoader(contents, undefined, guard);
    const state = await loader.load(null);
    expect(state.files.map(f => f.path)).toEqual([
      '.github/copilot-instructions.md',
      '.github/instructions/sql.instructions.md'
    ]);
    expect(state.skipped).toEqual([
      {
        path: 'copilot.instructions.md',
        reason:
          'not read: it leads outside the server root through a symbolic link'
      }
    ]);
    expect(state.missingProjectFile).toBe(false);
    expect(reads).not.toContain('copilot.instructions.md');
    expect(JSON.stringify(state)).not.toContain('aws_secret_access_key');
  });

  it('a link inside the root to a sensitive file and a file over 1 MiB are skipped unread', async () => {
    const { contents, root, reads, guard } = setup({
      'home/.ssh/id_rsa': '-----BEGIN OPENSSH PRIVATE KEY-----',
      'copilot.instructions.md': 'x'.repeat(MAX_WORKSPACE_FILE_BYTES + 10)
    });
    contents.put('.github/copilot-instructions.md', 'key');
    root.links.set('.github/copilot-instructions.md', 'home/.ssh/id_rsa');
    const state = await new InstructionsLoader(contents, undefined, guard).load(
      null
    );
    expect(state.files).toEqual([]);
    expect(state.skipped.map(s => [s.path, s.reason])).toEqual([
      [
        'copilot.instructions.md',
        'not read: it is 1.0 MiB, over the 1.0 MiB limit for workspace files'
      ],
      [
        '.github/copilot-instructions.md',
        'not read: it is a symbolic link to home/.ssh/id_rsa, which is sensitive (SSH keys or configuration)'
      ]
    ]);
    expect(reads).toEqual([]);
  });
});

describe('persona and prompt files', () => {
  it('a persona file linked out of the root is a problem with the reason, not a persona', async () => {
    const { contents, root, reads, guard } = setup({
      '.jupyter/personas/reviewer.md':
        '---\nname: Reviewer\ndescription: Reviews\n---\nReview the code.'
    });
    contents.put(
      '.jupyter/personas/leak.md',
      `---\nname: Leak\n---\n${SECRET}`
    );
    root.links.set('.jupyter/personas/leak.md', null);
    const registry = new PersonaRegistry({
      bundled: [],
      contents: new PersonaContents(contents as any, () => true, guard)
    });
    await registry.load();
    expect(registry.all().map(p => p.id)).toEqual(['reviewer']);
    expect(registry.problems).toEqual([
      {
        path: '.jupyter/personas/leak.md',
        reason:
          'not read: it leads outside the server root through a symbolic link',
        kind: 'refused'
      }
    ]);
    expect(reads).not.toContain('.jupyter/personas/leak.md');
  });

  it('a prompt file linked to a sensitive file is listed with the reason and registers no command', async () => {
    const { contents, root, reads, guard } = setup({
      '.github/prompts/profile.prompt.md': 'Profile ${input:table}.',
      'secrets/.env.prod': 'TOKEN=abc'
    });
    contents.put('.github/prompts/env.prompt.md', 'TOKEN=abc');
    root.links.set('.github/prompts/env.prompt.md', 'secrets/.env.prod');
    const slashCommands = new SlashCommandRegistry();
    const prompts = new PromptFileCommands({
      contents: new PersonaContents(contents as any, () => true, guard),
      slashCommands,
      context: () => ({}),
      hasPersona: () => true
    });
    await prompts.load();
    expect(prompts.prompts.map(p => p.name)).toEqual(['profile']);
    expect(prompts.problems).toEqual([
      {
        path: '.github/prompts/env.prompt.md',
        reason:
          'not read: it is a symbolic link to secrets/.env.prod, which is sensitive (an environment file, which often holds secrets)'
      }
    ]);
    expect(slashCommands.get('env')).toBeUndefined();
    expect(reads).not.toContain('.github/prompts/env.prompt.md');
  });
});

describe('tasks.json and the Makefile', () => {
  it('a tasks.json linked out of the root and a Makefile over 1 MiB are notes, not read', async () => {
    const { contents, root, reads, guard } = setup({
      Makefile: `test:\n\tpytest\n${'#'.repeat(MAX_WORKSPACE_FILE_BYTES)}\n`
    });
    contents.put('.vscode/tasks.json', '{"version": "2.0.0", "tasks": []}');
    root.links.set('.vscode/tasks.json', null);
    const listing = await listWorkspaceTasks(contents, '/srv', true, guard);
    expect(listing.tasks).toEqual([]);
    expect(listing.notes).toEqual([
      '.vscode/tasks.json was not read: it leads outside the server root through a symbolic link.',
      'Makefile was not read: it is 1.0 MiB, over the 1.0 MiB limit for workspace files.'
    ]);
    expect(reads).toEqual([]);
  });
});
