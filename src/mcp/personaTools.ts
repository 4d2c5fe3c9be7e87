/**
 * Persona `tools:` entries for MCP servers, VS Code's convention: `<server>/*` grants every
 * tool of the server, `<server>/<tool>` one tool. Entries whose first segment is not a
 * configured MCP server are left to the VS Code tool table (e.g. `runCommands/...`).
 *
 * A list that names no MCP server at all gets every MCP tool: persona files written for
 * VS Code (and the bundled ones) list VS Code's own tools, and MCP tools still ask for
 * approval by default. Naming any `<server>/...` entry restricts MCP tools to those named.
 */
import type { IMcpToolNames } from '../personas/toolMapping';

/** What the resolver needs: the API names of a server's tools (undefined: no such server). */
export interface IMcpToolNameSource {
  toolNamesOf(server: string, tool?: string): string[] | undefined;
  /** Every MCP tool's API name. */
  allToolNames(): string[];
}

/** A resolver for `useMcpToolNames` (personas/toolMapping.ts). */
export function mcpPersonaResolver(source: IMcpToolNameSource): IMcpToolNames {
  return {
    resolve: raw => {
      const match = /^#?([A-Za-z0-9][A-Za-z0-9_.-]*)\/(.+)$/.exec(raw.trim());
      if (!match) {
        return undefined;
      }
      const [, server, tool] = match;
      return tool === '*' ? source.toolNamesOf(server) : source.toolNamesOf(server, tool);
    },
    all: () => source.allToolNames()
  };
}
