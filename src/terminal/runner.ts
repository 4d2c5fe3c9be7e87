import type { IContentsLike } from '../contents/contents';
import { isNotFound } from '../contents/contents';
import { normalizeServerPath, segmentsOf } from '../contents/paths';
import type { IToolContext, IToolResult } from '../tools/types';
import type { IResultCommand } from '../tools/results';
import { framedResult } from '../tools/results';
import { ICommandRules, judgeCommand } from './commandPolicy';
import { boundOutput, terminalText } from './output';
import type { TerminalService } from './service';
import { TERMINAL_SERVICE } from './service';
import { hideMarkers } from './session';
import type { ICommandRun } from './session';

/** A background command returns after this long (and keeps running). */
export const BACKGROUND_HANDOFF_MS = 3000;

/**
 * What run_command and run_task share: the folder a command runs in, the
 * approval rules read from the settings, the run itself in the chat's
 * terminal, and the result text and data.
 */

/** The settings the terminal tools read. */
export interface ITerminalSettings extends ICommandRules {
  /** Default time limit of one call, seconds. */
  timeoutSeconds: number;
}

/** What the app gives the terminal tools (all optional, so the catalogue can list them bare). */
export interface ITerminalToolEnv {
  settings?: () => ITerminalSettings;
}

/** The service and helpers the tools use at run time (`context.services.terminal`). */
export interface ITerminalToolServices {
  terminals: TerminalService;
  contents: IContentsLike;
  /** The active notebook's folder (server path), the default cwd. */
  baseDir: () => string;
  settings: () => ITerminalSettings;
}

/** An expected failure the model should read (bad folder, busy terminal…). */
export class TerminalToolError extends Error {}

export function servicesOf(context: IToolContext): ITerminalToolServices {
  const services = context.services[TERMINAL_SERVICE] as
    ITerminalToolServices | undefined;
  if (!services) {
    throw new TerminalToolError(
      'Terminals are not available in this JupyterLab.'
    );
  }
  return services;
}

/** A folder given by the model, relative to the server root; '' is the root. */
export function resolveFolder(
  input: string | undefined,
  fallback: string
): string {
  if (input === undefined) {
    return normalizeServerPath(fallback);
  }
  const path = input.trim();
  if (
    path.startsWith('/') ||
    path.startsWith('~') ||
    /^[A-Za-z]:/.test(path) ||
    path.includes('\\') ||
    path.includes('\0')
  ) {
    throw new TerminalToolError(
      `"${input}" is not a folder relative to the server root. Give a relative path such as "pipelines/dbt" ("" or "." for the root).`
    );
  }
  const out: string[] = [];
  for (const segment of segmentsOf(path)) {
    if (segment === '..') {
      if (!out.length) {
        throw new TerminalToolError(
          `"${input}" leaves the server root; commands run inside it.`
        );
      }
      out.pop();
    } else {
      out.push(segment);
    }
  }
  return out.join('/');
}

/** Check the folder exists (a clear message instead of a `cd` error in the terminal). */
export async function checkFolder(
  contents: IContentsLike,
  folder: string
): Promise<void> {
  if (!folder) {
    return;
  }
  try {
    const model = await contents.get(folder, { content: false });
    if (model.type !== 'directory') {
      throw new TerminalToolError(
        `"${folder}" is a file, not a folder. Pass the folder to run in as cwd.`
      );
    }
  } catch (error) {
    if (error instanceof TerminalToolError) {
      throw error;
    }
    if (isNotFound(error)) {
      throw new TerminalToolError(
        `The folder "${folder}" does not exist under the server root.`
      );
    }
    throw error;
  }
}

/** The absolute folder for the shell; null when the server root is unknown (the terminal's own folder). */
export function absoluteFolder(
  serverRoot: string,
  folder: string
): string | null {
  if (!serverRoot) {
    return null;
  }
  const root = serverRoot.replace(/\/+$/, '') || '/';
  return folder ? `${root === '/' ? '' : root}/${folder}` : root;
}

/** Existing files among the ones a command line writes with `>` (resolved against its folder). */
const checkedWrites = new WeakMap<
  object,
  { existing: string[]; unchecked: string[] }
>();

/** Look up (for the approval) which redirect targets already exist; called from the preview. */
export async function checkWrites(
  input: object,
  writes: readonly string[],
  folder: string,
  contents: IContentsLike
): Promise<void> {
  const existing: string[] = [];
  const unchecked: string[] = [];
  for (const target of writes) {
    if (
      target.startsWith('/') ||
      target.startsWith('~') ||
      target.includes('$')
    ) {
      unchecked.push(target);
      continue;
    }
    const path = normalizeServerPath(
      [folder, target].filter(Boolean).join('/')
    );
    try {
      await contents.get(path, { content: false });
      existing.push(target);
    } catch (error) {
      if (!isNotFound(error)) {
        unchecked.push(target);
      }
    }
  }
  checkedWrites.set(input, { existing, unchecked });
}

