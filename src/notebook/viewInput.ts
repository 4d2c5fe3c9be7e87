import type { INotebookModel } from '@jupyterlab/notebook';
import { executionCountOf, outputsOf, sourceOf } from './cells';
import { describeKernel, IKernelDescription, ISessionLike } from './kernel';
import type { INotebookViewCell, INotebookViewInput } from './view';

/** The parts of a `NotebookPanel` the view reads (a real panel fits). */
export interface INotebookPanelLike {
  context: { path: string; localPath?: string };
  model: INotebookModel | null;
  sessionContext: ISessionLike;
  content: { activeCell: { model: { id: string } } | null };
}

/** Read a live notebook panel into the input of `buildNotebookView`. */
export function notebookViewInput(
  panel: INotebookPanelLike
): INotebookViewInput {
  const model = panel.model;
  return {
    path: panel.context.localPath || panel.context.path,
    kernel: describeKernel(panel.sessionContext, model),
    activeCellId: panel.content.activeCell?.model.id ?? null,
    cells: model ? viewCells(model) : []
  };
}

/** The same, from a model and what is known about its kernel and active cell. */
export function notebookViewInputFromModel(
  path: string,
  model: INotebookModel,
  kernel: IKernelDescription | null,
  activeCellId: string | null
): INotebookViewInput {
  return { path, kernel, activeCellId, cells: viewCells(model) };
}

function viewCells(model: INotebookModel): INotebookViewCell[] {
  const cells: INotebookViewCell[] = [];
  for (let i = 0; i < model.cells.length; i++) {
    const cell = model.cells.get(i);
    cells.push({
      id: cell.id,
      cell_type: cell.type,
      source: sourceOf(cell),
      execution_count: executionCountOf(cell),
      outputs: outputsOf(cell)
    });
  }
  return cells;
}
