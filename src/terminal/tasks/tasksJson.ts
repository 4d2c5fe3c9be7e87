import type { ParseError } from 'jsonc-parser';
import { shellQuote } from '../markers';

/**
 * VS Code's `.vscode/tasks.json` (JSON with comments and trailing commas,
 * read with VS Code's own parser): shell and process tasks with `label`,
 * `command`, `args`, `options.cwd`, `options.env`, `dependsOn`, and the
 * `linux` overrides. Other task types (npm, gulp…) are listed as
 * unsupported rather than guessed.
 */

/** One task as this extension runs it. */
export interface IWorkspaceTask {
  label: string;
  /** Where it came from: 'tasks.json' or 'Makefile'. */
  source: 'tasks.json' | 'Makefile';
  /** The command line for the shell ('' for a task that only runs its dependencies). */
  commandLine: string;
  /** Folder relative to the server root ('' for the root). */
  cwd: string;
  env: Record<string, string>;
  dependsOn: string[];
  /** Makefile targets: the recipe lines `make` would run, as written (`makeRecipe`). */
  recipe?: string[];
  /** The recipe had more lines than a card shows. */
  recipeTruncated?: boolean;
  detail?: string;
  /** Why it cannot run here (unsupported type, unknown variable); it is still listed. */
  unsupported?: string;
}

/** What reading a tasks.json gave. */
export interface ITasksFile {
  tasks: IWorkspaceTask[];
  /** Parse problems, as "line:column message". */
  problems: string[];
}

const KNOWN_VARIABLES =
  /\$\{(workspaceFolder|workspaceRoot|workspaceFolderBasename|cwd|pathSeparator|env:[A-Za-z_][A-Za-z0-9_]*)\}/g;

/** Substitute the variables a task may use; null names the first one we cannot know here. */
function substitute(
  text: string,
  root: string
): { text: string; unknown: string | null } {
  const rest = text.replace(KNOWN_VARIABLES, '');
  const unknown = /\$\{[^}]+\}/.exec(rest);
  if (unknown) {
    return { text, unknown: unknown[0] };
  }
  const basename = root.replace(/\/+$/, '').split('/').pop() ?? '';
  return {
    text: text.replace(KNOWN_VARIABLES, (_, name: string) => {
      if (
        name === 'workspaceFolder' ||
        name === 'workspaceRoot' ||
        name === 'cwd'
      ) {
        return root;
      }
      if (name === 'workspaceFolderBasename') {
        return basename;
      }
      if (name === 'pathSeparator') {
        return '/';
      }
      return `\${${name.slice(4)}}`; // ${env:NAME} → the shell's ${NAME}
    }),
    unknown: null
  };
}

/** A task's `cwd`, as a server path: relative stays relative to the root, ${workspaceFolder}/x → x. */
export function taskFolder(
  cwd: string | undefined,
  root: string
): string | null {
  if (!cwd) {
    return '';
  }
  let path = cwd
    .replace(/\$\{(?:workspaceFolder|workspaceRoot)\}/g, '')
    .replace(/\\/g, '/');
  if (/\$\{[^}]+\}/.test(path)) {
    return null;
  }
  if (root && path.startsWith(root)) {
    path = path.slice(root.length);
  } else if (path.startsWith('/') && cwd.startsWith('/')) {
    return null; // absolute, outside the workspace
  }
  const segments = path.split('/').filter(s => s && s !== '.');
  if (segments.includes('..')) {
    return null;
  }
  return segments.join('/');
}

/** Quote a task argument the way VS Code does for shell tasks: only when it needs it. */
function shellArgument(arg: unknown): string {
  const text =
    typeof arg === 'string'
      ? arg
      : String((arg as { value?: unknown })?.value ?? arg);
  return /^[\w@%+=:,./-]+$/.test(text) ? text : shellQuote(text);
}

