/**
 * Reproduce (issue 29), the public entry: comparing a fresh run's outputs with the saved
 * ones (masks for volatile text), the execution-count check, and the kernel-side
 * hidden-state guard's source (`kernel/reproduce_guard.py`, not imported here: the code
 * that runs it in a kernel loads it when needed).
 */
export {
  compareOutputs,
  outputsText,
  type CellVerdict,
  type ICellComparison,
  type ICellOutputs,
  type ICompareOptions,
  type IComparisonReport,
  type IFirstDifference
} from './compare';
export {
  checkExecutionOrder,
  type IExecutionOrderReport,
  type IOutOfOrderCell
} from './executionOrder';
export { maskText, OUTPUT_MASKS, type IOutputMask } from './masks';
export { imageSize, parseHtmlTables, type ITable } from './outputParts';
export {
  checkHiddenState,
  GUARD_HELPER,
  GUARD_MODULE,
  guardCells,
  type HiddenStateReason,
  type IHiddenName,
  type IHiddenStateReport
} from './hiddenState';
export { type IReproduceReport, reproduceReport } from './report';
