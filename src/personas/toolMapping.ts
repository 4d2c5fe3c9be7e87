/**
 * The tool groups of this extension and how VS Code tool names in persona
 * files map onto them. Persona files written for VS Code name VS Code's tools
 * (`codebase`, `editFiles`, `runCommands`, ...); here those names select
 * groups of JupyterLab tools, and names with no equivalent are reported as
 * "not available in JupyterLab", never as an error.
 */

/** A set of related tools a persona can be given. */
export type ToolGroup =
  | 'notebook-read'
  | 'notebook-edit'
  | 'notebook-run'
  | 'kernel-inspect'
  | 'kernel-run'
  | 'packages'
  | 'files-read'
  | 'files-search'
  | 'files-edit'
  | 'changes';

/** What a group is for, and the names of its tools. */
export interface IToolGroupInfo {
  readonly description: string;
  readonly tools: readonly string[];
}

/** Every tool group, with a one-line description and its tool names. */
export const TOOL_GROUPS: Readonly<Record<ToolGroup, IToolGroupInfo>> = {
  'notebook-read': {
    description: 'Read open notebooks: summary, cells and outputs',
    tools: ['get_notebook_summary', 'read_cell', 'list_open_notebooks']
  },
  'notebook-edit': {
    description: 'Insert, edit and delete notebook cells; create notebooks',
    tools: ['insert_cell', 'edit_cell', 'delete_cell', 'create_notebook']
  },
  'notebook-run': {
    description: 'Run notebook cells and restart the kernel',
    tools: ['run_cell', 'run_all_cells', 'restart_kernel']
  },
  'kernel-inspect': {
    description: 'List and inspect variables in the kernel without side effects',
    tools: ['list_variables', 'inspect_variable']
  },
  'kernel-run': {
    description: 'Run scratch code in the kernel, outside the notebook',
    tools: ['run_scratch']
  },
  packages: {
    description: 'List and install Python packages in the kernel environment',
    tools: ['install_packages', 'list_packages']
  },
  'files-read': {
    description: 'List folders, read files and find files by name',
    tools: ['list_directory', 'read_file', 'find_files']
  },
  'files-search': {
    description: 'Search file contents and find usages of a name',
    tools: ['search_files', 'find_usages']
  },
  'files-edit': {
    description: 'Write, edit, rename and delete files',
    tools: ['write_file', 'edit_file', 'rename_file', 'delete_file']
  },
  changes: {
    description: 'List the changes made in this chat',
    tools: ['list_changes']
  }
};

/** All group names, in display order. */
export const ALL_TOOL_GROUPS = Object.keys(TOOL_GROUPS) as ToolGroup[];

/**
 * VS Code tool name (lower-case) -> the groups it grants here. An empty list
 * means the name is known but has no JupyterLab equivalent. Specific tool
 * names are listed so a namespaced name such as `runCommands/terminalLastCommand`
 * stops at its last segment instead of falling back to its first.
 */
export const VSCODE_TOOL_MAP: Readonly<Record<string, readonly ToolGroup[]>> = {
  // Tool sets of chat modes (VS Code 1.10x)
  codebase: ['files-read', 'files-search'],
  usages: ['files-search'],
  editfiles: ['files-edit', 'notebook-edit'],
  // No terminal here: the commands data engineers run are pip installs.
  runcommands: ['packages'],
  runtasks: [],
  // Errors show in the notebook itself.
  problems: ['notebook-read'],
  changes: ['changes'],
  findtestfiles: ['files-search', 'files-read'],
  githubrepo: [],
  search: ['files-search', 'files-read'],
  vscodeapi: [],
  runnotebooks: ['notebook-read', 'notebook-edit', 'notebook-run', 'kernel-inspect', 'kernel-run'],
  // Tool sets of custom agents (VS Code 1.106+)
  read: ['files-read', 'notebook-read', 'kernel-inspect'],
  edit: ['files-edit', 'notebook-edit'],
  execute: ['notebook-run', 'kernel-run', 'packages'],
  // Single tools that appear inside namespaced names
  readfile: ['files-read'],
  listdirectory: ['files-read'],
  filesearch: ['files-read'],
  textsearch: ['files-search'],
  createfile: ['files-edit'],
  createdirectory: ['files-edit'],
  editnotebook: ['notebook-edit'],
  newjupyternotebook: ['notebook-edit'],
  getnotebooksummary: ['notebook-read'],
  readnotebookcelloutput: ['notebook-read'],
  runnotebookcell: ['notebook-run'],
  runcell: ['notebook-run'],
  runinterminal: ['packages'],
  // Known, with nothing equivalent in JupyterLab
  fetch: [],
  web: [],
  todos: [],
  todo: [],
  agent: [],
  runsubagent: [],
  new: [],
  newworkspace: [],
  extensions: [],
  installextension: [],
  opensimplebrowser: [],
  terminallastcommand: [],
  terminalselection: [],
  getterminaloutput: [],
  testfailure: [],
  searchresults: [],
  selection: [],
  runtask: [],
  gettaskoutput: [],
  runvscodecommand: [],
  getprojectsetupinfo: [],
  vscode: []
};

