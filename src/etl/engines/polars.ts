import { blocks, pyStr } from '../py';
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

const POLARS_DTYPES: Partial<Record<ColumnType, string>> = {
  int: 'pl.Int64',
  float: 'pl.Float64',
  bool: 'pl.Boolean',
  string: 'pl.String'
};

function readSource(s: IEtlSource): string {
  const path = `source_${s.name}`;
  switch (s.format) {
    case 'csv': {
      const overrides = s.columns
        .filter(c => POLARS_DTYPES[c.type])
        .map(c => `${pyStr(c.name)}: ${POLARS_DTYPES[c.type]}`)
        .join(', ');
      return `${s.name}_raw = pl.read_csv(${path}, schema_overrides={${overrides}}, try_parse_dates=True)`;
    }
    case 'parquet':
      return `${s.name}_raw = pl.read_parquet(${path})`;
    case 'json':
      return `${s.name}_raw = pl.read_ndjson(${path}) if ${path}.endswith((".jsonl", ".ndjson")) else pl.read_json(${path})`;
    case 'excel':
      return `${s.name}_raw = pl.read_excel(${path})`;
  }
}

const SPLIT_REJECTS = `def split_rejects(name: str, df: pl.DataFrame) -> pl.DataFrame:
    """The rows that keep the key rules; null and duplicate keys are counted as rejected."""
    spec = CONTRACT[name]
    null = pl.any_horizontal([pl.col(c).is_null() for c in spec["not_null"]]) if spec["not_null"] else pl.lit(False)
    duplicate = ~pl.struct(spec["keys"]).is_first_distinct() if spec["keys"] else pl.lit(False)
    flags = df.select(null.alias("null"), (duplicate & ~null).alias("duplicate"))
    check_rejects(name, df.height, int(flags["null"].sum()), int(flags["duplicate"].sum()))
    return df.filter(~(null | duplicate))


def partition_values(df: pl.DataFrame) -> pl.Series:
    """The partition column as YYYY-MM-DD strings."""
    return df[PARTITION_COLUMN].cast(pl.String).str.slice(0, 10)`;

/** polars DataFrames: read, validate, write Parquet files; pandas only for to_sql. */
export const polarsEngine: IEngineCode = {
  setup: spec =>
    blocks(
      'import polars as pl',
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
            `report["rows_in"][${pyStr(s.name)}] = ${s.name}_raw.height`
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
            `    ${pyStr(s.name)}: contract_problems(${pyStr(s.name)}, dict(${s.name}_raw.schema), ${s.name}_raw.height),`
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
      lines.push(`result = ${mainSource(spec)}.clone()`);
      if (spec.mode === 'overwrite_partition') {
        lines.push(
          'result = result.filter(partition_values(result) == run_date)'
        );
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
      '    if result.height == 0:',
      '        problems.append("no rows")',
      '    if KEY_COLUMNS:',
      '        null_keys = result.select(pl.any_horizontal([pl.col(c).is_null() for c in KEY_COLUMNS]).sum()).item()',
      '        duplicate_keys = result.height - result.select(KEY_COLUMNS).n_unique()',
      '        if null_keys or duplicate_keys:',
      '            problems.append(f"{null_keys} null and {duplicate_keys} duplicate keys {KEY_COLUMNS}")',
      '    if PARTITION_COLUMN:',
      '        others = sorted(set(partition_values(result).to_list()) - {run_date})',
      '        if others:',
      '            problems.append(f"rows outside partition {run_date}: {others[:5]}")',
      'fail_on({"result": problems})',
      'rows_out = result.height'
    ].join('\n'),
  load: spec => {
    const out = 'out = result.sort(KEY_COLUMNS or result.columns)';
    switch (spec.target.kind) {
      case 'parquet':
        return blocks(
          out,
          parquetFileLoad(spec, {
            full: 'out.write_parquet(tmp)',
            partition: 'out.drop(PARTITION_COLUMN).write_parquet(tmp)',
            merge: [
              'if existing_file.exists():',
              '    existing = pl.read_parquet(existing_file)',
              '    kept = existing.join(out.select(KEY_COLUMNS), on=KEY_COLUMNS, how="anti")',
              '    out = pl.concat([kept, out], how="vertical_relaxed").sort(KEY_COLUMNS)',
              'out.write_parquet(tmp)'
            ].join('\n')
          })
        );
      case 'duckdb':
        return blocks(out, duckdbLoadFromFrame(spec, 'out.to_arrow()'));
      case 'postgres':
        return blocks(out, postgresLoad(spec, 'out.to_pandas()'));
    }
  },
  checksum: spec =>
    spec.target.kind === 'parquet' ? parquetChecksum(spec) : sqlChecksum(spec)
};
