import { defineTool } from '../../tools/schema';
import { destructiveReason } from '../../tools/risk';
import {
  DATA_FRAME_NOTE,
  frameData,
  framedOutputs,
  IToolResultData,
  outputsForData
} from '../../tools/results';
import type { IToolContext, IToolResult } from '../../tools/types';
import {
  executionCountOf,
  findCell,
  firstLine,
  locateCell,
  outputsOf,
  sourceOf
} from './cells';
import {
  CANCELLED,
  cellData,
  cellIdProperty,
  cellOf,
  fencedCell,
  inNotebook,
  guard,
  INotebookToolEnv,
  languageOf,
  NOTEBOOK_PATH_PROPERTY,
  peekTarget,
  race,
  seconds
} from './common';
import { formatOutputs, outputsToContent } from '../outputs';
import { INotebookTarget, NotebookToolError } from './types';
import {
  agentChangedCells,
  bindingOf,
  bindNotebook,
  codeCellsOf,
  INotebookBinding,
  notebookWords,
  targetFor
} from './binding';

/**
 * Tools that execute: run one cell, run all, restart the kernel. Cells run
 * through the notebook (same bookkeeping as the UI); Stop and timeouts
 * interrupt the kernel.
 */

const DEFAULT_TIMEOUT_S = 120;
const MAX_TIMEOUT_S = 3600;
/** After an interrupt, how long to wait for the kernel's reply before reporting. */
const SETTLE_MS = 3000;

const TIMEOUT_PROPERTY = {
  type: 'number',
  minimum: 1,
  maximum: MAX_TIMEOUT_S,
  description: `Seconds to wait for a cell before interrupting the kernel (default ${DEFAULT_TIMEOUT_S}).`
} as const;

/** How one cell run ended, with what the report needs. */
interface ICellRun {
  status: 'ok' | 'error' | 'aborted' | 'timeout' | 'cancelled';
  ms: number;
}

/** Run one code cell with Stop and a timeout; the kernel is interrupted on either. */
async function runOne(
  target: INotebookTarget,
  cellId: string,
  context: IToolContext,
  timeoutMs: number
): Promise<ICellRun> {
  const started = Date.now();
  target.reveal(cellId);
  const execution = target.executeCell(cellId);
  const outcome = await race(execution, context.signal, timeoutMs);
  const ms = Date.now() - started;
  if (outcome.kind === 'done') {
    return { status: outcome.value, ms };
  }
  execution.catch(() => undefined);
  void target.interrupt();
  if (outcome.kind === 'timeout') {
    // Give the kernel a moment to report the KeyboardInterrupt, so partial outputs are complete.
    await race(execution, context.signal, SETTLE_MS).catch(() => undefined);
    return { status: 'timeout', ms };
  }
  return { status: 'cancelled', ms };
}

function timeoutMsOf(input: { timeout_seconds?: number }): number {
  const s = input.timeout_seconds ?? DEFAULT_TIMEOUT_S;
  return Math.min(Math.max(s, 1), MAX_TIMEOUT_S) * 1000;
}

function ensureCanRun(target: INotebookTarget): void {
  const blocker = target.runBlocker();
  if (blocker) {
    throw new NotebookToolError(blocker);
  }
}

/** The risk of running a cell, looked up synchronously in the open notebook. */
function cellRisk(
  env: INotebookToolEnv,
  path: string | undefined,
  cellId: unknown
): string | null {
  if (typeof cellId !== 'string') {
    return null; // invalid input: refused before anything runs
  }
  const target = peekTarget(env, path);
  if (!target) {
    return "the cell's code could not be checked (its notebook is not open)";
  }
  const found = locateCell(target.model, cellId);
  return found ? destructiveReason(sourceOf(found.cell)) : null;
}

/** Refuse a run-all whose code cells differ from those the card showed (edited, added, deleted, moved). */
function sameCode(bound: INotebookBinding, target: INotebookTarget): void {
  const now = codeCellsOf(target);
  const shown = bound.cells;
  if (
    now.length === shown.length &&
    now.every(
      (cell, i) => cell.id === shown[i].id && cell.source === shown[i].source
    )
  ) {
    return;
  }
  const shownIds = new Set(shown.map(cell => cell.id));
  const added = now.filter(cell => !shownIds.has(cell.id)).map(cell => cell.id);
  const what = added.length
    ? `code cells were added (${added.join(', ')})`
    : 'the order of the code cells changed';
  throw new NotebookToolError(
    `Nothing ran: ${what} in ${bound.path} after the approval card was shown. Call the tool again so the user can approve what is there now.`
  );
}