/** Why a command needs the user's eyes even when allowed (destructive, overwrites a file), or null. */
export function commandRisk(input: object, line: string): string | null {
  const verdict = judgeCommand(line, { allow: [], deny: [] });
  if (verdict.destructive) {
    return verdict.destructive;
  }
  if (verdict.writes.length) {
    const checked = checkedWrites.get(input);
    if (!checked) {
      return `redirection (>) to ${verdict.writes.join(', ')}: could not check whether it overwrites a file`;
    }
    if (checked.existing.length) {
      return `redirection (>) overwrites the existing file ${checked.existing.join(', ')}`;
    }
    if (checked.unchecked.length) {
      return `redirection (>) to ${checked.unchecked.join(', ')}, outside what can be checked: it may overwrite a file`;
    }
  }
  return null;
}

/** The approval the user's patterns give a list of command lines (all must be allowed). */
export function rulesApproval(
  lines: readonly string[],
  rules: ICommandRules | undefined
): { mode: 'auto' | 'never'; reason?: string } | null {
  if (!rules) {
    return null;
  }
  let allAllowed = lines.length > 0;
  for (const line of lines) {
    const verdict = judgeCommand(line, rules);
    if (verdict.denied) {
      return {
        mode: 'never',
        reason: `Refused by the user's settings: ${verdict.denied} (commandDenyPatterns).`
      };
    }
    allAllowed = allAllowed && verdict.allowed;
  }
  return allAllowed ? { mode: 'auto' } : null;
}

/** One command to run in the chat's terminal. */
export interface ITerminalJob {
  command: string;
  /** Server path of the folder. */
  folder: string;
  env?: Record<string, string>;
  timeoutSeconds: number;
  background?: boolean;
  task?: string;
}

const STATUS_TEXT: Record<string, string> = {
  ok: 'exit code 0',
  closed: 'the terminal closed before the command ended (did it run `exit`?)'
};

/** Run one job in the chat's terminal and describe the outcome. */
export async function runJob(
  job: ITerminalJob,
  context: IToolContext
): Promise<{ result: IToolResult; run: ICommandRun }> {
  const services = servicesOf(context);
  const { session, name } = await services.terminals.session();
  if (session.busy && !(await session.settleIfIdle())) {
    const active = session.activity!;
    throw new TerminalToolError(
      `The chat's terminal is still running \`${active.command}\` (started ${Math.round((Date.now() - active.startedAt) / 1000)} s ago). ` +
        'Call get_terminal_output to follow it, or ask the user to stop it (Ctrl-C in the terminal).'
    );
  }
  const run = await session.run({
    command: job.command,
    cwd: absoluteFolder(services.terminals.serverRoot, job.folder),
    env: job.env,
    timeoutMs: job.timeoutSeconds * 1000,
    signal: context.signal,
    backgroundAfterMs: job.background ? BACKGROUND_HANDOFF_MS : undefined
  });
  // After an interrupt, the echo of our probe line may sit between the output and its marker.
  const plain = hideMarkers(terminalText(run.output)).replace(/\n+$/, '');
  const bounded = boundOutput(plain);
  const where = job.folder ? `${job.folder}/` : 'the server root';
  let state: string;
  switch (run.status) {
    case 'ok':
    case 'failed':
      state = `exit code ${run.exitCode}`;
      break;
    case 'timeout':
      state = `stopped after the time limit of ${job.timeoutSeconds} s (Ctrl-C sent)${run.exitCode !== null ? `, exit code ${run.exitCode}` : ''}; output so far`;
      break;
    case 'aborted':
      state = 'stopped by the user (Ctrl-C sent); output so far';
      break;
    case 'background':
      state =
        'still running in the terminal; output of the first 3 seconds (call get_terminal_output to follow it)';
      break;
    default:
      state = STATUS_TEXT[run.status] ?? run.status;
  }
  if (run.shellExited) {
    state =
      (run.exitCode !== null
        ? `the command ended the shell, exit code ${run.exitCode}`
        : 'the command ended the shell (exit code unknown)') +
      '; the next command starts in a fresh shell: its state (working folder, exported variables, shell options) was reset';
  }
  const label = job.task ? `task "${job.task}": ` : '';
  const header = `${label}$ ${job.command}\n(in ${where}; ${state}${bounded.skippedLines ? `; ${bounded.skippedLines} of ${bounded.totalLines} lines skipped` : ''})`;
  const data: IResultCommand = {
    command: job.command,
    cwd: job.folder,
    terminal: name,
    status: run.status,
    exitCode: run.exitCode,
    ...(job.task ? { task: job.task } : {}),
    outputTail: plain.split('\n').slice(-20).join('\n'),
    commandMs: run.commandMs
  };
  return {
    run,
    result: {
      // What a command prints is data (a repo's script can print anything).
      content: bounded.text
        ? framedResult(
            header,
            `run_command ${job.command.slice(0, 120)}`,
            bounded.text
          )
        : `${header}\n(no output)`,
      // A non-zero exit code is an answer, not a tool failure; interrupted runs are.
      isError:
        run.status === 'timeout' ||
        run.status === 'aborted' ||
        run.status === 'closed',
      data: { command: data, ...(bounded.truncated ? { truncated: true } : {}) }
    }
  };
}
