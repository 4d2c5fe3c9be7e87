/** @jest-environment node */
import { setup } from './fakeContents';

const NOTEBOOK = JSON.stringify({
  cells: [
    {
      cell_type: 'markdown',
      id: 'intro',
      metadata: {},
      source: ['# Orders\n', 'Load and clean.']
    },
    {
      cell_type: 'code',
      id: 'load',
      metadata: {},
      source: 'import pandas as pd\ndf = pd.read_csv("orders.csv")',
      outputs: [
        { output_type: 'stream', name: 'stdout', text: 'SECRET OUTPUT' }
      ],
      execution_count: 1
    },
    {
      cell_type: 'code',
      id: 'agg',
      metadata: {},
      source: 'df.groupby("day").sum()',
      outputs: [],
      execution_count: null
    }
  ],
  metadata: { language_info: { name: 'python' } },
  nbformat: 4,
  nbformat_minor: 5
});

describe('read_file', () => {
  it('returns numbered lines with a header', async () => {
    const { ok } = setup({
      files: { 'etl/load.py': 'import os\n\ndef main():\n    pass\n' }
    });
    const text = await ok('read_file', { path: 'etl/load.py' });
    expect(text).toContain('File etl/load.py (4 lines');
    expect(text).toContain(
      '     1\timport os\n     2\t\n     3\tdef main():\n     4\t    pass'
    );
    expect(text).not.toContain('Showing');
  });

  it('reads a range with offset and limit, and says how to go on', async () => {
    const lines = Array.from({ length: 50 }, (_, i) => `row ${i + 1}`).join(
      '\n'
    );
    const { ok, fails } = setup({ files: { 'big.txt': lines } });
    const text = await ok('read_file', {
      path: 'big.txt',
      offset: 10,
      limit: 5
    });
    expect(text).toContain('    10\trow 10');
    expect(text).toContain('    14\trow 14');
    expect(text).not.toContain('row 15');
    expect(text).toContain(
      '[Showing lines 10–14 of 50. Call read_file with offset=15 to read more.]'
    );
    expect(await fails('read_file', { path: 'big.txt', offset: 51 })).toContain(
      'past the end'
    );
  });

  it('truncates past the size limit with a notice, and cuts very long lines', async () => {
    const lines = Array.from(
      { length: 1000 },
      (_, i) => `line ${i + 1} ${'x'.repeat(80)}`
    ).join('\n');
    const { ok } = setup({
      files: { 'log.txt': lines, 'min.js': 'a'.repeat(5000) },
      limits: { readMaxChars: 2000, lineMaxChars: 100 }
    });
    const text = await ok('read_file', { path: 'log.txt' });
    expect(text.length).toBeLessThan(2400);
    expect(text).toMatch(
      /\[Showing lines 1–\d+ of 1000 \(size limit reached\)\. Call read_file with offset=\d+ to read more\.\]/
    );
    const long = await ok('read_file', { path: 'min.js' });
    expect(long).toContain('… [4900 more characters]');
    expect(long).toContain('Lines longer than 100 characters were cut');
  });

  it('uses a default line limit', async () => {
    const lines = Array.from({ length: 30 }, (_, i) => `r${i + 1}`).join('\n');
    const { ok } = setup({
      files: { 'a.txt': lines },
      limits: { readDefaultLines: 10 }
    });
    expect(await ok('read_file', { path: 'a.txt' })).toContain(
      '[Showing lines 1–10 of 30. Call read_file with offset=11'
    );
  });

  it('shows notebooks as cells (number, type, id, source) without outputs or JSON', async () => {
    const { ok } = setup({ files: { 'nb/report.ipynb': NOTEBOOK } });
    const text = await ok('read_file', { path: 'nb/report.ipynb' });
    expect(text).toContain('Notebook nb/report.ipynb (3 cells, python)');
    expect(text).toContain(
      '--- cell 1 · markdown · id intro ---\n# Orders\nLoad and clean.'
    );
    expect(text).toContain(
      '--- cell 2 · code · id load ---\nimport pandas as pd'
    );
    expect(text).toContain('--- cell 3 · code · id agg ---');
    expect(text).not.toContain('SECRET OUTPUT');
    expect(text).not.toContain('"cell_type"');
    const part = await ok('read_file', {
      path: 'nb/report.ipynb',
      offset: 2,
      limit: 1
    });
    expect(part).toContain('cell 2');
    expect(part).not.toContain('cell 3 ·');
    expect(part).toContain('offset=3');
  });

  it('refuses binary files with their type and size, by name and by content', async () => {
    const png = Buffer.from([
      0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xff, 0x00
    ]);
    const { fails } = setup({
      files: {
        'plot.png': png,
        'data/blob.dat': Buffer.from([0xff, 0xfe, 0x00, 0x81]),
        'x.parquet': Buffer.from('PAR1')
      }
    });
    const byName = await fails('read_file', { path: 'plot.png' });
    expect(byName).toContain('plot.png is a binary file (image/png, 10 B)');
    const byContent = await fails('read_file', { path: 'data/blob.dat' });
    expect(byContent).toContain('binary file (application/octet-stream');
    expect(await fails('read_file', { path: 'x.parquet' })).toContain('kernel');
  });

  it('refuses files over the size limit, folders and missing files', async () => {
    const { fails } = setup({
      files: { 'huge.csv': 'a,b\n'.repeat(1000), 'dir/x.txt': 'x' },
      limits: { readMaxBytes: 1000 }
    });
    expect(await fails('read_file', { path: 'huge.csv' })).toContain(
      '3.9 KB, more than read_file reads'
    );
    expect(await fails('read_file', { path: 'dir' })).toContain(
      'is a folder; list it with list_directory'
    );
    expect(await fails('read_file', { path: 'nope.txt' })).toBe(
      'nope.txt does not exist.'
    );
  });

  it('shows paths relative to the base folder and mentions CRLF files', async () => {
    const { ok } = setup({
      baseDir: 'etl',
      files: { 'etl/win.sql': 'select 1;\r\nselect 2;\r\n' }
    });
    const text = await ok('read_file', { path: 'win.sql' });
    expect(text).toContain('File win.sql (2 lines');
    expect(text).toContain('CRLF line endings');
    expect(text).toContain('     1\tselect 1;\n     2\tselect 2;');
    expect(text).not.toContain('\r');
  });
});

