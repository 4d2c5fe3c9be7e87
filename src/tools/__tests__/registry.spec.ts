// jsdom: the notebook tools load @jupyterlab/cells.
import '../../notebook/__tests__/jupyterlabMocks';
import { resolveTools, toolsForPersona } from '../../personas/toolMapping';
import { allTools, registryOfAllTools } from '../../__tests__/allTools';
import { createTaskTools } from '../../terminal/tasks/taskTools';
import { createTerminalTools } from '../../terminal/tools';
import { ToolRegistry } from '../registry';
import type { ITool, IToolContext } from '../types';

describe('the registry is the tool catalogue', () => {
  it('every tool names a group, and the groups list exactly the registered tools', () => {
    const tools = allTools();
    const registry = new ToolRegistry(tools);
    expect(tools.every(tool => tool.group !== undefined)).toBe(true);
    for (const tool of tools) {
      expect(registry.groupOf(tool.name)).toBe(tool.group);
      expect(registry.toolsOfGroup(tool.group!)).toContain(tool.name);
    }
    const listed = [...registry.catalogue().values()].flat();
    expect(listed.sort()).toEqual(tools.map(tool => tool.name).sort());
    expect(registry.toolsOfGroup('notebook-run')).toEqual([
      'run_cell',
      'run_all_cells',
      'restart_kernel',
      'prove_etl_notebook'
    ]);
  });

  it('resolves a query tool by its group, like any other', () => {
    const registry = registryOfAllTools();
    expect(registry.groupOf('explain_query')).toBe('kernel-inspect');
    expect(resolveTools(['kernel-inspect'], registry).tools).toContain(
      'verify_query_rewrite'
    );
    // VS Code's `read` grants kernel-inspect, so the query tools too.
    expect(
      toolsForPersona(registry, ['read']).map(tool => tool.name)
    ).toContain('explain_query');
  });

  it('keeps withheld tools in the catalogue, so a persona granted them is told why they are missing', () => {
    const registry = new ToolRegistry([
      ...createTerminalTools(),
      ...createTaskTools()
    ]);
    registry.withhold(registry.names, 'no terminals');
    expect(registry.names).toEqual([]);
    expect(registry.toolsOfGroup('terminal')).toEqual([
      'run_command',
      'get_terminal_output'
    ]);
    expect(resolveTools(['runTasks'], registry)).toEqual({
      groups: new Set(['tasks']),
      tools: new Set(['list_tasks', 'run_task']),
      unavailable: []
    });
    expect(toolsForPersona(registry, ['runTasks'])).toEqual([]);
  });

  it('selects by the resolver the persona side gives, by group and by name', () => {
    const registry = registryOfAllTools();
    expect(registry.forPersona(null)).toHaveLength(allTools().length);
    // VS Code names through the persona table.
    expect(
      toolsForPersona(registry, ['runCommands']).map(tool => tool.name)
    ).toEqual([
      'get_terminal_output',
      'install_packages',
      'list_packages',
      'run_command'
    ]);
    expect(
      toolsForPersona(registry, ['runTasks']).map(tool => tool.name)
    ).toEqual(['list_tasks', 'run_task']);
    // A resolver that grants one group only.
    const picked = registry.forPersona(['anything'], () => ({
      groups: ['kernel-run'],
      tools: []
    }));
    expect(picked.map(tool => tool.name)).toEqual(['run_scratch']);
    // Our own tool names always count.
    expect(
      registry
        .forPersona(['read_file'], () => ({ groups: [], tools: [] }))
        .map(tool => tool.name)
    ).toEqual(['read_file']);
  });
});

describe('describing calls', () => {
  const context = {
    signal: new AbortController().signal,
    services: {}
  } as IToolContext;

  it('every tool describes a call in one line, even from a saved input missing its fields', () => {
    for (const tool of allTools()) {
      const line = tool.describe({});
      expect(line).toMatch(/^\S/);
      expect(line).not.toMatch(/\n|undefined/);
    }
  });

  it('answers by name, null for a tool it does not know, a generic line when describe fails', () => {
    const broken: ITool = {
      name: 'broken',
      description: 'b',
      describe: () => {
        throw new Error('no');
      },
      inputSchema: { type: 'object', properties: {} },
      effect: 'read',
      defaultApproval: 'auto',
      run: async () => ({ content: '' })
    };
    const registry = new ToolRegistry([...allTools(), broken]);
    expect(
      registry.describe('run_cell', { cell_id: 'c1', notebook_path: 'a.ipynb' })
    ).toBe('Run cell c1 in a.ipynb');
    expect(registry.describe('mcp__gone__tool', { path: 'x' })).toBeNull();
    expect(registry.describe('broken', { path: 'data/x.csv' })).toBe(
      'data/x.csv'
    );
  });

  it('gives the approval card the describe line when the tool has no preview, with its "Allow for this chat" sentence', async () => {
    const registry = registryOfAllTools();
    expect(
      await ToolRegistry.previewOf(
        registry.get('read_file')!,
        { path: 'a.txt' },
        context
      )
    ).toEqual({ summary: 'Read a.txt' });
    const runCell = await ToolRegistry.previewOf(
      registry.get('run_cell')!,
      { cell_id: 'c1' },
      context
    );
    expect(runCell.allowChat).toMatch(/runs any cell the assistant edits/);
    // A preview that fails falls back to the line.
    const failing = {
      ...registry.get('list_changes')!,
      preview: () => Promise.reject(new Error('x'))
    };
    expect(await ToolRegistry.previewOf(failing, {}, context)).toEqual({
      summary: 'List the changes made in this chat'
    });
  });
});
