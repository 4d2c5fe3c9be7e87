import type { ICodeCellModel } from '@jupyterlab/cells';
import { NotebookModel } from '@jupyterlab/notebook';
import type { IToolContext } from '../../tools/types';
import type {
  CellRunStatus,
  IKernelDescription,
  INotebookAccess,
  INotebookTarget,
  IOpenNotebookInfo,
  ISilentKernel
} from '../tools/types';
import { NotebookToolError } from '../tools/types';

/** A cell to put in a test notebook. */
export interface ITestCell {
  cell_type?: 'code' | 'markdown';
  source: string;
  outputs?: any[];
  execution_count?: number | null;
}

/** A real NotebookModel filled with cells; returns it and the cell ids. */
export function makeModel(cells: ITestCell[]): {
  model: NotebookModel;
  ids: string[];
} {
  const model = new NotebookModel();
  const ids: string[] = [];
  cells.forEach((cell, index) => {
    const created = model.sharedModel.insertCell(index, {
      cell_type: cell.cell_type ?? 'code',
      source: cell.source,
      metadata: {}
    });
    ids.push(created.getId());
    if ((cell.cell_type ?? 'code') === 'code') {
      const codeModel = model.cells.get(index) as ICodeCellModel;
      (cell.outputs ?? []).forEach(output => codeModel.outputs.add(output));
      codeModel.executionCount = cell.execution_count ?? null;
    }
  });
  return { model, ids };
}

/** What a fake execution does to the cell: set outputs and count, return a status. */
export type FakeExecution = (
  cell: ICodeCellModel
) => CellRunStatus | Promise<CellRunStatus>;

/** An INotebookTarget over a real model, with a scripted kernel. */
export class FakeTarget implements INotebookTarget {
  constructor(
    readonly model: NotebookModel,
    readonly path = 'analysis.ipynb'
  ) {}

  kernelDescription: IKernelDescription | null = {
    name: 'python3',
    language: 'python',
    status: 'idle'
  };
  active: string | null = null;
  revealed: string[] = [];
  executed: string[] = [];
  interrupts = 0;
  restarts = 0;
  silentKernel: ISilentKernel | null = null;
  execution: FakeExecution = () => 'ok';
  private _count = 0;

  kernel(): IKernelDescription | null {
    return this.kernelDescription;
  }
  activeCellId(): string | null {
    return this.active;
  }
  reveal(cellId: string): void {
    this.revealed.push(cellId);
  }
  runBlocker(): string | null {
    if (!this.kernelDescription) {
      return `${this.path} has no kernel.`;
    }
    return this.kernelDescription.status === 'dead'
      ? 'The kernel is dead.'
      : null;
  }
  async executeCell(cellId: string): Promise<CellRunStatus> {
    this.executed.push(cellId);
    for (let i = 0; i < this.model.cells.length; i++) {
      const cell = this.model.cells.get(i);
      if (cell.id === cellId) {
        const code = cell as ICodeCellModel;
        code.outputs.clear();
        const status = await this.execution(code);
        code.executionCount = ++this._count;
        return status;
      }
    }
    throw new NotebookToolError(`no cell ${cellId}`);
  }
  async interrupt(): Promise<void> {
    this.interrupts++;
  }
  async restart(): Promise<void> {
    this.restarts++;
  }
  kernelConnection(): ISilentKernel | null {
    return this.silentKernel;
  }
}

/** An INotebookAccess over fake targets, keyed by path; the first is active. */
export class FakeAccess implements INotebookAccess {
  constructor(readonly targets: FakeTarget[]) {}
  created: Array<{ path: string; kernel?: string }> = [];

  async resolve(path?: string): Promise<INotebookTarget> {
    const found = this.peek(path);
    if (!found) {
      throw new NotebookToolError(
        path ? `There is no notebook at "${path}".` : 'No notebook is active.'
      );
    }
    return found;
  }
  peek(path?: string): FakeTarget | null {
    return (
      (path ? this.targets.find(t => t.path === path) : this.targets[0]) ?? null
    );
  }
  list(): IOpenNotebookInfo[] {
    return this.targets.map((t, i) => ({
      path: t.path,
      active: i === 0,
      kernel: t.kernel(),
      cellCount: t.model.cells.length,
      dirty: i === 1
    }));
  }
  async create(path: string, kernel?: string): Promise<INotebookTarget> {
    this.created.push({ path, kernel });
    const { model } = makeModel([{ source: '' }]);
    const target = new FakeTarget(model, path);
    this.targets.push(target);
    return target;
  }
}

/** A tool context with the access as `services.notebooks`. */
export function contextWith(
  access: INotebookAccess,
  signal: AbortSignal = new AbortController().signal
): IToolContext {
  return { signal, services: { notebooks: access } };
}

/** The text of a tool result (joined text blocks when it has images). */
export function textOf(
  content: string | Array<{ type: string; text?: string }>
): string {
  return typeof content === 'string'
    ? content
    : content
        .map(block => (block.type === 'text' ? block.text : `<${block.type}>`))
        .join('\n');
}
