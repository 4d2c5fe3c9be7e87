/**
 * What the MCP bridge of the server extension sends (jupyterlab_data_engineer/mcp/handlers.py).
 * Definitions are templates: admin servers' env and header values never come here, only their
 * names; workspace servers' values come as the trust dialog shows them (secrets masked).
 */

/** One tool as an MCP server lists it. */
export interface IMcpToolInfo {
  name: string;
  title?: string;
  description: string;
  inputSchema: Record<string, unknown>;
  annotations?: {
    readOnlyHint?: boolean;
    destructiveHint?: boolean;
    idempotentHint?: boolean;
    openWorldHint?: boolean;
  };
}

export type McpStatus =
  'stopped' | 'starting' | 'running' | 'stopping' | 'failed' | 'invalid';

export interface IMcpServerInfo {
  name: string;
  source: 'admin' | 'workspace';
  /** The workspace file it came from (relative to the server root). */
  file: string | null;
  type: 'stdio' | 'http';
  command?: string;
  args?: string[];
  envNames?: string[];
  envFile?: string;
  url?: string;
  headerNames?: string[];
  /**
   * Workspace servers only (what the trust dialog shows). Values are as written in the file
   * for `${...}` templates; literals of secret-looking names, known key formats and URL
   * passwords come masked by the server.
   */
  cwd?: string;
  env?: Record<string, string>;
  headers?: Record<string, string>;
  /** The host the headers are sent to ('' when a variable chooses it). */
  host?: string;
  /** What the envFile sets now (masked the same way), or why it cannot be read. */
  envFileEntries?: Record<string, string>;
  envFileProblem?: string;
  /** The envFile lies outside the server root: its values are all masked, names shown. */
  envFileOutside?: boolean;
  /** sha256 of the envFile's content (part of what trust binds to). */
  envFileDigest?: string;
  definitionError?: string;
  trusted: boolean;
  /** The `${input:ID}` ids the definition uses. */
  inputIds: string[];
  status: McpStatus;
  tools?: IMcpToolInfo[];
  startSeconds?: number;
  error?: { kind: string; message: string };
  stderrTail?: string;
}

/** An `inputs` entry of mcp.json: a value the user is asked for once per browser session. */
export interface IMcpInputSpec {
  id: string;
  description: string;
  password: boolean;
  default?: string;
}

export interface IMcpList {
  servers: IMcpServerInfo[];
  inputs: IMcpInputSpec[];
  workspaceEnabled: boolean;
  workspaceFile: string;
  /**
   * What trusting the workspace binds to: a sha256 of the file's bytes and of the content of
   * every envFile it names; null without a file. Any change gives another value and asks again.
   */
  workspaceHash: string | null;
  problems: string[];
}

/** A content block of a tool result, bounded and redacted by the server. */
export type McpContentBlock =
  | { type: 'text'; text: string }
  | { type: 'image'; mimeType: string; data: string }
  | {
      type: 'resource';
      uri: string;
      mimeType?: string;
      text?: string;
      size?: number;
    }
  | {
      type: 'resource_link';
      uri: string;
      name?: string;
      description?: string;
      mimeType?: string;
    }
  | { type: 'omitted'; kind: string; mimeType: string; size: number };

export interface IMcpCallResult {
  isError: boolean;
  content: McpContentBlock[];
  structuredContent?: unknown;
  truncated: boolean;
  durationMs?: number;
}

/** Why a route refused or failed (not_trusted, needs_inputs, start_failed, crashed, timeout...). */
export interface IMcpFailure {
  kind: string;
  message: string;
  stderrTail?: string;
}
