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
}

/** The server refused a hidden path (`ContentsManager.allow_hidden` is False). */
export class HiddenPathRefusedError extends Error {
  readonly hiddenRefused = true;

  constructor(readonly path: string, message?: string) {
    super(message ?? `The server refuses hidden path ${path}`);
    this.name = 'HiddenPathRefusedError';
  }
}

/** A workspace folder searched for persona files. */
export interface IWorkspaceFolder {
  path: string;
  /** File-name ending a persona file in this folder must have. */
  suffix: string;
}

/**
 * Where workspace personas live, lowest precedence first: when two files
 * share an id, the later folder wins.
 */
export const WORKSPACE_PERSONA_FOLDERS: readonly IWorkspaceFolder[] = [
  { path: '.github/chatmodes', suffix: '.chatmode.md' },
  { path: '.github/agents', suffix: '.agent.md' },
  { path: '.jupyter/personas', suffix: '.md' }
];

/** True for a refusal of a hidden path (the error class or any error marked `hiddenRefused`). */
export function isHiddenRefusal(error: unknown): boolean {
  const marked = (error as { hiddenRefused?: unknown } | null)?.hiddenRefused === true;
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
