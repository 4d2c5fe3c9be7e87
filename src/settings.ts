import type { ApprovalMode } from './tools/types';
import type { ISettingRegistry } from '@jupyterlab/settingregistry';

/** The user's settings for the chat (see schema/plugin.json). */
export interface IChatSettings {
  model: string;
  maxTokens: number;
  directMode: boolean;
  directApiKey: string;
  directBaseUrl: string;
  /** True when the user set `model` themselves: it then wins over personas. */
  modelExplicit: boolean;
  maxSteps: number;
  notebookContext: boolean;
  variablesContext: boolean;
  toolApprovals: Record<string, ApprovalMode>;
  chatFolder: string;
  /** 0: the model's known window. */
  contextWindow: number;
  compactionThreshold: number;
  prices: Record<string, IPrice>;
  /** Extra sensitive-path patterns for the file tools (reads and writes ask). */
  sensitivePaths: string[];
  /** Days undo snapshots are kept (0: for ever). */
  snapshotRetentionDays: number;
  /** Time limit of one shell command, seconds. */
  terminalTimeoutSeconds: number;
  /** Shell commands that run without asking / never run (glob patterns). */
  commandAllowPatterns: string[];
  commandDenyPatterns: string[];
  /** MCP approvals by `server` or `server/tool` (src/mcp). */
  mcpApprovals?: Record<string, ApprovalMode>;
  /** Whether the workspace's .vscode/mcp.json servers are used. */
  mcpWorkspaceServers?: boolean;
  /** Extra folders with persona files (VS Code's `chat.agentFilesLocations`). */
  agentFilesLocations?: string[];
  /** Whether AGENTS.md files are read as instructions (VS Code's `chat.useAgentsMdFile`). */
  useAgentsMdFile?: boolean;
  /** Budget of always-on instructions, in tokens (about 4 characters each). */
  instructionsBudgetTokens?: number;
  /** Query verification: relative tolerance of float columns, and seconds of timing runs. */
  queryTolerance: number;
  queryTimeBudget: number;
  /** Agent queries (run_query): the cost budget under which they run without asking. */
  queryBudget: { rows: number; bytes: number };
  /** auto: run_query runs gateway-allowed, within-budget reads without asking; ask: always asks. */
  readOnlyQueries: 'auto' | 'ask';
}

/** USD per million tokens. */
export interface IPrice {
  input: number;
  output: number;
  cacheWrite?: number;
  cacheRead?: number;
}

/**
 * The chat's settings from the registry's composite values. The defaults
 * live in schema/plugin.json only: the composite already holds them, and a
 * value out of range falls back to the schema's default (`settings.default`).
 */
export function readSettings(
  settings: ISettingRegistry.ISettings
): IChatSettings {
  const fallback = <K extends keyof IChatSettings>(key: K): IChatSettings[K] =>
    settings.default(key) as unknown as IChatSettings[K];
  const get = <K extends keyof IChatSettings>(key: K): IChatSettings[K] => {
    const value = settings.get(key).composite as IChatSettings[K] | undefined;
    return value === undefined || value === null ? fallback(key) : value;
  };
  const text = (key: 'model' | 'chatFolder') =>
    String(get(key) ?? '').trim() || String(fallback(key));
  return {
    model: text('model'),
    maxTokens: Math.max(
      1,
      Math.floor(Number(get('maxTokens')) || fallback('maxTokens'))
    ),
    directMode: Boolean(get('directMode')),
    directApiKey: get('directApiKey'),
    directBaseUrl: get('directBaseUrl'),
    modelExplicit:
      typeof settings.user.model === 'string' &&
      settings.user.model.trim() !== '',
    maxSteps: Math.max(
      1,
      Math.floor(Number(get('maxSteps')) || fallback('maxSteps'))
    ),
    notebookContext: get('notebookContext') !== false,
    variablesContext: get('variablesContext') !== false,
    toolApprovals: { ...(get('toolApprovals') ?? {}) },
    chatFolder: text('chatFolder'),
    contextWindow: Math.max(0, Math.floor(Number(get('contextWindow')) || 0)),
    compactionThreshold: Math.min(
      0.98,
      Math.max(
        0.3,
        Number(get('compactionThreshold')) || fallback('compactionThreshold')
      )
    ),
    prices: { ...(get('prices') ?? fallback('prices')) },
    sensitivePaths: (Array.isArray(get('sensitivePaths'))
      ? get('sensitivePaths')
      : (fallback('sensitivePaths') ?? [])
    ).filter(
      (pattern: unknown): pattern is string =>
        typeof pattern === 'string' && pattern.trim() !== ''
    ),
    snapshotRetentionDays: Math.max(
      0,
      Math.floor(
        Number(
          get('snapshotRetentionDays') ?? fallback('snapshotRetentionDays')
        ) || 0
      )
    ),
    terminalTimeoutSeconds: Math.min(
      3600,
      Math.max(
        1,
        Number(get('terminalTimeoutSeconds')) ||
          fallback('terminalTimeoutSeconds')
      )
    ),
    commandAllowPatterns: patternList(get('commandAllowPatterns')),
    commandDenyPatterns: patternList(get('commandDenyPatterns')),
    mcpApprovals: {
      ...((get('mcpApprovals') as Record<string, ApprovalMode> | undefined) ??
        {})
    },
    mcpWorkspaceServers: get('mcpWorkspaceServers') !== false,
    useAgentsMdFile: get('useAgentsMdFile') !== false,
    instructionsBudgetTokens: Math.max(
      1000,
      Math.floor(
        Number(get('instructionsBudgetTokens')) ||
          Number(fallback('instructionsBudgetTokens')) ||
          32000
      )
    ),
    agentFilesLocations: readFolders(
      settings.get('agentFilesLocations').composite
    ),
    queryTolerance: Math.max(
      0,
      Number(get('queryTolerance') ?? fallback('queryTolerance'))
    ),
    queryTimeBudget: Math.max(
      0,
      Number(get('queryTimeBudget') ?? fallback('queryTimeBudget'))
    ),
    queryBudget: readBudget(get('queryBudget'), fallback('queryBudget')),
    readOnlyQueries: get('readOnlyQueries') === 'ask' ? 'ask' : 'auto'
  };
}

/** `queryBudget`: each limit a non-negative number, else the schema's default (none: 0, every query asks). */
function readBudget(
  value: unknown,
  fallback: { rows: number; bytes: number } | undefined
): { rows: number; bytes: number } {
  const base = { rows: 0, bytes: 0, ...(fallback ?? {}) };
  const v = (value ?? {}) as Record<string, unknown>;
  const limit = (x: unknown, d: number) =>
    typeof x === 'number' && Number.isFinite(x) && x >= 0 ? x : d;
  return { rows: limit(v.rows, base.rows), bytes: limit(v.bytes, base.bytes) };
}

/** A list of non-empty pattern strings from a setting value. */
function patternList(value: unknown): string[] {
  return Array.isArray(value)
    ? value.filter((p): p is string => typeof p === 'string' && p.trim() !== '')
    : [];
}

/** `agentFilesLocations`: a list of folders, or VS Code's `{folder: true}` mapping. */
function readFolders(value: unknown): string[] {
  if (Array.isArray(value)) {
    return value.filter(
      (item): item is string => typeof item === 'string' && !!item.trim()
    );
  }
  if (value && typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .filter(([, on]) => on === true)
      .map(([folder]) => folder);
  }
  return [];
}
