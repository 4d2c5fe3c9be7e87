/** @jest-environment node */
import { setup } from './fakeContents';

const PROJECT = {
  'etl/load.py':
    'import pandas as pd\n\ndef load_orders(path):\n    return pd.read_csv(path)\n',
  'etl/report.py':
    'from load import load_orders\n\norders = load_orders("o.csv")\nload_orders_v2 = None\n',
  'etl/sql/orders.sql':
    'CREATE TABLE IF NOT EXISTS analytics.orders AS\nSELECT * FROM raw.orders;\n',
  'etl/.ipynb_checkpoints/load-checkpoint.py': 'def load_orders(): pass\n',
  'etl/node_modules/lib/index.js': 'load_orders()\n',
  'etl/.venv/lib/x.py': 'load_orders\n',
  'etl/venv/lib/x.py': 'load_orders\n',
  'etl/env/pyvenv.cfg': 'home = /usr/bin\n',
  'etl/env/lib/y.py': 'load_orders\n',
  'etl/lib/python3.11/site-packages/pkg/z.py': 'load_orders\n',
  'etl/__pycache__/load.cpython-311.pyc': Buffer.from([
    0x00, 0x01, 0x6c, 0x6f, 0x61, 0x64
  ]),
  'etl/.git/ORIG_HEAD': 'load_orders\n',
  'etl/data/blob.bin': Buffer.from([
    0xff, 0x00, 0x6c, 0x6f, 0x61, 0x64, 0x5f, 0x6f
  ]),
  'etl/data/latin1.txt': Buffer.from([
    0x6c, 0x6f, 0x61, 0x64, 0x5f, 0x6f, 0x72, 0x64, 0x65, 0x72, 0x73, 0xe9
  ]),
  '.jupyter/data-engineer/snapshots/chat/1.json': '{"before":"load_orders"}',
  'data-engineer-snapshots/chat/1.json': '{"before":"load_orders"}',
  'etl/analysis.ipynb': JSON.stringify({
    cells: [
      { cell_type: 'markdown', id: 'md1', metadata: {}, source: 'Orders' },
      {
        cell_type: 'code',
        id: 'c-42',
        metadata: {},
        source: ['x = 1\n', 'df = load_orders("a.csv")\n'],
        outputs: [],
        execution_count: null
      }
    ],
    metadata: {},
    nbformat: 4,
    nbformat_minor: 5
  })
};

