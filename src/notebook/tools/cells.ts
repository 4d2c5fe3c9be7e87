import type { ICellModel } from '@jupyterlab/cells';
import type { INotebookModel } from '@jupyterlab/notebook';
import { NotebookToolError } from './types';

export { executionCountOf, firstLine, outputsOf, sourceOf } from '../cells';

/** Looking cells up by their stable id in a notebook model. */

/** A cell and where it is now. */
export interface ICellLocation {
  index: number;
  cell: ICellModel;
}

/** The ids of all cells, in order. */
export function cellIds(model: INotebookModel): string[] {
  const ids: string[] = [];
  for (let i = 0; i < model.cells.length; i++) {
    ids.push(model.cells.get(i).id);
  }
  return ids;
}

/** Where the cell with this id is, or null. */
export function locateCell(
  model: INotebookModel,
  cellId: string
): ICellLocation | null {
  const id = cellId.trim();
  for (let i = 0; i < model.cells.length; i++) {
    const cell = model.cells.get(i);
    if (cell.id === id) {
      return { index: i, cell };
    }
  }
  return null;
}

/**
 * The cell with this id; a `NotebookToolError` listing a few valid ids
 * (around the active cell when known) when there is none.
 */
export function findCell(
  model: INotebookModel,
  cellId: string,
  path = 'the notebook'
): ICellLocation {
  const found = locateCell(model, cellId);
  if (found) {
    return found;
  }
  const ids = cellIds(model);
  if (!ids.length) {
    throw new NotebookToolError(
      `No cell with id "${cellId}": ${path} has no cells.`
    );
  }
  const sample =
    ids.length <= 6 ? ids : [...ids.slice(0, 3), '…', ...ids.slice(-3)];
  throw new NotebookToolError(
    `No cell with id "${cellId}" in ${path}. It has ${ids.length} cells; valid ids include: ${sample.join(', ')}. ` +
      'Call get_notebook_summary to see every cell id.'
  );
}
