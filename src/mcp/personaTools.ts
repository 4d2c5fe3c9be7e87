/**
 * Persona `tools:` entries for MCP servers: VS Code's convention, `<server>/*` grants every
 * tool of the server and `<server>/<tool>` one tool; also a server's bare name (all its
 * tools), a tool's API name `mcp__<server>__<tool>`, and `mcp` (every MCP tool, what the
 * bundled personas that change things use). Entries whose first segment is not a configured
 * MCP server are left to the VS Code tool table (e.g. `runCommands/...`).
 *
 * MCP tools go only to personas that name them this way, or that have no `tools:` key
 * (`McpService.toolsByDefault`): a persona limited to reading tools gets none.
 */

/** The persona entry that names every MCP tool. */
export const ALL_MCP_TOOLS_ENTRY = 'mcp';

/** What the look-up needs: the API names of a server's tools (undefined: no such server). */
export interface IMcpToolNameSource {
  toolNamesOf(server: string, tool?: string): string[] | undefined;
  /** Every MCP tool offered now (API names). */
  allToolNames(): string[];
}

/** The API names of the tools a persona entry names; undefined: not an MCP entry. */
export function mcpToolsNamed(
  source: IMcpToolNameSource,
  entry: string
): string[] | undefined {
  const name = entry.trim().replace(/^#/, '');
  if (name === ALL_MCP_TOOLS_ENTRY) {
    return source.allToolNames();
  }
  if (source.allToolNames().includes(name)) {
    return [name];
  }
  const match = /^([A-Za-z0-9][A-Za-z0-9_.-]*)(?:\/(.+))?$/.exec(name);
  if (!match) {
    return undefined;
  }
  const [, server, tool] = match;
  return tool === undefined || tool === '*'
    ? source.toolNamesOf(server)
    : source.toolNamesOf(server, tool);
}
