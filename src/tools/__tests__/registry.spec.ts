// jsdom: the notebook tools load @jupyterlab/cells.
import '../../notebook/__tests__/jupyterlabMocks';
import { toolsForPersona, TOOL_GROUPS } from '../../personas/toolMapping';
import { toolCatalogue } from '../../personas/toolCatalogue';
import { createEtlTools } from '../../etl/tools';
import { createFileTools } from '../../files';
import { createKernelTools } from '../../kernel/tools';
import { createNotebookTools } from '../../notebook/tools';
import { ToolRegistry } from '../registry';
import { createTaskTools } from '../../terminal/tasks/taskTools';
import { createTerminalTools } from '../../terminal/tools';

const allTools = () => [
  ...createNotebookTools(),
  ...createKernelTools(),
  ...createFileTools(),
  ...createTerminalTools(),
  ...createTaskTools(),
  ...createEtlTools()
];

describe('tool groups come from the tools', () => {
  it('every tool names a group, and the persona groups list exactly those tools', () => {
    const tools = allTools();
    expect(tools.every(tool => tool.group !== undefined)).toBe(true);
    for (const tool of tools) {
      expect(TOOL_GROUPS[tool.group!].tools).toContain(tool.name);
    }
    const listed = Object.values(TOOL_GROUPS).flatMap(info => [...info.tools]);
    expect(listed.sort()).toEqual(tools.map(tool => tool.name).sort());
    expect([...toolCatalogue().get('notebook-run')!]).toEqual(['run_cell', 'run_all_cells', 'restart_kernel', 'prove_etl_notebook']);
  });

  it('selects by the resolver the persona side gives, by group and by name', () => {
    const registry = new ToolRegistry(allTools());
    expect(registry.forPersona(null)).toHaveLength(allTools().length);
    // VS Code names through the persona table.
    expect(toolsForPersona(registry, ['runCommands']).map(tool => tool.name)).toEqual([
      'get_terminal_output',
      'install_packages',
      'list_packages',
      'run_command'
    ]);
    expect(toolsForPersona(registry, ['runTasks']).map(tool => tool.name)).toEqual(['list_tasks', 'run_task']);
    // A resolver that grants one group only.
    const picked = registry.forPersona(['anything'], () => ({ groups: ['kernel-run'], tools: [] }));
    expect(picked.map(tool => tool.name)).toEqual(['run_scratch']);
    // Our own tool names always count.
    expect(registry.forPersona(['read_file'], () => ({ groups: [], tools: [] })).map(tool => tool.name)).toEqual(['read_file']);
  });
});
