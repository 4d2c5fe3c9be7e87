import type {
  ImageBlockParam,
  TextBlockParam
} from '@anthropic-ai/sdk/resources/messages';
import type { ToolGroup } from './groups';
import type { IToolResultData } from './results';

/** What running a tool does to the user's world; decides the default approval. */
export type ToolEffect = 'read' | 'write' | 'execute';

/** Per-tool approval setting. */
export type ApprovalMode = 'auto' | 'ask' | 'never';

/** A JSON schema for a tool's input (an object schema). */
export interface IToolInputSchema {
  type: 'object';
  properties: Readonly<Record<string, unknown>>;
  required?: readonly string[];
  additionalProperties?: boolean;
  [key: string]: unknown;
}

/** What a tool returns: the content for the model, and typed data for cards, Undo and export. */
export interface IToolResult {
  /** Text, or text and image blocks (e.g. plots from cell outputs): what the model reads. */
  content: string | Array<TextBlockParam | ImageBlockParam>;
  /** True for failures the model should see as errors. */
  isError?: boolean;
  /** What the call did, as JSON (saved with the chat); the model never sees it. */
  data?: IToolResultData;
}

/** A human-readable rendering of a tool call, for the approval card. */
export interface IToolPreview {
  /** One line: what will happen ("Run cell 3f2a… in analysis.ipynb"). */
  summary: string;
  /** Code that will run, with its language for highlighting. */
  code?: { source: string; language: string };
  /** A unified diff of a change (edits). */
  diff?: { path: string; before: string; after: string };
  /** Cells the call will run that the reader should look at (e.g. edited by the assistant since they last ran). */
  cells?: {
    title: string;
    items: Array<{
      id: string;
      source: string;
      language: string;
      /** Why this cell is marked (e.g. "edited by the assistant"); unmarked cells start collapsed when `note` is used. */
      note?: string;
      /** Start expanded even if long (default: expanded up to a dozen lines). */
      open?: boolean;
    }>;
  };
  /** Named values the call acts with (a proof run's parameters, the hash the approval binds to), one line each. */
  details?: Array<{ name: string; value: string }>;
  /** What "Allow for this chat" lets the tool do (`ITool.allowChat`), when it says more than the default. */
  allowChat?: string;
}

/** What the chat has shown so far, for a tool rendering a call in an export (`ITool.inputMarkdown`). */
export interface IShownSoFar {
  /** The source a cell had when the chat last showed it (inserted, edited, read or run). */
  cell(id: string): { source: string; cellType: string } | undefined;
}

/** A call as the chat recorded it: what `IToolContext.history` lists. */
export interface IToolCallRecord {
  name: string;
  state: string;
  result?: { isError?: boolean; data?: IToolResultData };
}

/** Everything a tool may use while it runs. Services are added per tool family. */
export interface IToolContext {
  /** Aborted when the user presses Stop: tools stop at once (interrupt the kernel, etc.). */
  signal: AbortSignal;
  /** Services the app provides, by name (e.g. 'notebooks'); each family documents its own. */
  services: Record<string, unknown>;
  /**
   * What `ITool.bind` resolved when the approval card was built (the
   * notebook, kernel, cells the card shows); `run` acts on exactly that, and
   * refuses if it changed. Absent when the tool has no `bind` or the caller
   * runs the tool directly.
   */
  binding?: unknown;
  /** The chat's earlier tool calls, oldest first (what the assistant already did). */
  history?: () => ReadonlyArray<IToolCallRecord>;
  /** The id of the tool call being run (the subagent card is found by it). */
  callId?: string;
}

/**
 * One tool the model can call. Tools are plain objects so the registry,
 * approval policy and loop can handle them without knowing their family.
 */
export interface ITool<I = any> {
  name: string;
  /** The persona tool group the tool belongs to (a tool without one is granted only by name). */
  group?: ToolGroup;
  /** Shown to the model: when to use the tool and what it returns. */
  description: string;
  /**
   * One line, in plain words, of what the call does or did ("Run cell 3f2a in
   * analysis.ipynb"): the approval card's summary when `preview` gives none,
   * and the line the export shows. Pure: it reads only the input (which a saved
   * chat may hold malformed, so fields can be missing) and, when done, the result.
   */
  describe(input: I, result?: IToolResult): string;
  /**
   * What "Allow for this chat" lets this tool do, one sentence starting
   * "Allow for this chat:", when the default ("runs <tool> without asking…")
   * says too little (e.g. run_cell runs any cell the assistant edits).
   */
  allowChat?: string;
  /**
   * The call's input as Markdown for the export (code fenced in its
   * language), when the input as JSON would read badly; null: show the JSON.
   */
  inputMarkdown?(input: I, shown: IShownSoFar): string | null;
  inputSchema: IToolInputSchema;
  effect: ToolEffect;
  /** Approval when the user has not set one for this tool. */
  defaultApproval: ApprovalMode;
  /**
   * Why this particular input needs the user's eyes even when the tool is
   * set to auto (e.g. DROP TABLE, rm -rf); null when it looks harmless.
   */
  riskOf?(input: I, context?: IToolContext): string | null;
  /**
   * Where `riskOf`'s reasons come from, for the approval card's wording:
   * 'destructive' for a destructive-code or destructive-command check (the
   * card says "this looks destructive"); unset for any other reason (a cost
   * estimate, a policy setting, a sensitive path), shown as it is.
   */
  riskKind?: 'destructive';
  /**
   * Resolve what the call acts on (notebook, kernel, cells, paths) before the
   * approval card is built; the session keeps it with the pending approval
   * and gives it to `preview`, `riskOf` and `run` as `context.binding`.
   * Throwing fails the call without asking (with the error's message).
   */
  bind?(input: I, context: IToolContext): Promise<unknown> | unknown;
  /**
   * An input-dependent approval from the user's own rules for this tool
   * (e.g. shell allow/deny patterns): 'never' refuses with the reason,
   * 'auto' runs without asking unless the input is risky. Null: no rule applies.
   */
  approvalOf?(input: I): { mode: ApprovalMode; reason?: string } | null;
  /** Human-readable rendering for the approval card and the tool card. */
  preview?(
    input: I,
    context: IToolContext
  ): Promise<IToolPreview> | IToolPreview;
  run(input: I, context: IToolContext): Promise<IToolResult>;
}
