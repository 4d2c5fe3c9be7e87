import type {
  IEtlProofData,
  IEtlProofFailure,
  IEtlProofRun
} from '../../tools/results';

/**
 * The proof run: the notebook's code cells, run top to bottom twice, each
 * time in a fresh kernel (never the user's), with the parameters cell (and
 * optional overrides injected after it, as papermill does). It compares
 * the target checksum the run report gives after each run.
 */

/** One code cell as the proof run needs it. */
export interface IProofCell {
  id: string;
  source: string;
  /** The skeleton section (`metadata.etl.section`), if any. */
  section?: string;
  tags: string[];
}

/** How one execution in the proof kernel ended. */
export interface IProofExecution {
  status: 'ok' | 'error' | 'aborted';
  /** nbformat outputs (display_data, execute_result, stream, error). */
  outputs: Array<Record<string, any>>;
  error?: { ename: string; evalue: string; traceback: string[] };
}

/** A fresh kernel for one run. */
export interface IProofKernel {
  execute(
    code: string,
    signal: AbortSignal,
    timeoutMs: number
  ): Promise<IProofExecution>;
  shutdown(): Promise<void>;
}

/** Starts fresh kernels (a separate session per run). */
export interface IProofKernelHost {
  /** A new kernel `kernelName` whose working directory is `folder` (server path). */
  start(
    kernelName: string,
    folder: string,
    signal: AbortSignal
  ): Promise<IProofKernel>;
}

export interface IProofOptions {
  cells: IProofCell[];
  kernelName: string;
  /** The notebook's folder (relative paths in the notebook resolve against it, as in papermill). */
  folder: string;
  notebookPath: string;
  host: IProofKernelHost;
  signal: AbortSignal;
  /** Values replacing the parameters cell's (injected after it). */
  parameters?: Record<string, string | number | boolean>;
  runs?: number;
  cellTimeoutMs?: number;
  /** Called after each cell (progress). */
  onCell?: (run: number, index: number, total: number) => void;
  now?: () => number;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;
/** Traceback text kept for the model, per failure. */
const MAX_TRACEBACK_CHARS = 4000;

/** The Python literal of a parameter value. */
function pyValue(value: string | number | boolean): string {
  if (typeof value === 'boolean') {
    return value ? 'True' : 'False';
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      throw new Error(`parameter value ${value} is not a finite number`);
    }
    return String(value);
  }
  return JSON.stringify(value);
}

/** The cell papermill would inject after the parameters cell. */
export function injectedParameters(
  parameters: Record<string, string | number | boolean>
): string {
  const lines = ['# Parameters injected by the proof run'];
  for (const [name, value] of Object.entries(parameters)) {
    if (!IDENTIFIER.test(name)) {
      throw new Error(
        `"${name}" is not a parameter name (a Python identifier)`
      );
    }
    lines.push(`${name} = ${pyValue(value)}`);
  }
  return lines.join('\n');
}

/** The code the run executes, in order: cells plus the injected parameters. */
export function proofPlan(
  cells: IProofCell[],
  parameters?: Record<string, string | number | boolean>
): IProofCell[] {
  const plan: IProofCell[] = [];
  const overrides =
    parameters && Object.keys(parameters).length ? parameters : null;
  let injected = false;
  for (const cell of cells) {
    plan.push(cell);
    if (overrides && !injected && cell.tags.includes('parameters')) {
      plan.push({
        id: 'injected-parameters',
        source: injectedParameters(overrides),
        section: 'parameters',
        tags: ['injected-parameters']
      });
      injected = true;
    }
  }
  if (overrides && !injected) {
    // Like papermill: without a parameters cell, the values go first.
    plan.unshift({
      id: 'injected-parameters',
      source: injectedParameters(overrides),
      section: 'parameters',
      tags: ['injected-parameters']
    });
  }
  return plan;
}

/** The run report a cell displayed (application/json with a target checksum), if any. */
export function reportOf(
  outputs: IProofExecution['outputs']
): Record<string, any> | null {
  for (const output of outputs) {
    const json = output?.data?.['application/json'];
    if (json && typeof json === 'object' && 'target_checksum' in json) {
      return json as Record<string, any>;
    }
  }
  return null;
}

