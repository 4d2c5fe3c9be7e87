import type { IEtlSpec } from '../types';

/** The engine-specific code of each section of the skeleton. */
export interface IEngineCode {
  /** Imports, the session, the contract helper `split_rejects` and other helpers of the setup cell. */
  setup(spec: IEtlSpec): string;
  /** Read each source into `<name>_raw`, count its rows into `report["rows_in"]`. */
  extract(spec: IEtlSpec): string;
  /** Check the contract of every source (loud failure), then `<name>` = the accepted rows. */
  validateInput(spec: IEtlSpec): string;
  /** The placeholder the assistant replaces: `result` from the validated sources. */
  transform(spec: IEtlSpec): string;
  /** Check `result` (keys, partition, rows); sets `rows_out`. */
  validateOutput(spec: IEtlSpec): string;
  /** The idempotent load of `result` into the target. */
  load(spec: IEtlSpec): string;
  /** Sets `target_rows`, `target_checksum` (and `partition_rows` in partition mode). */
  checksum(spec: IEtlSpec): string;
}

/** The first source's name: what the placeholder transform passes through. */
export function mainSource(spec: IEtlSpec): string {
  return spec.sources[0]?.name ?? 'source';
}

/** Whether the placeholder can filter the partition itself (the column is in the first source). */
export function partitionInSource(spec: IEtlSpec): boolean {
  const pc = spec.partitionColumn;
  return !!pc && !!spec.sources[0]?.columns.some(c => c.name === pc);
}

/** The transform cell's opening comment. */
export function transformHeader(spec: IEtlSpec): string {
  const names = spec.sources.map(s => s.name).join(', ');
  const lines = [
    '# Transform: the business rules (see the first cell). Filled by the assistant, one step at a time.',
    `# Input: the validated sources ${names}. Output: \`result\`${
      spec.keyColumns.length
        ? `, one row per ${spec.keyColumns.join(', ')}`
        : ''
    }.`
  ];
  if (spec.mode === 'overwrite_partition') {
    lines.push(
      `# overwrite_partition: \`result\` holds only the rows whose ${spec.partitionColumn} is run_date.`
    );
  }
  return lines.join('\n');
}

/** What the placeholder raises when it cannot pass the data through as it is. */
export function transformTodo(spec: IEtlSpec): string {
  return `raise NotImplementedError("derive ${spec.partitionColumn} (the run date of each row) and keep only run_date's rows")`;
}
