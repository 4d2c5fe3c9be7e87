import { ApprovalPolicy } from '../../agent/approval';
import { makeRecipe } from '../tasks/makefile';
import { runTaskTool } from '../tasks/taskTools';
import { TERMINAL_SERVICE } from '../service';

/**
 * Task approvals look past the command line (issue 26, item 9): a task's `options.env` always
 * asks, whatever the allow-patterns, and a make target's card shows its recipe.
 */

const TASKS = `{
  "version": "2.0.0",
  "tasks": [
    { "label": "status", "type": "shell", "command": "git status" },
    {
      "label": "status with bin",
      "type": "shell",
      "command": "git status",
      "options": { "env": { "PATH": "\${workspaceFolder}/bin:/usr/bin" } }
    }
  ]
}`;

const MAKEFILE = [
  'PY ?= python',
  'X := $(shell echo never-run)',
  '.PHONY: build test clean',
  'build: ## build the wheel',
  '\t$(PY) -m build \\',
  '\t  --wheel',
  'test: build',
  '\t@pytest -q',
  'clean:',
  '\trm -rf build dist',
  ''
].join('\n');

function contextWith(files: Record<string, string>) {
  const contents = {
    get: async (path: string) => {
      if (!(path in files)) {
        throw { status: 404, message: 'not found' };
      }
      return {
        name: path.split('/').pop(),
        path,
        type: 'file',
        content: files[path]
      };
    }
  };
  return {
    signal: new AbortController().signal,
    services: {
      [TERMINAL_SERVICE]: {
        terminals: { serverRoot: '/srv/project' },
        contents,
        baseDir: () => '',
        settings: () => ({ timeoutSeconds: 5, allow: [], deny: [] })
      },
      tasks: { allowHidden: () => true }
    }
  } as any;
}

const settings = (allow: string[]) => () => ({
  timeoutSeconds: 5,
  allow,
  deny: []
});

describe('task approval', () => {
  const policy = new ApprovalPolicy(() => ({}));

  it('asks for a task with environment overrides even when its command is allowed and granted', async () => {
    const tool = runTaskTool({ settings: settings(['git status']) });
    const context = contextWith({ '.vscode/tasks.json': TASKS });

    const plain = { label: 'status' };
    await tool.preview!(plain, context);
    expect(policy.decide(tool, plain)).toEqual({ mode: 'auto' });

    const withEnv = { label: 'status with bin' };
    const preview = await tool.preview!(withEnv, context);
    expect(preview.code!.source).toBe(
      "PATH='/srv/project/bin:/usr/bin' git status"
    );
    expect(policy.decide(tool, withEnv, ['run_task'])).toEqual({
      mode: 'ask',
      reason: expect.stringMatching(
        /status with bin: sets environment variables \(PATH='\/srv\/project\/bin:\/usr\/bin'\).*always ask/
      )
    });
  });

  it("shows a make target's recipe, its prerequisites' first, as written", async () => {
    const tool = runTaskTool({ settings: settings(['make *']) });
    const context = contextWith({ Makefile: MAKEFILE });
    const test = { label: 'make: test' };
    const preview = await tool.preview!(test, context);
    expect(preview.code!.source.split('\n')).toEqual([
      'make test',
      "# make test runs (the Makefile's recipe as written, variables unexpanded):",
      '#   build:',
      '#       $(PY) -m build  --wheel',
      '#   test: build',
      '#       @pytest -q'
    ]);
    expect(policy.decide(tool, test)).toEqual({ mode: 'auto' });
  });

  it('asks when an allowed make target runs a destructive recipe line', async () => {
    const tool = runTaskTool({ settings: settings(['make *']) });
    const clean = { label: 'make: clean' };
    const preview = await tool.preview!(
      clean,
      contextWith({ Makefile: MAKEFILE })
    );
    expect(preview.code!.source).toContain('#       rm -rf build dist');
    expect(policy.decide(tool, clean, ['run_task'])).toEqual({
      mode: 'ask',
      reason: expect.stringMatching(
        /make: clean: its Makefile recipe runs `rm -rf build dist`/
      )
    });
  });

  it('reads recipes without running make (no $(shell) call, no + line)', () => {
    const text =
      'X := $(shell touch /tmp/never)\nall: a b\na:\n\t+echo a\nb: a ; echo b\n';
    expect(makeRecipe(text, 'all').lines).toEqual([
      'a:',
      '\t+echo a',
      'b: a',
      '\techo b',
      'all: a b'
    ]);
    expect(makeRecipe(text, 'missing').lines).toEqual([]);
  });
});
