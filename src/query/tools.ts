import type { ICellModel } from '@jupyterlab/cells';
import { KernelUnavailable } from '../kernelChannel';
import { outputsOf, sourceOf } from '../notebook';
import { guardFor } from '../tools/guard';
import { findCell } from '../notebook';
import {
  INotebookAccess,
  INotebookTarget,
  NOTEBOOKS_SERVICE,
  NotebookToolError
} from '../notebook';
import { defineTool } from '../tools/schema';
import { fenced } from '../markdown/markdown';
import type { IToolResultData } from '../tools/results';
import { framedResult } from '../tools/results';
import type { IToolContext, IToolResult } from '../tools/types';
import type { QueryKernel } from './kernelQuery';
import { QUERY_SERVICE, QueryService } from './service';
import type { IDetectedQuery, IQueryResultData } from './types';
import { lastRunFacts, verificationText } from './verdictText';

/** A query the tools work on: a cell's (found by the kernel helper) or SQL given directly. */
interface IResolvedQuery {
  target: INotebookTarget;
  kernel: QueryKernel;
  cell: ICellModel | null;
  cellSource?: string;
  detected: IDetectedQuery;
}

class QueryToolError extends Error {}

const guarded = guardFor(QueryToolError, KernelUnavailable, NotebookToolError);

const COMMON = {
  notebook_path: {
    type: 'string',
    description:
      'Notebook whose kernel runs the query (path from the server root). Default: the active notebook.'
  },
  cell_id: {
    type: 'string',
    description:
      'The query cell. Default: the active cell (ignored when `sql` is given).'
  },
  sql: {
    type: 'string',
    description:
      "SQL to use instead of a cell's (e.g. the text of a .sql file); give `connection` or `engine` with it."
  },
  connection: {
    type: 'string',
    description:
      'Kernel variable holding the connection (engine, con, spark). Default: detected from the cell.'
  },
  engine: {
    type: 'string',
    enum: ['duckdb', 'jupysql', 'spark'],
    description:
      "Without a connection variable: DuckDB's default connection, jupysql's current one, or the active SparkSession."
  }
} as const;

function service(context: IToolContext): QueryService {
  const s = context.services[QUERY_SERVICE] as QueryService | undefined;
  if (!s) {
    throw new QueryToolError(
      'Query tools are not available in this chat (no notebooks).'
    );
  }
  return s;
}

async function resolveQuery(
  context: IToolContext,
  input: {
    notebook_path?: string;
    cell_id?: string;
    sql?: string;
    connection?: string;
    engine?: string;
  }
): Promise<IResolvedQuery> {
  const notebooks =
    (context.services[NOTEBOOKS_SERVICE] as INotebookAccess | undefined) ??
    service(context).notebooks;
  if (!notebooks) {
    throw new QueryToolError(
      "No notebook is open: queries run in a notebook's kernel."
    );
  }
  const target = await notebooks.resolve(input.notebook_path, context.signal);
  const kernel = service(context).kernelFor(target);
  if (!kernel) {
    throw new QueryToolError(
      `${target.path} has no kernel. Start one and run the cells that connect to the database.`
    );
  }
  if (input.sql) {
    return {
      target,
      kernel,
      cell: null,
      detected: {
        found: true,
        kind: 'python',
        sql: input.sql,
        engine: input.engine ?? null,
        connection: input.connection ?? null
      }
    };
  }
  const cellId = input.cell_id || target.activeCellId();
  if (!cellId) {
    throw new QueryToolError(
      'No cell is selected: pass cell_id, or sql with a connection.'
    );
  }
  const cell = findCell(target.model, cellId, target.path).cell;
  const cellSource = sourceOf(cell);
  const detected = await kernel.detect(cellSource, undefined, {
    signal: context.signal
  });
  if (!detected.found) {
    throw new QueryToolError(
      `Cell ${cellId} runs no query the tools recognise (${detected.message ?? 'no SQL found'}). Pass the SQL as \`sql\` with \`connection\`.`
    );
  }
  if (input.connection) {
    detected.connection = input.connection;
  }
  return { target, kernel, cell, cellSource, detected };
}

