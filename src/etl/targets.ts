import { CHECKPOINT_MARK } from './common';
import { blocks, indent } from './py';
import type { IEtlSpec } from './types';

/**
 * Load and checksum code for the targets the Python engines share: a
 * DuckDB file table and a PostgreSQL table (both transactional: the
 * transaction is the atomic swap), and the checksum of a Parquet folder
 * (pyarrow, which every engine's kernel has).
 */

/** Setup lines a target needs (connections from the environment only). */
export function targetSetup(spec: IEtlSpec): string {
  switch (spec.target.kind) {
    case 'parquet':
      return blocks(
        ['import shutil', '', 'import pyarrow.dataset as pads'].join('\n'),
        [
          'TARGET = Path(target_path)',
          '# New files are written next to the target (same file system) and renamed into it atomically.',
          'STAGING = TARGET.parent / f".{TARGET.name}.staging"'
        ].join('\n')
      );
    case 'duckdb':
      return 'import duckdb';
    case 'postgres':
      return [
        'from sqlalchemy import create_engine, inspect, text',
        '',
        'target_url = os.environ.get(target_url_env, "")',
        'if not target_url:',
        '    raise RuntimeError(',
        '        f"Set the environment variable {target_url_env} to the SQLAlchemy URL of the target database "',
        '        "(postgresql://user@host:port/db; a password belongs in the environment or ~/.pgpass, never here)"',
        '    )',
        'if target_url.startswith(("postgresql://", "postgres://")):',
        '    target_url = "postgresql+psycopg://" + target_url.split("://", 1)[1]  # psycopg 3',
        'pg = create_engine(target_url)'
      ].join('\n');
  }
}

/** SQL identifier quoting in the notebook (names computed at run time: columns). */
export const QUOTE_HELPER = `def qi(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + str(name).replace('"', '""') + '"'`;

/**
 * The DuckDB statements of one load, run on connection `conn` from relation
 * `rows` into the qualified table `table` (Python expressions).
 */
function duckdbStatements(
  spec: IEtlSpec,
  conn: string,
  rows: string,
  table: string
): string {
  switch (spec.mode) {
    case 'full_refresh':
      return `${conn}.execute(f"CREATE OR REPLACE TABLE {${table}} AS SELECT * FROM ${rows}")`;
    case 'overwrite_partition':
      return [
        `${conn}.execute(f"CREATE TABLE IF NOT EXISTS {${table}} AS SELECT * FROM ${rows} LIMIT 0")`,
        `${conn}.execute(f"DELETE FROM {${table}} WHERE CAST({qi(PARTITION_COLUMN)} AS DATE) = CAST(? AS DATE)", [run_date])`,
        `${conn}.execute(f"INSERT INTO {${table}} BY NAME SELECT * FROM ${rows}")`
      ].join('\n');
    case 'merge':
      return [
        `described = ${conn}.execute("DESCRIBE SELECT * FROM ${rows}").fetchall()`,
        'columns = [row[0] for row in described]',
        'column_defs = ", ".join(f"{qi(name)} {dtype}" for name, dtype, *_ in described)',
        'keys = ", ".join(qi(k) for k in KEY_COLUMNS)',
        `${conn}.execute(f"CREATE TABLE IF NOT EXISTS {${table}} ({column_defs}, PRIMARY KEY ({keys}))")`,
        'updates = ", ".join(f"{qi(c)} = excluded.{qi(c)}" for c in columns if c not in KEY_COLUMNS)',
        'action = f"DO UPDATE SET {updates}" if updates else "DO NOTHING"',
        'names = ", ".join(qi(c) for c in columns)',
        `${conn}.execute(f"INSERT INTO {${table}} ({names}) SELECT {names} FROM ${rows} ON CONFLICT ({keys}) {action}")`
      ].join('\n');
  }
}

/** A load into a DuckDB file table from a frame DuckDB can scan (`frame` is a Python expression). */
export function duckdbLoadFromFrame(spec: IEtlSpec, frame: string): string {
  return blocks(
    '# Load: one transaction on the target database; closing without COMMIT rolls everything back.',
    [
      'Path(target_db).parent.mkdir(parents=True, exist_ok=True)',
      'tcon = duckdb.connect(target_db)',
      'try:',
      `    tcon.register("run_rows", ${frame})`,
      '    table = qi(target_table)',
      '    tcon.execute("BEGIN TRANSACTION")',
      indent(duckdbStatements(spec, 'tcon', 'run_rows', 'table'), 4),
      `    ${CHECKPOINT_MARK} loaded inside the transaction, nothing committed yet`,
      '    tcon.execute("COMMIT")',
      'finally:',
      '    tcon.close()'
    ].join('\n')
  );
}

