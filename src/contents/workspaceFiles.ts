/**
 * Workspace files the chat reads on its own, before any click: instruction
 * files, persona files, prompt files, `.vscode/tasks.json` and the Makefile.
 * A cloned repository controls them, so each is read only when it is a
 * regular file inside the server root (symlinks followed), of at most
 * `MAX_WORKSPACE_FILE_BYTES`, on no sensitive path (the file tools' rules,
 * for the path and for where a link leads). The loaders take a guard of this
 * shape; the files feature builds it (`createWorkspaceFileGuard`).
 */

/** Workspace files above this are not read (the server refuses `.vscode/mcp.json` above it too). */
export const MAX_WORKSPACE_FILE_BYTES = 1024 * 1024;

/** The guard's name among the tools' services (`IToolContext.services`). */
export const WORKSPACE_FILES_SERVICE = 'workspaceFiles';

export interface IWorkspaceFileGuard {
  /**
   * The paths among `paths` that must not be read, each with the reason
   * ("not read: it leads outside the server root through a symbolic link").
   * Never rejects: when the check itself fails, every path is refused.
   */
  refused(paths: readonly string[]): Promise<Map<string, string>>;
}

/** "2.0 MiB", "12 KiB", "80 bytes". */
export function sizeText(bytes: number): string {
  if (bytes >= 1024 * 1024) {
    return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
  }
  if (bytes >= 1024) {
    return `${Math.round(bytes / 1024)} KiB`;
  }
  return `${bytes} bytes`;
}
