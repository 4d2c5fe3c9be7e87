// jsdom: tools against a real JupyterLab NotebookModel.
import './jupyterlabMocks';
import type { ICodeCellModel } from '@jupyterlab/cells';
import type { YCodeCell, YNotebook } from '@jupyter/ydoc';
import { createNotebookTools } from '../tools';
import type { ITool } from '../../tools/types';
import {
  contextWith,
  FakeAccess,
  FakeTarget,
  makeModel,
  textOf
} from './fakeNotebook';

function setup() {
  const { model, ids } = makeModel([
    { cell_type: 'markdown', source: '# Orders' },
    {
      source: 'import pandas as pd\ndf = pd.read_csv("orders.csv")\ndf.head()',
      execution_count: 1,
      outputs: [
        {
          output_type: 'execute_result',
          execution_count: 1,
          data: { 'text/plain': '   id  amount\n0   1    9.5' },
          metadata: {}
        },
        {
          output_type: 'display_data',
          data: { 'image/png': 'iVBORw0KGgo=', 'text/plain': '<Figure>' },
          metadata: {}
        }
      ]
    },
    {
      source: 'df["total"]',
      execution_count: 2,
      outputs: [
        {
          output_type: 'error',
          ename: 'KeyError',
          evalue: "'total'",
          traceback: ["\u001b[31mKeyError\u001b[0m: 'total'"]
        }
      ]
    }
  ]);
  const target = new FakeTarget(model);
  target.active = ids[1];
  const other = new FakeTarget(
    makeModel([{ source: 'print("other")' }]).model,
    'other.ipynb'
  );
  const access = new FakeAccess([target, other]);
  const tools = new Map(createNotebookTools().map(tool => [tool.name, tool]));
  const tool = (name: string): ITool => tools.get(name)!;
  return {
    model,
    ids,
    target,
    other,
    access,
    tool,
    context: contextWith(access)
  };
}

describe('read tools', () => {
  it('get_notebook_summary shows ids, types, counts, output kinds and errors', async () => {
    const { tool, context, ids } = setup();
    const result = await tool('get_notebook_summary').run({}, context);
    const text = textOf(result.content as any);
    expect(result.isError).toBeUndefined();
    expect(text).toContain('Notebook: analysis.ipynb');
    expect(text).toContain('Kernel: python3 (python), idle');
    expect(text).toContain(`[${ids[0]}] markdown`);
    expect(text).toContain(`[${ids[1]}] code [1] ← active`);
    expect(text).toContain(
      'outputs: execute_result(text/plain), display_data(image/png)'
    );
    expect(text).toContain("error: KeyError: 'total'");
  });

  it('targets another notebook with notebook_path, and reports unknown paths as errors', async () => {
    const { tool, context } = setup();
    const other = await tool('get_notebook_summary').run(
      { notebook_path: 'other.ipynb' },
      context
    );
    expect(textOf(other.content as any)).toContain('print("other")');
    const missing = await tool('get_notebook_summary').run(
      { notebook_path: 'nope.ipynb' },
      context
    );
    expect(missing).toEqual({
      content: 'There is no notebook at "nope.ipynb".',
      isError: true
    });
  });

  it('read_cell returns source, outputs and images', async () => {
    const { tool, context, ids } = setup();
    const result = await tool('read_cell').run({ cell_id: ids[1] }, context);
    expect(Array.isArray(result.content)).toBe(true);
    const blocks = result.content as any[];
    expect(blocks[0].text).toContain(
      `Cell ${ids[1]} (code, #2 of 3, execution count 1) in analysis.ipynb`
    );
    expect(blocks[0].text).toContain(
      `--- source ---\n<untrusted-data source="cell ${ids[1]} source">\nimport pandas as pd`
    );
    expect(blocks[0].text).toContain(
      `--- outputs ---\n<untrusted-data source="cell ${ids[1]} outputs">\n   id  amount`
    );
    expect(blocks[1]).toEqual({
      type: 'image',
      source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' }
    });
  });

  it('read_cell shows errors without ANSI codes', async () => {
    const { tool, context, ids } = setup();
    const text = textOf(
      (await tool('read_cell').run({ cell_id: ids[2] }, context)).content as any
    );
    expect(text).toContain("KeyError: 'total'");
    expect(text).not.toContain('\u001b');
  });

  it('read_cell lists valid ids for an unknown id', async () => {
    const { tool, context, ids } = setup();
    const result = await tool('read_cell').run({ cell_id: 'nope' }, context);
    expect(result.isError).toBe(true);
    expect(result.content).toContain(
      'No cell with id "nope" in analysis.ipynb'
    );
    expect(result.content).toContain(ids[0]);
  });

  it('list_open_notebooks lists paths, active, kernel, cells', async () => {
    const { tool, context } = setup();
    const text = textOf(
      (await tool('list_open_notebooks').run({}, context)).content as any
    );
    expect(text).toBe(
      '- analysis.ipynb [active]: kernel python3 (python), idle; 3 cells\n' +
        '- other.ipynb [unsaved changes]: kernel python3 (python), idle; 1 cells'
    );
  });
});

