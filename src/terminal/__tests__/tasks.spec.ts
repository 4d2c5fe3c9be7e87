import { makeTargets, makeTasks } from '../tasks/makefile';
import { ITasksFile, parseTasksJson, taskPlan } from '../tasks/tasksJson';
import { listWorkspaceTasks } from '../tasks/taskTools';

const TASKS = `{
  // VS Code allows comments…
  "version": "2.0.0",
  "options": { "env": { "DBT_PROFILES_DIR": "\${workspaceFolder}/profiles" } },
  "tasks": [
    {
      "label": "dbt: deps",
      "type": "shell",
      "command": "dbt deps",
      "options": { "cwd": "\${workspaceFolder}/warehouse" },
    },
    {
      "label": "dbt: build",
      "type": "shell",
      "command": "dbt",
      "args": ["build", "--select", "tag:daily and orders"],
      "options": { "cwd": "warehouse", "env": { "TARGET": "dev" } },
      "dependsOn": ["dbt: deps"], /* …and trailing commas */
    },
    { "label": "all", "dependsOn": ["dbt: build", "lint"] },
    { "label": "lint", "type": "process", "command": "ruff", "args": ["check", "my dir"] },
    { "label": "npm thing", "type": "npm", "script": "build" },
    { "label": "needs input", "type": "shell", "command": "echo \${input:name}" },
    { "label": "loop a", "type": "shell", "command": "true", "dependsOn": "loop b" },
    { "label": "loop b", "type": "shell", "command": "true", "dependsOn": "loop a" },
  ]
}`;

describe('tasks.json', () => {
  let parsed: ITasksFile;
  beforeAll(async () => {
    parsed = await parseTasksJson(TASKS, '/srv/project');
  });
  const byLabel = (label: string) => parsed.tasks.find(t => t.label === label)!;

  it('reads shell and process tasks with comments and trailing commas', () => {
    expect(parsed.problems).toEqual([]);
    expect(byLabel('dbt: build')).toMatchObject({
      commandLine: "dbt build --select 'tag:daily and orders'",
      cwd: 'warehouse',
      env: { DBT_PROFILES_DIR: '/srv/project/profiles', TARGET: 'dev' },
      dependsOn: ['dbt: deps']
    });
    expect(byLabel('dbt: deps')).toMatchObject({
      commandLine: 'dbt deps',
      cwd: 'warehouse'
    });
    expect(byLabel('lint').commandLine).toBe("ruff check 'my dir'");
  });

  it('lists what cannot run here with the reason', () => {
    expect(byLabel('npm thing').unsupported).toMatch(/type "npm"/);
    expect(byLabel('needs input').unsupported).toMatch(/\$\{input:name\}/);
  });

  it('plans dependencies first, in order, each once', () => {
    const plan = taskPlan('all', parsed.tasks);
    expect(Array.isArray(plan) && plan.map(t => t.label)).toEqual([
      'dbt: deps',
      'dbt: build',
      'lint',
      'all'
    ]);
  });

  it('reports cycles and unknown labels', () => {
    expect(taskPlan('loop a', parsed.tasks)).toMatch(
      /cycle: loop a → loop b → loop a/
    );
    expect(taskPlan('nope', parsed.tasks)).toMatch(/No task "nope"/);
  });

  it('reports syntax problems with their position and keeps what it could read', async () => {
    const broken = await parseTasksJson(
      '{ "tasks": [ { "label": "a", "type": "shell", "command": "x" } ',
      ''
    );
    expect(broken.problems.length).toBeGreaterThan(0);
    expect(broken.problems[0]).toMatch(/^\d+:\d+ /);
    expect(broken.tasks.map(t => t.label)).toEqual(['a']);
  });
});

const MAKEFILE = `
.PHONY: test build help
PYTHON := python3
export FOO = bar

# Build the wheel
build: deps
\t$(PYTHON) -m build

test: build ## Run the tests
\tpytest -q

deps lint:
\techo $@
%.o: %.c
\tcc -c $<
clean::
\trm -rf dist
target-var: CFLAGS = -O2
`;

describe('Makefile targets', () => {
  it('lists explicit targets with their descriptions', () => {
    expect(makeTargets(MAKEFILE)).toEqual([
      { name: 'build', description: 'Build the wheel' },
      { name: 'test', description: 'Run the tests' },
      { name: 'deps' },
      { name: 'lint' },
      { name: 'clean' },
      { name: 'target-var' }
    ]);
  });

  it('runs targets with make', () => {
    expect(makeTasks(MAKEFILE, '')[1]).toMatchObject({
      label: 'make: test',
      commandLine: 'make test',
      source: 'Makefile'
    });
  });
});

describe('reading the workspace tasks', () => {
  const refused = { status: 404, message: 'not found' };
  it('explains a refused hidden .vscode folder and still lists Makefile targets', async () => {
    const contents = {
      get: async (path: string) => {
        if (path === 'Makefile') {
          return {
            name: 'Makefile',
            path,
            type: 'file',
            content: 'test:\n\tpytest\n'
          };
        }
        throw refused;
      }
    };
    const listing = await listWorkspaceTasks(contents, '/srv', false);
    expect(listing.tasks.map(t => t.label)).toEqual(['make: test']);
    expect(listing.notes.join(' ')).toMatch(/allow_hidden=True/);
  });

  it('reads .vscode/tasks.json when the server shows it', async () => {
    const contents = {
      get: async (path: string) => {
        if (path === '.vscode/tasks.json') {
          return { name: 'tasks.json', path, type: 'file', content: TASKS };
        }
        throw refused;
      }
    };
    const listing = await listWorkspaceTasks(contents, '/srv', true);
    expect(listing.notes).toEqual([]);
    expect(listing.tasks.map(t => t.label)).toContain('dbt: build');
  });
});
