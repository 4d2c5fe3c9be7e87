import type { Cell } from '@jupyterlab/cells';
import type { IDocumentManager } from '@jupyterlab/docmanager';
import {
  INotebookModel,
  INotebookTracker,
  KernelError,
  NotebookActions,
  NotebookPanel
} from '@jupyterlab/notebook';
import type { Kernel } from '@jupyterlab/services';
import type { Widget } from '@lumino/widgets';
import { isNotFound } from '../../contents/contents';
import { dirname, normalizeServerPath } from '../../contents/paths';
import { CANCELLED, messageOf } from '../../tools/guard';
import { findCell, locateCell } from './cells';
import { race } from './common';
import { describeKernel } from '../kernel';
import {
  CellRunStatus,
  IKernelDescription,
  INotebookAccess,
  INotebookTarget,
  IOpenNotebookInfo,
  ISilentKernel,
  NotebookToolError
} from './types';

/**
 * The notebook tools' way into JupyterLab: finds notebooks by path (opening
 * them through the document manager), runs cells as the UI does, and shows
 * the user which cell the agent is working on. Given to the tools as
 * `context.services.notebooks` (see NOTEBOOKS_SERVICE).
 */

/** CSS class flashed on the cell the agent edits or runs. */
export const AGENT_CELL_CLASS = 'jp-DataEngineer-agentCell';
const HIGHLIGHT_MS = 1500;
/** A kernel that has not started by then is reported by the run tools instead of waited for. */
const SESSION_READY_MS = 30000;
const CONTEXT_READY_MS = 60000;

export interface INotebookAccessOptions {
  tracker: INotebookTracker;
  docManager: IDocumentManager;
  /** Bring a widget to the front (e.g. `w => app.shell.activateById(w.id)`); used for created notebooks. */
  shell?: (widget: Widget) => void;
}

/** A path the model or the user gave, as a server path. */
function normalizePath(path: string): string {
  return normalizeServerPath(path.trim());
}

export class NotebookAccess implements INotebookAccess {
  constructor(options: INotebookAccessOptions) {
    this._tracker = options.tracker;
    this._docManager = options.docManager;
    this._shell = options.shell;
  }

  async resolve(path?: string, signal?: AbortSignal): Promise<INotebookTarget> {
    let panel: NotebookPanel | null;
    if (!path) {
      panel = this._tracker.currentWidget;
      if (!panel) {
        throw new NotebookToolError(
          'No notebook is active. Pass notebook_path (list_open_notebooks lists the open ones), or create one with create_notebook.'
        );
      }
    } else {
      panel = this._findOpen(path) ?? (await this._open(path));
    }
    await this._whenReady(panel, signal);
    return this.target(panel);
  }

  peek(path?: string): INotebookTarget | null {
    const panel = path ? this._findOpen(path) : this._tracker.currentWidget;
    return panel && panel.model && panel.context.isReady
      ? this.target(panel)
      : null;
  }

  list(): IOpenNotebookInfo[] {
    const current = this._tracker.currentWidget;
    const notebooks: IOpenNotebookInfo[] = [];
    this._tracker.forEach(panel => {
      notebooks.push({
        path: panel.context.localPath || panel.context.path,
        active: panel === current,
        kernel: describeKernel(panel.sessionContext, panel.model),
        cellCount: panel.model?.cells.length ?? 0,
        dirty: panel.model?.dirty ?? false
      });
    });
    return notebooks;
  }

  async create(
    path: string,
    kernelName?: string,
    signal?: AbortSignal
  ): Promise<INotebookTarget> {
    try {
      return await this._create(path, kernelName, signal);
    } catch (error) {
      if (error instanceof NotebookToolError) {
        throw error;
      }
      throw new NotebookToolError(
        `Could not create ${path}: ${messageOf(error)}`
      );
    }
  }

  private async _create(
    path: string,
    kernelName?: string,
    signal?: AbortSignal
  ): Promise<INotebookTarget> {
    let target = normalizePath(path);
    if (!target || target.endsWith('/')) {
      throw new NotebookToolError(`"${path}" is not a file path.`);
    }
    if (!target.endsWith('.ipynb')) {
      target += '.ipynb';
    }
    if (await this._exists(target)) {
      throw new NotebookToolError(
        `${target} already exists. Choose another path, or work in it with notebook_path.`
      );
    }
    const folder = dirname(target);
    if (folder && !(await this._exists(folder))) {
      throw new NotebookToolError(`The folder "${folder}" does not exist.`);
    }
    const specs = this._docManager.services.kernelspecs;
    await specs.ready;
    const available = Object.keys(specs.specs?.kernelspecs ?? {});
    const name = kernelName ?? specs.specs?.default;
    if (kernelName && !available.includes(kernelName)) {
      throw new NotebookToolError(
        `Unknown kernel "${kernelName}". Available kernels: ${available.join(', ') || 'none'}.`
      );
    }
    const widget = this._docManager.createNew(
      target,
      'default',
      name ? { name } : undefined
    );
    if (!(widget instanceof NotebookPanel)) {
      throw new NotebookToolError(`Could not open ${target} as a notebook.`);
    }
    await this._whenReady(widget, signal);
    this._shell?.(widget);
    return this.target(widget);
  }

