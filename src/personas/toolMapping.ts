/**
 * How VS Code tool names in persona files map onto this extension's tool
 * groups (which the tools declare themselves, see tools/groups.ts). Persona
 * files written for VS Code name VS Code's tools
 * (`codebase`, `editFiles`, `runCommands`, ...); here those names select
 * groups of JupyterLab tools, and names with no equivalent are reported as
 * "not available in JupyterLab", never as an error.
 */

import { ALL_TOOL_GROUPS, ToolGroup } from '../tools/groups';
import type { ToolRegistry } from '../tools/registry';
import type { ITool } from '../tools/types';

export { ALL_TOOL_GROUPS };
export type { ToolGroup };

/**
 * What resolving names needs from the tool registry: which tools each group
 * holds (read off the tools themselves, so query, ETL and MCP tools count
 * like any other) and the dynamic sources that answer for their own names.
 */
export type IToolCatalogue = Pick<
  ToolRegistry,
  'groupOf' | 'toolsOfGroup' | 'sources'
> &
  Partial<Pick<ToolRegistry, 'groups' | 'hasGroup'>>;

/**
 * VS Code tool name (lower-case) -> the groups it grants here. An empty list
 * means the name is known but has no JupyterLab equivalent. Specific tool
 * names are listed so a namespaced name such as `runCommands/terminalLastCommand`
 * stops at its last segment instead of falling back to its first.
 */
