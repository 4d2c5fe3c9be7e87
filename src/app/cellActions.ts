import type { TranslationBundle } from '@jupyterlab/translation';
import { Notification } from '@jupyterlab/apputils';
import { INotebookTracker, NotebookActions } from '@jupyterlab/notebook';

/**
 * Put code from the chat into the active notebook, through the notebook's
 * shared model so that the user's undo works.
 */
export class CellActions {
  constructor(tracker: INotebookTracker | null, trans: TranslationBundle) {
    this._tracker = tracker;
    this._trans = trans;
  }

  /** Insert a new code cell below the active cell with `code`. */
  insertBelow(code: string): boolean {
    const notebook = this._activeNotebook();
    if (!notebook) {
      return false;
    }
    NotebookActions.insertBelow(notebook);
    const cell = notebook.activeCell;
    if (!cell) {
      return false;
    }
    if (cell.model.type !== 'code') {
      NotebookActions.changeCellType(notebook, 'code');
    }
    notebook.activeCell?.model.sharedModel.setSource(code);
    return true;
  }

  /** Replace the source of the active cell with `code`. */
  replaceActive(code: string): boolean {
    const notebook = this._activeNotebook();
    const cell = notebook?.activeCell;
    if (!cell) {
      return false;
    }
    cell.model.sharedModel.setSource(code);
    return true;
  }

  private _activeNotebook() {
    const panel = this._tracker?.currentWidget;
    if (!panel) {
      Notification.warning(
        this._trans.__('Open a notebook first: there is no active notebook.'),
        {
          autoClose: 4000
        }
      );
      return null;
    }
    return panel.content;
  }

  private _tracker: INotebookTracker | null;
  private _trans: TranslationBundle;
}
