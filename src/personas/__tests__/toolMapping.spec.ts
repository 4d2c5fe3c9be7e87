/** @jest-environment node */
import { registryOfAllTools } from '../../__tests__/allTools';
import { TOOL_GROUP_DESCRIPTIONS } from '../../tools/groups';
import { ToolRegistry } from '../../tools/registry';
import {
  ALL_TOOL_GROUPS,
  resolveTools as resolveIn,
  ToolGroup,
  toolsOfGroups,
  VSCODE_TOOL_MAP
} from '../toolMapping';

// The catalogue is the registry: every tool family's real definitions.
const registry = registryOfAllTools();
const resolveTools = (names: readonly string[] | null | undefined) =>
  resolveIn(names, registry);
const groupsOf = (...names: string[]) => [...resolveTools(names).groups].sort();
const sorted = (...groups: ToolGroup[]) => [...groups].sort();

describe('tool groups', () => {
  it('lists each group with a description and tools, no tool in two groups', () => {
    expect(ALL_TOOL_GROUPS).toHaveLength(14);
    const seen = new Set<string>();
    for (const group of ALL_TOOL_GROUPS) {
      expect(TOOL_GROUP_DESCRIPTIONS[group]).toMatch(/\w/);
      for (const tool of registry.toolsOfGroup(group)) {
        expect(seen.has(tool)).toBe(false);
        seen.add(tool);
        expect(registry.groupOf(tool)).toBe(group);
      }
    }
    expect(seen.size).toBe(38);
    expect(registry.toolsOfGroup('github')).toEqual(['search_github_repo']);
    expect(registry.toolsOfGroup('diagnostics')).toEqual(['get_problems']);
    expect(registry.toolsOfGroup('kernel-run')).toEqual(['run_scratch']);
    // The query tools belong to kernel-inspect, read off their definitions (the static catalogue lacked them).
    expect(registry.toolsOfGroup('kernel-inspect')).toEqual([
      'list_variables',
      'inspect_variable',
      'explain_query',
      'propose_query_rewrite',
      'verify_query_rewrite',
      'list_tables',
      'describe_table',
      'run_query'
    ]);
    expect(toolsOfGroups(['packages', 'changes'], registry)).toEqual(
      new Set(['install_packages', 'list_packages', 'list_changes'])
    );
  });

  it('knows only the tools of the registry it is given', () => {
    const empty = new ToolRegistry();
    expect(resolveIn(['codebase'], empty)).toEqual({
      groups: new Set(),
      tools: new Set(),
      unavailable: ['codebase']
    });
    expect(resolveIn(null, empty).tools.size).toBe(0);
  });

  it('maps only to known groups, with lower-case keys', () => {
    for (const [name, groups] of Object.entries(VSCODE_TOOL_MAP)) {
      expect(name).toBe(name.toLowerCase());
      groups.forEach(group => expect(ALL_TOOL_GROUPS).toContain(group));
    }
  });
});