function engineArgs(d: IDetectedQuery): {
  connection: string | null;
  engine: string | null;
} {
  const known = ['duckdb', 'jupysql', 'spark'];
  return {
    connection: d.connection ?? null,
    engine: d.connection
      ? null
      : known.includes(d.engine ?? '')
        ? d.engine!
        : null
  };
}

function result(
  text: string,
  query: IQueryResultData,
  isError = false
): IToolResult {
  return {
    content: text,
    isError,
    data: { query: query as unknown as NonNullable<IToolResultData['query']> }
  };
}

/** `explain_query`: the context for explaining a query, gathered without running it. */
export function explainQueryTool() {
  return defineTool({
    name: 'explain_query',
    group: 'kernel-inspect',
    description:
      "Gather what is needed to explain a query cell (or dataframe pipeline) WITHOUT running it: the SQL, the engine and connection found in the kernel, the referenced tables' columns, declared keys and catalog size estimates, the engine's plan (EXPLAIN; polars LazyFrame.explain(); Spark explain formatted), and the cell's last run duration and output shape. Explain in business terms first (what it computes), then the plan's expensive steps; show the plan in a collapsed <details> block. `analyze: true` runs EXPLAIN ANALYZE, which RUNS the query: only when the user agreed.",
    inputSchema: {
      type: 'object',
      properties: {
        ...COMMON,
        analyze: {
          type: 'boolean',
          description:
            "EXPLAIN ANALYZE (runs the query). Only with the user's consent."
        }
      },
      additionalProperties: false
    },
    effect: 'read',
    defaultApproval: 'auto',
    riskOf: input =>
      input.analyze
        ? 'EXPLAIN ANALYZE runs the query against the database'
        : null,
    describe: input =>
      input.analyze
        ? 'Explain the query with EXPLAIN ANALYZE (runs it)'
        : 'Explain the query (plan only, not run)',
    run: (input, context) =>
      guarded(async () => {
        const q = await resolveQuery(context, input);
        const d = q.detected;
        const explained =
          d.kind === 'pipeline'
            ? await q.kernel.explain(
                { frame: d.frame },
                { signal: context.signal }
              )
            : await q.kernel.explain(
                { sql: d.sql, ...engineArgs(d), analyze: !!input.analyze },
                { signal: context.signal }
              );
        const lastRun = q.cell
          ? lastRunFacts(q.cell.toJSON() as any, outputsOf(q.cell))
          : null;
        // The plan, tables, columns and example values come from the
        // user's database and notebook: data, never instructions.
        const text = framedResult(
          'The query, its plan and its tables (JSON):',
          `explain_query ${q.target.path}${q.cell ? ` ${q.cell.id}` : ''}`,
          JSON.stringify({
            detected: d,
            ...explained,
            last_run: lastRun
          })
        );
        return result(
          text,
          {
            kind: 'explain',
            context: explained,
            detected: d,
            notebookPath: q.target.path,
            cellId: q.cell?.id,
            cellSource: q.cellSource
          },
          Boolean(explained.error)
        );
      })
  });
}

/** `propose_query_rewrite`: show a candidate rewrite as a diff; nothing runs. */
export function proposeRewriteTool() {
  return defineTool({
    name: 'propose_query_rewrite',
    group: 'kernel-inspect',
    description:
      'Show the user a proposed rewrite of a query cell\'s SQL as a diff (nothing runs, nothing changes). It is UNVERIFIED: never call it faster or equivalent until verify_query_rewrite has said so; then report its verdict as it is (including "no measurable speed-up").',
    inputSchema: {
      type: 'object',
      properties: {
        notebook_path: COMMON.notebook_path,
        cell_id: COMMON.cell_id,
        sql: COMMON.sql,
        rewrite: {
          type: 'string',
          minLength: 1,
          description: 'The rewritten SQL (one SELECT statement, same columns).'
        },
        rationale: {
          type: 'string',
          description: 'Why it should be faster, in one or two sentences.'
        }
      },
      required: ['rewrite'],
      additionalProperties: false
    },
    effect: 'read',
    defaultApproval: 'auto',
    describe: () => 'Propose a query rewrite (not verified yet)',
    inputMarkdown: input =>
      typeof input.rewrite === 'string' ? fenced(input.rewrite, 'sql') : null,
    run: (input, context) =>
      guarded(async () => {
        const q = await resolveQuery(context, input);
        return result(
          'Shown to the user as a diff. Not verified: call verify_query_rewrite before saying it returns the same rows or is faster.',
          {
            kind: 'proposal',
            original: q.detected.sql ?? '',
            rewrite: input.rewrite,
            rationale: input.rationale,
            engine: q.detected.engine,
            notebookPath: q.target.path,
            cellId: q.cell?.id,
            cellSource: q.cellSource
          }
        );
      })
  });
}

