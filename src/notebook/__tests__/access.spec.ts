// jsdom: NotebookAccess on a real NotebookPanel, with JupyterLab's mocked services and kernel.
import './jupyterlabMocks';
import {
  NotebookActions,
  NotebookPanel,
  NotebookTracker
} from '@jupyterlab/notebook';
import { NBTestUtils } from '@jupyterlab/notebook/lib/testutils';
import type { IDocumentManager } from '@jupyterlab/docmanager';
import { buildNotebookView } from '../view';
import { notebookViewInput } from '../viewInput';
import {
  AGENT_CELL_CLASS,
  createNotebookTools,
  NotebookAccess
} from '../tools';
import { contextWith, textOf } from './fakeNotebook';

async function openPanel(): Promise<NotebookPanel> {
  const context = await NBTestUtils.createMockContext(true);
  const panel = NBTestUtils.createNotebookPanel(context);
  panel.model!.sharedModel.insertCells(0, [
    { cell_type: 'markdown', source: '# Load', metadata: {} },
    { cell_type: 'code', source: 'x = 1\nx', metadata: {} }
  ]);
  await panel.sessionContext.ready;
  return panel;
}

function docManagerStub(
  panel: NotebookPanel,
  existing: string[] = []
): IDocumentManager {
  const contents = {
    get: jest.fn(async (path: string) => {
      if (existing.includes(path)) {
        return { path, type: 'notebook' };
      }
      const error: any = new Error('Not Found');
      error.response = { status: 404 };
      throw error;
    })
  };
  return {
    services: { contents },
    openOrReveal: jest.fn(() => panel)
  } as unknown as IDocumentManager;
}

