import { blocks, pyStr } from '../py';
import {
  duckdbLoadFromConnection,
  parquetChecksum,
  parquetFileLoad,
  postgresLoad,
  QUOTE_HELPER,
  sqlChecksum,
  targetSetup
} from '../targets';
import type { ColumnType, IEtlSource } from '../types';
import {
  IEngineCode,
  mainSource,
  partitionInSource,
  transformHeader
} from './engine';

const DUCKDB_TYPES: Partial<Record<ColumnType, string>> = {
  int: 'BIGINT',
  float: 'DOUBLE',
  bool: 'BOOLEAN',
  string: 'VARCHAR',
  date: 'DATE',
  timestamp: 'TIMESTAMPTZ'
};

function readSource(s: IEtlSource): string {
  const path = `source_${s.name}`;
  let scan: string;
  switch (s.format) {
    case 'csv': {
      const types = s.columns
        .filter(c => DUCKDB_TYPES[c.type])
        .map(c => `'${c.name}': '${DUCKDB_TYPES[c.type]}'`)
        .join(', ');
      scan = `read_csv(?, header = true, types = {${types}})`;
      break;
    }
    case 'parquet':
      scan = 'read_parquet(?)';
      break;
    case 'json':
      scan = 'read_json_auto(?)';
      break;
    case 'excel':
      scan = 'read_xlsx(?)';
      break;
  }
  return `con.execute("CREATE OR REPLACE TABLE ${s.name}_raw AS SELECT * FROM ${scan}", [${path}])`;
}

const HELPERS = `def sql_str(value) -> str:
    """A SQL string literal (for statements that take no parameters: ATTACH, COPY)."""
    return "'" + str(value).replace("'", "''") + "'"


def count(sql: str, params=None) -> int:
    return con.execute(sql, params or []).fetchall()[0][0]


def split_rejects(name: str) -> None:
    """Table <name>: the rows of <name>_raw that keep the key rules; the others are counted as rejected."""
    spec = CONTRACT[name]
    null = " OR ".join(f"{qi(c)} IS NULL" for c in spec["not_null"]) or "false"
    keys = ", ".join(qi(c) for c in spec["keys"])
    rank = f"row_number() OVER (PARTITION BY {keys} ORDER BY rowid)" if keys else "1"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {name}_flags AS "
        f"SELECT *, ({null}) AS _null, {rank} > 1 AS _duplicate FROM {name}_raw ORDER BY rowid"
    )
    rows, nulls, duplicates = con.execute(
        f"SELECT count(*), count(*) FILTER (_null), count(*) FILTER (_duplicate AND NOT _null) FROM {name}_flags"
    ).fetchall()[0]
    check_rejects(name, rows, nulls, duplicates)
    con.execute(
        f"CREATE OR REPLACE TABLE {name} AS "
        f"SELECT * EXCLUDE (_null, _duplicate) FROM {name}_flags WHERE NOT (_null OR _duplicate)"
    )
    con.execute(f"DROP TABLE {name}_flags")`;

