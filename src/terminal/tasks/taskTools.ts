import { isNotFound } from '../../contents/contents';
import type { IContentsLike } from '../../contents/contents';
import {
  IWorkspaceFileGuard,
  WORKSPACE_FILES_SERVICE
} from '../../contents/workspaceFiles';
import {
  commandRisk,
  ITerminalToolEnv,
  rulesApproval,
  runJob,
  servicesOf,
  TerminalToolError
} from '../runner';
import { judgeCommand } from '../commandPolicy';
import { checkWrites } from '../runner';
import { guardFor } from '../../tools/guard';
import { defineTool } from '../../tools/schema';
import type { IToolContext, IToolResult, ITool } from '../../tools/types';
import { makeTasks, recipeCommands } from './makefile';
import { shellQuote } from '../markers';
import { IWorkspaceTask, parseTasksJson, taskPlan } from './tasksJson';

/**
 * The workspace's tasks: `.vscode/tasks.json` and the Makefile at the
 * server root, run through the chat's terminal with the same approval as
 * run_command (one card per task, showing every step).
 */

export const TASKS_FILE = '.vscode/tasks.json';
const MAKEFILES = ['Makefile', 'makefile', 'GNUmakefile'];

const guard = guardFor(TerminalToolError);

/** What the task tools need besides the terminal services. */
export interface ITaskServices {
  /** Whether the server shows hidden files (`ContentsManager.allow_hidden`); null when unknown. */
  allowHidden: () => boolean | null;
}

/** The tasks found, and notes on what could not be read. */
export interface ITaskListing {
  tasks: IWorkspaceTask[];
  notes: string[];
}

async function readText(
  contents: IContentsLike,
  path: string
): Promise<string | null> {
  try {
    const model = await contents.get(path, {
      type: 'file',
      format: 'text',
      content: true
    });
    return typeof model.content === 'string' ? model.content : null;
  } catch (error) {
    if (isNotFound(error)) {
      return null;
    }
    throw error;
  }
}

/**
 * Read tasks.json and the Makefile; a refused hidden folder becomes a note
 * with the remedy. `guard` applies the workspace-file rules first (symlinks,
 * sensitive paths, regular files of at most 1 MiB): a refused file is a note.
 */
export async function listWorkspaceTasks(
  contents: IContentsLike,
  root: string,
  allowHidden: boolean | null,
  guard: IWorkspaceFileGuard | null = null
): Promise<ITaskListing> {
  const notes: string[] = [];
  const tasks: IWorkspaceTask[] = [];
  const refused = guard
    ? await guard.refused([TASKS_FILE, ...MAKEFILES])
    : new Map<string, string>();
  let tasksJson: string | null = null;
  try {
    const reason = refused.get(TASKS_FILE);
    if (reason) {
      notes.push(`${TASKS_FILE} was ${reason}.`);
    } else {
      tasksJson = await readText(contents, TASKS_FILE);
    }
  } catch (error) {
    notes.push(
      `${TASKS_FILE} could not be read: ${error instanceof Error ? error.message : String(error)}`
    );
  }
  if (tasksJson === null && allowHidden === false && !refused.has(TASKS_FILE)) {
    notes.push(
      `${TASKS_FILE} cannot be read: the Jupyter server refuses hidden folders such as .vscode/. ` +
        'Start it with --ContentsManager.allow_hidden=True to use VS Code tasks (Makefile targets work without it).'
    );
  }
  if (tasksJson !== null) {
    const parsed = await parseTasksJson(tasksJson, root);
    tasks.push(...parsed.tasks);
    if (parsed.problems.length) {
      notes.push(
        `${TASKS_FILE} has syntax problems (read as far as possible): ${parsed.problems.slice(0, 5).join('; ')}`
      );
    }
  }
  for (const name of MAKEFILES) {
    const reason = refused.get(name);
    if (reason) {
      notes.push(`${name} was ${reason}.`);
      break;
    }
    const text = await readText(contents, name).catch(() => null);
    if (text !== null) {
      tasks.push(...makeTasks(text, '', name));
      break;
    }
  }
  return { tasks, notes };
}

function fileGuard(context: IToolContext): IWorkspaceFileGuard | null {
  return (
    (context.services[WORKSPACE_FILES_SERVICE] as
      IWorkspaceFileGuard | undefined) ?? null
  );
}

