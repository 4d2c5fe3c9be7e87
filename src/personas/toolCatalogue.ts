import { createEtlTools } from '../etl/tools';
import { createFileTools } from '../files';
import { ALL_TOOL_GROUPS, ToolGroup } from '../tools/groups';
import { createKernelTools } from '../kernel/tools';
import { createNotebookTools } from '../notebook/tools/tools';
import { createTaskTools } from '../terminal/tasks/taskTools';
import { createTerminalTools } from '../terminal/tools';
import type { ITool } from '../tools/types';

/**
 * Every tool this extension has, read off the tool definitions themselves:
 * the persona side learns the tool names of each group from here, so a new
 * tool only has to name its group.
 */

let catalogue: ReadonlyMap<ToolGroup, readonly string[]> | null = null;

/** The tool names of each group, in the families' order (definitions only: no services are touched). */
export function toolCatalogue(): ReadonlyMap<ToolGroup, readonly string[]> {
  if (!catalogue) {
    const byGroup = new Map<ToolGroup, string[]>(ALL_TOOL_GROUPS.map(group => [group, []]));
    const tools: ITool[] = [...createNotebookTools(), ...createKernelTools(), ...createFileTools(), ...createTerminalTools(), ...createTaskTools(), ...createEtlTools()];
    for (const tool of tools) {
      if (tool.group) {
        byGroup.get(tool.group)!.push(tool.name);
      }
    }
    catalogue = byGroup;
  }
  return catalogue;
}