describe('list_directory', () => {
  it('lists folders first, sizes, and expands to the requested depth', async () => {
    const { ok } = setup({
      files: {
        'etl/load.py': 'x'.repeat(2048),
        'etl/sql/q1.sql': 'select 1',
        'etl/sql/deep/q2.sql': 'select 2',
        'README.md': '# hi',
        'etl/.ipynb_checkpoints/load-checkpoint.py': 'old',
        'etl/node_modules/pkg/index.js': 'js',
        'etl/myenv/pyvenv.cfg': 'home = /usr',
        'etl/myenv/lib/python3.11/site-packages/pandas/__init__.py': ''
      }
    });
    const one = await ok('list_directory', {});
    expect(one).toContain('Folder ./: 1 folder, 1 file.');
    expect(one).toContain('etl/\nREADME.md  (4 B)');
    const two = await ok('list_directory', { path: 'etl', depth: 2 });
    expect(two).toContain('node_modules/  (dependencies, not expanded)');
    expect(two).toContain('sql/\n  deep/\n  q1.sql  (8 B)');
    expect(two).toContain('load.py  (2.0 KB)');
    expect(two).not.toContain('checkpoint');
    expect(two).not.toContain('index.js');
    expect(two).toContain('myenv/  (virtual environment, not expanded)');
    expect(two).not.toContain('pyvenv.cfg');
  });

  it('defaults to the active notebook folder and notes it', async () => {
    const { ok, fails } = setup({
      baseDir: 'etl',
      files: { 'etl/a.py': 'a', 'b.py': 'b' }
    });
    const text = await ok('list_directory', {});
    expect(text).toContain('a.py');
    expect(text).not.toContain('b.py');
    expect(text).toContain(
      "Paths are relative to etl/ (the active notebook's folder)."
    );
    expect(await ok('list_directory', { path: '..' })).toContain('b.py');
    expect(await fails('list_directory', { path: 'a.py' })).toContain(
      'is a file, not a folder'
    );
    expect(await fails('list_directory', { path: 'missing' })).toBe(
      'missing does not exist.'
    );
  });

  it('caps the number of entries shown', async () => {
    const files = Object.fromEntries(
      Array.from({ length: 30 }, (_, i) => [
        `f${String(i).padStart(2, '0')}.txt`,
        'x'
      ])
    );
    const { ok } = setup({ files, limits: { listMaxEntries: 10 } });
    const text = await ok('list_directory', {});
    expect(text).toContain('f09.txt');
    expect(text).not.toContain('f10.txt');
    expect(text).toContain('… 20 more entries not shown');
  });
});

describe('find_files', () => {
  const files = {
    'etl/load.py': '',
    'etl/jobs/daily.py': '',
    'etl/jobs/daily.sql': '',
    'etl/.venv/lib/site.py': '',
    'etl/env/pyvenv.cfg': 'home = /usr',
    'etl/env/lib/x.py': '',
    'etl/node_modules/a/b.py': '',
    'etl/__pycache__/load.cpython-311.pyc': '',
    'data/raw.csv': 'a,b',
    'data/2024/raw.csv': 'a,b',
    'tests/test_load.py': ''
  };

  it('matches names anywhere with a pattern without "/", skipping environments and dependencies', async () => {
    const { ok } = setup({ files, allowHidden: true });
    const text = await ok('find_files', { glob: '*.py' });
    expect(text).toContain('3 files matching *.py in ./:');
    expect(text).toContain('etl/load.py');
    expect(text).toContain('etl/jobs/daily.py');
    expect(text).toContain('tests/test_load.py');
    expect(text).not.toContain('site.py');
    expect(text).not.toContain('env/lib/x.py');
    expect(text).not.toContain('node_modules/a');
    expect(text).toContain('Not searched:');
    expect(text).toContain('etl/env (virtual environment)');
  });

  it('matches paths with "/" from a literal folder, also above the base folder', async () => {
    const { ok } = setup({ files, baseDir: 'etl' });
    const direct = await ok('find_files', { glob: '../data/*.csv' });
    expect(direct).toContain('1 file matching');
    expect(direct).toContain('../data/raw.csv');
    const deep = await ok('find_files', { glob: '../data/**/*.csv' });
    expect(deep).toContain('../data/2024/raw.csv');
    expect(await ok('find_files', { glob: 'jobs/*.sql' })).toContain(
      'jobs/daily.sql'
    );
    expect(await ok('find_files', { glob: '*.rs' })).toContain(
      'No files matching *.rs'
    );
  });

  it('stops at the walk bounds and says so', async () => {
    const many = Object.fromEntries(
      Array.from({ length: 50 }, (_, i) => [`d${i}/f.txt`, 'x'])
    );
    const { ok } = setup({ files: many, limits: { walkMaxEntries: 20 } });
    expect(await ok('find_files', { glob: '*.txt' })).toContain(
      'Stopped after 20 folder entries; results are incomplete'
    );
  });
});
