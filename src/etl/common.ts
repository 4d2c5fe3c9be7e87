import { blocks, pyList, pyNum, pyStr } from './py';
import type { IEtlSpec, LoadMode } from './types';

/**
 * The engine-independent parts of the skeleton: the title, the parameters
 * cell, the contract helpers of the setup cell, the checks of the output
 * and the run report.
 */

export const MODE_LABELS: Record<LoadMode, string> = {
  full_refresh: 'full refresh (the whole target is replaced atomically)',
  overwrite_partition:
    "overwrite partition (exactly the run date's partition is replaced)",
  merge: 'merge / upsert on the key'
};

/** Comment marking the point of a load where the new data is staged and the target not yet switched. */
export const CHECKPOINT_MARK = '# ETL-CHECKPOINT:';

/** Default of `max_reject_share` when the dialog gave none. */
export const DEFAULT_MAX_REJECT_SHARE = 0.05;

export function targetLabel(spec: IEtlSpec): string {
  const t = spec.target;
  switch (t.kind) {
    case 'parquet':
      return `the Parquet folder \`${t.path}\``;
    case 'duckdb':
      return `the DuckDB table \`${t.table}\` in \`${t.path}\``;
    case 'postgres':
      return `the PostgreSQL table \`${t.table}\` (connection from \`$${t.urlEnv}\`)`;
  }
}

export function titleCell(spec: IEtlSpec, notebookName: string): string {
  const sources = spec.sources.map(s => `\`${s.path}\``).join(', ');
  const lines = [
    `# ${spec.title}`,
    '',
    `**Purpose:** load ${sources} into ${targetLabel(spec)} with **${spec.engine}**, mode **${MODE_LABELS[spec.mode]}**.`,
    '',
    "Run it headless (what a scheduler does), from this notebook's folder:",
    '',
    '```bash',
    `papermill ${notebookName} out.ipynb -p run_date ${spec.runDate}`,
    '```',
    '',
    `or \`jupyter nbconvert --to notebook --execute ${notebookName}\` with the defaults of the parameters cell.`,
    'The parameters cell (tagged `parameters`) holds no secrets: connections come from environment variables only' +
      (spec.target.kind === 'postgres'
        ? ` (\`${spec.target.urlEnv}\`: the SQLAlchemy URL of the target database).`
        : '.'),
    '',
    'Running it twice for the same `run_date` leaves the target identical: the load writes to a temporary',
    'location (or a transaction) and switches atomically; a failure part-way leaves the previous target as it was.',
    '',
    'Sections: parameters → setup → extract → validate input (data contract) → transform → validate output →',
    'load → verify (rows in/out, rejected rows, target checksum) → run report.'
  ];
  if (spec.businessRules?.trim()) {
    lines.push(
      '',
      '## Business rules',
      '',
      ...spec.businessRules
        .trim()
        .split(/\r?\n/)
        .map(l => `> ${l}`)
    );
  }
  return lines.join('\n');
}

export function parametersCell(spec: IEtlSpec): string {
  const t = spec.target;
  const lines = [
    '# Parameters: papermill replaces these (-p name value). No secrets here.',
    `run_date = ${pyStr(spec.runDate)}  # the run's day (UTC), YYYY-MM-DD`
  ];
  for (const s of spec.sources) {
    lines.push(`source_${s.name} = ${pyStr(s.path)}  # ${s.format}`);
  }
  if (t.kind === 'parquet') {
    lines.push(`target_path = ${pyStr(t.path ?? '')}  # Parquet folder`);
  } else if (t.kind === 'duckdb') {
    lines.push(`target_db = ${pyStr(t.path ?? '')}  # DuckDB database file`);
    lines.push(`target_table = ${pyStr(t.table ?? '')}`);
  } else {
    lines.push(`target_table = ${pyStr(t.table ?? '')}`);
    lines.push(
      `target_url_env = ${pyStr(t.urlEnv ?? '')}  # name of the environment variable with the URL`
    );
  }
  lines.push(`load_mode = ${pyStr(spec.mode)}`);
  lines.push(
    `max_reject_share = ${pyNum(spec.maxRejectShare ?? DEFAULT_MAX_REJECT_SHARE)}  # fail when more input rows break the key rules`
  );
  return lines.join('\n');
}

/** Setup lines every engine shares: run id, checks of the parameters, the contract, its helpers. */
export function commonSetup(spec: IEtlSpec): string {
  const contract = spec.sources
    .map(s => {
      const columns = s.columns
        .map(c => `${pyStr(c.name)}: ${pyStr(c.type)}`)
        .join(', ');
      const notNull = [
        ...new Set([
          ...s.keys,
          ...s.columns.filter(c => !c.nullable).map(c => c.name)
        ])
      ];
      return [
        `    ${pyStr(s.name)}: {`,
        `        "columns": {${columns}},`,
        `        "not_null": ${pyList(notNull)},`,
        `        "keys": ${pyList(s.keys)},`,
        '    },'
      ].join('\n');
    })
    .join('\n');
  const t = spec.target;
  const tableCheck =
    t.kind === 'parquet'
      ? ''
      : [
          'if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", target_table):',
          '    raise ValueError(f"target_table must be a plain identifier, got {target_table!r}")'
        ].join('\n');
  return blocks(
    [
      'import json',
      'import os',
      'import re',
      'import time',
      'import uuid',
      'from pathlib import Path'
    ].join('\n'),
    [
      'RUN_ID = uuid.uuid4().hex[:12]',
      'STARTED = time.perf_counter()',
      `LOAD_MODE = ${pyStr(spec.mode)}  # what this notebook was generated for`,
      `KEY_COLUMNS = ${pyList(spec.keyColumns)}`,
      `PARTITION_COLUMN = ${spec.partitionColumn ? pyStr(spec.partitionColumn) : 'None'}`
    ].join('\n'),
    [
      'if load_mode != LOAD_MODE:',
      '    raise ValueError(f"load_mode={load_mode!r}, but this notebook loads with {LOAD_MODE!r}: generate a new skeleton for another mode")',
      'if not re.fullmatch(r"\\d{4}-\\d{2}-\\d{2}", str(run_date)):',
      '    raise ValueError(f"run_date must be YYYY-MM-DD, got {run_date!r}")',
      tableCheck
    ]
      .filter(Boolean)
      .join('\n'),
    [
      '# The data contract of each source: columns and their logical types, columns that must not be',
      '# null, and the key (unique). Rows with a null or duplicate key are rejected (and counted).',
      'CONTRACT = {',
      contract,
      '}'
    ].join('\n'),
    CONTRACT_HELPERS,
    [
      'report = {',
      '    "run_id": RUN_ID,',
      '    "run_date": run_date,',
      '    "load_mode": load_mode,',
      `    "engine": ${pyStr(spec.engine)},`,
      `    "target": ${targetExpr(spec)},`,
      '    "rows_in": {},',
      '    "rejected": {},',
      '}'
    ].join('\n')
  );
}

