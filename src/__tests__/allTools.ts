import { createCodeTools } from '../codetools/tools';
import { createEtlTools } from '../etl/tools';
import { createFileTools } from '../files/tools';
import { createKernelTools } from '../kernel/tools';
import { createNotebookTools } from '../notebook/tools/tools';
import { createQueryTools } from '../query/tools';
import { createTaskTools } from '../terminal/tasks/taskTools';
import { createTerminalTools } from '../terminal/tools';
import { ToolRegistry } from '../tools/registry';
import type { ToolGroup } from '../tools/groups';
import type { ITool } from '../tools/types';

/** Every tool family's real definitions (no services are touched until a tool runs). */
export function allTools(): ITool[] {
  return [
    ...createNotebookTools(),
    ...createKernelTools(),
    ...createFileTools(),
    ...createTerminalTools(),
    ...createTaskTools(),
    ...createEtlTools(),
    ...createQueryTools(),
    ...createCodeTools()
  ];
}

/** A registry of every tool family, as the app builds it (MCP sources aside). */
export function registryOfAllTools(): ToolRegistry {
  return new ToolRegistry(allTools());
}

let real: ToolRegistry | null = null;

/** The group the real tool of this name declares: fakes that stand in for real tools resolve like them. */
export function realGroup(name: string): ToolGroup | undefined {
  real ??= registryOfAllTools();
  return real.groupOf(name);
}

/** A tool standing in for the real one of this name (same group): it reads nothing and says "ok". */
export function fakeTool(name: string, extra: Partial<ITool> = {}): ITool {
  return {
    name,
    group: realGroup(name),
    description: name,
    describe: () => `Use ${name}`,
    inputSchema: { type: 'object', properties: {} },
    effect: 'read',
    defaultApproval: 'auto',
    run: async () => ({ content: 'ok' }),
    ...extra
  };
}
