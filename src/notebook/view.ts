import { maskSecrets, maskSecretsInCode } from '../secretText';
import { IOutputJSON, outputKind, stripAnsi, truncateMiddle } from './outputs';

/**
 * The compact view of a notebook the model reads: one short block per cell
 * (id, type, execution count, first lines, output kinds, errors), the active
 * cell in full, and within a character budget the cells around the active
 * one plus the first and last cells. Pure and fast: no DOM, no model.
 */

/** One cell, as plain data. */
export interface INotebookViewCell {
  id: string;
  cell_type: string;
  source: string;
  execution_count?: number | null;
  outputs?: readonly IOutputJSON[];
}

/** What the view is built from (see `notebookViewInput` for a live notebook). */
export interface INotebookViewInput {
  path: string;
  kernel: { name: string; language: string; status: string } | null;
  activeCellId: string | null;
  cells: readonly INotebookViewCell[];
}

export interface INotebookViewOptions {
  /** Budget for the whole view, in characters (≈ 4 per token). Default 12,000. */
  maxChars?: number;
  /** Source lines shown per cell (the active cell is shown whole). Default 3. */
  linesPerCell?: number;
  /** Longer source lines are cut. Default 160. */
  maxLineChars?: number;
  /** The cell whose neighbours are kept when over budget; default the active cell. */
  focusCellId?: string | null;
}

const DEFAULTS = { maxChars: 12000, linesPerCell: 3, maxLineChars: 160 };
const INDENT = '  ';
/** Room kept for elision lines and the footer when over budget. */
const ELISION_RESERVE = 260;

/** Build the compact view of a notebook for the model. */
export function buildNotebookView(
  input: INotebookViewInput,
  options: INotebookViewOptions = {}
): string {
  const maxChars = options.maxChars ?? DEFAULTS.maxChars;
  const linesPerCell = Math.max(
    0,
    options.linesPerCell ?? DEFAULTS.linesPerCell
  );
  const maxLineChars = options.maxLineChars ?? DEFAULTS.maxLineChars;
  const cells = input.cells;
  const activeIndex = input.activeCellId
    ? cells.findIndex(cell => cell.id === input.activeCellId)
    : -1;
  const focusId = options.focusCellId ?? input.activeCellId;
  const focusIndex = focusId
    ? cells.findIndex(cell => cell.id === focusId)
    : -1;

  const header = renderHeader(input, activeIndex);
  // Blocks are rendered on demand: over budget, only the cells that may be shown are.
  const blocks = new Array<string | undefined>(cells.length);
  const block = (index: number): string =>
    (blocks[index] ??= renderCell(
      cells[index],
      index === activeIndex,
      index === activeIndex ? Math.floor(maxChars / 2) : 0,
      linesPerCell,
      maxLineChars
    ));

  let total = header.length;
  for (let i = 0; i < cells.length && total <= maxChars; i++) {
    total += block(i).length + 1;
  }
  if (total <= maxChars) {
    return [header, ...cells.map((_, i) => block(i))].join('\n');
  }

  const keep = chooseCells(
    block,
    cells.length,
    activeIndex,
    focusIndex,
    maxChars - header.length - ELISION_RESERVE
  );
  const lines = [header];
  let hidden = 0;
  let gap = 0;
  for (let i = 0; i < cells.length; i++) {
    if (keep[i]) {
      if (gap) {
        lines.push(`… ${gap} ${gap === 1 ? 'cell' : 'cells'} not shown …`);
        gap = 0;
      }
      lines.push(block(i));
    } else {
      gap++;
      hidden++;
    }
  }
  if (gap) {
    lines.push(`… ${gap} ${gap === 1 ? 'cell' : 'cells'} not shown …`);
  }
  lines.push(
    `(${hidden} of ${cells.length} cells not shown; use read_cell, or get_notebook_summary with around_cell_id, to see them.)`
  );
  return lines.join('\n');
}

function renderHeader(input: INotebookViewInput, activeIndex: number): string {
  const kernel = input.kernel
    ? `${input.kernel.name}${input.kernel.language ? ` (${input.kernel.language})` : ''}, ${input.kernel.status}`
    : 'none';
  const active =
    activeIndex >= 0
      ? `; active cell: ${input.activeCellId} (#${activeIndex + 1})`
      : '';
  return `Notebook: ${input.path}\nKernel: ${kernel}\nCells: ${input.cells.length}${active}\n`;
}