/** A load into a DuckDB file table from a table of the engine's own DuckDB connection `con`. */
export function duckdbLoadFromConnection(
  spec: IEtlSpec,
  relation: string
): string {
  return blocks(
    '# Load: the target database is attached to the work connection; one transaction, all or nothing.',
    [
      'Path(target_db).parent.mkdir(parents=True, exist_ok=True)',
      'con.execute(f"ATTACH {sql_str(target_db)} AS tgt")',
      'try:',
      '    table = "tgt.main." + qi(target_table)',
      '    con.execute("BEGIN TRANSACTION")',
      '    try:',
      indent(duckdbStatements(spec, 'con', relation, 'table'), 8),
      `        ${CHECKPOINT_MARK} loaded inside the transaction, nothing committed yet`,
      '        con.execute("COMMIT")',
      '    except BaseException:',
      '        con.execute("ROLLBACK")',
      '        raise',
      'finally:',
      '    con.execute("DETACH tgt")'
    ].join('\n')
  );
}

/** A load into PostgreSQL from a pandas frame (`frame` is a Python expression). */
export function postgresLoad(spec: IEtlSpec, frame: string): string {
  let statements: string;
  switch (spec.mode) {
    case 'full_refresh':
      statements = [
        'conn.execute(text(f"DROP TABLE IF EXISTS {qi(target_table)}"))',
        'conn.execute(text(f"ALTER TABLE {qi(staging_table)} RENAME TO {qi(target_table)}"))'
      ].join('\n');
      break;
    case 'overwrite_partition':
      statements = [
        'if not inspect(conn).has_table(target_table):',
        '    conn.execute(text(f"CREATE TABLE {qi(target_table)} (LIKE {qi(staging_table)})"))',
        'conn.execute(',
        '    text(f"DELETE FROM {qi(target_table)} WHERE CAST({qi(PARTITION_COLUMN)} AS date) = CAST(:run_date AS date)"),',
        '    {"run_date": run_date},',
        ')',
        'names = ", ".join(qi(c) for c in frame.columns)',
        'conn.execute(text(f"INSERT INTO {qi(target_table)} ({names}) SELECT {names} FROM {qi(staging_table)}"))',
        'conn.execute(text(f"DROP TABLE {qi(staging_table)}"))'
      ].join('\n');
      break;
    case 'merge':
      statements = [
        'keys = ", ".join(qi(k) for k in KEY_COLUMNS)',
        'if not inspect(conn).has_table(target_table):',
        '    conn.execute(text(f"CREATE TABLE {qi(target_table)} (LIKE {qi(staging_table)})"))',
        '    conn.execute(text(f"ALTER TABLE {qi(target_table)} ADD PRIMARY KEY ({keys})"))',
        'names = ", ".join(qi(c) for c in frame.columns)',
        'updates = ", ".join(f"{qi(c)} = EXCLUDED.{qi(c)}" for c in frame.columns if c not in KEY_COLUMNS)',
        'action = f"DO UPDATE SET {updates}" if updates else "DO NOTHING"',
        'conn.execute(text(',
        '    f"INSERT INTO {qi(target_table)} ({names}) SELECT {names} FROM {qi(staging_table)} "',
        '    f"ON CONFLICT ({keys}) {action}"',
        '))',
        'conn.execute(text(f"DROP TABLE {qi(staging_table)}"))'
      ].join('\n');
      break;
  }
  return [
    '# Load: the rows go to a staging table, then one transaction switches the target (DDL is transactional',
    '# in PostgreSQL): a failure anywhere rolls back to the previous target.',
    `frame = ${frame}`,
    'staging_table = f"{target_table}__staging_{RUN_ID}"',
    'with pg.begin() as conn:',
    '    frame.to_sql(staging_table, conn, index=False)',
    indent(statements, 4),
    `    ${CHECKPOINT_MARK} loaded inside the transaction, nothing committed yet`
  ].join('\n');
}

