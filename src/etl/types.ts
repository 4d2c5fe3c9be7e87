/**
 * What an ETL notebook is generated from: the dialog's choices plus the
 * source schemas read from the files. Plain JSON, so it can be saved in
 * the notebook's metadata and given to the model as it is.
 */

export type EtlEngine = 'pandas' | 'polars' | 'duckdb' | 'spark';
export type LoadMode = 'full_refresh' | 'overwrite_partition' | 'merge';
export type TargetKind = 'parquet' | 'duckdb' | 'postgres';
export type SourceFormat = 'csv' | 'parquet' | 'json' | 'excel';
/** Logical column types of the data contract (each engine maps its own dtypes onto them). */
export type ColumnType =
  'int' | 'float' | 'string' | 'bool' | 'date' | 'timestamp' | 'any';

export const ENGINES: readonly EtlEngine[] = [
  'pandas',
  'polars',
  'duckdb',
  'spark'
];
export const LOAD_MODES: readonly LoadMode[] = [
  'full_refresh',
  'overwrite_partition',
  'merge'
];
export const TARGET_KINDS: readonly TargetKind[] = [
  'parquet',
  'duckdb',
  'postgres'
];

export interface IContractColumn {
  name: string;
  type: ColumnType;
  /** False: a null in this column rejects the row. */
  nullable: boolean;
}

export interface IEtlSource {
  /** A Python identifier: the frame's name in the notebook (`orders`). */
  name: string;
  /** Path relative to the notebook's folder (papermill runs with the notebook's folder as cwd). */
  path: string;
  format: SourceFormat;
  columns: IContractColumn[];
  /** Columns that identify a row of this source (unique, not null); may be empty. */
  keys: string[];
}

export interface IEtlTarget {
  kind: TargetKind;
  /** Parquet: the folder; DuckDB: the database file. */
  path?: string;
  /** DuckDB / PostgreSQL: the table. */
  table?: string;
  /** PostgreSQL: the environment variable holding the SQLAlchemy URL (never the URL itself). */
  urlEnv?: string;
}

export interface IEtlSpec {
  /** The notebook's title (first markdown cell). */
  title: string;
  engine: EtlEngine;
  mode: LoadMode;
  target: IEtlTarget;
  sources: IEtlSource[];
  /** The target's key (merge) and the output's uniqueness rule. */
  keyColumns: string[];
  /** overwrite_partition: the column whose value is the run date. */
  partitionColumn?: string;
  /** Default of the `run_date` parameter, YYYY-MM-DD. */
  runDate: string;
  /** The user's business rules, free text (shown in the title cell; the model reads it as data). */
  businessRules?: string;
  /** Largest share of input rows that may be rejected (null or duplicate keys) before the run fails. */
  maxRejectShare?: number;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Whether `name` is safe as a Python name and an unquoted SQL identifier. */
export function isIdentifier(name: string): boolean {
  return IDENTIFIER.test(name);
}

/**
 * What is wrong with a spec, as sentences the dialog shows (empty: fine).
 * Everything that ends up in generated code as a name is checked here, so
 * the generator never has to quote user text into SQL or Python.
 */
export function specProblems(spec: IEtlSpec): string[] {
  const problems: string[] = [];
  if (!ENGINES.includes(spec.engine)) {
    problems.push(`Unknown engine "${spec.engine}".`);
  }
  if (!LOAD_MODES.includes(spec.mode)) {
    problems.push(`Unknown load mode "${spec.mode}".`);
  }
  if (!TARGET_KINDS.includes(spec.target.kind)) {
    problems.push(`Unknown target "${spec.target.kind}".`);
  }
  if (!spec.sources.length) {
    problems.push('Choose at least one source.');
  }
  const names = new Set<string>();
  for (const source of spec.sources) {
    if (!isIdentifier(source.name)) {
      problems.push(
        `Source name "${source.name}" must be a Python identifier (letters, digits, _).`
      );
    } else if (names.has(source.name)) {
      problems.push(`Two sources are named "${source.name}".`);
    }
    names.add(source.name);
    if (!source.path) {
      problems.push(`Source "${source.name}" has no path.`);
    }
    if (spec.engine === 'spark' && source.format === 'excel') {
      problems.push(
        `Spark cannot read Excel files ("${source.path}"): convert it to CSV or Parquet, or choose another engine.`
      );
    }
    for (const column of source.columns) {
      if (!isIdentifier(column.name)) {
        problems.push(
          `Column "${column.name}" of "${source.path}" is not a plain identifier: rename it in the source (or in the transform) first.`
        );
      }
    }
    for (const key of source.keys) {
      if (!source.columns.some(c => c.name === key)) {
        problems.push(`Key "${key}" is not a column of "${source.path}".`);
      }
    }
  }
  for (const key of spec.keyColumns) {
    if (!isIdentifier(key)) {
      problems.push(`Key column "${key}" must be an identifier.`);
    }
  }
  if (spec.mode === 'merge' && !spec.keyColumns.length) {
    problems.push('Merge / upsert needs the key column(s) of the target.');
  }
  if (spec.mode === 'overwrite_partition') {
    if (!spec.partitionColumn) {
      problems.push(
        'Overwrite partition needs the partition column (its value is the run date).'
      );
    } else if (!isIdentifier(spec.partitionColumn)) {
      problems.push(
        `Partition column "${spec.partitionColumn}" must be an identifier.`
      );
    }
  }
  const { target } = spec;
  if (target.kind === 'parquet' || target.kind === 'duckdb') {
    if (!target.path) {
      problems.push(
        target.kind === 'parquet'
          ? 'Give the target folder.'
          : 'Give the DuckDB database file.'
      );
    }
  }
  if (target.kind === 'duckdb' || target.kind === 'postgres') {
    if (!target.table || !isIdentifier(target.table)) {
      problems.push(
        'Give the target table as a plain identifier (letters, digits, _).'
      );
    }
  }
  if (
    target.kind === 'postgres' &&
    (!target.urlEnv || !ENV_NAME.test(target.urlEnv))
  ) {
    problems.push(
      'Name the environment variable that holds the PostgreSQL URL (e.g. ETL_TARGET_URL).'
    );
  }
  if (spec.engine === 'spark' && target.kind !== 'parquet') {
    problems.push(
      'The Spark skeleton writes Parquet folders only (no JDBC driver or DuckDB writer in local Spark).'
    );
  }
  if (!DATE.test(spec.runDate)) {
    problems.push(`Run date "${spec.runDate}" must be YYYY-MM-DD.`);
  }
  const share = spec.maxRejectShare;
  if (share !== undefined && (!(share >= 0) || share > 1)) {
    problems.push(
      'The largest share of rejected rows must be between 0 and 1.'
    );
  }
  return problems;
}
