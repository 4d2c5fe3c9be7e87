import { CHECKPOINT_MARK } from '../common';
import { blocks, indent, pyStr } from '../py';
import type { ColumnType, IEtlSource, IEtlSpec } from '../types';
import {
  IEngineCode,
  mainSource,
  partitionInSource,
  transformHeader,
  transformTodo
} from './engine';

const SPARK_TYPES: Record<ColumnType, string> = {
  int: 'BIGINT',
  float: 'DOUBLE',
  bool: 'BOOLEAN',
  string: 'STRING',
  date: 'DATE',
  timestamp: 'TIMESTAMP',
  any: 'STRING'
};

function readSource(s: IEtlSource): string {
  const path = `source_${s.name}`;
  let read: string;
  switch (s.format) {
    case 'csv': {
      // The contract's columns in file order: an explicit schema, no inference pass over the data.
      const schema = s.columns
        .map(c => `${c.name} ${SPARK_TYPES[c.type]}`)
        .join(', ');
      read = `spark.read.csv(${path}, header=True, schema=${pyStr(schema)}, mode="FAILFAST")`;
      break;
    }
    case 'parquet':
      read = `spark.read.parquet(${path})`;
      break;
    default:
      read = `spark.read.json(${path})`;
  }
  return `${s.name}_raw = ${read}.withColumn("_row", F.monotonically_increasing_id())`;
}

const HELPERS = `def split_rejects(name: str, df):
    """The rows that keep the key rules; null and duplicate keys are counted as rejected."""
    spec = CONTRACT[name]
    null = F.lit(False)
    for c in spec["not_null"]:
        null = null | F.col(c).isNull()
    if spec["keys"]:
        rank = F.row_number().over(Window.partitionBy(*spec["keys"]).orderBy("_row"))
        duplicate = (rank > 1) & ~null
    else:
        duplicate = F.lit(False)
    flagged = df.withColumn("_null", null).withColumn("_duplicate", duplicate).cache()
    counts = flagged.agg(
        F.count(F.lit(1)).alias("rows"),
        F.sum(F.col("_null").cast("int")).alias("nulls"),
        F.sum(F.col("_duplicate").cast("int")).alias("duplicates"),
    ).first()
    check_rejects(name, counts["rows"], counts["nulls"] or 0, counts["duplicates"] or 0)
    return flagged.where(~(F.col("_null") | F.col("_duplicate"))).drop("_null", "_duplicate", "_row")


def partition_values(df):
    """The partition column as yyyy-MM-dd strings."""
    return F.date_format(F.col(PARTITION_COLUMN), "yyyy-MM-dd")


def swap_dir(staged: Path, target: Path) -> None:
    """Put a staged folder in the target's place: two renames; the previous folder is kept until the second is done."""
    previous = target.parent / f".{target.name}.previous"
    shutil.rmtree(previous, ignore_errors=True)
    if target.exists():
        os.replace(target, previous)
    os.replace(staged, target)
    shutil.rmtree(previous, ignore_errors=True)`;

function load(spec: IEtlSpec): string {
  const head = [
    'TARGET = Path(target_path)',
    'previous = TARGET.parent / f".{TARGET.name}.previous"',
    'if previous.exists() and not TARGET.exists():  # an earlier run stopped between the two renames',
    '    os.replace(previous, TARGET)'
  ].join('\n');
  if (spec.mode === 'overwrite_partition') {
    return blocks(
      "# Load: dynamic partition overwrite replaces exactly the partitions present in `result` (run_date's);",
      [
        '# Spark stages the files and renames each partition folder into place when the job commits.',
        head,
        `${CHECKPOINT_MARK} nothing written yet; the write below commits per partition`,
        'result.write.mode("overwrite").partitionBy(PARTITION_COLUMN).parquet(str(TARGET))'
      ].join('\n')
    ).replace('\n\n# Spark', '\n# Spark');
  }
  const merge =
    spec.mode === 'merge'
      ? [
          'out = result',
          'if TARGET.exists():',
          '    existing = spark.read.parquet(str(TARGET))',
          '    out = existing.join(result.select(*KEY_COLUMNS), on=KEY_COLUMNS, how="left_anti").unionByName(result, allowMissingColumns=True)'
        ].join('\n')
      : 'out = result';
  return [
    '# Load: write the whole new table to a staging folder, then swap it with the target.',
    head,
    merge,
    'staged = TARGET.parent / f".{TARGET.name}.staging-{RUN_ID}"',
    'try:',
    indent(
      [
        'out.write.mode("overwrite").parquet(str(staged))',
        `${CHECKPOINT_MARK} staged, the target is untouched above this line`,
        'swap_dir(staged, TARGET)'
      ].join('\n'),
      4
    ),
    'finally:',
    '    shutil.rmtree(staged, ignore_errors=True)'
  ].join('\n');
}