/** Verify lines for a SQL target: sets target_rows, target_checksum, partition_rows. */
export function sqlChecksum(spec: IEtlSpec): string {
  const partition = spec.mode === 'overwrite_partition';
  if (spec.target.kind === 'duckdb') {
    return [
      'with duckdb.connect(target_db, read_only=True) as check:',
      '    target_rows, target_checksum = check.execute(',
      "        \"SELECT count(*), md5(coalesce(string_agg(h, ',' ORDER BY h), '')) \"",
      '        f"FROM (SELECT md5(CAST(t AS VARCHAR)) AS h FROM {qi(target_table)} t)"',
      '    ).fetchall()[0]',
      partition
        ? [
            '    partition_rows = check.execute(',
            '        f"SELECT count(*) FROM {qi(target_table)} WHERE CAST({qi(PARTITION_COLUMN)} AS DATE) = CAST(? AS DATE)", [run_date]',
            '    ).fetchall()[0][0]'
          ].join('\n')
        : ''
    ]
      .filter(Boolean)
      .join('\n');
  }
  return [
    'with pg.connect() as conn:',
    '    target_rows, target_checksum = conn.execute(text(',
    "        \"SELECT count(*), md5(coalesce(string_agg(h, ',' ORDER BY h), '')) \"",
    '        f"FROM (SELECT md5(t::text) AS h FROM {qi(target_table)} t) s"',
    '    )).one()',
    partition
      ? [
          '    partition_rows = conn.execute(',
          '        text(f"SELECT count(*) FROM {qi(target_table)} WHERE CAST({qi(PARTITION_COLUMN)} AS date) = CAST(:d AS date)"),',
          '        {"d": run_date},',
          '    ).scalar_one()'
        ].join('\n')
      : ''
  ]
    .filter(Boolean)
    .join('\n');
}

/** Verify lines for a Parquet folder read with pyarrow (row order does not matter). */
export function parquetChecksum(spec: IEtlSpec): string {
  return [
    'def parquet_checksum(path: Path):',
    '    """Rows and an order-independent digest of a Parquet folder (hive partitions included):',
    '    the sum (mod 2**64) of pandas\' per-row hashes over the columns in name order."""',
    '    if not path.exists():',
    '        return 0, ""',
    '    import pandas as pd',
    '',
    '    frame = pads.dataset(path, format="parquet", partitioning="hive").to_table().to_pandas()',
    '    frame = frame[sorted(frame.columns)]',
    '    digest = int(pd.util.hash_pandas_object(frame, index=False).sum()) if len(frame) else 0',
    '    return len(frame), f"{digest:016x}"',
    '',
    '',
    'target_rows, target_checksum = parquet_checksum(TARGET)',
    spec.mode === 'overwrite_partition'
      ? [
          'partition_dir = TARGET / f"{PARTITION_COLUMN}={run_date}"',
          'partition_rows = pads.dataset(partition_dir, format="parquet").count_rows() if partition_dir.exists() else 0'
        ].join('\n')
      : ''
  ]
    .filter(Boolean)
    .join('\n');
}

/**
 * A Parquet-folder load for single-file writers (pandas, polars, DuckDB):
 * one file per table or partition, written to the staging folder and moved
 * into place with `os.replace` (atomic on one file system).
 */
export function parquetFileLoad(
  spec: IEtlSpec,
  write: { full: string; partition: string; merge: string }
): string {
  let body: string;
  switch (spec.mode) {
    case 'full_refresh':
      body = [
        write.full,
        `${CHECKPOINT_MARK} staged, the target is untouched above this line`,
        'TARGET.mkdir(parents=True, exist_ok=True)',
        'os.replace(tmp, TARGET / "data.parquet")',
        'for stale in TARGET.glob("*.parquet"):  # files of an older layout',
        '    if stale.name != "data.parquet":',
        '        stale.unlink()'
      ].join('\n');
      break;
    case 'overwrite_partition':
      body = [
        "# Exactly the run's partition: <target>/<column>=<run_date>/data.parquet (hive layout).",
        'partition_dir = TARGET / f"{PARTITION_COLUMN}={run_date}"',
        write.partition,
        `${CHECKPOINT_MARK} staged, the target is untouched above this line`,
        'partition_dir.mkdir(parents=True, exist_ok=True)',
        'os.replace(tmp, partition_dir / "data.parquet")'
      ].join('\n');
      break;
    case 'merge':
      body = [
        'existing_file = TARGET / "data.parquet"',
        write.merge,
        `${CHECKPOINT_MARK} staged, the target is untouched above this line`,
        'TARGET.mkdir(parents=True, exist_ok=True)',
        'os.replace(tmp, existing_file)'
      ].join('\n');
      break;
  }
  return [
    '# Load: write to a staging file, then rename it into the target (atomic); a rerun replaces the same file.',
    'STAGING.mkdir(parents=True, exist_ok=True)',
    'tmp = STAGING / f"{RUN_ID}.parquet"',
    'try:',
    indent(body, 4),
    'finally:',
    '    tmp.unlink(missing_ok=True)',
    '    shutil.rmtree(STAGING, ignore_errors=True)'
  ].join('\n');
}
