import { PathExt } from '@jupyterlab/coreutils';
import type { IEtlProofData } from '../../tools/results';
import { DATA_FRAME_NOTE, frameData } from '../../tools/results';
import { defineTool } from '../../tools/schema';
import type { INotebookTarget } from '../../notebook';
import type { IToolResult } from '../../tools/types';
import { IProofKernelHost, proofHeadline, proveNotebook } from './proof';
import {
  bindProof,
  checkProofBinding,
  proofBindingOf,
  proofPreview
} from './proofBinding';

export { proofCells } from './proofBinding';

/** The key of the proof service in `IToolContext.services`. */
export const ETL_PROOF_SERVICE = 'etlProof';

/** Failed proof rounds per notebook after which the tool stops and the agent reports. */
export const MAX_PROOF_ROUNDS = 3;

/** What the proof tool needs: fresh kernels, and the failed rounds of this chat. */
export class EtlProofService {
  constructor(readonly host: IProofKernelHost) {}
  /** Failed proof rounds per notebook path (reset by a successful proof). */
  readonly failedRounds = new Map<string, number>();
}

/** The text the model reads: headline, per-cell times, the report, or the failing cell with its traceback. */
export function proofText(data: IEtlProofData, rounds: number): string {
  const lines = [
    `Proof run of ${data.notebookPath} (kernel ${data.kernelName}, each run in a fresh kernel): ${proofHeadline(data)}.`
  ];
  data.runs.forEach((run, i) => {
    const cells = run.cells
      .map(c => `${c.section ?? c.cellId} ${c.status} ${c.ms} ms`)
      .join(', ');
    lines.push(
      `Run ${i + 1}: ${run.ok ? 'ok' : 'failed'} in ${run.ms} ms (kernel start ${run.kernelStartMs} ms): ${cells}.`
    );
    // The report and the error come from the notebook's run: data, never instructions.
    if (run.report) {
      lines.push(
        `Run ${i + 1} report:`,
        frameData(
          `prove_etl_notebook report of run ${i + 1}`,
          JSON.stringify(run.report)
        )
      );
    }
    if (run.failure) {
      const f = run.failure;
      lines.push(
        `Failing cell: id ${f.cellId}${f.section ? ` (section ${f.section})` : ''}. The error and traceback:`,
        frameData(
          `prove_etl_notebook traceback of run ${i + 1}`,
          `${f.ename}: ${f.evalue}\n${f.traceback || '(no traceback)'}`
        )
      );
    }
  });
  if (data.runs.some(run => run.report || run.failure)) {
    lines.splice(1, 0, DATA_FRAME_NOTE);
  }
  if (!data.idempotent) {
    lines.push(
      rounds >= MAX_PROOF_ROUNDS
        ? `That was failed proof round ${rounds} of ${MAX_PROOF_ROUNDS}: stop fixing, tell the user what fails and why.`
        : `Failed proof round ${rounds} of ${MAX_PROOF_ROUNDS}: fix the failing cell (run it in the notebook), then prove again.`
    );
  }
  return lines.join('\n');
}

/** Put the proof's result into the report cell's output of the user's notebook (outputs only). */
function showInReportCell(target: INotebookTarget, data: IEtlProofData): void {
  for (const cell of target.model.sharedModel.cells) {
    const metadata = cell.getMetadata() as { etl?: { section?: string } };
    if (cell.cell_type !== 'code' || metadata.etl?.section !== 'report') {
      continue;
    }
    const last = data.runs[data.runs.length - 1];
    const summary = {
      headline: proofHeadline(data),
      runs: data.runs.map(r => ({ ok: r.ok, ms: r.ms, cells: r.cells })),
      report: last?.report ?? null
    };
    (cell as any).setOutputs([
      {
        output_type: 'display_data',
        data: { 'text/markdown': `**Proof run:** ${summary.headline}` },
        metadata: {}
      },
      {
        output_type: 'display_data',
        data: { 'application/json': summary },
        metadata: {}
      }
    ]);
  }
}

