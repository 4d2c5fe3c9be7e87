/**
 * The tool groups: sets of related tools a persona can be given. Each tool
 * names its group (`ITool.group`); the persona side maps the names persona
 * files use onto these groups.
 */

/** The groups this extension's own tools belong to. */
export type BuiltinToolGroup =
  | 'notebook-read'
  | 'notebook-edit'
  | 'notebook-run'
  | 'kernel-inspect'
  | 'kernel-run'
  | 'packages'
  | 'files-read'
  | 'files-search'
  | 'files-edit'
  | 'changes'
  | 'terminal'
  | 'tasks'
  | 'diagnostics'
  | 'github';

/**
 * A set of related tools a persona can be given: a built-in group, or one a
 * tool family from another extension declares (`IToolFamilyContents.groups`).
 */
export type ToolGroup = BuiltinToolGroup | (string & {});

/** What each group is for, in display order. */
export const TOOL_GROUP_DESCRIPTIONS: Readonly<
  Record<BuiltinToolGroup, string>
> = {
  'notebook-read': 'Read open notebooks: summary, cells and outputs',
  'notebook-edit': 'Insert, edit and delete notebook cells; create notebooks',
  'notebook-run': 'Run notebook cells and restart the kernel',
  'kernel-inspect':
    'List and inspect variables in the kernel without side effects',
  'kernel-run': 'Run scratch code in the kernel, outside the notebook',
  packages: 'List and install Python packages in the kernel environment',
  'files-read': 'List folders, read files and find files by name',
  'files-search': 'Search file contents and find usages of a name',
  'files-edit': 'Write, edit, rename and delete files',
  changes: 'List the changes made in this chat',
  terminal: "Run shell commands in the chat's terminal and read its output",
  tasks:
    'List and run the workspace tasks (.vscode/tasks.json, Makefile targets)',
  diagnostics:
    'Diagnostics of notebooks and files: lint findings (ruff) and SQL syntax errors',
  github:
    "Search a GitHub repository's code (downloaded by the server after you allow it)"
};

/** All group names, in display order. */
export const ALL_TOOL_GROUPS = Object.keys(
  TOOL_GROUP_DESCRIPTIONS
) as BuiltinToolGroup[];
