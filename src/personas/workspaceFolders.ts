/** One entry of a folder listing, as the Jupyter contents API gives it. */
export interface IPersonaFileEntry {
  name: string;
  path: string;
  /** 'file', 'directory' or 'notebook'. */
  type: string;
  /** Size in bytes, when the listing has it (lets big files be skipped unread). */
  size?: number | null;
}

/**
 * Read access to the workspace, implemented by the app with the contents API.
 * A folder that does not exist resolves to [] or rejects with a 404-like
 * error (`status`/`response.status` 404); a hidden folder the server refuses
 * rejects with HiddenPathRefusedError (or any error with `hiddenRefused = true`).
 */
export interface IPersonaContents {
  listDirectory(path: string): Promise<IPersonaFileEntry[]>;
  readFile(path: string): Promise<string>;
  /**
   * The files among `paths` that must not be read, with the reason: the file
   * tools' symlink and sensitive-path rules, not a regular file, over 1 MiB
   * (contents/workspaceFiles.ts). Absent: nothing is refused.
   */
  refused?(paths: readonly string[]): Promise<Map<string, string>>;
}

/** The server refused a hidden path (`ContentsManager.allow_hidden` is False). */
export class HiddenPathRefusedError extends Error {
  readonly hiddenRefused = true;

  constructor(
    readonly path: string,
    message?: string
  ) {
    super(message ?? `The server refuses hidden path ${path}`);
    this.name = 'HiddenPathRefusedError';
  }
}

/** A workspace folder searched for persona files. */
export interface IWorkspaceFolder {
  path: string;
  /** File-name ending a persona file in this folder must have. */
  suffix: string;
  /** How its files are written; default 'vscode'. */
  format?: 'vscode' | 'claude';
}

/**
 * Where workspace personas live, lowest precedence first: when two files
 * share an id, the later folder wins. VS Code reads any `.md` in
 * `.github/agents`; `.claude/agents` holds Claude Code's subagents.
 */
export const WORKSPACE_PERSONA_FOLDERS: readonly IWorkspaceFolder[] = [
  { path: '.github/chatmodes', suffix: '.chatmode.md' },
  { path: '.github/agents', suffix: '.md' },
  { path: '.claude/agents', suffix: '.md', format: 'claude' },
  { path: '.jupyter/personas', suffix: '.md' }
];

/**
 * The folders searched: the built-in ones, then the user's extra folders
 * (the `agentFilesLocations` setting, like VS Code's `chat.agentFilesLocations`)
 * before `.jupyter/personas`, which stays the strongest. A folder ending in
 * `.claude/agents` is read in Claude's format.
 */
export function personaFolders(
  extra: readonly string[] = []
): IWorkspaceFolder[] {
  const known = new Set(WORKSPACE_PERSONA_FOLDERS.map(folder => folder.path));
  const added: IWorkspaceFolder[] = [];
  for (const raw of extra) {
    const path = String(raw ?? '')
      .trim()
      .replace(/\\/g, '/')
      .replace(/^\.\/+/, '')
      .replace(/^\/+|\/+$/g, '');
    if (!path || path.split('/').includes('..') || known.has(path)) {
      continue;
    }
    known.add(path);
    added.push({
      path,
      suffix: '.md',
      ...(/(^|\/)\.claude\/agents$/.test(path)
        ? { format: 'claude' as const }
        : {})
    });
  }
  const last = WORKSPACE_PERSONA_FOLDERS.length - 1;
  return [
    ...WORKSPACE_PERSONA_FOLDERS.slice(0, last),
    ...added,
    WORKSPACE_PERSONA_FOLDERS[last]
  ];
}

/** True for a refusal of a hidden path (the error class or any error marked `hiddenRefused`). */
export function isHiddenRefusal(error: unknown): boolean {
  const marked =
    (error as { hiddenRefused?: unknown } | null)?.hiddenRefused === true;
  return error instanceof HiddenPathRefusedError || marked;
}

export { isNotFound } from '../contents/contents';

/** The hint shown when the server hides a workspace persona folder. */
export function hiddenFolderHint(folder: string): string {
  const top = folder.split('/')[0];
  return (
    `Workspace personas in ${top}/ are hidden from Jupyter: ` +
    'start the server with --ContentsManager.allow_hidden=True to use them'
  );
}
