import type { INotebookModel } from '@jupyterlab/notebook';
import type { Kernel } from '@jupyterlab/services';
import type { IKernelDescription } from '../kernel';

/**
 * What the notebook tools need from JupyterLab, kept narrow so the tools can
 * be tested against a bare `NotebookModel` and a fake kernel. The app
 * provides an `INotebookAccess` (see `NotebookAccess` in access.ts) as
 * `context.services[NOTEBOOKS_SERVICE]`.
 */

/** The key of the notebook service in `IToolContext.services`. */
export const NOTEBOOKS_SERVICE = 'notebooks';

export type { IKernelDescription };

/** How one cell execution ended. */
export type CellRunStatus = 'ok' | 'error' | 'aborted';

/** The part of a kernel connection the package tools use. */
export type ISilentKernel = Pick<
  Kernel.IKernelConnection,
  'requestExecute' | 'interrupt' | 'info'
>;

/** One notebook the tools act on: its live model, plus kernel and view operations. */
export interface INotebookTarget {
  /** Path relative to the server root. */
  readonly path: string;
  /** The live model: edits go through `model.sharedModel`. */
  readonly model: INotebookModel;
  /** The kernel, or null when the notebook has none. */
  kernel(): IKernelDescription | null;
  /** The id of the cell the user is on, if any. */
  activeCellId(): string | null;
  /** Scroll the cell into view and flash it; a no-op without a view. */
  reveal(cellId: string): void;
  /** Why cells cannot run now (no kernel, dead kernel, waiting for input), or null. */
  runBlocker(): string | null;
  /**
   * Execute a cell through JupyterLab's cell execution (`NotebookActions.runCells`: the
   * app's cell executor runs it and `NotebookActions.executed` fires), resolving when it ends.
   * Outputs and execution count land in the cell's model. Rejects with a
   * `NotebookToolError` for expected failures (kernel gone).
   */
  executeCell(cellId: string): Promise<CellRunStatus>;
  /** Interrupt the kernel (never rejects). */
  interrupt(): Promise<void>;
  /** Restart the kernel; resolves when it is back. */
  restart(): Promise<void>;
  /** The kernel connection for silent requests, or null. */
  kernelConnection(): ISilentKernel | null;
  /**
   * Which kernel, and which life of it: its id and how often it restarted
   * since this page saw it (`<id>#<restarts>`); null without a kernel.
   * Approvals compare it to see that the kernel shown is the one acted on.
   */
  kernelIdentity?(): string | null;
}

/** An open notebook, as listed to the model. */
export interface IOpenNotebookInfo {
  path: string;
  active: boolean;
  kernel: IKernelDescription | null;
  cellCount: number;
  dirty: boolean;
}

/** Finds, opens and creates notebooks for the tools. */
export interface INotebookAccess {
  /**
   * The notebook at `path` (opened if needed), or the active one without a
   * path; ready to use. Rejects with a `NotebookToolError` when there is none.
   */
  resolve(path?: string, signal?: AbortSignal): Promise<INotebookTarget>;
  /** The notebook if it is already open (synchronous, never opens one); null otherwise. */
  peek(path?: string): INotebookTarget | null;
  /** The open notebooks. */
  list(): IOpenNotebookInfo[];
  /**
   * Create a notebook at `path` with the given kernel (default kernel when
   * omitted), open it and return it. Rejects with a `NotebookToolError` if
   * the file exists or the kernel is unknown.
   */
  create(
    path: string,
    kernelName?: string,
    signal?: AbortSignal
  ): Promise<INotebookTarget>;
  /**
   * Whether a file or folder exists at this server path (metadata only, no
   * content, no hash); rejects when it cannot be told.
   */
  exists?(path: string): Promise<boolean>;
}

/** An expected failure (no notebook, unknown cell id, no kernel): becomes an error result, not an exception. */
export class NotebookToolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotebookToolError';
  }
}