function taskServices(context: IToolContext): ITaskServices {
  return (
    (context.services.tasks as ITaskServices | undefined) ?? {
      allowHidden: () => null
    }
  );
}

async function planFor(
  label: string,
  context: IToolContext
): Promise<IWorkspaceTask[]> {
  const services = servicesOf(context);
  const listing = await listWorkspaceTasks(
    services.contents,
    services.terminals.serverRoot,
    taskServices(context).allowHidden(),
    fileGuard(context)
  );
  if (
    !listing.tasks.some(task => task.label === label) &&
    listing.notes.length
  ) {
    throw new TerminalToolError(
      `No task "${label}". ${listing.notes.join(' ')}`
    );
  }
  const plan = taskPlan(label, listing.tasks);
  if (typeof plan === 'string') {
    throw new TerminalToolError(plan);
  }
  const blocked = plan.find(task => task.unsupported);
  if (blocked) {
    throw new TerminalToolError(
      `Task "${blocked.label}" cannot run here: ${blocked.unsupported}.`
    );
  }
  return plan;
}

/** The plan found at preview time, so the approval and the run use exactly what the card showed. */
const plans = new WeakMap<object, IWorkspaceTask[]>();

function envText(task: IWorkspaceTask): string {
  return Object.entries(task.env)
    .map(([k, v]) => `${k}=${shellQuote(v)}`)
    .join(' ');
}

/** One step on the card: folder, environment overrides, command, and for make the recipe. */
function stepLines(task: IWorkspaceTask): string[] {
  const env = envText(task);
  const lines = [
    `${task.cwd ? `(in ${task.cwd}/) ` : ''}${env ? `${env} ` : ''}${task.commandLine}`
  ];
  if (task.recipe) {
    lines.push(
      task.recipe.length
        ? `# ${task.commandLine} runs (the Makefile's recipe as written, variables unexpanded):`
        : `# ${task.commandLine}: no recipe for this target in the Makefile (make's built-in rules apply)`
    );
    lines.push(
      ...task.recipe.map(line => `#   ${line.replace(/^\t/, '    ')}`)
    );
    if (task.recipeTruncated) {
      lines.push('#   … (more lines: read the Makefile)');
    }
  }
  return lines;
}

/**
 * Why a plan must be shown whatever the allow-patterns say: environment overrides
 * (`options.env`) change what a command runs — a PATH that puts the repository's ./bin/git
 * first turns an allowed `git status` into any program — and a destructive recipe line hides
 * behind an allowed `make <target>`.
 */
function planRisk(plan: readonly IWorkspaceTask[]): string | null {
  for (const task of plan) {
    if (task.commandLine && Object.keys(task.env).length) {
      return `${task.label}: sets environment variables (${envText(task)}), which change what the command runs; environment overrides always ask`;
    }
    for (const command of recipeCommands(task.recipe ?? [])) {
      const destructive = judgeCommand(command, {
        allow: [],
        deny: []
      }).destructive;
      if (destructive) {
        return `${task.label}: its Makefile recipe runs \`${command}\`: ${destructive}`;
      }
    }
  }
  return null;
}

export function listTasksTool() {
  return defineTool({
    name: 'list_tasks',
    group: 'tasks',
    description:
      "List the workspace's tasks: VS Code tasks from .vscode/tasks.json (label, command, folder, dependencies) and " +
      'the Makefile targets at the server root (as "make: <target>"). Run one with run_task.',
    inputSchema: {
      type: 'object',
      properties: {},
      additionalProperties: false
    },
    effect: 'read',
    defaultApproval: 'auto',
    describe: () => 'List the workspace tasks (.vscode/tasks.json, Makefile)',
    run: (_input, context) =>
      guard(async () => {
        const services = servicesOf(context);
        const listing = await listWorkspaceTasks(
          services.contents,
          services.terminals.serverRoot,
          taskServices(context).allowHidden(),
          fileGuard(context)
        );
        const lines = listing.tasks.map(task => {
          const what = task.commandLine
            ? task.commandLine
            : '(runs its dependencies only)';
          const extra = [
            task.cwd ? `in ${task.cwd}/` : '',
            task.dependsOn.length
              ? `after ${task.dependsOn.map(d => `"${d}"`).join(', ')}`
              : '',
            task.unsupported ? `cannot run here: ${task.unsupported}` : ''
          ].filter(Boolean);
          return `- "${task.label}" [${task.source}]: ${what}${extra.length ? ` (${extra.join('; ')})` : ''}${task.detail ? ` — ${task.detail}` : ''}`;
        });
        const body = lines.length
          ? `${lines.length} tasks:\n${lines.join('\n')}`
          : 'No tasks found (no .vscode/tasks.json tasks, no Makefile at the server root).';
        return {
          content: [body, ...listing.notes].join('\n\n'),
          data: { paths: [] }
        };
      })
  });
}

