import type { IDocumentManager } from '@jupyterlab/docmanager';
import type { INotebookTracker } from '@jupyterlab/notebook';
import type { Widget } from '@lumino/widgets';
import { loadMinimatch } from '../contents/globs';
import type { FilesService } from '../files';
import { createFileTools } from '../files/tools';
import { createKernelTools } from '../kernel/tools';
import {
  createNotebookTools,
  NotebookAccess,
  NOTEBOOKS_SERVICE
} from '../notebook/tools';
import type { ITool } from '../tools/types';

/** What the chat's own tools need from it. */
export interface ICoreToolsOptions {
  notebookTracker: INotebookTracker | null;
  docManager: IDocumentManager | null;
  /** Bring a widget to the front (a notebook the assistant created or opened). */
  activate: (widget: Widget) => void;
  /** The chat's files service (its change log is the chat's). */
  files: () => FilesService;
}

/**
 * The chat's own tools (notebook, kernel, file) and the notebook service
 * they and the families' tools use. Its own chunk: loaded on first need
 * (the first keystroke, a send, the persona details, a tool card to draw),
 * not to draw an empty chat. Minimatch comes with it: the file tools check
 * paths against the sensitive-path globs.
 */
export async function createCoreTools(options: ICoreToolsOptions): Promise<{
  tools: ITool[];
  services: Record<string, unknown>;
}> {
  await loadMinimatch();
  const { notebookTracker: tracker, docManager } = options;
  const notebooks =
    tracker && docManager
      ? new NotebookAccess({ tracker, docManager, shell: options.activate })
      : null;
  return {
    tools: [
      ...(notebooks
        ? [...createNotebookTools({ notebooks }), ...createKernelTools()]
        : []),
      ...createFileTools({ service: options.files })
    ],
    services: notebooks ? { [NOTEBOOKS_SERVICE]: notebooks } : {}
  };
}
