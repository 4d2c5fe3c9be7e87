import type { IContentsLike, IContentsModelLike } from '../contents/contents';
import { isNotFound } from '../contents/contents';
import { loadMinimatch } from '../contents/globs';
import type { IPathStat, IRootCheck } from '../contents/rootCheck';
import {
  IWorkspaceFileGuard,
  MAX_WORKSPACE_FILE_BYTES,
  sizeText
} from '../contents/workspaceFiles';
import { normalizeServerPath } from './paths';
import { DEFAULT_SENSITIVE_PATHS, SensitivePaths } from './sensitive';

export interface IWorkspaceFileGuardOptions {
  /** The server's symlink check (null: a contents manager without links, or a test fake). */
  rootCheck: IRootCheck | null;
  /** For sizes and kinds when the server cannot describe paths (no local root). */
  contents: IContentsLike;
  /** The sensitive-path rules in force (default: the built-in ones). */
  sensitive?: () => SensitivePaths;
  /** Largest file read (default MAX_WORKSPACE_FILE_BYTES). */
  maxBytes?: number;
}

/**
 * The file tools' rules for the workspace files the chat reads before any
 * click (see contents/workspaceFiles.ts): the same sensitive-path rules
 * (`SensitivePaths`, on the path and on a link's target; `ask` counts as a
 * refusal since nobody is asked) and the same symlink check, plus the kind
 * and real size of the file, all from one request to the server.
 */
export function createWorkspaceFileGuard(
  options: IWorkspaceFileGuardOptions
): IWorkspaceFileGuard {
  const maxBytes = options.maxBytes ?? MAX_WORKSPACE_FILE_BYTES;
  const rules = () => {
    try {
      return options.sensitive?.() ?? DEFAULT_SENSITIVE_PATHS;
    } catch {
      return DEFAULT_SENSITIVE_PATHS;
    }
  };
  const sensitiveReason = (path: string, target?: string): string | null => {
    const sensitive = rules();
    const own = sensitive.check(normalizeServerPath(path), 'read');
    if (own) {
      return `not read: it is sensitive (${own.what})`;
    }
    if (target) {
      const linked = sensitive.check(normalizeServerPath(target), 'read');
      if (linked) {
        return `not read: it is a symbolic link to ${target}, which is sensitive (${linked.what})`;
      }
    }
    return null;
  };
  const statReason = (info: IPathStat | undefined): string | null => {
    if (!info || info.kind === 'missing') {
      return null; // the loader finds it missing itself
    }
    if (info.kind !== 'file') {
      return info.kind === 'dir'
        ? 'not read: it is a folder, not a file'
        : 'not read: it is not a regular file (a device, FIFO or socket)';
    }
    if (typeof info.size === 'number' && info.size > maxBytes) {
      return `not read: it is ${sizeText(info.size)}, over the ${sizeText(maxBytes)} limit for workspace files`;
    }
    return null;
  };
  const metadata = async (path: string): Promise<IPathStat> => {
    let model: IContentsModelLike;
    try {
      model = await options.contents.get(path, { content: false });
    } catch (error) {
      return { kind: isNotFound(error) ? 'missing' : 'file' };
    }
    return model.type === 'directory'
      ? { kind: 'dir' }
      : { kind: 'file', size: model.size ?? undefined };
  };
  return {
    async refused(paths: readonly string[]): Promise<Map<string, string>> {
      const out = new Map<string, string>();
      const wanted = [...new Set(paths.filter(Boolean))];
      if (!wanted.length) {
        return out;
      }
      // The server first (one request): where each path leads, what it is.
      // Missing files need no glob matching, so minimatch (a lazy chunk)
      // loads only when a file to check exists.
      let stats: Map<string, IPathStat> | null = null;
      const check = options.rootCheck;
      if (check) {
        try {
          if (check.describe) {
            const answer = await check.describe(wanted);
            for (const path of answer.outside) {
              out.set(
                path,
                'not read: it leads outside the server root through a symbolic link'
              );
            }
            stats = answer.checked ? answer.stat : null;
          } else {
            for (const path of await check.outside(wanted)) {
              out.set(
                path,
                'not read: it leads outside the server root through a symbolic link'
              );
            }
          }
        } catch (error) {
          const why = error instanceof Error ? error.message : String(error);
          wanted.forEach(path =>
            out.set(
              path,
              `not read: could not check where it leads (${why}); try again`
            )
          );
          return out;
        }
      }
      const present = wanted.filter(
        path => !out.has(path) && stats?.get(path)?.kind !== 'missing'
      );
      if (!present.length) {
        return out;
      }
      await loadMinimatch();
      for (const path of present) {
        const own = sensitiveReason(path);
        if (own) {
          out.set(path, own);
          continue;
        }
        const info = stats ? stats.get(path) : await metadata(path);
        const reason =
          statReason(info) ??
          (info?.target ? sensitiveReason(path, info.target) : null);
        if (reason) {
          out.set(path, reason);
        }
      }
      return out;
    }
  };
}
