import { loadMinimatch } from '../contents/globs';
import { normalizeServerPath } from './paths';
import { resolvePath } from './paths';
import type { IRootCheck } from '../contents/rootCheck';
import type { SensitivePaths } from './sensitive';
import type { IChangeRecord } from './snapshots';

/** What the checks need of the files service. */
export interface IUndoCheckContext {
  readonly limits: { readonly snapshotMaxBytes: number };
  readonly sensitive: SensitivePaths;
  readonly rootCheck: IRootCheck | null;
}
type FilesService = IUndoCheckContext;

/**
 * Change records come back from disk (the snapshot folder), where anything
 * able to write a file could have put them. Before Undo writes anything,
 * every record it would act on is checked: a normalised path inside the
 * server root, not a protected path (chats, snapshots, Jupyter's runtime),
 * no symlink out of the root, content within the snapshot size limit, and a
 * shape that fits its kind.
 */

/** Characters of content a record may hold (base64 is a third larger than the bytes). */
function maxChars(service: FilesService, record: IChangeRecord): number {
  const bytes = service.limits.snapshotMaxBytes;
  return record.encoding === 'base64' ? Math.ceil((bytes * 4) / 3) + 4 : bytes;
}

function pathProblem(
  service: FilesService,
  path: unknown,
  label: string
): string | null {
  if (typeof path !== 'string' || !path) {
    return `its ${label} is missing`;
  }
  let resolved: string;
  try {
    resolved = resolvePath(path, '');
  } catch (error) {
    return `its ${label} "${path}" is not a path inside the server root`;
  }
  if (!resolved || resolved !== path || normalizeServerPath(path) !== path) {
    return `its ${label} "${path}" is not a normalised server path`;
  }
  const match = service.sensitive.check(path, 'write');
  if (match?.level === 'refuse') {
    return `its ${label} ${path} is protected (${match.what})`;
  }
  return null;
}

/** Why a record must not be undone, or null when it may. */
export function recordProblem(
  service: FilesService,
  record: IChangeRecord
): string | null {
  const problems: string[] = [];
  const path = pathProblem(service, record.path, 'path');
  if (path) {
    problems.push(path);
  }
  if (record.kind === 'rename') {
    const old = pathProblem(service, record.oldPath, 'original path');
    if (old) {
      problems.push(old);
    }
  }
  for (const key of ['before', 'after'] as const) {
    const value = record[key];
    if (value !== null && value !== undefined && typeof value !== 'string') {
      problems.push(`its "${key}" content is not text`);
    } else if (
      typeof value === 'string' &&
      value.length > maxChars(service, record)
    ) {
      problems.push(
        `its "${key}" content is larger than undo snapshots may be (${Math.round(service.limits.snapshotMaxBytes / 1024 / 1024)} MB)`
      );
    }
  }
  if (
    record.encoding !== undefined &&
    record.encoding !== 'text' &&
    record.encoding !== 'base64'
  ) {
    problems.push('its encoding is unknown');
  }
  if (
    (record.kind === 'edit' || record.kind === 'write') &&
    typeof record.before !== 'string'
  ) {
    problems.push('it has no content to restore');
  }
  if (record.kind === 'delete' && typeof record.before !== 'string') {
    problems.push('it has no copy of the deleted file');
  }
  return problems.length ? problems.join('; ') : null;
}

/**
 * The problems of `records` by id (an empty map when all may be undone),
 * the symlink check included (one request for all paths).
 */
export async function validateRecords(
  service: FilesService,
  records: readonly IChangeRecord[]
): Promise<Map<string, string>> {
  // The sensitive-path rules are globs: minimatch (a lazy chunk) first.
  await loadMinimatch();
  const problems = new Map<string, string>();
  for (const record of records) {
    const problem = recordProblem(service, record);
    if (problem) {
      problems.set(record.id, problem);
    }
  }
  const check = service.rootCheck;
  const clean = records.filter(record => !problems.has(record.id));
  if (check && clean.length) {
    let outside: Set<string>;
    try {
      outside = await check.outside(
        clean.flatMap(record =>
          record.oldPath ? [record.path, record.oldPath] : [record.path]
        )
      );
    } catch (error) {
      for (const record of clean) {
        problems.set(
          record.id,
          `the server's symlink check failed (${error instanceof Error ? error.message : String(error)})`
        );
      }
      return problems;
    }
    for (const record of clean) {
      const bad = [record.path, record.oldPath].find(
        path => path && outside.has(path)
      );
      if (bad) {
        problems.set(
          record.id,
          `${bad} leads outside the server root through a symbolic link`
        );
      }
    }
  }
  return problems;
}
