import type { ToolRegistry } from '../tools/registry';
import type { ITool } from '../tools/types';
import type { IPersona } from './persona';
import { resolveTools, SUBAGENT_TOOL, toolsForPersona } from './toolMapping';

/** Whether the persona's `tools` name the subagent tool (`agent`, `runSubagent`, Claude's `Task`). */
export function canDelegate(
  persona: Pick<IPersona, 'tools'> | null,
  registry: ToolRegistry
): boolean {
  return (
    !!persona?.tools &&
    resolveTools(persona.tools, registry).tools.has(SUBAGENT_TOOL)
  );
}

/**
 * The tools of a registry a persona gets: what its `tools` grant, minus its
 * `disallowedTools`. The subagent tool only when named (never through "all
 * tools"), and never at depth > 0 (`subagent`: a subagent delegates nothing).
 */
export function toolsOfPersona(
  registry: ToolRegistry,
  persona: Pick<IPersona, 'tools' | 'disallowedTools'> | null,
  options: { subagent?: boolean } = {}
): ITool[] {
  const denied = persona?.disallowedTools?.length
    ? resolveTools(persona.disallowedTools, registry).tools
    : new Set<string>();
  persona?.disallowedTools?.forEach(name => denied.add(name));
  const delegate = !options.subagent && canDelegate(persona, registry);
  return toolsForPersona(registry, persona ? persona.tools : null).filter(
    tool => !denied.has(tool.name) && (tool.name !== SUBAGENT_TOOL || delegate)
  );
}

/**
 * `#tool:name` references of a persona body, resolved to the tools offered
 * (names resolved through `registry`): `#tool:codebase` -> `read_file`,
 * `list_directory`...; a name with nothing offered here becomes a note, so
 * the model never looks for a tool it lacks.
 */
export function resolveToolReferences(
  body: string,
  offered: Iterable<string>,
  registry: ToolRegistry
): string {
  const available = new Set(offered);
  return body.replace(
    /#tool:([A-Za-z0-9_.\/-]*[A-Za-z0-9_])/g,
    (_, name: string) => {
      const tools = [...resolveTools([name], registry).tools].filter(tool =>
        available.has(tool)
      );
      if (!available.size || !tools.length) {
        return `"${name}" (a tool not available here)`;
      }
      return tools.map(tool => `\`${tool}\``).join(', ');
    }
  );
}
