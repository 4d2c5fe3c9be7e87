/**
 * Persona `tools:` entries for MCP servers, VS Code's convention: `<server>/*` grants every
 * tool of the server, `<server>/<tool>` one tool. Entries whose first segment is not a
 * configured MCP server are left to the VS Code tool table (e.g. `runCommands/...`).
 *
 * A list that names no MCP server at all gets every MCP tool (`McpService.toolsByDefault`):
 * persona files written for VS Code (and the bundled ones) list VS Code's own tools, and MCP
 * tools still ask for approval by default. Naming any `<server>/...` entry restricts MCP
 * tools to those named.
 */

/** What the look-up needs: the API names of a server's tools (undefined: no such server). */
export interface IMcpToolNameSource {
  toolNamesOf(server: string, tool?: string): string[] | undefined;
}

/** The API names of the tools a persona entry names (`<server>/*`, `<server>/<tool>`); undefined: no MCP server's entry. */
export function mcpToolsNamed(
  source: IMcpToolNameSource,
  entry: string
): string[] | undefined {
  const match = /^#?([A-Za-z0-9][A-Za-z0-9_.-]*)\/(.+)$/.exec(entry.trim());
  if (!match) {
    return undefined;
  }
  const [, server, tool] = match;
  return tool === '*'
    ? source.toolNamesOf(server)
    : source.toolNamesOf(server, tool);
}
