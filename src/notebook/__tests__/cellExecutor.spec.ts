// jsdom: agent cell runs go through the app's INotebookCellExecutor (own file: it can be set once per module registry).
import './jupyterlabMocks';
import {
  KernelError,
  NotebookPanel,
  NotebookTracker,
  setCellExecutor
} from '@jupyterlab/notebook';
import type { INotebookCellExecutor } from '@jupyterlab/notebook';
import { NBTestUtils } from '@jupyterlab/notebook/lib/testutils';
import type { IDocumentManager } from '@jupyterlab/docmanager';
import { NotebookAccess } from '../tools';

/** What the custom executor does with the next run. */
let next: (
  options: INotebookCellExecutor.IRunCellOptions
) => Promise<boolean> = async () => true;
const runCell = jest.fn((options: INotebookCellExecutor.IRunCellOptions) =>
  next(options)
);
setCellExecutor({ runCell });

describe('a custom cell executor', () => {
  let panel: NotebookPanel;
  let tracker: NotebookTracker;

  beforeEach(async () => {
    const context = await NBTestUtils.createMockContext(true);
    panel = NBTestUtils.createNotebookPanel(context);
    panel.model!.sharedModel.insertCells(0, [
      { cell_type: 'code', source: 'x = 1', metadata: {} }
    ]);
    await panel.sessionContext.ready;
    tracker = new NotebookTracker({ namespace: `test-${Math.random()}` });
    await tracker.add(panel);
    runCell.mockClear();
  });

  afterEach(() => {
    panel.dispose();
    tracker.dispose();
  });

  async function run(): Promise<string> {
    const access = new NotebookAccess({
      tracker,
      docManager: {} as IDocumentManager
    });
    const target = access.target(panel);
    return target.executeCell(panel.model!.cells.get(0).id);
  }

  it('runs the agent cell, and its report decides the status', async () => {
    next = async options => {
      options.onCellExecuted({ cell: options.cell, success: true });
      return true;
    };
    expect(await run()).toBe('ok');
    expect(runCell).toHaveBeenCalledTimes(1);
    expect(runCell.mock.calls[0][0].cell).toBe(panel.content.widgets[0]);
    // The executor ran instead of the default path: the kernel got nothing.
    expect(
      panel.sessionContext.session!.kernel!.requestExecute
    ).not.toHaveBeenCalled();
  });

  it('tells an error from an aborted reply and from a dropped request', async () => {
    next = async options => {
      options.onCellExecuted({
        cell: options.cell,
        success: false,
        error: new KernelError({
          status: 'error',
          ename: 'ValueError',
          evalue: 'bad',
          traceback: []
        } as any)
      });
      return false;
    };
    expect(await run()).toBe('error');
    next = async options => {
      options.onCellExecuted({
        cell: options.cell,
        success: false,
        error: new KernelError({ status: 'aborted' } as any)
      });
      return false;
    };
    expect(await run()).toBe('aborted');
    next = async () => false;
    expect(await run()).toBe('aborted');
  });

  it('keeps the user typing in edit mode when the notebook has the focus', async () => {
    next = async options => {
      options.onCellExecuted({ cell: options.cell, success: true });
      return true;
    };
    document.body.appendChild(panel.node);
    panel.content.activeCellIndex = 0;
    panel.content.mode = 'edit';
    panel.content.activeCell!.editor!.focus();
    expect(panel.content.node.contains(document.activeElement)).toBe(true);
    await run();
    expect(panel.content.mode).toBe('edit');
    panel.node.remove();
  });
});