  /** The tool view of an open notebook panel. */
  target(panel: NotebookPanel): INotebookTarget {
    return new PanelTarget(panel);
  }

  /** The cell with this id in the panel (a tool error listing valid ids otherwise). */
  findCell(panel: NotebookPanel, cellId: string): ReturnType<typeof findCell> {
    if (!panel.model) {
      throw new NotebookToolError('The notebook is not loaded.');
    }
    return findCell(panel.model, cellId, panel.context.path);
  }

  exists(path: string): Promise<boolean> {
    return this._exists(normalizePath(path));
  }

  private _findOpen(path: string): NotebookPanel | null {
    const wanted = normalizePath(path);
    return (
      this._tracker.find(panel => {
        const { localPath, path: fullPath } = panel.context;
        return (
          normalizePath(localPath || fullPath) === wanted ||
          normalizePath(fullPath) === wanted
        );
      }) ?? null
    );
  }

  private async _exists(path: string): Promise<boolean> {
    try {
      await this._docManager.services.contents.get(path, { content: false });
      return true;
    } catch (error) {
      if (isNotFound(error)) {
        return false;
      }
      throw new NotebookToolError(
        `Could not check ${path}: ${messageOf(error)}`
      );
    }
  }

  private async _open(path: string): Promise<NotebookPanel> {
    const target = normalizePath(path);
    if (!target.endsWith('.ipynb')) {
      throw new NotebookToolError(`"${path}" is not a notebook (.ipynb).`);
    }
    if (!(await this._exists(target))) {
      throw new NotebookToolError(
        `There is no notebook at "${target}". list_open_notebooks lists the open ones.`
      );
    }
    const widget = this._docManager.openOrReveal(target);
    if (!(widget instanceof NotebookPanel)) {
      throw new NotebookToolError(`Could not open ${target} as a notebook.`);
    }
    return widget;
  }

  private async _whenReady(
    panel: NotebookPanel,
    signal?: AbortSignal
  ): Promise<void> {
    const abort = signal ?? new AbortController().signal;
    try {
      const loaded = await race(panel.context.ready, abort, CONTEXT_READY_MS);
      if (loaded.kind === 'aborted') {
        throw new NotebookToolError(CANCELLED);
      }
      if (loaded.kind === 'timeout' || !panel.model) {
        throw new NotebookToolError(
          `${panel.context.path} did not finish loading.`
        );
      }
      // The kernel may still be starting (or waiting for the user to pick one): go on after a while.
      const session = await race(
        panel.sessionContext.ready,
        abort,
        SESSION_READY_MS
      );
      if (session.kind === 'aborted') {
        throw new NotebookToolError(CANCELLED);
      }
    } catch (error) {
      if (error instanceof NotebookToolError) {
        throw error;
      }
      throw new NotebookToolError(
        `Could not load ${panel.context.path}: ${messageOf(error)}`
      );
    }
  }

  private _tracker: INotebookTracker;
  private _docManager: IDocumentManager;
  private _shell?: (widget: Widget) => void;
}

/** Restarts seen per kernel connection (a restart keeps the kernel id). */
const RESTARTS = new WeakMap<Kernel.IKernelConnection, { count: number }>();

/** How often this kernel restarted since the page first asked (its identity for approvals). */
function restartsOf(kernel: Kernel.IKernelConnection): number {
  let seen = RESTARTS.get(kernel);
  if (!seen) {
    const record = { count: 0 };
    seen = record;
    RESTARTS.set(kernel, record);
    kernel.statusChanged.connect((_, status) => {
      if (status === 'restarting' || status === 'autorestarting') {
        record.count++;
      }
    });
  }
  return seen.count;
}

/** What `NotebookActions.executed` reports about one cell. */
interface INotebookCellExecutedArgs {
  cell: Cell;
  success: boolean;
  error?: KernelError | Error | null;
}

/**
 * How a run ended, from the cell's `executed` report: none means the
 * request was dropped (kernel restarted, cell re-run or deleted); a kernel
 * error without an exception name is an `aborted` reply (an earlier error).
 */
function runStatusOf(outcome: INotebookCellExecutedArgs | null): CellRunStatus {
  if (!outcome) {
    return 'aborted';
  }
  if (outcome.success) {
    return 'ok';
  }
  const error = outcome.error;
  return error instanceof KernelError && !error.errorName ? 'aborted' : 'error';
}

/** One open notebook panel, as the tools see it. */
class PanelTarget implements INotebookTarget {
  constructor(panel: NotebookPanel) {
    this._panel = panel;
  }

  get path(): string {
    return this._panel.context.localPath || this._panel.context.path;
  }

  get model(): INotebookModel {
    const model = this._panel.model;
    if (!model) {
      throw new NotebookToolError(`${this.path} was closed.`);
    }
    return model;
  }