const VERIFY_LINE =
  'Verify the rewrite in the kernel (read-only: compare rows, edge probe, timing)';

/** `verify_query_rewrite`: same rows (data and edge probe) and timing, in the kernel. */
export function verifyRewriteTool() {
  return defineTool({
    name: 'verify_query_rewrite',
    group: 'kernel-inspect',
    description:
      "Verify a rewrite of a query cell in the kernel, read-only: refuses anything but one SELECT; compares both results as multisets (ordered when the original has ORDER BY; floats within a relative tolerance); runs both on an edge-probe database built from the tables' schemas (NULLs, duplicates, empty groups, honouring declared keys); then times both (warm-up, alternating runs, median and spread). Returns the verdict: same / different (with example rows) / different_on_probe (with the smallest counterexample) / not_comparable (e.g. LIMIT without a total ORDER BY). You MUST call this before claiming a rewrite is equivalent or faster, and report the verdict as given. The user applies a passing rewrite with the card's Apply button.",
    inputSchema: {
      type: 'object',
      properties: {
        ...COMMON,
        rewrite: {
          type: 'string',
          minLength: 1,
          description: 'The rewritten SQL.'
        },
        time_budget_seconds: {
          type: 'number',
          minimum: 0,
          maximum: 600,
          description:
            "Seconds for timing runs (default: the user's setting, 30). 0: compare only."
        }
      },
      required: ['rewrite'],
      additionalProperties: false
    },
    // It runs model-written SQL (and the original, repeatedly for the timing) on the user's
    // database: read-only, but it costs what the queries cost, so it asks by default.
    effect: 'execute',
    defaultApproval: 'ask',
    describe: () => VERIFY_LINE,
    inputMarkdown: input =>
      typeof input.rewrite === 'string' ? fenced(input.rewrite, 'sql') : null,
    preview: input => ({
      summary: VERIFY_LINE,
      code: { source: input.rewrite, language: 'sql' }
    }),
    run: (input, context) =>
      guarded(async () => {
        const q = await resolveQuery(context, input);
        const d = q.detected;
        if (d.kind === 'pipeline') {
          throw new QueryToolError(
            'Verification compares SQL queries; this cell is a dataframe pipeline.'
          );
        }
        const settings = service(context).settings();
        const verification = await q.kernel.verify(
          {
            original: d.sql ?? '',
            rewrite: input.rewrite,
            ...engineArgs(d),
            tolerance: settings.tolerance,
            timeBudgetS: input.time_budget_seconds ?? settings.timeBudgetS
          },
          { signal: context.signal }
        );
        let newSource: string | undefined;
        if (verification.applicable && q.cell && q.cellSource !== undefined) {
          const placed = await q.kernel.detect(q.cellSource, input.rewrite, {
            signal: context.signal
          });
          newSource = placed.new_source;
        }
        const data: Extract<IQueryResultData, { kind: 'verification' }> = {
          kind: 'verification',
          original: d.sql ?? '',
          rewrite: input.rewrite,
          verification,
          newSource,
          notebookPath: q.target.path,
          cellId: q.cell?.id,
          cellSource: q.cellSource
        };
        service(context).recordVerified(data);
        return result(
          verificationText(verification),
          data,
          verification.verdict === 'error'
        );
      })
  });
}

/** The query tools (services: `notebooks`, `query`). */
export function createQueryTools() {
  return [explainQueryTool(), proposeRewriteTool(), verifyRewriteTool()];
}