describe('search_files', () => {
  it('finds text as path:line:text, in notebooks by cell, skipping checkpoints, dependencies, environments, caches, .git, binaries and snapshots', async () => {
    const { ok } = setup({ files: PROJECT, allowHidden: true });
    const text = await ok('search_files', {
      pattern: 'load_orders',
      path: '.'
    });
    expect(text).toContain('etl/load.py:3:def load_orders(path):');
    expect(text).toContain('etl/report.py:1:from load import load_orders');
    expect(text).toContain(
      'etl/analysis.ipynb:cell c-42:2:df = load_orders("a.csv")'
    );
    for (const skipped of [
      'checkpoint',
      'node_modules/lib',
      '.venv/lib',
      'venv/lib/x.py',
      'env/lib/y.py',
      'site-packages/pkg',
      '.git/',
      'snapshots',
      'blob.bin',
      '__pycache__/load'
    ]) {
      expect(text).not.toContain(`${skipped}:`);
    }
    expect(text).toMatch(/Not searched: .*node_modules \(dependencies\)/);
    expect(text).toContain('and 2 more.');
    expect(text).toContain('(2 binary files skipped.)');
  });

  it('is case-insensitive unless the pattern has capitals or case_sensitive is set', async () => {
    const { ok } = setup({ files: { 'a.sql': 'SELECT 1;\nselect 2;\n' } });
    expect(await ok('search_files', { pattern: 'select' })).toContain(
      '2 matches in 1 file'
    );
    expect(await ok('search_files', { pattern: 'SELECT' })).toContain(
      '1 match in 1 file'
    );
    expect(
      await ok('search_files', { pattern: 'select', case_sensitive: true })
    ).toContain('a.sql:2:select 2;');
  });

  it('searches with regular expressions and reports invalid ones', async () => {
    const { ok, fails } = setup({ files: PROJECT });
    const text = await ok('search_files', {
      pattern: String.raw`^\s*def \w+\(`,
      regex: true,
      path: 'etl'
    });
    expect(text).toContain('1 match in 1 file');
    expect(text).toContain('etl/load.py:3:def load_orders(path):');
    expect(
      await fails('search_files', { pattern: '([unclosed', regex: true })
    ).toContain('Invalid regular expression');
  });

  it('limits the files searched with a glob, relative to the search folder', async () => {
    const { ok } = setup({ files: PROJECT, baseDir: 'etl' });
    const text = await ok('search_files', { pattern: 'orders', glob: '*.sql' });
    expect(text).toContain('sql/orders.sql:1:CREATE TABLE');
    expect(text).not.toContain('load.py');
    expect(text).toContain('(files matching *.sql)');
    expect(
      await ok('search_files', { pattern: 'orders', glob: 'sql/**' })
    ).toContain('sql/orders.sql');
    expect(
      await ok('search_files', { pattern: 'orders', glob: 'nothing/*.py' })
    ).toContain('No matches');
  });

  it('stops at the file-count bound and says the results are incomplete', async () => {
    const files = Object.fromEntries(
      Array.from({ length: 30 }, (_, i) => [
        `f${String(i).padStart(2, '0')}.txt`,
        'needle\n'
      ])
    );
    const { ok } = setup({ files, limits: { searchMaxFiles: 10 } });
    const text = await ok('search_files', { pattern: 'needle' });
    expect(text).toContain('10 matches in 10 files');
    expect(text).toContain(
      'Stopped after reading 10 files; results are incomplete'
    );
  });

  it('stops at the byte bound and skips files over the per-file limit', async () => {
    const files: Record<string, string> = {
      'big.txt': `needle ${'x'.repeat(5000)}`
    };
    for (let i = 0; i < 10; i++) {
      files[`s${i}.txt`] = `needle ${'y'.repeat(300)}`;
    }
    const { ok } = setup({
      files,
      limits: { searchMaxFileBytes: 1000, searchMaxBytes: 1000 }
    });
    const text = await ok('search_files', { pattern: 'needle' });
    expect(text).toContain('1 file over 1 KB skipped');
    expect(text).toMatch(
      /Stopped after reading \d+ KB; results are incomplete/
    );
    expect(text).toContain('3 matches in 3 files');
  });

  it('stops at the time bound', async () => {
    const files = Object.fromEntries(
      Array.from({ length: 20 }, (_, i) => [`d${i}/f.txt`, 'needle\n'])
    );
    const { ok, contents, state } = setup({
      files,
      limits: { searchTimeMs: 5000 }
    });
    // Every request takes one second on the service clock.
    contents.before = () => {
      state.now += 1000;
    };
    const text = await ok('search_files', { pattern: 'needle' });
    expect(text).toContain('results are incomplete');
    expect(text).toMatch(/Stopped after 5 s/);
    expect(contents.calls.length).toBeLessThan(15);
  });

  it('stops at the result bound and caps matches per file', async () => {
    const lines = Array.from({ length: 50 }, () => 'needle').join('\n');
    const { ok } = setup({
      files: { 'a.txt': lines, 'b.txt': lines, 'c.txt': lines },
      limits: { searchMaxPerFile: 5, searchMaxResults: 12 }
    });
    const text = await ok('search_files', { pattern: 'needle' });
    expect(text).toContain('a.txt: … 45 more matches in this file');
    expect(
      text.split('\n').filter(line => /^[abc]\.txt:\d+:needle$/.test(line))
    ).toHaveLength(10);
    expect(text).toContain('there may be more');
  });

  it('honours Stop', async () => {
    const { run, controller } = setup({ files: PROJECT });
    controller.abort();
    expect(await run('search_files', { pattern: 'x' })).toEqual({
      content: 'Cancelled by the user.',
      isError: true
    });
  });
});

describe('find_usages', () => {
  it('finds whole-word, case-sensitive usages and tags definitions and imports', async () => {
    const { ok } = setup({ files: PROJECT, baseDir: 'etl' });
    const text = await ok('find_usages', { symbol: 'load_orders' });
    expect(text).toContain('load.py:3:def load_orders(path):  [definition]');
    expect(text).toContain(
      'report.py:1:from load import load_orders  [import]'
    );
    expect(text).toContain('report.py:3:orders = load_orders("o.csv")');
    expect(text).not.toContain('load_orders_v2');
    expect(text).toContain('analysis.ipynb:cell c-42:2:');
    expect(text).not.toContain('checkpoint');
    expect(text).toContain('4 matches in 3 files');
    expect(text).toContain('env (virtual environment)');
  });

  it('tags SQL and assignment definitions', async () => {
    const { ok } = setup({ files: PROJECT });
    expect(
      await ok('find_usages', { symbol: 'orders', path: 'etl' })
    ).toContain(
      'etl/sql/orders.sql:1:CREATE TABLE IF NOT EXISTS analytics.orders AS  [definition]'
    );
    expect(
      await ok('find_usages', { symbol: 'orders', path: 'etl', glob: '*.py' })
    ).toContain('etl/report.py:3:orders = load_orders("o.csv")  [definition]');
  });

  it('refuses phrases', async () => {
    const { fails } = setup({ files: PROJECT });
    expect(await fails('find_usages', { symbol: 'load orders' })).toContain(
      'search_files'
    );
  });
});

describe('searching one file', () => {
  it('searches just that file when path is a file', async () => {
    const { ok, fails } = setup({ files: PROJECT });
    const text = await ok('search_files', {
      pattern: 'orders',
      path: 'etl/report.py'
    });
    expect(text).toContain('in etl/report.py; 1 file searched');
    expect(text).toContain('etl/report.py:3:orders = load_orders("o.csv")');
    expect(
      await fails('search_files', { pattern: 'x', path: 'etl/missing.py' })
    ).toBe('etl/missing.py does not exist.');
  });
});