/** Tools a persona may use, resolved from the names in its `tools` list. */
export interface IResolvedTools {
  groups: Set<ToolGroup>;
  /** Names of the individual tools granted. */
  tools: Set<string>;
  /** Names with no equivalent here, as written; show as "not available in JupyterLab". */
  unavailable: string[];
}

const GROUP_OF_TOOL = new Map<string, ToolGroup>(
  ALL_TOOL_GROUPS.flatMap(group => TOOL_GROUPS[group].tools.map(tool => [tool, group] as [string, ToolGroup]))
);

/** The tool names of the given groups. */
export function toolsOfGroups(groups: Iterable<ToolGroup>): Set<string> {
  const tools = new Set<string>();
  for (const group of groups) {
    TOOL_GROUPS[group].tools.forEach(tool => tools.add(tool));
  }
  return tools;
}

/** The group a tool of this extension belongs to, if it is one. */
export function groupOfTool(tool: string): ToolGroup | undefined {
  return GROUP_OF_TOOL.get(tool);
}

function isToolGroup(name: string): name is ToolGroup {
  return Object.prototype.hasOwnProperty.call(TOOL_GROUPS, name);
}

function lookUp(name: string): readonly ToolGroup[] | undefined {
  return Object.prototype.hasOwnProperty.call(VSCODE_TOOL_MAP, name) ? VSCODE_TOOL_MAP[name] : undefined;
}

/**
 * What one name grants: VS Code names through the table (full name, else last
 * segment, else first segment of `a/b`), or this extension's own group and
 * tool names. Undefined when the name is unknown.
 */
function resolveName(raw: string): { groups: readonly ToolGroup[]; tools: readonly string[] } | undefined {
  const name = raw.trim().replace(/^#/, '').toLowerCase();
  if (isToolGroup(name)) {
    return { groups: [name], tools: TOOL_GROUPS[name].tools };
  }
  if (GROUP_OF_TOOL.has(name)) {
    return { groups: [], tools: [name] };
  }
  const segments = name.split('/').filter(Boolean);
  const candidates = [name, segments[segments.length - 1], segments[0]];
  for (const candidate of candidates) {
    const groups = candidate === undefined ? undefined : lookUp(candidate);
    if (groups) {
      return { groups, tools: [...toolsOfGroups(groups)] };
    }
  }
  return undefined;
}

/**
 * Resolve a persona's `tools` list. null/undefined (no `tools:` key) grants
 * every group; names with no equivalent land in `unavailable`.
 */
export function resolveTools(names: readonly string[] | null | undefined): IResolvedTools {
  if (names === null || names === undefined) {
    return { groups: new Set(ALL_TOOL_GROUPS), tools: toolsOfGroups(ALL_TOOL_GROUPS), unavailable: [] };
  }
  const result: IResolvedTools = { groups: new Set(), tools: new Set(), unavailable: [] };
  for (const name of names) {
    const resolved = resolveName(name);
    if (!resolved || resolved.tools.length === 0) {
      if (name.trim() && !result.unavailable.includes(name.trim())) {
        result.unavailable.push(name.trim());
      }
      continue;
    }
    resolved.groups.forEach(group => result.groups.add(group));
    resolved.tools.forEach(tool => result.tools.add(tool));
  }
  return result;
}
