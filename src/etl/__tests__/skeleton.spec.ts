import {
  buildSkeleton,
  sectionSources,
  SECTIONS,
  SpecError
} from '../skeleton';
import { ENGINES, IEtlSpec, LOAD_MODES, specProblems } from '../types';
import { CHECKPOINT_MARK } from '../common';

function ordersSpec(overrides: Partial<IEtlSpec> = {}): IEtlSpec {
  return {
    title: 'Orders into the warehouse',
    engine: 'pandas',
    mode: 'full_refresh',
    target: { kind: 'parquet', path: 'output/orders' },
    sources: [
      {
        name: 'orders',
        path: 'data/orders.csv',
        format: 'csv',
        columns: [
          { name: 'order_id', type: 'int', nullable: false },
          { name: 'order_ts', type: 'timestamp', nullable: false },
          { name: 'order_date', type: 'date', nullable: false },
          { name: 'amount', type: 'float', nullable: false },
          { name: 'discount', type: 'float', nullable: true }
        ],
        keys: ['order_id']
      }
    ],
    keyColumns: ['order_id'],
    runDate: '2026-12-01',
    ...overrides
  };
}

function specFor(engine: IEtlSpec['engine'], mode: IEtlSpec['mode']): IEtlSpec {
  return ordersSpec({
    engine,
    mode,
    partitionColumn: mode === 'overwrite_partition' ? 'order_date' : undefined,
    target:
      engine === 'spark' || mode === 'full_refresh'
        ? { kind: 'parquet', path: 'output/orders' }
        : mode === 'merge'
          ? { kind: 'postgres', table: 'orders', urlEnv: 'ETL_TARGET_URL' }
          : { kind: 'duckdb', path: 'output/warehouse.duckdb', table: 'orders' }
  });
}

describe('ETL skeleton', () => {
  for (const engine of ENGINES) {
    for (const mode of LOAD_MODES) {
      it(`${engine} × ${mode}`, () => {
        const sections = sectionSources(specFor(engine, mode));
        expect(sections).toMatchSnapshot();
      });
    }
  }

  it('is deterministic and has the sections in order, the parameters cell tagged', () => {
    const spec = specFor('polars', 'merge');
    const a = buildSkeleton(spec);
    expect(JSON.stringify(buildSkeleton(spec))).toBe(JSON.stringify(a));
    expect(a.cells.map(c => c.metadata.etl.section)).toEqual([...SECTIONS]);
    expect(
      a.cells
        .filter(c => c.metadata.tags?.includes('parameters'))
        .map(c => c.id)
    ).toEqual(['etl-parameters']);
    expect(a.cells[0].cell_type).toBe('markdown');
    expect(a.metadata.etl).toEqual({ spec });
  });

  it('covers every target for the Python engines', () => {
    for (const engine of ['pandas', 'polars', 'duckdb'] as const) {
      for (const target of [
        { kind: 'parquet' as const, path: 'out/o' },
        { kind: 'duckdb' as const, path: 'out/w.duckdb', table: 'orders' },
        { kind: 'postgres' as const, table: 'orders', urlEnv: 'PG_URL' }
      ]) {
        for (const mode of LOAD_MODES) {
          const spec = { ...specFor(engine, mode), target };
          const load = sectionSources(spec).load;
          expect(load).toContain(CHECKPOINT_MARK);
          if (target.kind === 'postgres' && mode === 'merge') {
            expect(load).toContain('ON CONFLICT');
          }
          if (target.kind === 'parquet') {
            expect(load).toContain('os.replace(tmp');
          }
        }
      }
    }
  });

  it('puts no connection string or secret in the notebook, only the variable name', () => {
    const nb = buildSkeleton(specFor('pandas', 'merge'));
    const text = nb.cells.map(c => c.source).join('\n');
    expect(text).toContain('os.environ.get(target_url_env');
    expect(nb.cells[1].source).toContain('target_url_env = "ETL_TARGET_URL"');
    expect(text).not.toMatch(/:\/\/[^/\s"]*:[^@\s"]*@/); // no user:password@ anywhere
  });

  it('documents the headless run with the notebook name and run date', () => {
    const nb = buildSkeleton(
      specFor('duckdb', 'full_refresh'),
      'pipelines/daily orders.ipynb'
    );
    expect(nb.cells[0].source).toContain(
      'papermill pipelines/daily orders.ipynb out.ipynb -p run_date 2026-12-01'
    );
  });

  it('keeps business rules as markdown quotes, never as code', () => {
    const nb = buildSkeleton(
      ordersSpec({
        businessRules: 'Net = amount - discount\nimport os; os.system("x")'
      })
    );
    expect(nb.cells[0].source).toContain('> import os; os.system("x")');
    for (const cell of nb.cells.slice(1)) {
      expect(cell.source).not.toContain('os.system');
    }
  });

  it('passes the first source through in the placeholder, or says what is missing', () => {
    expect(sectionSources(ordersSpec()).transform).toContain(
      'result = orders.copy()'
    );
    const partition = sectionSources(
      ordersSpec({
        mode: 'overwrite_partition',
        partitionColumn: 'day',
        sources: [{ ...ordersSpec().sources[0] }]
      })
    );
    expect(partition.transform).toContain(
      'raise NotImplementedError("derive day'
    );
  });

  it('rejects specs with unsafe names or missing choices, saying what to fix', () => {
    expect(specProblems(ordersSpec())).toEqual([]);
    const bad = ordersSpec({
      mode: 'merge',
      keyColumns: [],
      target: {
        kind: 'postgres',
        table: 'orders; DROP TABLE x',
        urlEnv: 'postgresql://u:p@h/db'
      },
      runDate: '1/12/2026'
    });
    const problems = specProblems(bad);
    expect(problems).toEqual(
      expect.arrayContaining([
        'Merge / upsert needs the key column(s) of the target.',
        'Give the target table as a plain identifier (letters, digits, _).',
        'Name the environment variable that holds the PostgreSQL URL (e.g. ETL_TARGET_URL).',
        'Run date "1/12/2026" must be YYYY-MM-DD.'
      ])
    );
    expect(() => sectionSources(bad)).toThrow(SpecError);
    const spark = specProblems(
      ordersSpec({
        engine: 'spark',
        target: { kind: 'postgres', table: 't', urlEnv: 'X' }
      })
    );
    expect(spark.join(' ')).toContain(
      'Spark skeleton writes Parquet folders only'
    );
    const column = ordersSpec();
    column.sources[0].columns.push({
      name: 'unit price',
      type: 'float',
      nullable: true
    });
    expect(specProblems(column).join(' ')).toContain('Column "unit price"');
  });
});
