import { guardFor } from '../tools/guard';
import { framedResult } from '../tools/results';
import { defineTool } from '../tools/schema';
import { fenced } from '../markdown/markdown';
import type { ITool } from '../tools/types';
import { judgeCommand } from './commandPolicy';
import {
  checkFolder,
  checkWrites,
  commandRisk,
  ITerminalToolEnv,
  resolveFolder,
  rulesApproval,
  runJob,
  servicesOf,
  TerminalToolError
} from './runner';

/** The terminal tools: run a command in the chat's terminal, read what the terminal shows. */

const guard = guardFor(TerminalToolError);

const MAX_TIMEOUT_S = 3600;

export function runCommandTool(env: ITerminalToolEnv = {}) {
  return defineTool({
    name: 'run_command',
    group: 'terminal',
    description:
      "Run a shell command in the chat's own terminal (a Jupyter terminal the user watches in the main area), e.g. " +
      '`dbt build --select orders`, `psql -c "\\d"`, `git status`, `make test`, `pytest -q`. Returns the exit code and the ' +
      'output (long output keeps its first and last lines; colours removed). cwd is relative to the server root ' +
      "(default: the active notebook's folder). The shell keeps state between calls (exported variables, activated " +
      'environments). The user approves commands; it is interrupted (Ctrl-C) after the time limit. For a server or a ' +
      'watcher that keeps running, pass background: true and follow it with get_terminal_output. Not for installing ' +
      'Python packages into the kernel (use install_packages).',
    inputSchema: {
      type: 'object',
      properties: {
        command: {
          type: 'string',
          minLength: 1,
          maxLength: 20000,
          description: 'The command line, run as typed in a POSIX shell.'
        },
        cwd: {
          type: 'string',
          description:
            'Folder relative to the server root ("" or "." for the root); default: the active notebook\'s folder.'
        },
        timeout_seconds: {
          type: 'number',
          minimum: 1,
          maximum: MAX_TIMEOUT_S,
          description:
            'Time limit before Ctrl-C (default: the user setting, 120 s unless changed).'
        },
        background: {
          type: 'boolean',
          description:
            'Return after 3 seconds and leave the command running, without a time limit (default false).'
        }
      },
      required: ['command'],
      additionalProperties: false
    },
    describe: input =>
      `Run in the terminal: ${firstLine(input.command ?? '?')}`,
    inputMarkdown: input =>
      typeof input.command === 'string' ? fenced(input.command, 'shell') : null,
    effect: 'execute',
    defaultApproval: 'ask',
    riskOf: input => commandRisk(input, input.command),
    riskKind: 'destructive',
    approvalOf: input => rulesApproval([input.command], env.settings?.()),
    preview: async (input, context) => {
      let folder = input.cwd ?? '';
      try {
        const services = servicesOf(context);
        folder = resolveFolder(input.cwd, services.baseDir());
        const writes = judgeCommand(input.command, {
          allow: [],
          deny: []
        }).writes;
        if (writes.length) {
          await checkWrites(input, writes, folder, services.contents);
        }
      } catch {
        // The run reports a bad folder; the preview shows what was asked.
      }
      return {
        summary: `Run in ${folder ? `${folder}/` : 'the server root'}: ${firstLine(input.command)}`,
        code: { source: input.command, language: 'shell' }
      };
    },
    run: (input, context) =>
      guard(async () => {
        const services = servicesOf(context);
        const folder = resolveFolder(input.cwd, services.baseDir());
        await checkFolder(services.contents, folder);
        const timeout =
          input.timeout_seconds ?? services.settings().timeoutSeconds;
        const { result } = await runJob(
          {
            command: input.command,
            folder,
            timeoutSeconds: timeout,
            background: input.background
          },
          context
        );
        return result;
      })
  });
}

export function terminalOutputTool() {
  return defineTool({
    name: 'get_terminal_output',
    group: 'terminal',
    description:
      "The last lines the chat's terminal shows (plain text), and whether the last command started there is still " +
      'running. Use it to follow a command started with background: true, or one that hit its time limit.',
    inputSchema: {
      type: 'object',
      properties: {
        lines: {
          type: 'integer',
          minimum: 1,
          maximum: 1000,
          description: 'How many lines (default 50).'
        }
      },
      additionalProperties: false
    },
    effect: 'read',
    defaultApproval: 'auto',
    describe: input =>
      `Read the last ${input.lines ?? 50} lines of the chat's terminal`,
    run: (input, context) =>
      guard(async () => {
        const services = servicesOf(context);
        const session =
          services.terminals.current ?? (await services.terminals.existing());
        if (!session) {
          return {
            content:
              'This chat has no open terminal yet: nothing has run. Use run_command to start one.'
          };
        }
        const activity = session.activity;
        const state = !activity
          ? 'No command was started from this page yet (the terminal may show earlier ones, e.g. from before a reload).'
          : activity.ended
            ? `Last command \`${activity.command}\` ended${activity.exitCode !== undefined && activity.exitCode !== null ? ` with exit code ${activity.exitCode}` : ''}.`
            : `Still running: \`${activity.command}\` (started ${Math.round((Date.now() - activity.startedAt) / 1000)} s ago).`;
        const tail = session.tail(input.lines ?? 50);
        return {
          content: tail
            ? framedResult(
                `${state}\n--- last lines of the terminal ---`,
                'get_terminal_output',
                tail
              )
            : `${state}\n--- last lines of the terminal ---\n(empty)`
        };
      })
  });
}

function firstLine(text: string): string {
  const line = text.split('\n')[0];
  return line.length > 120
    ? `${line.slice(0, 117)}…`
    : text.includes('\n')
      ? `${line} …`
      : line;
}

/** The terminal tools (definitions work without services; the app passes the settings). */
export function createTerminalTools(env: ITerminalToolEnv = {}): ITool[] {
  return [runCommandTool(env), terminalOutputTool()];
}
