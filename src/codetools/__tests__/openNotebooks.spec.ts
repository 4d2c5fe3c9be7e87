/** @jest-environment node */
import { YNotebook } from '@jupyter/ydoc';
import { openNotebooksOf } from '../openNotebooks';

const created: YNotebook[] = [];

afterAll(() => created.forEach(notebook => notebook.dispose()));

function panel(path: string, localPath: string | undefined) {
  const notebook = new YNotebook();
  created.push(notebook);
  notebook.insertCell(0, { cell_type: 'code', source: 'x = 1', metadata: {} });
  notebook.insertCell(1, {
    cell_type: 'markdown',
    source: '# t',
    metadata: {}
  });
  return {
    context: { path, localPath },
    content: { model: { sharedModel: notebook } }
  };
}

describe('openNotebooksOf', () => {
  it('reads each open notebook once, by its server path, with its cells', () => {
    const panels = [
      panel('RTC:etl/a.ipynb', 'etl/a.ipynb'),
      panel('RTC:etl/a.ipynb', 'etl/a.ipynb'),
      panel('r.ipynb', undefined)
    ];
    const read = openNotebooksOf({ forEach: fn => panels.forEach(fn) })();
    expect(read.map(nb => [nb.path, nb.language])).toEqual([
      ['etl/a.ipynb', 'python'],
      ['r.ipynb', 'python']
    ]);
    expect(read[0].cells.map(cell => [cell.cell_type, cell.source])).toEqual([
      ['code', 'x = 1'],
      ['markdown', '# t']
    ]);
    expect(read[0].cells[0].id).toMatch(/\w/);
    expect(openNotebooksOf(null)()).toEqual([]);
  });
});
