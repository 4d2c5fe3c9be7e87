/**
 * get_problems and the symbol-aware find_usages against a real `jupyter
 * server` with the extension (ruff, sqlglot and jedi run there).
 *
 * @jest-environment node
 */
import * as fs from 'fs';
import * as path from 'path';
import { createFileTools } from '../../files/tools';
import {
  FILES_SERVICE,
  FilesService,
  MemorySnapshotStore,
  SYMBOLS_SERVICE
} from '../../files';
import { YNotebook } from '@jupyter/ydoc';
import type { IToolContext, IToolResult } from '../../tools/types';
import { openNotebooksOf } from '../openNotebooks';
import { CodeToolsServer } from '../serverRoute';
import { ServerSymbolSearch } from '../symbolSearch';
import { createCodeTools } from '../tools';
import {
  IJupyterServer,
  RestContents,
  startJupyterServer
} from '../../__tests__/jupyterServer';

jest.setTimeout(180000);

const PORT = 9131; // this suite's port (the helper's range is 9100-9149)

const LOAD_PY = `import csv


def load_orders(path):
    return list(csv.reader(open(path)))
`;

let server: IJupyterServer;

beforeAll(async () => {
  server = await startJupyterServer(PORT, root => {
    fs.mkdirSync(path.join(root, 'etl'));
    // The workspace's ruff configuration applies (ruff's default rules, whatever the machine has).
    fs.writeFileSync(
      path.join(root, 'ruff.toml'),
      '[lint]\nselect = ["E4", "E7", "E9", "F"]\n'
    );
    fs.writeFileSync(path.join(root, 'etl', 'load.py'), LOAD_PY);
    fs.writeFileSync(
      path.join(root, 'etl', 'daily.sql'),
      'SELECT a\nFROM t\nWHERE a IN (1, 2\n'
    );
    fs.writeFileSync(
      path.join(root, 'etl', 'columns.txt'),
      'customer_id is the key\n'
    );
  });
});

const created: YNotebook[] = [];

afterAll(async () => {
  created.forEach(notebook => notebook.dispose());
  await server?.stop();
});

/** A real shared notebook model (what NotebookModel.sharedModel is) with these cells. */
function notebookOf(sources: Array<[string, string]>): YNotebook {
  const notebook = new YNotebook();
  created.push(notebook); // its awareness runs a timer until disposed
  sources.forEach(([type, source], index) =>
    notebook.insertCell(index, {
      cell_type: type as 'code' | 'markdown',
      source,
      metadata: {}
    })
  );
  return notebook;
}

/** A tracker over real notebook models (what INotebookTracker.forEach gives). */
function trackerOf(
  notebooks: Array<{ path: string; sources: Array<[string, string]> }>
) {
  const panels = notebooks.map(nb => ({
    context: { path: nb.path },
    content: { model: { sharedModel: notebookOf(nb.sources) } }
  }));
  return { forEach: (fn: (panel: any) => void) => panels.forEach(fn) };
}

function setUp(
  notebooks: Array<{ path: string; sources: Array<[string, string]> }>
) {
  const codeServer = new CodeToolsServer(server.base, server.request);
  const openNotebooks = openNotebooksOf(trackerOf(notebooks));
  const files = new FilesService({
    contents: new RestContents(server),
    baseDir: () => 'etl',
    snapshots: new MemorySnapshotStore(),
    chatId: () => 'chat-codetools'
  });
  const context: IToolContext = {
    signal: new AbortController().signal,
    services: {
      [FILES_SERVICE]: files,
      [SYMBOLS_SERVICE]: new ServerSymbolSearch(codeServer, openNotebooks)
    }
  };
  const tools = new Map(
    [
      ...createCodeTools({ server: () => codeServer, openNotebooks }),
      ...createFileTools({ service: () => files })
    ].map(tool => [tool.name, tool])
  );
  const run = (
    name: string,
    input: Record<string, unknown>
  ): Promise<IToolResult> => tools.get(name)!.run(input, context);
  return { run, context, openNotebooks };
}

