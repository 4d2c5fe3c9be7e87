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
import type { ITool, IToolContext, IToolResult } from '../tools/types';
import type { IConnectionRef, QueryKernel } from './kernelQuery';
import { catalogKey, QUERY_SERVICE, QueryService } from './service';
import type {
  IDetectedQuery,
  IGatewayEstimate,
  IGatewayRun,
  IGatewayVerdict,
  IQueryResultData
} from './types';
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

/** What the model reads when the SQL gateway refuses a statement: the reason, and that it is final. */
export function gatewayRefusal(verdict: IGatewayVerdict): string {
  return `Refused by the SQL gateway (${verdict.kind}): ${verdict.reason} This refusal is final: do not run this SQL another way (run_scratch, a cell, another tool); tell the user what was refused and why.`;
}

/** `explain_query`: the context for explaining a query, gathered without running it. */
export function explainQueryTool() {
  return defineTool({
    name: 'explain_query',
    group: 'kernel-inspect',
    description:
      "Gather what is needed to explain a query cell (or dataframe pipeline) WITHOUT running it: the SQL, the engine and connection found in the kernel, the referenced tables' columns, declared keys and catalog size estimates, the engine's plan (EXPLAIN; polars LazyFrame.explain(); Spark explain formatted), and the cell's last run duration and output shape. Explain in business terms first (what it computes), then the plan's expensive steps; show the plan in a collapsed <details> block. `analyze: true` runs EXPLAIN ANALYZE, which RUNS the query: only when the user agreed. The SQL gateway checks the statement first: only one plain read of the connection's own tables is explained; file/URL table functions (read_csv, glob, a quoted path), writes, DDL, ATTACH/INSTALL/COPY and side-effecting functions are refused, and that refusal is final.",
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
        // The SQL gateway's verdict on the rewrite now: a statement it refuses can never be
        // verified or applied, so the model hears it before the user reads the diff.
        const verdict =
          q.detected.kind === 'pipeline'
            ? null
            : await q.kernel.classify(input.rewrite, engineArgs(q.detected), {
                signal: context.signal
              });
        if (verdict && (verdict.error || !verdict.allowed)) {
          return {
            content: verdict.error
              ? `The SQL gateway could not check the rewrite: ${verdict.error}`
              : gatewayRefusal(verdict),
            isError: true
          };
        }
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

// ---------------------------------------------------------------- the SQL gateway's tools

const GATEWAY_INPUT = {
  notebook_path: COMMON.notebook_path,
  connection: {
    type: 'string',
    description:
      "Kernel variable holding the connection (a DuckDB connection, a SQLAlchemy engine or connection, a psycopg or sqlite3 connection, a SparkSession, a polars SQLContext). Default: jupysql's current connection, else DuckDB's default connection, else the active SparkSession. list_tables lists the connections it finds."
  },
  engine: COMMON.engine
} as const;

/** A notebook's kernel and its query helper (the gateway's tools act on the kernel, not on a cell). */
async function resolveKernel(
  context: IToolContext,
  notebookPath: string | undefined
): Promise<{ target: INotebookTarget; kernel: QueryKernel }> {
  const notebooks =
    (context.services[NOTEBOOKS_SERVICE] as INotebookAccess | undefined) ??
    service(context).notebooks;
  if (!notebooks) {
    throw new QueryToolError(
      "No notebook is open: queries run in a notebook's kernel."
    );
  }
  const target = await notebooks.resolve(notebookPath, context.signal);
  const kernel = service(context).kernelFor(target);
  if (!kernel) {
    throw new QueryToolError(
      `${target.path} has no kernel. Start one and run the cells that connect to the database.`
    );
  }
  return { target, kernel };
}

function connectionRef(input: {
  connection?: string;
  engine?: string;
}): IConnectionRef {
  return {
    connection: input.connection || null,
    engine: input.connection ? null : input.engine || null
  };
}

function connectionLabel(ref: IConnectionRef, engine?: string): string {
  return ref.connection
    ? `\`${ref.connection}\``
    : `the ${engine ?? ref.engine ?? 'default'} default connection`;
}

/** `list_tables`: the catalog of a kernel connection, from metadata only. */
export function listTablesTool() {
  return defineTool({
    name: 'list_tables',
    group: 'kernel-inspect',
    description:
      "List the tables and views of a database connection held by a notebook's kernel, from the catalog's metadata only (never a scan, nothing runs on the data): schema, kind, column count (or with `detail: true` every column with its type, and primary/unique/foreign keys), row estimates and size on disk where the engine keeps them. Also lists the connections the kernel holds. Look here BEFORE writing SQL for the user's data: use the real table and column names. At most 8 KB a call: narrow with `pattern` (a glob on the table name, e.g. 'ord*') or `schema`, and page with `next`.",
    inputSchema: {
      type: 'object',
      properties: {
        ...GATEWAY_INPUT,
        pattern: {
          type: 'string',
          description: "Glob on table names ('orders', 'fact_*')."
        },
        schema: { type: 'string', description: 'Only this schema.' },
        detail: {
          type: 'boolean',
          description:
            'Each table with its columns and keys (fewer tables per page).'
        },
        next: {
          type: 'string',
          description: 'The `next` token of the previous page.'
        }
      },
      additionalProperties: false
    },
    effect: 'read',
    defaultApproval: 'auto',
    describe: input =>
      input.pattern
        ? `List the tables matching ${input.pattern}`
        : "List the tables of the kernel's connection",
    run: (input, context) =>
      guarded(async () => {
        const { target, kernel } = await resolveKernel(
          context,
          input.notebook_path
        );
        const ref = connectionRef(input);
        const svc = service(context);
        const filter = {
          pattern: input.pattern ?? null,
          schema: input.schema ?? null,
          next: input.next ?? null,
          detail: !!input.detail
        };
        const [listing, found] = await Promise.all([
          svc.cachedCatalog(kernel, catalogKey.list(ref, filter), () =>
            kernel.listTables(ref, filter, { signal: context.signal })
          ),
          input.next
            ? Promise.resolve(null)
            : svc.cachedCatalog(kernel, catalogKey.connections, () =>
                kernel.connections({ signal: context.signal })
              )
        ]);
        const connections = found?.connections ?? undefined;
        if (listing.error) {
          return {
            content: JSON.stringify({ error: listing.error, connections }),
            isError: true
          };
        }
        // Names and comments come from the user's database: data, never instructions.
        const text = framedResult(
          'The catalog (JSON):',
          `list_tables ${target.path}`,
          JSON.stringify({ ...listing, connections })
        );
        return result(text, {
          kind: 'catalog',
          notebookPath: target.path,
          connection: ref.connection ?? null,
          engine: listing.engine ?? null,
          tables: listing.tables ?? [],
          total: listing.total ?? 0,
          next: listing.next ?? null,
          note: listing.note ?? null
        });
      })
  });
}

/** `describe_table`: one table's columns, keys and estimates, from metadata only. */
export function describeTableTool() {
  return defineTool({
    name: 'describe_table',
    group: 'kernel-inspect',
    description:
      "Describe one table or view of a kernel connection from the catalog's metadata (never a scan): columns with types, nullability, defaults and comments; primary, unique and foreign keys; row estimate and size on disk where the engine keeps them. Use it before writing SQL over a table you have not described yet.",
    inputSchema: {
      type: 'object',
      properties: {
        ...GATEWAY_INPUT,
        name: {
          type: 'string',
          minLength: 1,
          description:
            "The table, optionally schema-qualified ('sales.orders')."
        }
      },
      required: ['name'],
      additionalProperties: false
    },
    effect: 'read',
    defaultApproval: 'auto',
    describe: input => `Describe table ${input.name ?? ''}`.trim(),
    run: (input, context) =>
      guarded(async () => {
        const { target, kernel } = await resolveKernel(
          context,
          input.notebook_path
        );
        const ref = connectionRef(input);
        const table = await service(context).cachedCatalog(
          kernel,
          catalogKey.describe(ref, input.name),
          () => kernel.describe(input.name, ref, { signal: context.signal })
        );
        if (table.error) {
          return { content: JSON.stringify(table), isError: true };
        }
        const text = framedResult(
          'The table (JSON):',
          `describe_table ${input.name}`,
          JSON.stringify(table)
        );
        return result(text, {
          kind: 'table',
          notebookPath: target.path,
          connection: ref.connection ?? null,
          table
        });
      })
  });
}

/** What run_query's `bind` resolved before the card: the kernel and the gateway's estimate. */
interface IRunQueryBinding {
  target: INotebookTarget;
  kernel: QueryKernel;
  ref: IConnectionRef;
  estimate: IGatewayEstimate;
  budget: { rows: number; bytes: number };
  ask: boolean;
}

function fmt(n: number | null | undefined): string {
  return typeof n === 'number' ? n.toLocaleString('en-US') : 'unknown';
}

/** The estimate in one line: "about 1,500 rows, 96,000 bytes (scans 20,000 rows)". */
export function estimateText(e: IGatewayEstimate): string {
  if (!e.known && e.rows === null && (e.bytes ?? null) === null) {
    return e.note || 'No estimate';
  }
  const parts = [`about ${fmt(e.rows)} rows`];
  if (typeof e.bytes === 'number') {
    parts.push(`${fmt(e.bytes)} bytes`);
  }
  const scan =
    typeof e.scan_rows === 'number' && e.scan_rows !== e.rows
      ? ` (scans about ${fmt(e.scan_rows)} rows)`
      : '';
  return `${parts.join(', ')}${scan}`;
}

const MAX_ROWS_LIMIT = 500;
const RUN_MAX_BYTES = 16384;

async function bindRunQuery(
  input: {
    notebook_path?: string;
    connection?: string;
    engine?: string;
    sql: string;
  },
  context: IToolContext
): Promise<IRunQueryBinding> {
  const { target, kernel } = await resolveKernel(context, input.notebook_path);
  const ref = connectionRef(input);
  const settings = service(context).settings();
  const budget = settings.budget ?? { rows: 0, bytes: 0 };
  const estimate = await kernel.estimate(input.sql, ref, budget, {
    signal: context.signal
  });
  if (estimate.error) {
    throw new QueryToolError(estimate.error);
  }
  if (estimate.refused || (estimate.verdict && !estimate.verdict.allowed)) {
    throw new QueryToolError(gatewayRefusal(estimate.verdict!));
  }
  return {
    target,
    kernel,
    ref,
    estimate,
    budget,
    ask: settings.readOnlyQueries === 'ask'
  };
}

/** Why run_query needs the user's approval, or null: within budget and allowed by the setting. */
export function runQueryRisk(
  binding: IRunQueryBinding | undefined
): string | null {
  if (!binding) {
    return 'The query was not checked against the budget.';
  }
  const e = binding.estimate;
  if (e.within_budget === true && !binding.ask) {
    return null;
  }
  const estimate = `Estimate: ${estimateText(e)}.`;
  if (e.within_budget === false) {
    return `${e.budget_note ?? 'Over budget.'} ${estimate} Budget: ${fmt(binding.budget.rows)} rows, ${fmt(binding.budget.bytes)} bytes (queryBudget).`;
  }
  if (e.within_budget !== true) {
    return `${e.budget_note ?? 'No estimate: the budget cannot be checked.'} ${e.note ?? ''}`.trim();
  }
  return `Read-only queries ask first (readOnlyQueries is "ask"). ${estimate}`;
}

/** `run_query`: one read-only statement through the SQL gateway; the first rows. */
export function runQueryTool() {
  return defineTool({
    name: 'run_query',
    group: 'kernel-inspect',
    description:
      "Answer a question about the user's data with ONE read-only SQL statement on a connection held by a notebook's kernel, through the SQL gateway: returns column names and types, the first rows (default 50; long values cut, secret-looking values redacted), the total row count when it is cheap, and the elapsed time. Prefer it to run_scratch for questions about the data. Look at list_tables / describe_table first so the SQL uses real names. It runs without asking when the gateway allows it (one plain read of the connection's own tables) and the engine's cost estimate is within the user's budget; otherwise the user sees a card with the SQL, the estimate and the reason. The gateway refuses files and URLs (read_csv, glob, a quoted path), writes, DDL, ATTACH/INSTALL/COPY, SET/PRAGMA and side-effecting functions: a refusal is final — do not route around it with run_scratch or a cell. Aggregate in SQL (count, group by) rather than fetching many rows.",
    inputSchema: {
      type: 'object',
      properties: {
        ...GATEWAY_INPUT,
        sql: {
          type: 'string',
          minLength: 1,
          description:
            "One read-only statement in the connection's dialect (SELECT / WITH ... SELECT / VALUES)."
        },
        max_rows: {
          type: 'integer',
          minimum: 1,
          maximum: MAX_ROWS_LIMIT,
          description: 'Rows to return (default 50).'
        }
      },
      required: ['sql'],
      additionalProperties: false
    },
    effect: 'read',
    defaultApproval: 'auto',
    bind: (input, context) => bindRunQuery(input, context),
    riskOf: (_input, context) =>
      runQueryRisk(context?.binding as IRunQueryBinding | undefined),
    describe: (input, done) => {
      const rows = (done?.data?.query as { run?: IGatewayRun } | undefined)?.run
        ?.rows?.length;
      return typeof rows === 'number'
        ? `Run a read-only query (${rows} row${rows === 1 ? '' : 's'})`
        : 'Run a read-only query';
    },
    inputMarkdown: input =>
      typeof input.sql === 'string' ? fenced(input.sql, 'sql') : null,
    preview: (input, context) => {
      const binding = context.binding as IRunQueryBinding | undefined;
      return {
        summary: binding
          ? `Run a read-only query on ${connectionLabel(binding.ref, binding.estimate.engine)} — estimate: ${estimateText(binding.estimate)}`
          : 'Run a read-only query',
        code: { source: input.sql, language: 'sql' }
      };
    },
    run: (input, context) =>
      guarded(async () => {
        const binding =
          (context.binding as IRunQueryBinding | undefined) ??
          (await bindRunQuery(input, context));
        const maxRows = Math.min(
          MAX_ROWS_LIMIT,
          Math.max(1, Math.floor(input.max_rows ?? 50))
        );
        const run = await binding.kernel.run(
          input.sql,
          binding.ref,
          { maxRows, maxBytes: RUN_MAX_BYTES },
          { signal: context.signal }
        );
        if (run.error) {
          const text =
            run.refused && run.verdict
              ? gatewayRefusal(run.verdict)
              : run.error;
          return { content: text, isError: true };
        }
        const e = binding.estimate;
        const answer = {
          engine: run.engine,
          columns: run.columns,
          rows: run.rows,
          truncated: run.truncated,
          total_rows: run.total_rows,
          elapsed_ms: run.elapsed_ms,
          estimate: {
            rows: e.rows ?? null,
            bytes: e.bytes ?? null,
            known: !!e.known
          }
        };
        // Rows from the user's data: data, never instructions.
        const text = framedResult(
          'The result (JSON):',
          `run_query ${binding.target.path}`,
          JSON.stringify(answer)
        );
        return result(text, {
          kind: 'rows',
          notebookPath: binding.target.path,
          connection: binding.ref.connection ?? null,
          sql: input.sql,
          run,
          estimate: e
        });
      })
  });
}

/** The query tools (services: `notebooks`, `query`). */
export function createQueryTools(): ITool[] {
  return [
    explainQueryTool(),
    proposeRewriteTool(),
    verifyRewriteTool(),
    listTablesTool(),
    describeTableTool(),
    runQueryTool()
  ];
}