/** Lines above which a cell's code is shown collapsed on the card. */
export const COLLAPSE_LINES = 12;

/** The run-all card: the count, and the cells the assistant changed since they last ran, with their code. */
function runAllPreview(bound: INotebookBinding, context: IToolContext) {
  const changed = agentChangedCells(
    context.history?.() ?? [],
    bound.path,
    bound.cells
  );
  return {
    summary: `Run all ${bound.cells.length} code cells of ${notebookWords(bound)}`,
    ...(changed.length
      ? {
          cells: {
            title: `${changed.length} of them changed by the assistant since they last ran:`,
            items: changed.map(cell => ({
              id: cell.id,
              source: cell.source,
              language: bound.language
            }))
          }
        }
      : {})
  };
}

export function runCellTool(env: INotebookToolEnv) {
  return defineTool({
    name: 'run_cell',
    group: 'notebook-run',
    description:
      'Run a code cell in the notebook and wait for it (default timeout 120 s, then the kernel is interrupted). ' +
      'Returns the outputs (text, plots as images), or the error with its traceback and a hint, the execution ' +
      'count and the duration. Run cells after inserting or editing them to check they work; on an error, ' +
      'fix the cause (it may be in an earlier cell) and run again.',
    inputSchema: {
      type: 'object',
      properties: {
        notebook_path: NOTEBOOK_PATH_PROPERTY,
        cell_id: cellIdProperty('to run'),
        timeout_seconds: TIMEOUT_PROPERTY
      },
      required: ['cell_id'],
      additionalProperties: false
    },
    describe: input =>
      `Run cell ${cellOf(input)}${inNotebook(input.notebook_path)}`,
    allowChat:
      'Allow for this chat: runs any cell the assistant edits, without asking, for the rest of this chat (code that looks destructive still asks).',
    // A run without result data (denied, or saved before runs carried it): the source the chat last showed.
    inputMarkdown: (input, shown) => {
      const known = shown.cell(cellOf(input).trim());
      return known ? fencedCell(known.source, known.cellType) : null;
    },
    effect: 'execute',
    defaultApproval: 'ask',
    bind: (input, context) =>
      bindNotebook(env, context, input.notebook_path, target => {
        const { cell } = findCell(target.model, input.cell_id, target.path);
        return cell.type === 'code'
          ? [{ id: cell.id, source: sourceOf(cell) }]
          : [];
      }),
    riskKind: 'destructive',
    riskOf: (input, context) => {
      const bound = bindingOf(context);
      return bound
        ? bound.risk
        : cellRisk(env, input?.notebook_path, input?.cell_id);
    },
    preview: (input, context) => {
      const bound = bindingOf(context);
      if (bound) {
        const summary = `Run cell ${input.cell_id} in ${notebookWords(bound)}`;
        const cell = bound.cells[0];
        return cell
          ? { summary, code: { source: cell.source, language: bound.language } }
          : { summary };
      }
      const target = peekTarget(env, input.notebook_path, context);
      const found = target ? locateCell(target.model, input.cell_id) : null;
      const summary = `Run cell ${input.cell_id} in ${target?.path ?? input.notebook_path ?? 'the active notebook'}`;
      if (!target || !found) {
        return { summary };
      }
      return {
        summary,
        code: { source: sourceOf(found.cell), language: languageOf(target) }
      };
    },
    run: (input, context) =>
      guard(async () => {
        const target = await targetFor(env, context, input.notebook_path);
        const { cell } = findCell(target.model, input.cell_id, target.path);
        if (cell.type !== 'code') {
          target.reveal(cell.id);
          return {
            content: `Cell ${cell.id} is a ${cell.type} cell: there is nothing to run.`
          };
        }
        if (!sourceOf(cell).trim()) {
          return {
            content: `Cell ${cell.id} is empty: there is nothing to run.`
          };
        }
        ensureCanRun(target);
        const run = await runOne(target, cell.id, context, timeoutMsOf(input));
        return reportRun(target, cell.id, run, timeoutMsOf(input));
      })
  });
}