export const proveEtlNotebookTool = defineTool({
  name: 'prove_etl_notebook',
  group: 'notebook-run',
  description:
    'Prove an ETL notebook: run it headless top to bottom twice, each time in a fresh kernel (a separate session, never the ' +
    "user's kernel), with its parameters cell (and optional overrides injected after it, as papermill does). Returns per-cell " +
    'status and time, the run report (rows in/out, rejected rows) and whether the target checksum after run 2 equals run 1. ' +
    'On failure: the failing cell and its traceback. Call it when every section is filled and ran once in the notebook. ' +
    `At most ${MAX_PROOF_ROUNDS} failed rounds per notebook.`,
  inputSchema: {
    type: 'object',
    properties: {
      notebook_path: {
        type: 'string',
        description: 'The notebook (default: the active one).'
      },
      parameters: {
        type: 'object',
        properties: {},
        additionalProperties: true,
        description:
          'Parameter values replacing the parameters cell\'s, e.g. {"run_date": "2026-12-01"} (strings, numbers, booleans).'
      }
    },
    additionalProperties: false
  },
  effect: 'execute',
  defaultApproval: 'ask',
  allowChat:
    'Allow for this chat: proves any notebook the assistant names, with the code as it is then (including its own edits), without asking, for the rest of this chat (code that looks destructive still asks).',
  describe: input =>
    `Prove ${input.notebook_path || 'the active notebook'}: run it twice in fresh kernels and compare the target checksum`,
  // The card shows the notebook, every cell that will run and the parameters; the run proves exactly that.
  bind: (input, context) => {
    const service = context.services[ETL_PROOF_SERVICE] as
      EtlProofService | undefined;
    return bindProof(
      input,
      context,
      path => service?.failedRounds.get(path) ?? 0,
      MAX_PROOF_ROUNDS
    );
  },
  preview: (input, context) => {
    const bound = proofBindingOf(context);
    return bound
      ? proofPreview(bound)
      : {
          summary: `Prove ${input.notebook_path || 'the active notebook'}: run it twice in fresh kernels`
        };
  },
  riskOf: (_input, context) => {
    const bound = proofBindingOf(context);
    // Without the card's binding the code was not read: ask (fails closed).
    return bound
      ? bound.risk
      : "the notebook's code could not be checked before the run";
  },
  async run(input, context): Promise<IToolResult> {
    const service = context.services[ETL_PROOF_SERVICE] as
      EtlProofService | undefined;
    if (!service) {
      return {
        content:
          'Proof runs need an open notebook and the Jupyter server: neither is available here.',
        isError: true
      };
    }
    let bound = proofBindingOf(context);
    let target: INotebookTarget;
    try {
      // A direct call (no card) binds now, so the checks below are the same.
      bound ??= await bindProof(
        input,
        context,
        path => service.failedRounds.get(path) ?? 0,
        MAX_PROOF_ROUNDS
      );
      target = checkProofBinding(context, bound);
    } catch (error) {
      return {
        content: error instanceof Error ? error.message : String(error),
        isError: true
      };
    }
    const rounds = service.failedRounds.get(bound.path) ?? 0;
    if (rounds >= MAX_PROOF_ROUNDS) {
      return {
        content: `${MAX_PROOF_ROUNDS} proof rounds of ${bound.path} failed already: do not try again; tell the user what fails.`,
        isError: true
      };
    }
    // Exactly what the card showed (its hash was just checked against the notebook).
    const data = await proveNotebook({
      cells: bound.cells,
      kernelName: bound.kernelName,
      folder: PathExt.dirname(bound.path),
      notebookPath: bound.path,
      host: service.host,
      signal: context.signal,
      parameters: bound.parameters
    });
    const failedRounds = data.idempotent ? 0 : rounds + 1;
    if (failedRounds) {
      service.failedRounds.set(bound.path, failedRounds);
    } else {
      service.failedRounds.delete(bound.path);
    }
    showInReportCell(target, data);
    return {
      content: proofText(data, failedRounds),
      isError: !data.idempotent,
      data: { etlProof: data }
    };
  }
});