function asRecord(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/**
 * Parse tasks.json text. `root` is the server root's absolute path, for `${workspaceFolder}`.
 * jsonc-parser (7 KB gzip) loads with the first tasks.json, not with the chat.
 */
export async function parseTasksJson(
  text: string,
  root = ''
): Promise<ITasksFile> {
  const { parse, printParseErrorCode } = await import(
    /* webpackChunkName: "jsonc-parser" */ 'jsonc-parser'
  );
  const errors: ParseError[] = [];
  const json = asRecord(
    parse(text, errors, { allowTrailingComma: true, disallowComments: false })
  );
  const problems = errors.map(error => {
    const before = text.slice(0, error.offset).split('\n');
    return `${before.length}:${before[before.length - 1].length + 1} ${printParseErrorCode(error.error)}`;
  });
  const globalOptions = asRecord(json.options);
  const tasks: IWorkspaceTask[] = [];
  const list = Array.isArray(json.tasks) ? json.tasks : [];
  for (const raw of list) {
    const base = asRecord(raw);
    const task = { ...base, ...asRecord(base.linux) };
    const label = String(task.label ?? task.taskName ?? '').trim();
    if (!label) {
      continue;
    }
    const options = { ...globalOptions, ...asRecord(task.options) };
    const env: Record<string, string> = {};
    for (const [name, value] of Object.entries({
      ...asRecord(globalOptions.env),
      ...asRecord(asRecord(task.options).env)
    })) {
      env[name] = substitute(String(value), root).text;
    }
    const dependsOn = (
      Array.isArray(task.dependsOn)
        ? task.dependsOn
        : task.dependsOn
          ? [task.dependsOn]
          : []
    )
      .map(dep =>
        typeof dep === 'string' ? dep : String(asRecord(dep).label ?? '')
      )
      .filter(Boolean);
    const type = String(task.type ?? (task.command ? 'process' : ''));
    const entry: IWorkspaceTask = {
      label,
      source: 'tasks.json',
      commandLine: '',
      cwd: '',
      env,
      dependsOn,
      ...(typeof task.detail === 'string' ? { detail: task.detail } : {})
    };
    const folder = taskFolder(
      typeof options.cwd === 'string' ? options.cwd : undefined,
      root
    );
    if (folder === null) {
      entry.unsupported = `its options.cwd "${String(options.cwd)}" is not a folder inside the workspace`;
    } else {
      entry.cwd = folder;
    }
    const command =
      task.command === undefined
        ? ''
        : String(
            typeof task.command === 'object'
              ? (asRecord(task.command).value ?? '')
              : task.command
          );
    const args = Array.isArray(task.args) ? task.args : [];
    if (type && type !== 'shell' && type !== 'process') {
      entry.unsupported ??= `its type "${type}" is not a shell or process task`;
    } else if (!command) {
      if (!dependsOn.length) {
        entry.unsupported ??= 'it has no command';
      }
    } else {
      const pieces =
        type === 'shell'
          ? [command, ...args.map(shellArgument)]
          : [command, ...args.map(String)].map(p => shellArgument(p));
      const joined = substitute(pieces.join(' '), root);
      if (joined.unknown) {
        entry.unsupported ??= `it uses ${joined.unknown}, which only VS Code can fill in`;
      }
      entry.commandLine = joined.text;
    }
    tasks.push(entry);
  }
  return { tasks, problems };
}

/**
 * The tasks to run for `label`, dependencies first in the order given (each
 * once); an error message for an unknown label or a cycle.
 */
export function taskPlan(
  label: string,
  tasks: readonly IWorkspaceTask[]
): IWorkspaceTask[] | string {
  const byLabel = new Map(tasks.map(task => [task.label, task]));
  const plan: IWorkspaceTask[] = [];
  const done = new Set<string>();
  const visiting: string[] = [];
  const visit = (name: string): string | null => {
    const task = byLabel.get(name);
    if (!task) {
      return visiting.length
        ? `Task "${visiting[visiting.length - 1]}" depends on "${name}", which is not defined.`
        : `No task "${name}". Call list_tasks for the labels.`;
    }
    if (done.has(name)) {
      return null;
    }
    if (visiting.includes(name)) {
      return `The tasks depend on each other in a cycle: ${[...visiting, name].join(' → ')}.`;
    }
    visiting.push(name);
    for (const dep of task.dependsOn) {
      const problem = visit(dep);
      if (problem) {
        return problem;
      }
    }
    visiting.pop();
    done.add(name);
    plan.push(task);
    return null;
  };
  const problem = visit(label);
  return problem ?? plan;
}