function reportRun(
  target: INotebookTarget,
  cellId: string,
  run: ICellRun,
  timeoutMs: number
): IToolResult {
  if (run.status === 'cancelled') {
    return {
      content: `${CANCELLED} The kernel was interrupted while running cell ${cellId}.`,
      isError: true
    };
  }
  const found = locateCell(target.model, cellId);
  if (!found) {
    return {
      content: `Cell ${cellId} was deleted while it ran.`,
      isError: true
    };
  }
  const count = executionCountOf(found.cell);
  // Outputs (prints, dataframe values, tracebacks) are data, never instructions.
  const formatted = framedOutputs(
    `run_cell ${target.path} ${cellId} outputs`,
    formatOutputs(outputsOf(found.cell))
  );
  const facts = [`execution count ${count ?? '–'}`, seconds(run.ms)];
  let header: string;
  switch (run.status) {
    case 'timeout':
      header = `Cell ${cellId} timed out after ${seconds(timeoutMs)}; the kernel was interrupted. Outputs so far:`;
      break;
    case 'aborted':
      header = `Cell ${cellId} was not run: the kernel aborted the request (an earlier error or an interrupt).`;
      break;
    default:
      header =
        run.status === 'error' || formatted.error
          ? `Cell ${cellId} raised an error (${facts.join(', ')}):`
          : `Cell ${cellId} ran (${facts.join(', ')}).${formatted.text || formatted.images.length ? ' Outputs:' : ' No output.'}`;
  }
  const failed = run.status !== 'ok' || formatted.error !== null;
  const data: IToolResultData = { cell: cellData(target, found.cell) };
  if (run.status !== 'aborted') {
    const kept = outputsForData(outputsOf(found.cell));
    data.run = {
      kind: 'cell',
      notebookPath: target.path,
      cellId,
      code: sourceOf(found.cell),
      language: languageOf(target),
      status: run.status === 'timeout' ? 'timeout' : failed ? 'error' : 'ok',
      executionCount: count,
      outputs: kept.outputs,
      ...(kept.omitted ? { outputsOmitted: kept.omitted } : {})
    };
  }
  if (formatted.truncated) {
    data.truncated = true;
  }
  return {
    content: outputsToContent(header, formatted),
    ...(failed ? { isError: true } : {}),
    data
  };
}

export function runAllCellsTool(env: INotebookToolEnv) {
  return defineTool({
    name: 'run_all_cells',
    group: 'notebook-run',
    description:
      'Run every code cell of the notebook from the top, in order, stopping at the first error (unless ' +
      'continue_on_error). Reports each cell briefly (id, status, duration, first line of output) and the failing ' +
      'cell in full. Use it after a kernel restart or to check a whole notebook end to end.',
    inputSchema: {
      type: 'object',
      properties: {
        notebook_path: NOTEBOOK_PATH_PROPERTY,
        timeout_seconds: {
          ...TIMEOUT_PROPERTY,
          description: `Per-cell timeout in seconds (default ${DEFAULT_TIMEOUT_S}).`
        },
        continue_on_error: {
          type: 'boolean',
          description: 'Keep going after a cell fails (default false).'
        }
      },
      additionalProperties: false
    },
    describe: input => `Run all cells${inNotebook(input.notebook_path)}`,
    allowChat:
      'Allow for this chat: runs the whole notebook whenever the assistant asks, without asking, for the rest of this chat (code that looks destructive still asks).',
    effect: 'execute',
    defaultApproval: 'ask',
    bind: (input, context) =>
      bindNotebook(env, context, input.notebook_path, codeCellsOf),
    riskKind: 'destructive',
    riskOf: (input, context) => {
      const bound = bindingOf(context);
      if (bound) {
        return bound.risk;
      }
      const target = peekTarget(env, input?.notebook_path);
      if (!target) {
        return "the notebook's code could not be checked (it is not open)";
      }
      for (let i = 0; i < target.model.cells.length; i++) {
        const cell = target.model.cells.get(i);
        const reason =
          cell.type === 'code' ? destructiveReason(sourceOf(cell)) : null;
        if (reason) {
          return `cell ${cell.id}: ${reason}`;
        }
      }
      return null;
    },
    preview: (input, context) => {
      const bound = bindingOf(context);
      if (bound) {
        return runAllPreview(bound, context);
      }
      const target = peekTarget(env, input.notebook_path, context);
      let code = 0;
      for (let i = 0; target && i < target.model.cells.length; i++) {
        code += target.model.cells.get(i).type === 'code' ? 1 : 0;
      }
      return {
        summary: `Run all ${target ? `${code} code cells` : 'cells'} of ${target?.path ?? input.notebook_path ?? 'the active notebook'}`
      };
    },
    run: (input, context) =>
      guard(async () => {
        const bound = bindingOf(context);
        const target = await targetFor(env, context, input.notebook_path);
        if (bound) {
          sameCode(bound, target);
        }
        ensureCanRun(target);
        const timeoutMs = timeoutMsOf(input);
        // With an approval, exactly the cells the card showed.
        const ids = (bound ? bound.cells : codeCellsOf(target)).map(
          cell => cell.id
        );
        if (!ids.length) {
          return { content: `${target.path} has no code to run.` };
        }
        const lines: string[] = [];
        let failures = 0;
        let ran = 0;
        let stoppedBy: IToolResult | null = null;
        const ranIds: string[] = [];
        for (let n = 0; n < ids.length; n++) {
          const id = ids[n];
          if (!locateCell(target.model, id)) {
            lines.push(`${n + 1}. ${id}: deleted meanwhile, skipped`);
            continue;
          }
          const run = await runOne(target, id, context, timeoutMs);
          ran++;
          ranIds.push(id);
          const found = locateCell(target.model, id);
          const formatted = formatOutputs(found ? outputsOf(found.cell) : [], {
            maxImages: 0
          });
          const ok = run.status === 'ok' && !formatted.error;
          const count = found ? executionCountOf(found.cell) : null;
          const note = ok
            ? firstLine(
                formatted.text.replace(
                  /\[image\/\w+ image not shown[^\]]*\]\n?/g,
                  ''
                ),
                70
              )
            : '';
          lines.push(
            `${n + 1}. ${id} [${count ?? ' '}] ${ok ? 'ok' : run.status === 'ok' ? 'error' : run.status} ${seconds(run.ms)}` +
              (note ? ` — ${note}` : '')
          );
          if (!ok) {
            failures++;
            if (
              run.status === 'cancelled' ||
              run.status === 'timeout' ||
              !input.continue_on_error
            ) {
              stoppedBy = reportRun(target, id, run, timeoutMs);
              const left = ids.length - n - 1;
              if (left) {
                lines.push(
                  `(stopped: ${left} more ${left === 1 ? 'cell' : 'cells'} not run)`
                );
              }
              break;
            }
          }
        }
        const head = `Ran ${ran} of ${ids.length} code cells in ${target.path}${failures ? `, ${failures} failed` : ', all ok'}:`;
        // Each line quotes the start of a cell's output: the list is data.
        const report = [
          head,
          DATA_FRAME_NOTE,
          frameData(`run_all_cells ${target.path}`, lines.join('\n'))
        ].join('\n');
        const data: IToolResultData = {
          ran: { notebookPath: target.path, cellIds: ranIds }
        };
        if (!stoppedBy) {
          return {
            content: report,
            ...(failures ? { isError: true } : {}),
            data
          };
        }
        const detail = stoppedBy.content;
        if (typeof detail === 'string') {
          return { content: `${report}\n\n${detail}`, isError: true, data };
        }
        return {
          content: [{ type: 'text', text: report }, ...detail],
          isError: true,
          data
        };
      })
  });
}

