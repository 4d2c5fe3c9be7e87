/** What the kernel's query helper returns (src/query/kernel/query_*.py), and what query tools save in `data.query`. */

/** detect_query: the query a cell runs and the connection it uses. */
export interface IDetectedQuery {
  found: boolean;
  message?: string;
  kind?: 'cell_magic' | 'line_magic' | 'python' | 'pipeline';
  sql?: string;
  /** duckdb, postgresql, sqlite, spark, jupysql (its current connection), polars_lazy, spark_dataframe. */
  engine?: string | null;
  /** The variable holding the connection (null: the engine's default, jupysql's current). */
  connection?: string | null;
  /** A dataframe pipeline's variable. */
  frame?: string;
  call?: string;
  /** The cell's source with the SQL replaced by the rewrite. */
  new_source?: string;
}

export interface IExplainTable {
  name: string;
  missing?: boolean;
  columns?: { name: string; type: string; nullable: boolean }[];
  rows_estimate?: number | null;
  constraints?: string[];
}

/** explain_context: the plan and catalog facts, without running the query (unless analyzed). */
export interface IExplainContext {
  engine?: string;
  sql?: string;
  frame?: string;
  tables?: IExplainTable[];
  plan?: string;
  analyzed?: boolean;
  error?: string;
  /** The SQL gateway refused the statement (verdict says why): nothing was planned. */
  refused?: boolean;
  verdict?: IGatewayVerdict;
}

/** The SQL gateway's verdict on one statement (query_gateway.py `classify`). */
export interface IGatewayVerdict {
  allowed: boolean;
  kind:
    | 'read'
    | 'write'
    | 'ddl'
    | 'file_access'
    | 'network'
    | 'state'
    | 'multi'
    | 'side_effect'
    | 'unparseable';
  reason: string;
  relations: string[];
}

/** A connection the kernel holds (`gateway_connections`). */
export interface IGatewayConnection {
  name: string | null;
  engine: string;
  via?: string;
  default?: string;
  supported?: boolean;
}

/** `gateway_estimate`: the engine's own estimate, never a run. */
export interface IGatewayEstimate {
  rows?: number | null;
  bytes?: number | null;
  cost?: number | null;
  scan_rows?: number | null;
  known?: boolean;
  note?: string;
  refused?: boolean;
  verdict?: IGatewayVerdict;
  within_budget?: boolean | null;
  budget_note?: string;
  engine?: string;
  elapsed_ms?: number;
  error?: string;
}

/** `gateway_run`: the first rows of one read-only statement. */
export interface IGatewayRun {
  columns?: { name: string; type: string }[];
  rows?: unknown[][];
  truncated?: boolean;
  total_rows?: number | null;
  elapsed_ms?: number;
  verdict?: IGatewayVerdict;
  engine?: string;
  error?: string;
  refused?: boolean;
}

/** One entry of `gateway_list_tables`. */
export interface ICatalogTable {
  name: string;
  schema?: string | null;
  kind?: string;
  /** A count, or with `detail` the columns as "name TYPE [NOT NULL]". */
  columns?: number | string[];
  rows_estimate?: number | null;
  bytes?: number | null;
  comment?: string | null;
  primary_key?: string[];
  unique?: string[][];
  foreign_keys?: {
    columns: string[];
    references: string;
    ref_columns: string[];
  }[];
}

/** `gateway_describe`. */
export interface ITableDescription {
  name?: string;
  kind?: string;
  schema?: string | null;
  columns?: {
    name: string;
    type: string;
    nullable?: boolean;
    comment?: string | null;
    default?: string | null;
  }[];
  primary_key?: string[];
  unique?: string[][];
  foreign_keys?: {
    columns: string[];
    references: string;
    ref_columns: string[];
  }[];
  rows_estimate?: number | null;
  bytes?: number | null;
  comment?: string | null;
  note?: string;
  engine?: string;
  error?: string;
}

export type Verdict =
  | 'same'
  | 'different'
  | 'different_on_probe'
  | 'not_comparable'
  | 'refused'
  | 'cancelled'
  | 'error';

export interface IRowDiff {
  only_in_original: number;
  only_in_rewrite: number;
  columns?: string[];
  examples_original?: unknown[][];
  examples_rewrite?: unknown[][];
}

export interface ITimingSide {
  median_s: number;
  spread_s: number;
  times_s: number[];
}

export interface ITiming {
  runs: number;
  verdict: 'faster' | 'slower' | 'no_measurable_difference' | 'inconclusive';
  original: ITimingSide;
  rewrite: ITimingSide;
  speedup: number | null;
  measured_s: number;
  warmup_s?: number;
  total_s: number;
}

export interface IProbe {
  verdict: 'same' | 'different' | 'skipped';
  reason?: string | null;
  tables?: string[];
  constraints?: string[];
  rows?: number;
  build_s?: number;
  counterexample?: IRowDiff & {
    tables: Record<string, { columns: string[]; rows: unknown[][] }>;
    minimal?: boolean;
  };
}

/** verify_rewrite's answer. */
export interface IVerification {
  verdict: Verdict;
  summary: string;
  applicable: boolean;
  engine?: string;
  message?: string;
  reason?: string;
  rows?: { original: number; rewrite: number };
  method?: string;
  ordered?: boolean;
  diff?: IRowDiff;
  probe?: IProbe;
  timing?: ITiming;
  tolerance?: number;
  elapsed_s?: number;
  /** A pip package the verifier needs and the kernel lacks (sqlglot): the card offers its install. */
  missing_package?: string;
}

/** Where a query lives, so Apply can find it again. */
export interface IQueryTarget {
  notebookPath?: string;
  cellId?: string;
  /** The cell's source when the query was read (Apply refuses if it changed since). */
  cellSource?: string;
  /** A .sql file's path, when the query came from one. */
  filePath?: string;
}

/** `data.query` of the query tools' results (cards read it; saved with the chat). */
export type IQueryResultData =
  | ({
      kind: 'explain';
      context: IExplainContext;
      detected?: IDetectedQuery;
    } & IQueryTarget)
  | ({
      kind: 'proposal';
      original: string;
      rewrite: string;
      rationale?: string;
      engine?: string | null;
    } & IQueryTarget)
  | ({
      kind: 'catalog';
      connection: string | null;
      engine: string | null;
      tables: ICatalogTable[];
      total: number;
      next: string | null;
      note: string | null;
    } & IQueryTarget)
  | ({
      kind: 'table';
      connection: string | null;
      table: ITableDescription;
    } & IQueryTarget)
  | ({
      kind: 'rows';
      connection: string | null;
      sql: string;
      run: IGatewayRun;
      estimate: IGatewayEstimate;
    } & IQueryTarget)
  | ({
      kind: 'verification';
      original: string;
      rewrite: string;
      verification: IVerification;
      /** The cell's source with the rewrite in place, when Apply is possible. */
      newSource?: string;
    } & IQueryTarget);