export const VSCODE_TOOL_MAP: Readonly<Record<string, readonly ToolGroup[]>> = {
  // Tool sets of chat modes (VS Code 1.10x)
  codebase: ['files-read', 'files-search'],
  // find_usages resolves Python names as symbols (jedi on the server) and falls back to text.
  usages: ['files-search'],
  editfiles: ['files-edit', 'notebook-edit'],
  // Shell commands and tasks run in the chat's Jupyter terminal; installs stay in `packages`.
  runcommands: ['terminal', 'packages'],
  runtasks: ['tasks'],
  // Lint and SQL syntax diagnostics (get_problems, src/codetools/); cell errors show in the notebook.
  problems: ['notebook-read', 'diagnostics'],
  changes: ['changes'],
  findtestfiles: ['files-search', 'files-read'],
  // search_github_repo (src/codetools/): the server downloads the repository once the user allows it.
  githubrepo: ['github'],
  search: ['files-search', 'files-read'],
  vscodeapi: [],
  runnotebooks: [
    'notebook-read',
    'notebook-edit',
    'notebook-run',
    'kernel-inspect',
    'kernel-run'
  ],
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
  runinterminal: ['terminal'],
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
  terminallastcommand: ['terminal'],
  terminalselection: [],
  getterminaloutput: ['terminal'],
  testfailure: [],
  searchresults: [],
  selection: [],
  runtask: ['tasks'],
  gettaskoutput: ['tasks', 'terminal'],
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

/** The tool names of the given groups. */
export function toolsOfGroups(
  groups: Iterable<ToolGroup>,
  catalogue: IToolCatalogue
): Set<string> {
  const tools = new Set<string>();
  for (const group of groups) {
    catalogue.toolsOfGroup(group).forEach(tool => tools.add(tool));
  }
  return tools;
}

function isToolGroup(name: string, catalogue: IToolCatalogue): boolean {
  return catalogue.hasGroup
    ? catalogue.hasGroup(name)
    : (ALL_TOOL_GROUPS as string[]).includes(name);
}

// Subagents: VS Code's `agent` / `runSubagent` (and Claude's `Task`) grant the delegation tool.
/** The tool that runs another persona as a subagent (see agent/subagent.ts). */
export const SUBAGENT_TOOL = 'run_subagent';
const SUBAGENT_NAMES = new Set(['agent', 'runsubagent', 'task', SUBAGENT_TOOL]);

function lookUp(name: string): readonly ToolGroup[] | undefined {
  return Object.prototype.hasOwnProperty.call(VSCODE_TOOL_MAP, name)
    ? VSCODE_TOOL_MAP[name]
    : undefined;
}

/**
 * What one name grants: VS Code names through the table (full name, else last
 * segment, else first segment of `a/b`), or this extension's own group and
 * tool names. Undefined when the name is unknown.
 */
function resolveName(
  raw: string,
  catalogue: IToolCatalogue
): { groups: readonly ToolGroup[]; tools: readonly string[] } | undefined {
  const name = raw.trim().replace(/^#/, '').toLowerCase();
  if (isToolGroup(name, catalogue)) {
    return { groups: [name], tools: catalogue.toolsOfGroup(name) };
  }
  if (catalogue.groupOf(name) !== undefined) {
    return { groups: [], tools: [name] };
  }
  const segments = name.split('/').filter(Boolean);
  const candidates = [name, segments[segments.length - 1], segments[0]];
  if (
    candidates.some(
      candidate => candidate !== undefined && SUBAGENT_NAMES.has(candidate)
    )
  ) {
    return { groups: [], tools: [SUBAGENT_TOOL] };
  }
  for (const candidate of candidates) {
    const groups = candidate === undefined ? undefined : lookUp(candidate);
    if (groups) {
      return { groups, tools: [...toolsOfGroups(groups, catalogue)] };
    }
  }
  return undefined;
}

/**
 * Resolve a persona's `tools` list against the registry's tools. null/undefined
 * (no `tools:` key) grants every group and the dynamic sources' default tools
 * (MCP: all); names with no equivalent land in `unavailable`. A list grants
 * only what it names: a dynamic source (MCP) answers for its own entries
 * (`<server>/*`, `<server>/<tool>`, a server's name, `mcp__<server>__<tool>`),
 * and a list that names none of them gets none of their tools (`tools: []`
 * offers nothing). A bare name this table or the registry knows (`search`,
 * `codebase`, a group) keeps its meaning even when an MCP server (say, one a
 * cloned repository configures) has that name.
 */
export function resolveTools(
  names: readonly string[] | null | undefined,
  catalogue: IToolCatalogue
): IResolvedTools {
  const sources = catalogue.sources.filter(
    source => source.toolsNamed || source.toolsByDefault
  );
  if (names === null || names === undefined) {
    const groups = catalogue.groups?.() ?? ALL_TOOL_GROUPS;
    const tools = toolsOfGroups(groups, catalogue);
    sources.forEach(source =>
      source.toolsByDefault?.().forEach(tool => tools.add(tool))
    );
    return { groups: new Set(groups), tools, unavailable: [] };
  }
  const result: IResolvedTools = {
    groups: new Set(),
    tools: new Set(),
    unavailable: []
  };
  for (const name of names) {
    const entry = name.trim();
    const own = resolveName(name, catalogue);
    const bare = !/[/]/.test(entry);
    const source =
      bare && own !== undefined
        ? undefined
        : sources.find(
            candidate => candidate.toolsNamed?.(entry) !== undefined
          );
    if (source) {
      source.toolsNamed!(entry)!.forEach(tool => result.tools.add(tool));
      continue;
    }
    if (!own || own.tools.length === 0) {
      // `mcp` (every MCP tool) is no VS Code name: with no MCP source loaded it grants nothing, quietly.
      if (
        entry &&
        entry.toLowerCase() !== 'mcp' &&
        !result.unavailable.includes(entry)
      ) {
        result.unavailable.push(entry);
      }
      continue;
    }
    own.groups.forEach(group => result.groups.add(group));
    own.tools.forEach(tool => result.tools.add(tool));
  }
  return result;
}

/** The tools of a registry a persona's `tools:` list grants (null: all), resolved through this table. */
export function toolsForPersona(
  registry: ToolRegistry,
  names: readonly string[] | null | undefined
): ITool[] {
  return registry.forPersona(names, list => resolveTools(list, registry));
}
