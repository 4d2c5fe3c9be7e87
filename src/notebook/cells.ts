import type { ICellModel, ICodeCellModel } from '@jupyterlab/cells';
import type { IOutputJSON } from './outputs';

/** Reading a cell model: its source, outputs and execution count. */

/** The cell's source text. */
export function sourceOf(cell: ICellModel): string {
  return cell.sharedModel.getSource();
}

/** A code cell's outputs as nbformat JSON ([] for other cells). */
export function outputsOf(cell: ICellModel): IOutputJSON[] {
  if (cell.type !== 'code') {
    return [];
  }
  return (cell as ICodeCellModel).outputs.toJSON() as unknown as IOutputJSON[];
}

/** A code cell's execution count (null when never run or not code). */
export function executionCountOf(cell: ICellModel): number | null {
  return cell.type === 'code'
    ? ((cell as ICodeCellModel).executionCount ?? null)
    : null;
}

/** The first line of a text, cut to `max` characters, for one-line reports. */
export function firstLine(text: string, max = 80): string {
  const line = text.trimStart().split('\n', 1)[0] ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
