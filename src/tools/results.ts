import type { CellType, IOutput } from '@jupyterlab/nbformat';

/**
 * The typed part of a tool result: what cards, Undo and export read, next
 * to the text the model reads. It is saved with the chat, so plain JSON
 * only. Tools fill the fields that describe what they did; readers never
 * parse the model's text back.
 */

/** How a file change came about (the change log's kinds). */
export type ChangeKind = 'create' | 'edit' | 'write' | 'rename' | 'delete';

/** A notebook cell a tool inserted, edited, read or created. */
export interface IResultCell {
  notebookPath: string;
  cellId: string;
  cellType: CellType;
  /** The cell's whole source after the call; absent when the tool did not see it whole. */
  source?: string;
}

/** How a run ended. */
export type RunStatus = 'ok' | 'error' | 'timeout' | 'aborted';

/** Code that ran in a kernel, and what came back. */
export interface IResultRun {
  /** A notebook cell (`run_cell`) or code outside the notebook (`run_scratch`). */
  kind: 'cell' | 'scratch';
  notebookPath?: string;
  cellId?: string;
  /** The code as it ran. */
  code: string;
  language: string;
  status: RunStatus;
  /** The cell's execution count (null for scratch code or a run that got none). */
  executionCount: number | null;
  /** The outputs as nbformat JSON. */
  outputs: IOutput[];
  /** Set when some outputs were left out to keep the saved chat small. */
  outputsOmitted?: number;
}

/** A change of a file, as recorded in the file change log (what Undo needs). */
export interface IResultChange {
  changeId: string;
  path: string;
  kind: ChangeKind;
  /** For a rename: where the file was. */
  oldPath?: string;
}

/** The data of a tool result: a typed bag, each tool fills what applies. */
export interface IToolResultData {
  cell?: IResultCell;
  run?: IResultRun;
  change?: IResultChange;
  /** Files the call read or listed, as server paths. */
  paths?: string[];
  /** True when the text the model got was shortened (outputs, long sources). */
  truncated?: boolean;
  /** An ETL notebook's proof run (`prove_etl_notebook`; src/etl/proof.ts). */
  etlProof?: IEtlProofData;
}

/** Where a proof run stopped: the failing cell and its traceback (ANSI codes removed). */
export interface IEtlProofFailure {
  cellId: string;
  /** Position in the run (the injected parameters cell counts). */
  index: number;
  section?: string;
  ename: string;
  evalue: string;
  traceback: string;
}

/** One headless run of an ETL notebook in a fresh kernel. */
export interface IEtlProofRun {
  ok: boolean;
  /** Wall time of the run: kernel start, cells, shutdown. */
  ms: number;
  kernelStartMs: number;
  /** Sum of the cells' times. */
  cellMs: number;
  cells: { cellId: string; section?: string; status: 'ok' | 'error' | 'aborted'; ms: number }[];
  /** The notebook's run report (rows in/out, rejected, target checksum). */
  report?: Record<string, any>;
  failure?: IEtlProofFailure;
}

/** The proof run of an ETL notebook: run twice in fresh kernels, checksums compared. */
export interface IEtlProofData {
  notebookPath: string;
  kernelName: string;
  runs: IEtlProofRun[];
  runsPlanned: number;
  /** Every planned run ended without error and gave a run report. */
  complete: boolean;
  /** Complete, and the target's checksum and row count were the same after every run. */
  idempotent: boolean;
  checksum?: string;
  rowsIn?: Record<string, number>;
  rowsOut?: number;
  rejected?: Record<string, number>;
  targetRows?: number;
  parameters?: Record<string, string | number | boolean>;
}

/** The largest share of a result's data that outputs may take, in JSON characters. */
export const MAX_DATA_OUTPUT_CHARS = 2_000_000;

/**
 * Outputs to keep in a result's data: in order, while they fit the budget
 * (a saved chat must stay small enough to load); the count left out.
 */
export function outputsForData(
  outputs: ReadonlyArray<unknown>,
  budget = MAX_DATA_OUTPUT_CHARS
): { outputs: IOutput[]; omitted: number } {
  const kept: IOutput[] = [];
  let used = 0;
  let omitted = 0;
  for (const output of outputs) {
    const size = JSON.stringify(output)?.length ?? 0;
    if (used + size > budget) {
      omitted++;
      continue;
    }
    used += size;
    kept.push(output as IOutput);
  }
  return { outputs: kept, omitted };
}
