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
  /**
   * Query tools: the plan, a proposed rewrite, or a verification verdict. Its shape is
   * `IQueryResultData` of src/query/types.ts (not imported: tools/ must not depend on query/).
   */
  query?: { kind: 'explain' | 'proposal' | 'verification'; [key: string]: unknown };
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