  kernel(): IKernelDescription | null {
    return describeKernel(this._panel.sessionContext, this._panel.model);
  }

  activeCellId(): string | null {
    return this._panel.content.activeCell?.model.id ?? null;
  }

  reveal(cellId: string): void {
    const notebook = this._panel.content;
    const found = this._panel.model
      ? locateCell(this._panel.model, cellId)
      : null;
    const widget = found ? notebook.widgets[found.index] : undefined;
    if (!found || !widget) {
      return;
    }
    notebook.scrollToItem(found.index, 'smart').catch(() => undefined);
    widget.addClass(AGENT_CELL_CLASS);
    setTimeout(() => {
      if (!widget.isDisposed) {
        widget.removeClass(AGENT_CELL_CLASS);
      }
    }, HIGHLIGHT_MS);
  }

  runBlocker(): string | null {
    const session = this._panel.sessionContext;
    if (session.isDisposed || this._panel.isDisposed) {
      return `${this.path} was closed.`;
    }
    const kernel = session.session?.kernel;
    if (!kernel) {
      return `${this.path} has no kernel. Ask the user to select one (Kernel › Change Kernel…).`;
    }
    if (kernel.status === 'dead') {
      return `The kernel of ${this.path} is dead. Restart it with restart_kernel (or ask the user to).`;
    }
    if (session.isTerminating) {
      return `The kernel of ${this.path} is shutting down.`;
    }
    if (session.pendingInput) {
      return `The kernel of ${this.path} is waiting for the user to answer an input() prompt; ask them to answer it first.`;
    }
    return null;
  }

  async executeCell(cellId: string): Promise<CellRunStatus> {
    const panel = this._panel;
    const notebook = panel.content;
    const { index, cell } = findCell(this.model, cellId, this.path);
    const widget = notebook.widgets[index];
    if (!widget) {
      throw new NotebookToolError(
        `Cell ${cellId} has no view in ${this.path}.`
      );
    }
    if (cell.type !== 'code' && cell.type !== 'markdown') {
      return 'ok';
    }
    // JupyterLab's own run path (the app's cell executor, `executed` and
    // `executionScheduled` signals, deleted-cells bookkeeping); its signal
    // tells how this cell's run ended.
    let outcome: INotebookCellExecutedArgs | null = null;
    const onExecuted = (_: unknown, args: INotebookCellExecutedArgs) => {
      if (args.cell === widget) {
        outcome = args;
      }
    };
    NotebookActions.executed.connect(onExecuted);
    // A kernel that dies mid-run is restarted by the server and the request is
    // dropped (no `executed` report): tell that apart from an aborted request.
    let died = false;
    const onStatus = (_: unknown, status: string) => {
      died =
        died ||
        status === 'autorestarting' ||
        status === 'restarting' ||
        status === 'dead';
    };
    panel.sessionContext.statusChanged.connect(onStatus);
    // runCells puts the notebook in command mode: a user typing in it keeps typing.
    const keepEditing =
      notebook.mode === 'edit' &&
      notebook.node.contains(document.activeElement);
    try {
      const running = NotebookActions.runCells(
        notebook,
        [widget],
        panel.sessionContext
      );
      if (keepEditing && notebook.mode !== 'edit') {
        notebook.mode = 'edit';
      }
      await running;
    } catch (error) {
      if (!messageOf(error).startsWith('Canceled')) {
        throw new NotebookToolError(
          `The kernel could not run cell ${cellId}: ${messageOf(error)}`
        );
      }
    } finally {
      NotebookActions.executed.disconnect(onExecuted);
      panel.sessionContext.statusChanged.disconnect(onStatus);
    }
    if (died && !outcome) {
      throw new NotebookToolError(
        `The kernel of ${this.path} died while running cell ${cellId} (it may have run out of memory or crashed) and was restarted: ` +
          'every variable is gone. Find the cause in the cell before running it again, then re-run the cells it depends on.'
      );
    }
    return runStatusOf(outcome);
  }

  async interrupt(): Promise<void> {
    try {
      await this._panel.sessionContext.session?.kernel?.interrupt();
    } catch {
      // Nothing more to do: the kernel is gone or busy restarting.
    }
  }

  async restart(): Promise<void> {
    const session = this._panel.sessionContext;
    // SessionContext.restartKernel logs failures instead of throwing: check the kernel afterwards.
    await session.restartKernel();
    const kernel = session.session?.kernel;
    if (!kernel || kernel.status === 'dead') {
      throw new NotebookToolError(
        `The kernel of ${this.path} did not come back after the restart.`
      );
    }
  }

  kernelConnection(): ISilentKernel | null {
    return this._panel.sessionContext.session?.kernel ?? null;
  }

  kernelIdentity(): string | null {
    const kernel = this._panel.sessionContext.session?.kernel;
    return kernel ? `${kernel.id}#${restartsOf(kernel)}` : null;
  }

  private _panel: NotebookPanel;
}