describe('NotebookAccess', () => {
  let panel: NotebookPanel;
  let tracker: NotebookTracker;

  beforeEach(async () => {
    panel = await openPanel();
    tracker = new NotebookTracker({ namespace: `test-${Math.random()}` });
    await tracker.add(panel);
  });

  afterEach(() => {
    panel.dispose();
    tracker.dispose();
  });

  it('resolves the active notebook and describes its kernel', async () => {
    const access = new NotebookAccess({
      tracker,
      docManager: docManagerStub(panel)
    });
    const target = await access.resolve();
    expect(target.path).toBe(panel.context.path);
    expect(target.kernel()).toEqual({
      name: 'python3',
      language: '',
      status: 'idle'
    });
    expect(target.runBlocker()).toBeNull();
    expect(access.peek()).not.toBeNull();
    expect(access.list()).toEqual([
      {
        path: panel.context.path,
        active: true,
        kernel: target.kernel(),
        cellCount: panel.model!.cells.length,
        dirty: expect.any(Boolean)
      }
    ]);
  });

  it('reports a missing notebook path as a tool error and opens existing ones', async () => {
    const docManager = docManagerStub(panel, ['data/other.ipynb']);
    const access = new NotebookAccess({ tracker, docManager });
    await expect(access.resolve('missing.ipynb')).rejects.toThrow(
      'There is no notebook at "missing.ipynb"'
    );
    await expect(access.resolve('notes.txt')).rejects.toThrow(
      'is not a notebook'
    );
    const target = await access.resolve('/data/other.ipynb');
    expect(docManager.openOrReveal).toHaveBeenCalledWith('data/other.ipynb');
    expect(target.model).toBe(panel.model);
  });

  it("runs a cell through JupyterLab's cell execution, so `executed` fires, and flashes it", async () => {
    jest.useFakeTimers({
      doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask']
    });
    try {
      const access = new NotebookAccess({
        tracker,
        docManager: docManagerStub(panel)
      });
      const target = await access.resolve();
      const cellModel = panel.model!.cells.get(1);
      const widget = panel.content.widgets[1];
      target.reveal(cellModel.id);
      expect(widget.hasClass(AGENT_CELL_CLASS)).toBe(true);
      jest.advanceTimersByTime(1600);
      expect(widget.hasClass(AGENT_CELL_CLASS)).toBe(false);

      const executed: Array<{ cell: unknown; success: boolean }> = [];
      const onExecuted = (
        _: unknown,
        args: { cell: unknown; success: boolean }
      ) => executed.push(args);
      NotebookActions.executed.connect(onExecuted);
      const status = await target.executeCell(cellModel.id);
      NotebookActions.executed.disconnect(onExecuted);
      expect(status).toBe('ok');
      expect(executed).toEqual([
        expect.objectContaining({ cell: widget, success: true })
      ]);
      const kernel = panel.sessionContext.session!.kernel!;
      expect(kernel.requestExecute).toHaveBeenCalledWith(
        expect.objectContaining({ code: 'x = 1\nx', stop_on_error: true }),
        false,
        expect.objectContaining({ cellId: cellModel.id })
      );
      expect((cellModel as any).executionCount).toBe(1);
    } finally {
      jest.useRealTimers();
    }
  });

  it('drives run_cell and get_notebook_summary end to end', async () => {
    const access = new NotebookAccess({
      tracker,
      docManager: docManagerStub(panel)
    });
    const tools = new Map(
      createNotebookTools({ notebooks: access }).map(tool => [tool.name, tool])
    );
    const id = panel.model!.cells.get(1).id;
    const run = await tools
      .get('run_cell')!
      .run({ cell_id: id }, contextWith(access));
    expect(run.content).toMatch(
      new RegExp(`^Cell ${id} ran \\(execution count 1, .*\\)\\. No output\\.$`)
    );
    const summary = textOf(
      (await tools.get('get_notebook_summary')!.run({}, contextWith(access)))
        .content as any
    );
    expect(summary).toContain(`[${id}] code [1]`);
    expect(tools.get('run_cell')!.riskOf!({ cell_id: id })).toBeNull();
  });

  it('creates notebooks: refuses existing files and unknown kernels, opens and activates new ones', async () => {
    const docManager: any = docManagerStub(panel, ['exists.ipynb', 'etl']);
    docManager.services.kernelspecs = {
      ready: Promise.resolve(),
      specs: { default: 'python3', kernelspecs: { python3: {}, ir: {} } }
    };
    docManager.createNew = jest.fn(() => panel);
    const shell = jest.fn();
    const access = new NotebookAccess({ tracker, docManager, shell });
    await expect(access.create('exists')).rejects.toThrow(
      'exists.ipynb already exists'
    );
    await expect(access.create('nowhere/x.ipynb')).rejects.toThrow(
      'The folder "nowhere" does not exist.'
    );
    await expect(access.create('etl/a.ipynb', 'julia')).rejects.toThrow(
      'Unknown kernel "julia". Available kernels: python3, ir.'
    );
    const target = await access.create('etl/load');
    expect(docManager.createNew).toHaveBeenCalledWith(
      'etl/load.ipynb',
      'default',
      { name: 'python3' }
    );
    expect(shell).toHaveBeenCalledWith(panel);
    expect(target.model).toBe(panel.model);
  });

  it('reports a notebook without a kernel', async () => {
    const context = await NBTestUtils.createMockContext(false);
    const bare = NBTestUtils.createNotebookPanel(context);
    await tracker.add(bare);
    const access = new NotebookAccess({
      tracker,
      docManager: docManagerStub(bare)
    });
    const target = access.target(bare);
    expect(target.kernel()).toBeNull();
    expect(target.runBlocker()).toMatch(/has no kernel/);
    bare.dispose();
  });
});

describe('notebookViewInput', () => {
  it('reads a live panel', async () => {
    const panel = await openPanel();
    panel.content.activeCellIndex = 1;
    const input = notebookViewInput(panel);
    expect(input.path).toBe(panel.context.path);
    expect(input.kernel?.name).toBe('python3');
    expect(input.activeCellId).toBe(panel.model!.cells.get(1).id);
    expect(input.cells.slice(0, 2)).toEqual([
      {
        id: panel.model!.cells.get(0).id,
        cell_type: 'markdown',
        source: '# Load',
        execution_count: null,
        outputs: []
      },
      {
        id: panel.model!.cells.get(1).id,
        cell_type: 'code',
        source: 'x = 1\nx',
        execution_count: null,
        outputs: []
      }
    ]);
    expect(buildNotebookView(input)).toContain('← active');
    panel.dispose();
  });
});