/** DuckDB: the sources become tables of an in-memory work connection; SQL all the way. */
export const duckdbEngine: IEngineCode = {
  setup: spec =>
    blocks(
      'import duckdb',
      targetSetup(spec).replace(/^import duckdb\n?/, ''),
      'con = duckdb.connect()  # the work database (in memory)',
      QUOTE_HELPER,
      HELPERS
    ),
  extract: spec =>
    blocks(
      '# Extract: each source becomes a table of the work connection, read with the types of its contract.',
      spec.sources
        .map(s =>
          [
            readSource(s),
            `report["rows_in"][${pyStr(s.name)}] = count("SELECT count(*) FROM ${s.name}_raw")`
          ].join('\n')
        )
        .join('\n')
    ),
  validateInput: spec =>
    blocks(
      '# Validate input: columns, types and rows first (a broken contract stops the run), then the keys.',
      [
        'fail_on({',
        ...spec.sources.map(
          s =>
            `    ${pyStr(s.name)}: contract_problems(${pyStr(s.name)}, {r[0]: r[1] for r in con.execute("DESCRIBE ${s.name}_raw").fetchall()}, report["rows_in"][${pyStr(s.name)}]),`
        ),
        '})'
      ].join('\n'),
      spec.sources.map(s => `split_rejects(${pyStr(s.name)})`).join('\n')
    ),
  transform: spec => {
    const where =
      spec.mode === 'overwrite_partition' && partitionInSource(spec)
        ? `\nWHERE CAST(${spec.partitionColumn} AS DATE) = CAST(? AS DATE)`
        : '';
    const params = where ? ', [run_date]' : '';
    const lines = [
      transformHeader(spec).replace('`result`', 'the table `result`')
    ];
    if (spec.mode === 'overwrite_partition' && !partitionInSource(spec)) {
      lines.push(
        `raise NotImplementedError("derive ${spec.partitionColumn} (the run date of each row) and keep only run_date's rows")`
      );
    } else {
      lines.push(
        `con.execute("""\nCREATE OR REPLACE TABLE result AS\nSELECT *\nFROM ${mainSource(spec)}${where}\n"""${params})`
      );
    }
    return lines.join('\n');
  },
  validateOutput: () =>
    [
      "# Validate output: the key is unique and not null, the partition is the run's, there are rows.",
      'columns = [r[0] for r in con.execute("DESCRIBE result").fetchall()]',
      'required = KEY_COLUMNS + ([PARTITION_COLUMN] if PARTITION_COLUMN else [])',
      'problems = [f"missing columns {[c for c in required if c not in columns]}"] if not set(required) <= set(columns) else []',
      'rows_out = count("SELECT count(*) FROM result")',
      'if not problems:',
      '    if rows_out == 0:',
      '        problems.append("no rows")',
      '    if KEY_COLUMNS:',
      '        keys = ", ".join(qi(k) for k in KEY_COLUMNS)',
      '        null_keys = count("SELECT count(*) FROM result WHERE " + " OR ".join(f"{qi(k)} IS NULL" for k in KEY_COLUMNS))',
      '        duplicate_keys = count(f"SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM result GROUP BY {keys})")',
      '        if null_keys or duplicate_keys:',
      '            problems.append(f"{null_keys} null and {duplicate_keys} duplicate keys {KEY_COLUMNS}")',
      '    if PARTITION_COLUMN:',
      '        values = con.execute(f"SELECT DISTINCT strftime(CAST({qi(PARTITION_COLUMN)} AS DATE), \'%Y-%m-%d\') FROM result").fetchall()',
      '        others = sorted({v for (v,) in values} - {run_date}, key=str)',
      '        if others:',
      '            problems.append(f"rows outside partition {run_date}: {others[:5]}")',
      'fail_on({"result": problems})'
    ].join('\n'),
  load: spec => {
    switch (spec.target.kind) {
      case 'parquet':
        return parquetFileLoad(spec, {
          full: 'con.execute(f"COPY (SELECT * FROM result ORDER BY ALL) TO {sql_str(tmp)} (FORMAT parquet)")',
          partition:
            'con.execute(f"COPY (SELECT * EXCLUDE ({qi(PARTITION_COLUMN)}) FROM result ORDER BY ALL) TO {sql_str(tmp)} (FORMAT parquet)")',
          merge: [
            'rows = "SELECT * FROM result"',
            'if existing_file.exists():',
            '    same_key = " AND ".join(f"r.{qi(k)} = e.{qi(k)}" for k in KEY_COLUMNS)',
            '    rows = (',
            '        f"SELECT * FROM read_parquet({sql_str(existing_file)}) e "',
            '        f"WHERE NOT EXISTS (SELECT 1 FROM result r WHERE {same_key}) UNION ALL BY NAME {rows}"',
            '    )',
            'con.execute(f"COPY (SELECT * FROM ({rows}) ORDER BY ALL) TO {sql_str(tmp)} (FORMAT parquet)")'
          ].join('\n')
        });
      case 'duckdb':
        return duckdbLoadFromConnection(spec, 'result');
      case 'postgres':
        return postgresLoad(
          spec,
          'con.execute("SELECT * FROM result ORDER BY ALL").df()'
        );
    }
  },
  checksum: spec =>
    spec.target.kind === 'parquet' ? parquetChecksum(spec) : sqlChecksum(spec)
};