function failureOf(
  cell: IProofCell,
  index: number,
  execution: IProofExecution
): IEtlProofFailure {
  const traceback = (execution.error?.traceback ?? [])
    .join('\n')
    .replace(ANSI, '');
  return {
    cellId: cell.id,
    index,
    section: cell.section,
    ename:
      execution.error?.ename ??
      (execution.status === 'aborted' ? 'Aborted' : 'Error'),
    evalue: execution.error?.evalue ?? '',
    traceback:
      traceback.length > MAX_TRACEBACK_CHARS
        ? '…' + traceback.slice(-MAX_TRACEBACK_CHARS)
        : traceback
  };
}

async function runOnce(
  options: IProofOptions,
  plan: IProofCell[],
  run: number
): Promise<IEtlProofRun> {
  const now = options.now ?? (() => performance.now());
  const started = now();
  const cells: IEtlProofRun['cells'] = [];
  let report: Record<string, any> | null = null;
  let failure: IEtlProofFailure | undefined;
  const kernel = await options.host.start(
    options.kernelName,
    options.folder,
    options.signal
  );
  const kernelReady = now();
  try {
    for (let i = 0; i < plan.length; i++) {
      const cell = plan[i];
      const t0 = now();
      const execution = await kernel.execute(
        cell.source,
        options.signal,
        options.cellTimeoutMs ?? 600_000
      );
      cells.push({
        cellId: cell.id,
        section: cell.section,
        status: execution.status,
        ms: Math.round(now() - t0)
      });
      options.onCell?.(run, i, plan.length);
      report = reportOf(execution.outputs) ?? report;
      if (execution.status !== 'ok') {
        failure = failureOf(cell, i, execution);
        break;
      }
    }
  } finally {
    await kernel.shutdown().catch(() => undefined);
  }
  const cellMs = cells.reduce((sum, c) => sum + c.ms, 0);
  return {
    ok: !failure,
    ms: Math.round(now() - started),
    kernelStartMs: Math.round(kernelReady - started),
    cellMs,
    cells,
    report: report ?? undefined,
    failure
  };
}

/** Run the notebook `runs` times (default 2), each in a fresh kernel; stop at the first failed run. */
export async function proveNotebook(
  options: IProofOptions
): Promise<IEtlProofData> {
  const plan = proofPlan(options.cells, options.parameters);
  const runs: IEtlProofRun[] = [];
  const count = options.runs ?? 2;
  for (let run = 0; run < count; run++) {
    const result = await runOnce(options, plan, run);
    runs.push(result);
    if (!result.ok || options.signal.aborted) {
      break;
    }
  }
  const checksums = runs.map(r => r.report?.target_checksum);
  const rows = runs.map(r => r.report?.target_rows);
  const complete = runs.length === count && runs.every(r => r.ok && r.report);
  const idempotent =
    complete &&
    checksums.every(c => c === checksums[0]) &&
    rows.every(r => r === rows[0]);
  const last = runs[runs.length - 1]?.report;
  return {
    notebookPath: options.notebookPath,
    kernelName: options.kernelName,
    runs,
    runsPlanned: count,
    complete,
    idempotent,
    checksum: complete ? String(checksums[0]) : undefined,
    rowsIn: last?.rows_in,
    rowsOut: typeof last?.rows_out === 'number' ? last.rows_out : undefined,
    rejected: last?.rejected,
    targetRows:
      typeof last?.target_rows === 'number' ? last.target_rows : undefined,
    parameters: options.parameters
  };
}

/** One line for the card and the model: "2 runs, idempotent". */
export function proofHeadline(data: IEtlProofData): string {
  const n = data.runs.length;
  const failed = data.runs.find(r => !r.ok);
  if (failed?.failure) {
    const where = failed.failure.section ?? `cell ${failed.failure.index + 1}`;
    return `run ${n} of ${data.runsPlanned} failed in ${where}: ${failed.failure.ename}`;
  }
  if (!data.complete) {
    return `${n} of ${data.runsPlanned} runs, no run report`;
  }
  return data.idempotent
    ? `${n} runs, idempotent`
    : `${n} runs, NOT idempotent (the target checksum changed)`;
}
