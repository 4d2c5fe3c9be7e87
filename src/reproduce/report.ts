/**
 * One report for a Reproduce run (issue 29): the saved notebook's execution order and its
 * code cells' saved outputs compared with a fresh run's. Cells the saved notebook never ran
 * have nothing to compare: they count as compared only when the fresh run fails on them.
 */
import type * as nbformat from '@jupyterlab/nbformat';

import {
  compareOutputs,
  type ICellOutputs,
  type ICompareOptions,
  type IComparisonReport
} from './compare';
import {
  checkExecutionOrder,
  type IExecutionOrderReport
} from './executionOrder';

export interface IReproduceReport extends IComparisonReport {
  order: IExecutionOrderReport;
  /** True when every compared cell is the same and the saved notebook ran in order. */
  reproduces: boolean;
}

export function reproduceReport(
  savedCells: readonly nbformat.ICell[],
  fresh: readonly ICellOutputs[],
  options: ICompareOptions = {}
): IReproduceReport {
  const order = checkExecutionOrder(savedCells);
  const neverRun = new Set(order.neverRun);
  const saved: ICellOutputs[] = [];
  const freshKept: ICellOutputs[] = [];
  const freshByIndex = new Map(fresh.map(cell => [cell.index, cell]));
  savedCells.forEach((cell, index) => {
    if (cell.cell_type !== 'code') {
      return;
    }
    const now = freshByIndex.get(index);
    const failedNow = now?.outputs.some(o => o.output_type === 'error');
    if (neverRun.has(index) && !failedNow) {
      return;
    }
    saved.push({ index, outputs: (cell as nbformat.ICodeCell).outputs ?? [] });
    if (now) {
      freshKept.push(now);
    }
  });
  const comparison = compareOutputs(saved, freshKept, options);
  return {
    ...comparison,
    order,
    reproduces:
      comparison.different === 0 && comparison.failed === 0 && order.inOrder
  };
}