export function restartKernelTool(env: INotebookToolEnv) {
  return defineTool({
    name: 'restart_kernel',
    group: 'notebook-run',
    description:
      "Restart the notebook's kernel: every variable and import is lost, outputs stay. Use it after installing " +
      'a package that was already imported, or when the kernel is dead or stuck; then re-run the cells you need ' +
      '(run_all_cells).',
    inputSchema: {
      type: 'object',
      properties: { notebook_path: NOTEBOOK_PATH_PROPERTY },
      additionalProperties: false
    },
    describe: input => `Restart the kernel${inNotebook(input.notebook_path)}`,
    effect: 'execute',
    defaultApproval: 'ask',
    bind: (input, context) =>
      bindNotebook(env, context, input.notebook_path, () => []),
    preview: (input, context) => {
      const bound = bindingOf(context);
      if (bound) {
        return {
          summary: `Restart the kernel${bound.kernelName ? ` (${bound.kernelName})` : ''} of ${notebookWords(bound)}`
        };
      }
      const target = peekTarget(env, input.notebook_path, context);
      return {
        summary: `Restart the kernel of ${target?.path ?? input.notebook_path ?? 'the active notebook'}`
      };
    },
    run: (input, context) =>
      guard(async () => {
        const target = await targetFor(env, context, input.notebook_path);
        if (!target.kernel()) {
          throw new NotebookToolError(
            `${target.path} has no kernel to restart. Ask the user to select one (Kernel › Change Kernel…).`
          );
        }
        const outcome = await race(target.restart(), context.signal);
        if (outcome.kind !== 'done') {
          return {
            content: `${CANCELLED} The restart was requested and may still complete.`,
            isError: true
          };
        }
        const kernel = target.kernel();
        return {
          content:
            `Restarted the kernel of ${target.path}${kernel ? ` (${kernel.name}, ${kernel.status})` : ''}. ` +
            'All variables and imports are gone; run the cells you need again.'
        };
      })
  });
}
