/**
 * The hidden-state guard's frontend half (issue 29): loads `kernel/reproduce_guard.py` into the
 * user's kernel through KernelChannel (a private module of `sys.modules`, no user name, no
 * execution count) and asks which names the notebook's cells read that no cell above defines
 * but the kernel has. Nothing here draws: the card and the cell badge are the next step.
 */
import type * as nbformat from '@jupyterlab/nbformat';

import {
  type IExecuteOptions,
  type IKernelHelper,
  KernelChannel
} from '../kernelChannel';

/** The private module of the guard in the kernel's `sys.modules`. */
export const GUARD_MODULE = '__jl_data_engineer_reproduce__';

/** The guard helper, its source fetched the first time a kernel needs it. */
export const GUARD_HELPER: IKernelHelper = {
  module: GUARD_MODULE,
  // Through src/ so that the compiled lib/ module finds the file too (as kernelInspector.ts does).
  source: async () =>
    (
      await import(
        /* webpackChunkName: "reproduce-guard-py" */ '../../src/reproduce/kernel/reproduce_guard.py'
      )
    ).default,
  filename: '<jl-data-engineer-reproduce>',
  protocol: 1,
  label: 'hidden-state guard'
};

export type HiddenStateReason =
  /** No cell defines it: a deleted cell, or code run outside the notebook. */
  | 'defined_nowhere'
  /** Only a cell below defines it: the notebook fails run top to bottom. */
  | 'defined_below'
  /** A `%run` or `from x import *` above may define it; the guard cannot tell. */
  | 'unknown';

export interface IHiddenName {
  /** The cell's index in the notebook. */
  cell: number;
  name: string;
  reason: HiddenStateReason;
  /** The cells below that define it (for `defined_below`). */
  defined_below: number[];
}

export interface IHiddenStateReport {
  hidden: IHiddenName[];
  /** The `%run` lines and star imports, which may define any name. */
  unknown_sources: {
    cell: number;
    kind: 'run' | 'star_import';
    text: string;
  }[];
  /** Code cells that are not valid Python (they are left out of the analysis). */
  errors: { cell: number; error: string }[];
  /** How many code cells were analysed. */
  cells: number;
}

/** The cells as the guard reads them: type and source only. */
export function guardCells(
  cells: readonly Pick<nbformat.ICell, 'cell_type' | 'source'>[]
): { cell_type: string; source: string }[] {
  return cells.map(cell => ({
    cell_type: cell.cell_type,
    source: Array.isArray(cell.source) ? cell.source.join('') : cell.source
  }));
}

/** Runs the guard in the kernel behind `channel` (silently; it loads the helper when needed). */
export function checkHiddenState(
  channel: KernelChannel,
  cells: readonly Pick<nbformat.ICell, 'cell_type' | 'source'>[],
  options: IExecuteOptions = {}
): Promise<IHiddenStateReport> {
  const argument = JSON.stringify(JSON.stringify(guardCells(cells)));
  return channel.callHelper(
    GUARD_HELPER,
    ref => `${ref}.kernel_guard(${argument})`,
    { timeoutMs: 15000, quickRead: true, ...options }
  );
}
