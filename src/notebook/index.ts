/**
 * The public entry of the notebook feature for other folders: light helpers
 * over cells and outputs, the notebook view for the model, and the tools'
 * shared types. The tools and `NotebookAccess` (JupyterLab's notebook code)
 * are the second entry, `./tools`.
 */
export { outputsOf, sourceOf } from './cells';
export type { IOutputJSON } from './outputs';
export { formatOutputs, outputsToContent } from './outputs';
export { findCell } from './tools/cells';
export type { INotebookAccess, INotebookTarget } from './tools/types';
export { NOTEBOOKS_SERVICE, NotebookToolError } from './tools/types';
export { buildNotebookView } from './view';
export { notebookViewInput } from './viewInput';
