/**
 * Persona `tools:` entries for MCP servers, VS Code's convention: `<server>/*` grants every
 * tool of the server, `<server>/<tool>` one tool. Entries whose first segment is not a
 * configured MCP server are left to the VS Code tool table (e.g. `runCommands/...`).
 */

/** What the resolver needs: the API names of a server's tools (undefined: no such server). */
export interface IMcpToolNameSource {
  toolNamesOf(server: string, tool?: string): string[] | undefined;
}

/** A resolver for `useMcpToolNames` (personas/toolMapping.ts). */
export function mcpPersonaResolver(source: IMcpToolNameSource): (name: string) => readonly string[] | undefined {
  return raw => {
    const match = /^#?([A-Za-z0-9][A-Za-z0-9_.-]*)\/(.+)$/.exec(raw.trim());
    if (!match) {
      return undefined;
    }
    const [, server, tool] = match;
    return tool === '*' ? source.toolNamesOf(server) : source.toolNamesOf(server, tool);
  };
}