const REPORT: Array<[string, string]> = [
  ['code', 'import pandas as pd\n'],
  ['markdown', '# Orders'],
  ['code', 'orders = pd.DataFrame()\ntotal = summarise(orders)\n'],
  ['code', '%matplotlib inline\nprint(orders.shape)\n'],
  ['code', '%%sql\nSELECT id,\nFROM orders WHERE\n'],
  ['code', 'from load import load_orders\nrows = load_orders("orders.csv")\n']
];

describe('get_problems', () => {
  it('reports the undefined name of cell 3 and the SQL error of cell 5 with their cell ids', async () => {
    const { run, openNotebooks } = setUp([
      { path: 'etl/report.ipynb', sources: REPORT }
    ]);
    const ids = openNotebooks()[0].cells.map(cell => cell.id);
    const result = await run('get_problems', {});
    expect(result.isError).toBeFalsy();
    const text = String(result.content);
    expect(text).toContain('in report.ipynb');
    expect(text).toContain(
      `report.ipynb:cell ${ids[2]}:2:9: error F821 Undefined name \`summarise\` (ruff)`
    );
    expect(text).toMatch(
      new RegExp(
        `report\\.ipynb:cell ${ids[4]}:\\d+:\\d+: error sql-syntax SQL syntax error`
      )
    );
    // Errors come first; nothing is reported for the magics or the valid cells.
    expect(text).not.toContain(`cell ${ids[3]}`);
    expect(text).not.toContain(`cell ${ids[5]}`);
    expect(result.data?.problems).toEqual({
      counts: { error: 2, warning: 0, info: 0 },
      checked: ['etl/report.ipynb']
    });
  });

  it('checks named files relative to the active folder, bounded, with min_severity', async () => {
    const { run } = setUp([]);
    const result = await run('get_problems', {
      paths: ['daily.sql', 'load.py', 'missing.py'],
      max: 1
    });
    const text = String(result.content);
    expect(text).toContain('1 error in daily.sql, load.py');
    expect(text).toContain('daily.sql:3:16: error sql-syntax');
    expect(text).toContain('etl/missing.py: no such file.');
    const none = await run('get_problems', { paths: ['load.py'] });
    expect(String(none.content)).toBe('No problems in load.py.');
  });

  it('says what to do when no notebook is open and no path is named', async () => {
    const { run } = setUp([]);
    expect(String((await run('get_problems', {})).content)).toContain(
      'No notebook is open. Name the files to check in paths'
    );
  });
});

describe('find_usages with jedi', () => {
  it("finds a function's definition in a .py and its call in a notebook cell", async () => {
    const { run, openNotebooks } = setUp([
      { path: 'etl/report.ipynb', sources: REPORT }
    ]);
    const ids = openNotebooks()[0].cells.map(cell => cell.id);
    const text = String(
      (await run('find_usages', { symbol: 'load_orders' })).content
    );
    expect(text).toContain(
      '1 definition and 2 references of load_orders (resolved with jedi'
    );
    expect(text).toContain(
      'load.py:4:def load_orders(path):  [definition: function etl.load.load_orders]'
    );
    expect(text).toContain(
      `report.ipynb:cell ${ids[5]}:2:rows = load_orders("orders.csv")`
    );
    expect(text).toContain(
      `report.ipynb:cell ${ids[5]}:1:from load import load_orders  [import]`
    );
  });

  it('falls back to the text search with a note when jedi cannot resolve the name', async () => {
    const { run } = setUp([]);
    const text = String(
      (await run('find_usages', { symbol: 'customer_id' })).content
    );
    expect(text).toContain(
      '(jedi could not resolve customer_id to a Python definition under'
    );
    expect(text).toContain('columns.txt:1:customer_id is the key');
  });
});