export function runTaskTool(env: ITerminalToolEnv = {}) {
  return defineTool({
    name: 'run_task',
    group: 'tasks',
    description:
      "Run a workspace task by its label (from list_tasks) in the chat's terminal: its dependsOn tasks first, in " +
      "order, stopping at the first failure. Returns each step's exit code and output. The user approves it like a command.",
    inputSchema: {
      type: 'object',
      properties: {
        label: {
          type: 'string',
          minLength: 1,
          description: 'The task label, e.g. "dbt: build" or "make: test".'
        },
        timeout_seconds: {
          type: 'number',
          minimum: 1,
          maximum: 3600,
          description: 'Time limit per step (default: the user setting).'
        }
      },
      required: ['label'],
      additionalProperties: false
    },
    describe: input => `Run task "${input.label ?? '?'}"`,
    effect: 'execute',
    defaultApproval: 'ask',
    // No riskKind: its reasons mix destructive commands with the plan's environment policy.
    riskOf: input => {
      const plan = plans.get(input);
      if (!plan) {
        // Fail closed: without the plan nothing was checked (run() plans again and may refuse).
        return 'the task could not be read to check its commands';
      }
      for (const task of plan) {
        const risk = commandRisk(input, task.commandLine);
        if (risk) {
          return `${task.label}: ${risk}`;
        }
      }
      return planRisk(plan);
    },
    approvalOf: input => {
      const plan = plans.get(input);
      return plan
        ? rulesApproval(
            plan.filter(t => t.commandLine).map(t => t.commandLine),
            env.settings?.()
          )
        : null;
    },
    preview: async (input, context) => {
      try {
        const plan = await planFor(input.label, context);
        plans.set(input, plan);
        const writes = plan.flatMap(
          task => judgeCommand(task.commandLine, { allow: [], deny: [] }).writes
        );
        if (writes.length) {
          await checkWrites(
            input,
            writes,
            plan[plan.length - 1].cwd,
            servicesOf(context).contents
          );
        }
        return {
          summary: `Run task "${input.label}"${plan.length > 1 ? ` (${plan.length} steps)` : ''}`,
          code: {
            source: plan
              .filter(t => t.commandLine)
              .flatMap(stepLines)
              .join('\n'),
            language: 'shell'
          }
        };
      } catch {
        return { summary: `Run task "${input.label}"` };
      }
    },
    run: (input, context) =>
      guard(async () => {
        const plan = plans.get(input) ?? (await planFor(input.label, context));
        const timeout =
          input.timeout_seconds ??
          servicesOf(context).settings().timeoutSeconds;
        const parts: string[] = [];
        let last: IToolResult | null = null;
        for (const task of plan) {
          if (!task.commandLine) {
            continue;
          }
          const { result, run } = await runJob(
            {
              command: task.commandLine,
              folder: task.cwd,
              env: task.env,
              timeoutSeconds: timeout,
              task: task.label
            },
            context
          );
          parts.push(typeof result.content === 'string' ? result.content : '');
          last = result;
          if (run.status !== 'ok') {
            if (task.label !== input.label) {
              parts.push(
                `Task "${input.label}" did not run: its dependency "${task.label}" did not succeed.`
              );
            }
            break;
          }
        }
        if (!last) {
          return { content: `Task "${input.label}" has nothing to run.` };
        }
        const data = last.data?.command
          ? {
              ...last.data,
              command: { ...last.data.command, task: input.label }
            }
          : last.data;
        return { content: parts.join('\n\n'), isError: last.isError, data };
      })
  });
}

/** The task tools. */
export function createTaskTools(env: ITerminalToolEnv = {}): ITool[] {
  return [listTasksTool(), runTaskTool(env)];
}
