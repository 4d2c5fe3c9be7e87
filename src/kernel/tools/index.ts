import { defineTool } from '../../tools/schema';
import type { KernelMessage } from '@jupyterlab/services';
import { KernelChannel, KernelUnavailable } from '../../kernelChannel';
import { IInspectorKernel, scratchCode } from '../kernelInspector';
import { formatOutputs, IOutputJSON, outputsToContent } from '../../notebook';
import {
  INotebookAccess,
  NOTEBOOKS_SERVICE,
  NotebookToolError
} from '../../notebook';
import { guardFor } from '../../tools/guard';
import { destructiveReason } from '../../tools/risk';
import { framedResult, IResultRun, outputsForData } from '../../tools/results';
import type { ITool, IToolContext, IToolResult } from '../../tools/types';
import { KERNELS_SERVICE, KernelInspectors } from '../inspectors';
import { fenced } from '../../markdown/markdown';

// The light part (kept out of the tools' chunk: the chat uses it to draw).
export {
  KERNELS_SERVICE,
  KernelInspectors,
  variablesSummary
} from '../inspectors';

const NOTEBOOK_PATH = {
  type: 'string',
  description:
    'Notebook whose kernel to use (path from the server root). Default: the active notebook.'
} as const;

async function kernelOf(
  context: IToolContext,
  path?: string
): Promise<IInspectorKernel> {
  const notebooks = context.services[NOTEBOOKS_SERVICE] as
    INotebookAccess | undefined;
  if (!notebooks) {
    throw new KernelUnavailable(
      'No notebook is available to this chat.',
      'no_kernel'
    );
  }
  const target = await notebooks.resolve(path, context.signal);
  const kernel = target.kernelConnection() as IInspectorKernel | null;
  if (!kernel) {
    throw new KernelUnavailable(
      `${target.path} has no kernel. Start one (Kernel menu) and run the cells that build the data.`,
      'no_kernel'
    );
  }
  return kernel;
}

function inspectors(context: IToolContext): KernelInspectors {
  return (
    (context.services[KERNELS_SERVICE] as KernelInspectors | undefined) ??
    fallback
  );
}
const fallback = new KernelInspectors();

const guarded = guardFor(KernelUnavailable, NotebookToolError);

function listVariablesTool() {
  return defineTool({
    name: 'list_variables',
    group: 'kernel-inspect',
    description:
      "List the user's variables in the live kernel: name, kind (pandas.DataFrame, polars.LazyFrame, duckdb relation, spark DataFrame, …), shape and memory when cheap. No modules, functions or underscore names. Cheap and side-effect free: never runs a query or a Spark job.",
    inputSchema: {
      type: 'object',
      properties: { notebook_path: NOTEBOOK_PATH },
      additionalProperties: false
    },
    effect: 'read',
    defaultApproval: 'auto',
    describe: input =>
      `List the kernel's variables${input.notebook_path ? ` (${input.notebook_path})` : ''}`,
    run: (input, context) =>
      guarded(async () => {
        const kernel = await kernelOf(context, input.notebook_path);
        const result = await inspectors(context)
          .for(kernel)
          .listVariables({ signal: context.signal });
        return {
          content: framedResult(
            "The kernel's variables:",
            'list_variables',
            JSON.stringify(result)
          )
        };
      })
  });
}

function inspectVariableTool() {
  return defineTool({
    name: 'inspect_variable',
    group: 'kernel-inspect',
    description:
      "Summarise one variable of the live kernel without expensive work: kind, shape or row count when cheap, columns with dtypes, null counts (on a bounded sample, labelled), a few sample rows, memory estimate. Works for pandas, polars (LazyFrame: schema only), pyarrow, DuckDB relations and connections, jupysql %%sql results, SQLAlchemy engines, Dask, Spark, numpy. `name` may also be `_` or `_3`/`Out[3]` for a cell's result. Lazy or remote data (DuckDB relation, Spark, Dask) get sample rows only when sample_rows > 0 is asked for (then a LIMIT query runs).",
    inputSchema: {
      type: 'object',
      properties: {
        name: {
          type: 'string',
          minLength: 1,
          description: 'Variable name, or `_`, `_3`, `Out[3]`.'
        },
        sample_rows: {
          type: 'integer',
          minimum: 0,
          maximum: 50,
          description:
            'Rows to include (default: 5 for in-memory data, 0 for lazy/remote data).'
        },
        notebook_path: NOTEBOOK_PATH
      },
      required: ['name'],
      additionalProperties: false
    },
    effect: 'read',
    defaultApproval: 'auto',
    describe: input => `Inspect \`${input.name ?? '?'}\` in the kernel`,
    run: (input, context) =>
      guarded(async () => {
        const kernel = await kernelOf(context, input.notebook_path);
        const result = await inspectors(context)
          .for(kernel)
          .inspectVariable(input.name, input.sample_rows, {
            signal: context.signal
          });
        return {
          content: framedResult(
            `Variable ${input.name}:`,
            `inspect_variable ${input.name}`,
            JSON.stringify(result)
          ),
          isError: Boolean(result?.error)
        };
      })
  });
}

