export { NotebookAccess, AGENT_CELL_CLASS } from './access';
export type { INotebookAccessOptions } from './access';
export { NOTEBOOKS_SERVICE, NotebookToolError } from './types';
export type {
  INotebookAccess,
  INotebookTarget,
  IKernelDescription,
  IOpenNotebookInfo
} from './types';
export { createNotebookTools } from './tools';
export type { INotebookToolsOptions } from './tools';
export { agentChangedCells, existsFor } from './binding';
export { languageOf } from './common';
