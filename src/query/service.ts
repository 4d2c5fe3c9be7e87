import type { ICellModel } from '@jupyterlab/cells';
import { findCell } from '../notebook';
import { sourceOf } from '../notebook';
import type { INotebookAccess, INotebookTarget } from '../notebook';
import { IQueryKernel, QueryKernel } from './kernelQuery';
import type { IQueryResultData } from './types';

/** The `context.services` key of the query tools' service. */
export const QUERY_SERVICE = 'query';

export interface IQuerySettings {
  /** Relative tolerance for floating-point columns. */
  tolerance: number;
  /** Seconds of alternating timing runs. */
  timeBudgetS: number;
}

type IVerificationData = Extract<IQueryResultData, { kind: 'verification' }>;

/**
 * What the query tools and their cards share: the notebooks, the settings,
 * and the rewrites that passed verification in this session. Apply checks
 * here, so only a rewrite the verifier accepted (for the cell source it
 * saw) can replace a cell, whatever a card or a saved chat says.
 */
export class QueryService {
  constructor(options: {
    notebooks: INotebookAccess | null;
    settings: () => IQuerySettings;
  }) {
    this._notebooks = options.notebooks;
    this.settings = options.settings;
  }

  readonly settings: () => IQuerySettings;

  get notebooks(): INotebookAccess | null {
    return this._notebooks;
  }

  /** The query helper of a notebook's kernel (one per kernel connection). */
  kernelFor(target: INotebookTarget): QueryKernel | null {
    const kernel = target.kernelConnection() as IQueryKernel | null;
    if (!kernel) {
      return null;
    }
    let helper = this._kernels.get(kernel);
    if (!helper) {
      helper = new QueryKernel(kernel);
      this._kernels.set(kernel, helper);
    }
    return helper;
  }

  /** Remember a passing verification (called by the verify tool). */
  recordVerified(data: IVerificationData): void {
    if (data.verification.applicable && data.newSource !== undefined) {
      this._verified.add(verifiedKey(data));
    }
  }

  /** True when Apply may replace the cell with this verification's rewrite. */
  canApply(data: IVerificationData): boolean {
    return (
      data.verification.applicable &&
      data.newSource !== undefined &&
      this._verified.has(verifiedKey(data))
    );
  }

  /**
   * Replace the cell's source with the verified rewrite, through the shared
   * model (one transaction: the notebook's undo restores the original).
   */
  async apply(data: IVerificationData): Promise<void> {
    if (!this.canApply(data)) {
      throw new Error(
        'Only a rewrite that passed verification in this session can be applied: verify it again.'
      );
    }
    if (!this._notebooks || !data.cellId) {
      throw new Error('The notebook of this query is not available.');
    }
    const target = await this._notebooks.resolve(data.notebookPath);
    const cell: ICellModel = findCell(
      target.model,
      data.cellId,
      target.path
    ).cell;
    if (sourceOf(cell) !== data.cellSource) {
      throw new Error(
        'The cell changed since the rewrite was verified: verify it again before applying.'
      );
    }
    cell.sharedModel.setSource(data.newSource!);
    target.reveal(data.cellId);
    this._verified.delete(verifiedKey(data));
  }

  private _notebooks: INotebookAccess | null;
  private _kernels = new WeakMap<object, QueryKernel>();
  private _verified = new Set<string>();
}

function verifiedKey(data: IVerificationData): string {
  return JSON.stringify(
    [
      data.notebookPath ?? '',
      data.cellId ?? '',
      data.cellSource ?? '',
      data.newSource ?? ''
    ].map(String)
  );
}