function runScratchTool() {
  return defineTool({
    name: 'run_scratch',
    group: 'kernel-run',
    description:
      "Run Python code in the notebook's kernel WITHOUT creating a cell (quick checks such as `df['country'].value_counts().head(20)`), and get its output. It runs in the user's namespace, so assignments persist: prefer expressions. Not stored in history; no execution count.",
    inputSchema: {
      type: 'object',
      properties: {
        code: { type: 'string', minLength: 1, description: 'The code to run.' },
        notebook_path: NOTEBOOK_PATH,
        timeout_seconds: {
          type: 'number',
          minimum: 1,
          maximum: 600,
          description: 'Default 60.'
        }
      },
      required: ['code'],
      additionalProperties: false
    },
    effect: 'execute',
    defaultApproval: 'ask',
    riskOf: input => destructiveReason(input.code),
    riskKind: 'destructive',
    describe: () => 'Run scratch code in the kernel',
    inputMarkdown: input =>
      typeof input.code === 'string' ? fenced(input.code, 'python') : null,
    preview: input => ({
      summary: 'Run scratch code in the kernel (no cell)',
      code: { source: input.code, language: 'python' }
    }),
    run: (input, context) =>
      guarded(async () => {
        const kernel = await kernelOf(context, input.notebook_path);
        if (kernel.status === 'dead') {
          return {
            content: 'The kernel is dead. Restart it first.',
            isError: true
          };
        }
        // Through the helper, so `_`, `_N` and `Out` stay the user's; a kernel
        // where it cannot load runs the code as it is.
        const helper = await inspectors(context)
          .for(kernel)
          .ensureLoaded({ signal: context.signal })
          .then(
            () => true,
            () => false
          );
        if (context.signal.aborted) {
          return {
            content: 'Cancelled by the user before it ran.',
            isError: true
          };
        }
        return runScratch(
          kernel,
          input.code,
          helper ? scratchCode(input.code) : input.code,
          (input.timeout_seconds ?? 60) * 1000,
          context.signal,
          input.notebook_path
        );
      })
  });
}

/** Execute code outside any cell, collecting its outputs like a cell would. */
async function runScratch(
  kernel: IInspectorKernel,
  code: string,
  sent: string,
  timeoutMs: number,
  signal: AbortSignal,
  notebookPath?: string
): Promise<IToolResult> {
  const outputs: IOutputJSON[] = [];
  const onIOPub = (msg: KernelMessage.IIOPubMessage) => {
    const output = outputOfMessage(
      msg.header.msg_type,
      msg.content as Record<string, unknown>
    );
    if (output) {
      outputs.push(output);
    }
  };
  let outcome: 'done' | 'timeout' | 'cancelled' = 'done';
  let interrupted = false;
  try {
    await new KernelChannel(kernel).execute(sent, {
      mode: 'scratch',
      signal,
      timeoutMs,
      onIOPub
    });
  } catch (error) {
    if (
      error instanceof KernelUnavailable &&
      (error.reason === 'cancelled' || error.reason === 'busy')
    ) {
      outcome = error.reason === 'busy' ? 'timeout' : 'cancelled';
      interrupted = error.interrupted;
    }
    // Else the kernel went away mid-run (restart): report what it printed.
  }
  const stopped = interrupted
    ? 'the kernel was interrupted'
    : 'the code had not started; it will be interrupted when it does';
  const formatted = formatOutputs(outputs);
  const header =
    outcome === 'cancelled'
      ? `Cancelled by the user; ${stopped}.`
      : outcome === 'timeout'
        ? `Timed out after ${Math.round(timeoutMs / 1000)} s; ${stopped}.`
        : formatted.error
          ? `Error: ${formatted.error.ename}: ${formatted.error.evalue}`
          : outputs.length
            ? 'Output:'
            : 'Ran without output.';
  const kept = outputsForData(outputs);
  const run: IResultRun = {
    kind: 'scratch',
    ...(notebookPath ? { notebookPath } : {}),
    code,
    language: 'python',
    status:
      outcome === 'timeout' ? 'timeout' : formatted.error ? 'error' : 'ok',
    executionCount: null,
    outputs: kept.outputs,
    ...(kept.omitted ? { outputsOmitted: kept.omitted } : {})
  };
  return {
    content: outputsToContent(header, formatted),
    isError: outcome !== 'done' || Boolean(formatted.error),
    // Code the user stopped is not reported as a run.
    ...(outcome === 'cancelled'
      ? {}
      : { data: { run, ...(formatted.truncated ? { truncated: true } : {}) } })
  };
}

/** An IOPub message as an nbformat output (only the fields nbformat allows), or null. */
function outputOfMessage(
  type: string,
  content: Record<string, unknown>
): IOutputJSON | null {
  switch (type) {
    case 'stream':
      return { output_type: type, name: content.name, text: content.text };
    case 'display_data':
      return {
        output_type: type,
        data: content.data ?? {},
        metadata: content.metadata ?? {}
      };
    case 'execute_result':
      return {
        output_type: type,
        data: content.data ?? {},
        metadata: content.metadata ?? {},
        execution_count: content.execution_count ?? null
      };
    case 'error':
      return {
        output_type: type,
        ename: content.ename,
        evalue: content.evalue,
        traceback: content.traceback ?? []
      };
    default:
      return null;
  }
}

/** The kernel tools: list and inspect variables, run scratch code. */
export function createKernelTools(): ITool[] {
  return [listVariablesTool(), inspectVariableTool(), runScratchTool()];
}
