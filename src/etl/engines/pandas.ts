import { blocks, pyList, pyStr } from '../py';
import {
  duckdbLoadFromFrame,
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
  transformHeader,
  transformTodo
} from './engine';

const PANDAS_DTYPES: Partial<Record<ColumnType, string>> = {
  int: 'Int64',
  float: 'float64',
  bool: 'boolean'
};

function readSource(s: IEtlSource): string {
  const path = `source_${s.name}`;
  switch (s.format) {
    case 'csv': {
      const dtypes = s.columns
        .filter(c => PANDAS_DTYPES[c.type])
        .map(c => `${pyStr(c.name)}: ${pyStr(PANDAS_DTYPES[c.type]!)}`)
        .join(', ');
      const dates = s.columns
        .filter(c => c.type === 'date' || c.type === 'timestamp')
        .map(c => c.name);
      const args = [
        path,
        `dtype={${dtypes}}`,
        ...(dates.length ? [`parse_dates=${pyList(dates)}`] : [])
      ];
      return `${s.name}_raw = pd.read_csv(${args.join(', ')})`;
    }
    case 'parquet':
      return `${s.name}_raw = pd.read_parquet(${path})`;
    case 'json':
      return `${s.name}_raw = pd.read_json(${path}, lines=${path}.endswith((".jsonl", ".ndjson")))`;
    case 'excel':
      return `${s.name}_raw = pd.read_excel(${path})`;
  }
}

const SPLIT_REJECTS = `def split_rejects(name: str, df: pd.DataFrame) -> pd.DataFrame:
    """The rows that keep the key rules; null and duplicate keys are counted as rejected."""
    spec = CONTRACT[name]
    none = pd.Series(False, index=df.index)
    null = df[spec["not_null"]].isna().any(axis=1) if spec["not_null"] else none
    duplicate = df.duplicated(subset=spec["keys"], keep="first") & ~null if spec["keys"] else none
    check_rejects(name, len(df), int(null.sum()), int(duplicate.sum()))
    return df[~(null | duplicate)].reset_index(drop=True)


def partition_values(df: pd.DataFrame) -> pd.Series:
    """The partition column as YYYY-MM-DD strings."""
    return pd.to_datetime(df[PARTITION_COLUMN]).dt.strftime("%Y-%m-%d")`;

/** A pandas frame: read, validate, write Parquet files, to_sql. */
export const pandasEngine: IEngineCode = {
  setup: spec =>
    blocks(
      'import pandas as pd',
      targetSetup(spec),
      QUOTE_HELPER,
      SPLIT_REJECTS
    ),
  extract: spec =>
    blocks(
      '# Extract: read each source with the types of its contract.',
      spec.sources
        .map(s =>
          [
            readSource(s),
            `report["rows_in"][${pyStr(s.name)}] = len(${s.name}_raw)`
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
            `    ${pyStr(s.name)}: contract_problems(${pyStr(s.name)}, dict(${s.name}_raw.dtypes), len(${s.name}_raw)),`
        ),
        '})'
      ].join('\n'),
      spec.sources
        .map(s => `${s.name} = split_rejects(${pyStr(s.name)}, ${s.name}_raw)`)
        .join('\n')
    ),
  transform: spec => {
    const lines = [transformHeader(spec)];
    if (spec.mode === 'overwrite_partition' && !partitionInSource(spec)) {
      lines.push(transformTodo(spec));
    } else {
      lines.push(`result = ${mainSource(spec)}.copy()`);
      if (spec.mode === 'overwrite_partition') {
        lines.push('result = result[partition_values(result) == run_date]');
      }
    }
    return lines.join('\n');
  },
  validateOutput: () =>
    [
      "# Validate output: the key is unique and not null, the partition is the run's, there are rows.",
      'required = KEY_COLUMNS + ([PARTITION_COLUMN] if PARTITION_COLUMN else [])',
      'problems = [f"missing columns {[c for c in required if c not in result.columns]}"] if not set(required) <= set(result.columns) else []',
      'if not problems:',
      '    if len(result) == 0:',
      '        problems.append("no rows")',
      '    if KEY_COLUMNS:',
      '        null_keys = int(result[KEY_COLUMNS].isna().any(axis=1).sum())',
      '        duplicate_keys = int(result.duplicated(subset=KEY_COLUMNS).sum())',
      '        if null_keys or duplicate_keys:',
      '            problems.append(f"{null_keys} null and {duplicate_keys} duplicate keys {KEY_COLUMNS}")',
      '    if PARTITION_COLUMN:',
      '        others = sorted(set(partition_values(result)) - {run_date})',
      '        if others:',
      '            problems.append(f"rows outside partition {run_date}: {others[:5]}")',
      'fail_on({"result": problems})',
      'rows_out = len(result)'
    ].join('\n'),
  load: spec => {
    const sort = 'KEY_COLUMNS or list(result.columns)';
    const out = `out = result.sort_values(${sort}).reset_index(drop=True)`;
    switch (spec.target.kind) {
      case 'parquet':
        return blocks(
          out,
          parquetFileLoad(spec, {
            full: 'out.to_parquet(tmp, index=False)',
            partition:
              'out.drop(columns=[PARTITION_COLUMN]).to_parquet(tmp, index=False)',
            merge: [
              'if existing_file.exists():',
              '    existing = pd.read_parquet(existing_file)',
              '    replaced = existing.set_index(KEY_COLUMNS).index.isin(out.set_index(KEY_COLUMNS).index)',
              '    out = pd.concat([existing[~replaced], out], ignore_index=True).sort_values(KEY_COLUMNS)',
              'out.to_parquet(tmp, index=False)'
            ].join('\n')
          })
        );
      case 'duckdb':
        return blocks(out, duckdbLoadFromFrame(spec, 'out'));
      case 'postgres':
        return blocks(out, postgresLoad(spec, 'out'));
    }
  },
  checksum: spec =>
    spec.target.kind === 'parquet' ? parquetChecksum(spec) : sqlChecksum(spec)
};
