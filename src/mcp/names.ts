/**
 * Tool names for MCP tools: `mcp__<server>__<tool>` (VS Code's and Claude's convention),
 * made to fit the Messages API's tool-name pattern. A map keeps the real server and
 * tool names, so nothing ever parses a name back.
 */

/** What the Messages API accepts as a tool name (the strictest form it has used). */
export const API_TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

const PREFIX = 'mcp__';

/** Characters outside the pattern become `_`; never empty. */
export function sanitizePart(text: string): string {
  const clean = text.replace(/[^a-zA-Z0-9_-]/g, '_');
  return clean || '_';
}

/** A short, stable hash (FNV-1a, base 36) to tell apart names cut to length. */
function shortHash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(36).padStart(7, '0').slice(0, 7);
}

/** The API name of one tool of one server, before collisions are resolved. */
export function mcpToolName(server: string, tool: string): string {
  const name = `${PREFIX}${sanitizePart(server)}__${sanitizePart(tool)}`;
  if (name.length <= 64) {
    return name;
  }
  // Too long: keep the start and add a hash of the full original pair.
  return `${name.slice(0, 56)}_${shortHash(`${server}\u0000${tool}`)}`;
}

export interface IMcpToolRef {
  server: string;
  tool: string;
}

/**
 * API names for every (server, tool) pair, unique: a second pair that sanitises to a
 * name already taken gets a numbered suffix. Stable for a stable input order.
 */
export function assignToolNames(
  pairs: readonly IMcpToolRef[]
): Map<string, IMcpToolRef> {
  const names = new Map<string, IMcpToolRef>();
  for (const pair of pairs) {
    let name = mcpToolName(pair.server, pair.tool);
    for (let n = 2; names.has(name); n++) {
      const suffix = `_${n}`;
      name = `${mcpToolName(pair.server, pair.tool).slice(0, 64 - suffix.length)}${suffix}`;
    }
    names.set(name, pair);
  }
  return names;
}