describe('edit tools', () => {
  it('insert_cell after an id returns the new id and reveals it', async () => {
    const { tool, context, ids, model, target } = setup();
    const result = await tool('insert_cell').run(
      { source: 'df.info()', after_cell_id: ids[1] },
      context
    );
    const newId = model.cells.get(2).id;
    expect(result.content).toBe(
      `Inserted code cell ${newId} at #3 of 4 after cell ${ids[1]} in analysis.ipynb. It has not been run.`
    );
    expect(model.cells.get(2).sharedModel.getSource()).toBe('df.info()');
    expect(target.revealed).toEqual([newId]);
  });

  it('insert_cell at top and bottom, markdown or code', async () => {
    const { tool, context, model } = setup();
    await tool('insert_cell').run(
      { source: '# Title', cell_type: 'markdown', position: 'top' },
      context
    );
    await tool('insert_cell').run({ source: 'print("end")' }, context);
    expect(model.cells.get(0).type).toBe('markdown');
    expect(model.cells.get(0).sharedModel.getSource()).toBe('# Title');
    expect(
      model.cells.get(model.cells.length - 1).sharedModel.getSource()
    ).toBe('print("end")');
    expect(model.cells.length).toBe(5);
  });

  it('insert_cell refuses after_cell_id with position', async () => {
    const { tool, context, ids } = setup();
    const result = await tool('insert_cell').run(
      { source: 'x', after_cell_id: ids[0], position: 'top' },
      context
    );
    expect(result.isError).toBe(true);
  });

  it('edit_cell replaces the source through the shared model (undoable)', async () => {
    const { tool, context, ids, model, target } = setup();
    const cell = model.cells.get(2).sharedModel;
    (cell as unknown as YCodeCell).undoManager?.stopCapturing();
    const result = await tool('edit_cell').run(
      { cell_id: ids[2], source: 'df["amount"].sum()' },
      context
    );
    expect(result.content).toBe(
      `Replaced the source of code cell ${ids[2]} in analysis.ipynb (1 → 1 lines). Its outputs are from the old source; run_cell refreshes them.`
    );
    expect(model.cells.get(2).sharedModel.getSource()).toBe(
      'df["amount"].sum()'
    );
    expect(target.revealed).toEqual([ids[2]]);
    // By default JupyterLab keeps one undo history per cell: Ctrl+Z in the cell restores it.
    cell.undo();
    expect(cell.getSource()).toBe('df["total"]');
  });

  it('read_cell masks a literal secret, and edit_cell from that view keeps the real one', async () => {
    const { tool, context, ids, model } = setup();
    const key = 'sk-live-4f9a8b7c6d5e4f3a2b1c0d9e';
    model.cells
      .get(2)
      .sharedModel.setSource(
        `api_token = "${key}"\nclient = Client(api_token)`
      );
    const read = textOf(
      (await tool('read_cell').run({ cell_id: ids[2] }, context)).content as any
    );
    expect(read).not.toContain(key);
    expect(read).toContain('api_token = "<redacted, 32 chars>"');
    // The model rewrites the cell from what it read.
    const written =
      'api_token = "<redacted, 32 chars>"\nclient = Client(api_token, timeout=30)';
    const preview = await tool('edit_cell').preview!(
      { cell_id: ids[2], source: written },
      context
    );
    expect(preview.diff?.after).toContain(key);
    await tool('edit_cell').run({ cell_id: ids[2], source: written }, context);
    expect(model.cells.get(2).sharedModel.getSource()).toBe(
      `api_token = "${key}"\nclient = Client(api_token, timeout=30)`
    );
  });

  it('edit_cell preview is a diff of the cell', async () => {
    const { tool, context, ids } = setup();
    const preview = await tool('edit_cell').preview!(
      { cell_id: ids[2], source: 'new' },
      context
    );
    expect(preview).toEqual({
      summary: `Edit cell ${ids[2]} of analysis.ipynb`,
      diff: {
        path: `analysis.ipynb#${ids[2]}`,
        before: 'df["total"]',
        after: 'new'
      }
    });
  });

  it('edit_cell with the same source changes nothing', async () => {
    const { tool, context, ids } = setup();
    const result = await tool('edit_cell').run(
      { cell_id: ids[2], source: 'df["total"]' },
      context
    );
    expect(result.content).toContain('nothing changed');
  });

  it('delete_cell removes the cell; the last cell leaves an empty code cell', async () => {
    const { tool, context, ids, model } = setup();
    (model.sharedModel as YNotebook).undoManager.stopCapturing();
    const result = await tool('delete_cell').run({ cell_id: ids[0] }, context);
    expect(result.content).toBe(
      `Deleted cell ${ids[0]} (markdown: # Orders) from analysis.ipynb; 2 cells remain. The user can undo this in the notebook.`
    );
    expect(model.deletedCells).toContain(ids[0]);
    model.sharedModel.undo();
    expect(model.cells.get(0).id).toBe(ids[0]);

    await tool('delete_cell').run({ cell_id: ids[0] }, context);
    await tool('delete_cell').run({ cell_id: ids[1] }, context);
    await tool('delete_cell').run({ cell_id: ids[2] }, context);
    expect(model.cells.length).toBe(1);
    expect(model.cells.get(0).type).toBe('code');
    expect(model.cells.get(0).sharedModel.getSource()).toBe('');
  });

  it('delete_cell preview shows what goes', async () => {
    const { tool, context, ids } = setup();
    const preview = await tool('delete_cell').preview!(
      { cell_id: ids[0] },
      context
    );
    expect(preview.diff).toEqual({
      path: `analysis.ipynb#${ids[0]}`,
      before: '# Orders',
      after: ''
    });
  });

  it('create_notebook creates through the service and returns the first cell id', async () => {
    const { tool, context, access } = setup();
    const result = await tool('create_notebook').run(
      { path: 'etl/new.ipynb', kernel_name: 'python3' },
      context
    );
    expect(access.created).toEqual([
      { path: 'etl/new.ipynb', kernel: 'python3' }
    ]);
    const created = access.targets[2];
    expect(result.content).toBe(
      `Created and opened etl/new.ipynb (kernel python3). Its first cell is ${created.model.cells.get(0).id} (code, empty).`
    );
  });

  it('keeps outputs of other cells when editing', async () => {
    const { tool, context, ids, model } = setup();
    await tool('edit_cell').run(
      { cell_id: ids[0], source: '# Orders v2' },
      context
    );
    expect((model.cells.get(1) as ICodeCellModel).outputs.length).toBe(2);
  });
});
