/** @jest-environment node */
import {
  buildNotebookView,
  INotebookViewCell,
  INotebookViewInput,
  summarizeKinds
} from '../view';

const kernel = { name: 'python3', language: 'python', status: 'idle' };

function notebook(
  cells: INotebookViewCell[],
  activeCellId: string | null = null
): INotebookViewInput {
  return { path: 'etl/orders.ipynb', kernel, activeCellId, cells };
}

function bigNotebook(n = 500, active = 251): INotebookViewInput {
  const cells: INotebookViewCell[] = [];
  for (let i = 0; i < n; i++) {
    cells.push({
      id: `cell-${i}`,
      cell_type: i % 5 ? 'code' : 'markdown',
      source: Array.from(
        { length: 10 },
        (_, l) => `x_${i}_${l} = compute(${l})`
      ).join('\n'),
      execution_count: i % 5 ? i : null,
      outputs:
        i % 5 ? [{ output_type: 'stream', name: 'stdout', text: 'ok\n' }] : []
    });
  }
  return notebook(cells, `cell-${active}`);
}

describe('buildNotebookView', () => {
  it('renders header and one block per cell', () => {
    const view = buildNotebookView(
      notebook(
        [
          {
            id: 'a1',
            cell_type: 'markdown',
            source: '# Orders\nLoad and clean.'
          },
          {
            id: 'b2',
            cell_type: 'code',
            source:
              'import pandas as pd\ndf = pd.read_csv("o.csv")\ndf.head()\ndf.shape\nprint(1)',
            execution_count: 3,
            outputs: [
              { output_type: 'stream', name: 'stdout', text: '1\n' },
              {
                output_type: 'execute_result',
                data: { 'text/plain': 'x', 'text/html': '<b>' },
                execution_count: 3
              },
              {
                output_type: 'display_data',
                data: { 'image/png': 'AAA', 'text/plain': 'fig' }
              }
            ]
          },
          {
            id: 'c3',
            cell_type: 'code',
            source: 'df["amount"]',
            execution_count: 4,
            outputs: [
              {
                output_type: 'error',
                ename: 'KeyError',
                evalue: "\u001b[31m'amount'\u001b[0m",
                traceback: []
              }
            ]
          },
          {
            id: 'd4',
            cell_type: 'code',
            source: '',
            execution_count: null,
            outputs: []
          }
        ],
        null
      )
    );
    expect(view).toBe(
      [
        'Notebook: etl/orders.ipynb',
        'Kernel: python3 (python), idle',
        'Cells: 4',
        '',
        '[a1] markdown',
        '  # Orders',
        '  Load and clean.',
        '[b2] code [3]',
        '  import pandas as pd',
        '  df = pd.read_csv("o.csv")',
        '  df.head()',
        '  … (+2 lines)',
        '  outputs: stream, execute_result(text/html), display_data(image/png)',
        '[c3] code [4]',
        '  df["amount"]',
        '  outputs: error',
        "  error: KeyError: 'amount'",
        '[d4] code [ ]',
        '  (empty)'
      ].join('\n')
    );
  });

  it('says when there is no kernel', () => {
    const view = buildNotebookView({
      path: 'a.ipynb',
      kernel: null,
      activeCellId: null,
      cells: []
    });
    expect(view).toContain('Kernel: none');
    expect(view).toContain('Cells: 0');
  });

  it('shows the active cell complete and marks it', () => {
    const source = Array.from({ length: 40 }, (_, i) => `line ${i}`).join('\n');
    const view = buildNotebookView(
      notebook(
        [
          {
            id: 'a',
            cell_type: 'code',
            source,
            execution_count: 1,
            outputs: []
          },
          {
            id: 'b',
            cell_type: 'code',
            source,
            execution_count: 2,
            outputs: []
          }
        ],
        'b'
      )
    );
    expect(view).toContain('active cell: b (#2)');
    expect(view).toContain('[b] code [2] ← active');
    const activeBlock = view.slice(view.indexOf('[b]'));
    expect(activeBlock).toContain('line 39');
    expect(activeBlock).not.toContain('(+');
    const other = view.slice(view.indexOf('[a]'), view.indexOf('[b]'));
    expect(other).toContain('… (+37 lines)');
  });

  it('cuts long lines', () => {
    const view = buildNotebookView(
      notebook([
        { id: 'a', cell_type: 'code', source: 'x'.repeat(1000), outputs: [] }
      ])
    );
    expect(view).toContain(`  ${'x'.repeat(159)}…`);
    expect(view).not.toContain('x'.repeat(161));
  });

  it('keeps a 500-cell notebook within budget: active cell, its neighbours, first and last', () => {
    const view = buildNotebookView(bigNotebook());
    expect(view.length).toBeLessThanOrEqual(12000);
    expect(view).toContain('[cell-251] code [251] ← active');
    expect(view).toContain('x_251_9 = compute(9)'); // complete
    for (const id of ['cell-0', 'cell-250', 'cell-252', 'cell-499']) {
      expect(view).toContain(`[${id}]`);
    }
    expect(view).not.toContain('[cell-100]');
    expect(view).toMatch(/… \d+ cells not shown …/);
    const hidden = Number(
      /\((\d+) of 500 cells not shown; use read_cell, or get_notebook_summary/.exec(
        view
      )?.[1]
    );
    const shown = (view.match(/^\[cell-/gm) ?? []).length;
    expect(hidden + shown).toBe(500);
  });

  it('shows the cells around focusCellId instead', () => {
    const view = buildNotebookView(bigNotebook(), { focusCellId: 'cell-400' });
    expect(view).toContain('[cell-400]');
    expect(view).toContain('[cell-401]');
    expect(view).toContain('[cell-251] code [251] ← active'); // still there
    expect(view).not.toContain('[cell-300]');
  });

  it('fills from the top without an active cell', () => {
    const input = bigNotebook();
    const view = buildNotebookView(
      { ...input, activeCellId: null },
      { maxChars: 3000 }
    );
    expect(view).toContain('[cell-1]');
    expect(view).toContain('[cell-499]');
    expect(view.length).toBeLessThanOrEqual(3000);
  });

  it('honours linesPerCell', () => {
    const view = buildNotebookView(bigNotebook(3, 0), { linesPerCell: 1 });
    expect(view).toContain('  x_1_0 = compute(0)\n  … (+9 lines)');
  });
});

describe('summarizeKinds', () => {
  it('counts repeats', () => {
    const out = { output_type: 'display_data', data: { 'image/png': 'x' } };
    expect(summarizeKinds([out, out, out, { output_type: 'error' }])).toBe(
      'display_data(image/png) ×3, error'
    );
  });
});

describe('buildNotebookView and secrets', () => {
  it('masks literal secrets in every cell, active or not, and in error lines', () => {
    const key = 'sk-live-4f9a8b7c6d5e4f3a2b1c0d9e';
    const view = buildNotebookView(
      notebook(
        [
          {
            id: 'a',
            cell_type: 'code',
            source: `api_token = "${key}"\nclient = Client(api_token)`,
            execution_count: 1,
            outputs: []
          },
          {
            id: 'b',
            cell_type: 'code',
            source: 'engine = create_engine("postgresql://etl:pw123@db/x")',
            execution_count: 2,
            outputs: [
              {
                output_type: 'error',
                ename: 'OperationalError',
                evalue: 'could not connect to postgresql://etl:pw123@db/x',
                traceback: []
              }
            ]
          }
        ],
        'b'
      )
    );
    expect(view).not.toContain(key);
    expect(view).not.toContain('pw123');
    expect(view).toContain('api_token = "<redacted, 32 chars>"');
    expect(view).toContain('client = Client(api_token)');
    expect(view).toContain(
      'error: OperationalError: could not connect to <redacted'
    );
  });
});