/** Spark in local mode (or SPARK_MASTER): explicit schemas, dynamic partition overwrite, folder swaps. */
export const sparkEngine: IEngineCode = {
  setup: () =>
    blocks(
      [
        'import shutil',
        '',
        'from pyspark.sql import SparkSession, Window',
        'from pyspark.sql import functions as F'
      ].join('\n'),
      [
        'spark = (',
        '    SparkSession.builder.master(os.environ.get("SPARK_MASTER", "local[2]"))',
        '    .appName(f"etl-{RUN_ID}")',
        '    .config("spark.sql.sources.partitionOverwriteMode", "dynamic")',
        '    .config("spark.sql.session.timeZone", "UTC")',
        '    # Local runs: a few shuffle partitions; on a cluster set SPARK_SHUFFLE_PARTITIONS (or leave AQE to coalesce).',
        '    .config("spark.sql.shuffle.partitions", os.environ.get("SPARK_SHUFFLE_PARTITIONS", "8"))',
        '    .config("spark.ui.enabled", "false")',
        '    .getOrCreate()',
        ')'
      ].join('\n'),
      HELPERS
    ),
  extract: spec =>
    blocks(
      '# Extract: each source with an explicit schema from its contract (FAILFAST on values of the wrong type).',
      spec.sources
        .map(s =>
          [
            readSource(s),
            `report["rows_in"][${pyStr(s.name)}] = ${s.name}_raw.count()`
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
            `    ${pyStr(s.name)}: contract_problems(${pyStr(s.name)}, dict(${s.name}_raw.dtypes), report["rows_in"][${pyStr(s.name)}]),`
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
      lines.push(`result = ${mainSource(spec)}`);
      if (spec.mode === 'overwrite_partition') {
        lines.push(
          'result = result.where(partition_values(result) == run_date)'
        );
      }
    }
    return lines.join('\n');
  },
  validateOutput: () =>
    [
      "# Validate output: the key is unique and not null, the partition is the run's, there are rows.",
      'result = result.cache()',
      'required = KEY_COLUMNS + ([PARTITION_COLUMN] if PARTITION_COLUMN else [])',
      'problems = [f"missing columns {[c for c in required if c not in result.columns]}"] if not set(required) <= set(result.columns) else []',
      'rows_out = result.count()',
      'if not problems:',
      '    if rows_out == 0:',
      '        problems.append("no rows")',
      '    if KEY_COLUMNS:',
      '        null_keys = result.where(" OR ".join(f"`{k}` IS NULL" for k in KEY_COLUMNS)).count()',
      '        duplicate_keys = rows_out - result.select(*KEY_COLUMNS).distinct().count()',
      '        if null_keys or duplicate_keys:',
      '            problems.append(f"{null_keys} null and {duplicate_keys} duplicate keys {KEY_COLUMNS}")',
      '    if PARTITION_COLUMN:',
      '        others = sorted({r[0] for r in result.select(partition_values(result)).distinct().collect()} - {run_date}, key=str)',
      '        if others:',
      '            problems.append(f"rows outside partition {run_date}: {others[:5]}")',
      'fail_on({"result": problems})'
    ].join('\n'),
  load,
  checksum: spec =>
    [
      'def spark_checksum(path: Path):',
      '    """Rows and an order-independent digest: the sum of per-row xxhash64 over all columns."""',
      '    if not path.exists():',
      '        return 0, ""',
      '    df = spark.read.parquet(str(path))',
      '    columns = sorted(df.columns)',
      '    row = df.agg(F.count(F.lit(1)).alias("n"), F.sum(F.xxhash64(*columns).cast("decimal(38,0)")).alias("h")).first()',
      '    return row["n"], f"{int(row[\'h\'] or 0) & (2**128 - 1):032x}"',
      '',
      '',
      'target_rows, target_checksum = spark_checksum(Path(target_path))',
      spec.mode === 'overwrite_partition'
        ? [
            'partition_dir = Path(target_path) / f"{PARTITION_COLUMN}={run_date}"',
            'partition_rows = spark.read.parquet(str(partition_dir)).count() if partition_dir.exists() else 0'
          ].join('\n')
        : ''
    ]
      .filter(Boolean)
      .join('\n')
};
