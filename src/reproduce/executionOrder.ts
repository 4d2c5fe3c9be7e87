/**
 * The execution-count check of issue 29: code cells never run, and cells run out of order
 * (a count lower than one above it), from the saved notebook alone.
 */
import type * as nbformat from '@jupyterlab/nbformat';

export interface IOutOfOrderCell {
  index: number;
  count: number;
  /** The cell above with the highest count. */
  after: { index: number; count: number };
}

export interface IExecutionOrderReport {
  /** True when every non-empty code cell ran, in increasing count order. */
  inOrder: boolean;
  /** Non-empty code cells without an execution count. */
  neverRun: number[];
  outOfOrder: IOutOfOrderCell[];
}

function sourceText(source: nbformat.MultilineString): string {
  return Array.isArray(source) ? source.join('') : source;
}

export function checkExecutionOrder(
  cells: readonly nbformat.ICell[]
): IExecutionOrderReport {
  const neverRun: number[] = [];
  const outOfOrder: IOutOfOrderCell[] = [];
  let highest: { index: number; count: number } | undefined;
  cells.forEach((cell, index) => {
    if (cell.cell_type !== 'code') {
      return;
    }
    const count = (cell as nbformat.ICodeCell).execution_count;
    if (typeof count !== 'number') {
      if (sourceText(cell.source).trim()) {
        neverRun.push(index);
      }
      return;
    }
    if (highest && count < highest.count) {
      outOfOrder.push({ index, count, after: { ...highest } });
    } else {
      highest = { index, count };
    }
  });
  return {
    inOrder: neverRun.length === 0 && outOfOrder.length === 0,
    neverRun,
    outOfOrder
  };
}