/** One cell's block: `[id] type [count]`, source lines, output kinds, error. */
function renderCell(
  cell: INotebookViewCell,
  active: boolean,
  activeMaxChars: number,
  linesPerCell: number,
  maxLineChars: number
): string {
  let head = `[${cell.id}] ${cell.cell_type}`;
  if (cell.cell_type === 'code') {
    head +=
      cell.execution_count === null || cell.execution_count === undefined
        ? ' [ ]'
        : ` [${cell.execution_count}]`;
  }
  if (active) {
    head += ' ← active';
  }
  const parts = [head];
  // Literal secrets in a cell (a key assigned to `api_token`) never reach the model.
  const source = maskSecretsInCode(cell.source);
  if (!source.trim()) {
    parts.push(`${INDENT}(empty)`);
  } else if (active) {
    parts.push(indent(truncateMiddle(source, Math.max(200, activeMaxChars))));
  } else {
    parts.push(firstLines(source, linesPerCell, maxLineChars));
  }
  const outputs = cell.outputs;
  if (outputs && outputs.length) {
    parts.push(`${INDENT}outputs: ${summarizeKinds(outputs)}`);
    for (const output of outputs) {
      if (output.output_type === 'error') {
        const value = maskSecrets(
          stripAnsi(String(output.evalue ?? '')).split('\n', 1)[0]
        );
        parts.push(
          `${INDENT}error: ${String(output.ename ?? 'Error')}: ${cut(value, maxLineChars)}`
        );
        break;
      }
    }
  }
  return parts.join('\n');
}

/** The first `n` lines, each cut, and a count of the rest; scans only what it shows. */
function firstLines(source: string, n: number, maxLineChars: number): string {
  const shown: string[] = [];
  let start = 0;
  while (shown.length < n && start < source.length) {
    let end = source.indexOf('\n', start);
    if (end < 0) {
      end = source.length;
    }
    shown.push(
      INDENT +
        cut(
          source.slice(start, Math.min(end, start + maxLineChars + 1)),
          maxLineChars
        )
    );
    start = end + 1;
  }
  if (start < source.length) {
    let rest = 1;
    for (
      let i = source.indexOf('\n', start);
      i >= 0 && i < source.length - 1;
      i = source.indexOf('\n', i + 1)
    ) {
      rest++;
    }
    shown.push(`${INDENT}… (+${rest} ${rest === 1 ? 'line' : 'lines'})`);
  }
  return shown.join('\n');
}

function cut(line: string, max: number): string {
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

function indent(text: string): string {
  return INDENT + text.replace(/\n/g, `\n${INDENT}`);
}

/** `stream, execute_result(text/plain) ×3`: kinds in order, repeats counted. */
export function summarizeKinds(outputs: readonly IOutputJSON[]): string {
  const kinds: string[] = [];
  const counts: number[] = [];
  for (const output of outputs) {
    const kind = outputKind(output);
    if (kinds.length && kinds[kinds.length - 1] === kind) {
      counts[counts.length - 1]++;
    } else {
      kinds.push(kind);
      counts.push(1);
    }
  }
  return kinds
    .map((kind, i) => (counts[i] > 1 ? `${kind} ×${counts[i]}` : kind))
    .join(', ');
}

/**
 * Which cells fit the budget: the active cell always, then the first and
 * last cells, then neighbours of the focus cell outwards (without a focus,
 * from the top), each side stopping at its first block that does not fit.
 */
function chooseCells(
  block: (index: number) => string,
  n: number,
  activeIndex: number,
  focusIndex: number,
  budget: number
): boolean[] {
  const keep = new Array<boolean>(n).fill(false);
  let used = 0;
  const take = (i: number, force = false): boolean => {
    if (i < 0 || i >= n) {
      return false;
    }
    if (keep[i]) {
      return true;
    }
    const size = block(i).length + 1;
    if (!force && used + size > budget) {
      return false;
    }
    keep[i] = true;
    used += size;
    return true;
  };
  if (activeIndex >= 0) {
    take(activeIndex, true);
  }
  const focus =
    focusIndex >= 0 ? focusIndex : activeIndex >= 0 ? activeIndex : 0;
  take(focus);
  take(0);
  take(n - 1);
  let before = focus - 1;
  let after = focus + 1;
  let beforeOpen = before >= 0;
  let afterOpen = after < n;
  while (beforeOpen || afterOpen) {
    if (afterOpen) {
      afterOpen = after < n && take(after);
      after++;
    }
    if (beforeOpen) {
      beforeOpen = before >= 0 && take(before);
      before--;
    }
  }
  return keep;
}
