import type { ITool } from '../../tools/types';
import { createEnv, NotebookAccessSource } from './common';
import {
  createNotebookTool,
  deleteCellTool,
  editCellTool,
  insertCellTool
} from './editTools';
import { installPackagesTool, listPackagesTool } from './packageTools';
import {
  getNotebookSummaryTool,
  listOpenNotebooksTool,
  readCellTool
} from './readTools';
import { restartKernelTool, runAllCellsTool, runCellTool } from './runTools';

/** The notebook tool family, without the JupyterLab-bound `NotebookAccess` (so the catalogue stays light). */

export interface INotebookToolsOptions {
  /**
   * The notebook service (or a getter for it). Tools use
   * `context.services.notebooks` when running; this one lets `riskOf`, which
   * gets no context, look at the live notebook synchronously. Pass the same
   * `NotebookAccess` as in the services.
   */
  notebooks?: NotebookAccessSource;
}

/**
 * The notebook and package tools: read, edit, run cells; restart the
 * kernel; create and list notebooks; install and list packages. They expect
 * an `INotebookAccess` as `context.services.notebooks`.
 */
export function createNotebookTools(
  options: INotebookToolsOptions = {}
): ITool[] {
  const env = createEnv(options.notebooks);
  return [
    getNotebookSummaryTool(env),
    readCellTool(env),
    listOpenNotebooksTool(env),
    insertCellTool(env),
    editCellTool(env),
    deleteCellTool(env),
    createNotebookTool(env),
    runCellTool(env),
    runAllCellsTool(env),
    restartKernelTool(env),
    installPackagesTool(env),
    listPackagesTool(env)
  ];
}