describe('resolveTools', () => {
  it.each<[string, ToolGroup[]]>([
    ['codebase', ['files-read', 'files-search']],
    ['usages', ['files-search']],
    ['editFiles', ['files-edit', 'notebook-edit']],
    ['runCommands', ['terminal', 'packages']],
    ['runInTerminal', ['terminal']],
    ['terminalLastCommand', ['terminal']],
    ['getTerminalOutput', ['terminal']],
    ['runTasks', ['tasks']],
    ['runTask', ['tasks']],
    ['getTaskOutput', ['tasks', 'terminal']],
    ['problems', ['notebook-read', 'diagnostics']],
    ['githubRepo', ['github']],
    ['changes', ['changes']],
    ['findTestFiles', ['files-search', 'files-read']],
    ['search', ['files-search', 'files-read']],
    [
      'runNotebooks',
      [
        'notebook-read',
        'notebook-edit',
        'notebook-run',
        'kernel-inspect',
        'kernel-run'
      ]
    ],
    ['read', ['files-read', 'notebook-read', 'kernel-inspect']],
    ['edit', ['files-edit', 'notebook-edit']],
    ['execute', ['notebook-run', 'kernel-run', 'packages']]
  ])('maps %s', (name, groups) => {
    expect(groupsOf(name)).toEqual(sorted(...groups));
    expect(resolveTools([name]).unavailable).toEqual([]);
  });

  it.each([
    'vscodeAPI',
    'fetch',
    'web',
    'todos',
    'new',
    'extensions',
    'openSimpleBrowser',
    'terminalSelection',
    'testFailure'
  ])('reports %s as not available', name => {
    expect(resolveTools([name])).toEqual({
      groups: new Set(),
      tools: new Set(),
      unavailable: [name]
    });
  });

  it('is case-insensitive', () => {
    expect(groupsOf('EDITFILES')).toEqual(groupsOf('editFiles'));
    expect(groupsOf('RunNotebooks')).toEqual(groupsOf('runNotebooks'));
  });

  it('resolves namespaced names by full name, else last segment, else first', () => {
    expect(groupsOf('edit/editFiles')).toEqual(
      sorted('files-edit', 'notebook-edit')
    );
    expect(groupsOf('search/codebase')).toEqual(
      sorted('files-read', 'files-search')
    );
    expect(groupsOf('search/usages')).toEqual(['files-search']);
    // "terminal" is no VS Code name (it is a group name here only as a whole name): the first segment decides.
    expect(groupsOf('runCommands/terminal')).toEqual(
      sorted('packages', 'terminal')
    );
    expect(groupsOf('runNotebooks/someNewTool')).toEqual(
      groupsOf('runNotebooks')
    );
    // A known last segment wins over the first, even when it grants nothing.
    expect(groupsOf('runCommands/terminalLastCommand')).toEqual(['terminal']);
    expect(resolveTools(['runCommands/terminalSelection']).unavailable).toEqual(
      ['runCommands/terminalSelection']
    );
    expect(resolveTools(['execute/testFailure']).groups.size).toBe(0);
    expect(groupsOf('read/problems')).toEqual(
      sorted('notebook-read', 'diagnostics')
    );
  });

  it('collects names with no equivalent, once each, without failing', () => {
    const result = resolveTools([
      'codebase',
      'vscodeAPI',
      'myMcpServer/*',
      'vscodeAPI',
      ' ',
      'madeUp',
      'mcp'
    ]);
    expect([...result.groups].sort()).toEqual(
      sorted('files-read', 'files-search')
    );
    expect(result.unavailable).toEqual([
      'vscodeAPI',
      'myMcpServer/*',
      'madeUp'
    ]);
  });

  it('grants the tool names of the groups', () => {
    const result = resolveTools(['usages', 'problems']);
    expect(result.tools).toEqual(
      new Set([
        ...registry.toolsOfGroup('files-search'),
        ...registry.toolsOfGroup('notebook-read'),
        'get_problems'
      ])
    );
  });

  it("accepts this extension's own group and tool names", () => {
    const result = resolveTools(['kernel-inspect', 'run_cell', '#read_file']);
    expect([...result.groups]).toEqual(['kernel-inspect']);
    expect(result.tools).toEqual(
      new Set([
        'list_variables',
        'inspect_variable',
        'explain_query',
        'propose_query_rewrite',
        'verify_query_rewrite',
        'list_tables',
        'describe_table',
        'run_query',
        'run_cell',
        'read_file'
      ])
    );
    expect(result.unavailable).toEqual([]);
  });

  it('grants everything for null or undefined, nothing for []', () => {
    for (const names of [null, undefined]) {
      const result = resolveTools(names);
      expect(result.groups).toEqual(new Set(ALL_TOOL_GROUPS));
      expect(result.tools.size).toBe(38);
      expect(result.unavailable).toEqual([]);
    }
    expect(resolveTools([])).toEqual({
      groups: new Set(),
      tools: new Set(),
      unavailable: []
    });
  });

  it("maps the seed chat mode's list", () => {
    const seed = [
      'codebase',
      'usages',
      'editFiles',
      'runCommands',
      'runTasks',
      'problems',
      'changes',
      'findTestFiles',
      'githubRepo',
      'search',
      'vscodeAPI',
      'runNotebooks'
    ];
    const result = resolveTools(seed);
    expect(result.groups).toEqual(new Set(ALL_TOOL_GROUPS));
    expect(result.unavailable).toEqual(['vscodeAPI']);
  });
});