function targetExpr(spec: IEtlSpec): string {
  switch (spec.target.kind) {
    case 'parquet':
      return 'target_path';
    case 'duckdb':
      return 'f"{target_db}:{target_table}"';
    case 'postgres':
      return 'f"postgresql:{target_table}"';
  }
}

const CONTRACT_HELPERS = `class ContractError(ValueError):
    """A data contract was broken; the message lists every problem found."""


def type_family(dtype) -> str:
    """The logical type of an engine's dtype (pandas, polars, DuckDB and Spark names)."""
    t = str(dtype).lower()
    if "bool" in t:
        return "bool"
    if "timestamp" in t or "datetime" in t:
        return "timestamp"
    if "date" in t:
        return "date"
    if re.search(r"int(?!erval)", t):
        return "int"
    if any(n in t for n in ("float", "double", "decimal", "numeric", "real")):
        return "float"
    if any(n in t for n in ("str", "object", "utf8", "char", "text", "category")):
        return "string"
    return t


ACCEPTS = {"float": {"float", "int"}, "date": {"date", "timestamp"}}


def contract_problems(name: str, dtypes: dict, rows: int) -> list:
    """What is wrong with a source's columns, types and row count (empty: fine)."""
    spec = CONTRACT[name]
    problems = []
    missing = [c for c in spec["columns"] if c not in dtypes]
    if missing:
        problems.append(f"missing columns {missing} (found {list(dtypes)})")
    for column, expected in spec["columns"].items():
        if column in dtypes and expected != "any":
            found = type_family(dtypes[column])
            if found not in ACCEPTS.get(expected, {expected}):
                problems.append(f"column {column!r} should be {expected}, is {dtypes[column]}")
    if rows == 0:
        problems.append("no rows")
    return problems


def check_rejects(name: str, rows: int, null_rows: int, duplicate_rows: int) -> None:
    """Count the rejected rows; fail when they exceed max_reject_share of the input."""
    rejected = null_rows + duplicate_rows
    report["rejected"][name] = rejected
    if rows and rejected / rows > max_reject_share:
        raise ContractError(
            f"{name}: {rejected} of {rows} rows break the key rules ({null_rows} with nulls in "
            f"{CONTRACT[name]['not_null']}, {duplicate_rows} duplicate keys {CONTRACT[name]['keys']}): "
            f"more than max_reject_share={max_reject_share}"
        )


def fail_on(problems: dict) -> None:
    """Raise one ContractError listing the problems of every source."""
    problems = {name: p for name, p in problems.items() if p}
    if problems:
        lines = [f"{name}: {p}" for name, ps in problems.items() for p in ps]
        raise ContractError("data contract broken:\\n- " + "\\n- ".join(lines))`;

/** The run report: the dict built along the way, shown as JSON (the proof run reads it). */
export function reportCell(): string {
  return [
    'report["seconds"] = round(time.perf_counter() - STARTED, 3)',
    'from IPython.display import display',
    '',
    'display({"application/json": report, "text/plain": json.dumps(report, indent=2, default=str)}, raw=True)'
  ].join('\n');
}

/** Verify: counts against the target and its checksum; `checksum` sets target_rows, target_checksum, partition_rows. */
export function verifyCell(spec: IEtlSpec, checksum: string): string {
  const checks: string[] = [];
  if (spec.mode === 'full_refresh') {
    checks.push(
      'if target_rows != rows_out:',
      '    raise AssertionError(f"the target has {target_rows} rows, the run wrote {rows_out}")'
    );
  } else if (spec.mode === 'overwrite_partition') {
    checks.push(
      'if partition_rows != rows_out:',
      '    raise AssertionError(f"partition {run_date} has {partition_rows} rows, the run wrote {rows_out}")'
    );
  } else {
    checks.push(
      'if target_rows < rows_out:',
      '    raise AssertionError(f"the target has {target_rows} rows, fewer than the {rows_out} the run merged")'
    );
  }
  return blocks(
    '# Verify: rows in and out, rejected rows, and a checksum of the whole target (order-independent).',
    checksum,
    checks.join('\n'),
    [
      'report.update(rows_out=rows_out, target_rows=target_rows, target_checksum=target_checksum)',
      'if PARTITION_COLUMN:',
      '    report["partition_rows"] = partition_rows',
      "print(f\"rows in {report['rows_in']}, rejected {report['rejected']}, out {rows_out}; target {target_rows} rows, checksum {target_checksum}\")"
    ].join('\n')
  );
}
