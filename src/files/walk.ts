import { minimatchNow } from '../contents/globs';
import { keepInsideRoot } from './access';
import { FileToolError, plural, throwIfAborted } from './common';
import type { IContentsEntry } from './contentsFiles';
import { isInside, joinPath } from './paths';
import type { FilesService } from './service';

/**
 * Walking folders through the contents API, bounded in entries and time,
 * without entering folders that hold no project files (checkpoints,
 * dependencies, virtual environments, caches, .git, the snapshots).
 */

/** Folder names never entered, with why. */
const SKIPPED_FOLDERS: Record<string, string> = {
  '.ipynb_checkpoints': 'checkpoints',
  node_modules: 'dependencies',
  '.git': 'version control',
  '.hg': 'version control',
  '.svn': 'version control',
  __pycache__: 'cache',
  '.mypy_cache': 'cache',
  '.pytest_cache': 'cache',
  '.ruff_cache': 'cache',
  '.tox': 'test environments',
  '.nox': 'test environments',
  '.venv': 'virtual environment',
  venv: 'virtual environment',
  'site-packages': 'installed packages',
  'dist-packages': 'installed packages'
};

/** Why a folder is not entered, or null. Environments are recognised by what they contain. */
export function skipReason(
  folder: IContentsEntry,
  children?: IContentsEntry[]
): string | null {
  const reason = SKIPPED_FOLDERS[folder.name];
  if (reason) {
    return reason;
  }
  if (
    children?.some(
      child => child.type === 'file' && child.name === 'pyvenv.cfg'
    )
  ) {
    return 'virtual environment';
  }
  if (
    children?.some(
      child => child.type === 'directory' && child.name === 'conda-meta'
    )
  ) {
    return 'conda environment';
  }
  return null;
}

/** True for folders never shown at all (checkpoints). */
export function isInvisibleFolder(name: string): boolean {
  return name === '.ipynb_checkpoints';
}

export interface IWalkOptions {
  signal: AbortSignal;
  /** Stop at this time (service clock, ms). */
  deadline: number;
  /** Deepest folder level entered below the root (Infinity by default). */
  maxDepth?: number;
}

/** How a walk went. */
export interface IWalkStats {
  folders: number;
  entries: number;
  /** Why the walk stopped early, if it did. */
  stopped?: 'time' | 'entries';
  /** Folders not entered, with why ("node_modules (dependencies)"). */
  skipped: string[];
  /** Sub-folders that could not be listed. */
  unreadable: number;
  /** Sensitive files and folders left out (.env, keys, credentials…; see sensitive.ts). */
  sensitive: number;
  /** Entries left out because a symbolic link leads outside the server root. */
  outside: number;
}

export function newWalkStats(): IWalkStats {
  return {
    folders: 0,
    entries: 0,
    skipped: [],
    unreadable: 0,
    sensitive: 0,
    outside: 0
  };
}

/** "3 sensitive files or folders (.env, keys, credentials) were left out; …" or ''. */
export function excludedNote(stats: IWalkStats): string {
  const parts: string[] = [];
  if (stats.sensitive) {
    parts.push(
      `${plural(stats.sensitive, 'sensitive file or folder', 'sensitive files or folders')} (.env, keys, credentials, Jupyter runtime files…) left out; read one with read_file and the user is asked`
    );
  }
  if (stats.outside) {
    parts.push(
      `${plural(stats.outside, 'entry', 'entries')} left out: symbolic links leading outside the server root`
    );
  }
  return parts.length ? `(${parts.join('; ')}.)` : '';
}

function byName(a: IContentsEntry, b: IContentsEntry): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** The files under `root` (breadth first, by name). `stats` is filled as the walk goes. */
export async function* walkFiles(
  service: FilesService,
  root: string,
  options: IWalkOptions,
  stats: IWalkStats
): AsyncGenerator<IContentsEntry> {
  const maxDepth = options.maxDepth ?? Infinity;
  const queue: Array<{ path: string; depth: number; entry?: IContentsEntry }> =
    [{ path: root, depth: 0 }];
  while (queue.length) {
    throwIfAborted(options.signal);
    if (service.now() > options.deadline) {
      stats.stopped = 'time';
      return;
    }
    const folder = queue.shift()!;
    let children: IContentsEntry[];
    try {
      children = await service.files.list(folder.path);
    } catch (error) {
      if (folder.depth === 0 || !(error instanceof FileToolError)) {
        throw error;
      }
      stats.unreadable++;
      continue;
    }
    if (folder.entry) {
      const reason = skipReason(folder.entry, children);
      if (reason) {
        stats.skipped.push(`${folder.path} (${reason})`);
        continue;
      }
    }
    stats.folders++;
    stats.entries += children.length;
    const visible = children.filter(child => {
      if (child.type === 'directory' && isInvisibleFolder(child.name)) {
        return false;
      }
      if (service.sensitive.check(child.path, 'read')) {
        stats.sensitive++;
        return false;
      }
      return true;
    });
    let inside: IContentsEntry[];
    try {
      const checked = await keepInsideRoot(service, visible);
      inside = checked.kept;
      stats.outside += checked.outside;
    } catch (error) {
      throw new FileToolError(
        `Could not check symbolic links in ${folder.path || 'the server root'} (${error instanceof Error ? error.message : String(error)}); nothing there was read. Try again.`
      );
    }
    for (const child of [...inside].sort(byName)) {
      if (child.type === 'directory') {
        if (
          isInvisibleFolder(child.name) ||
          service.excludeFolders.some(excluded =>
            isInside(child.path, excluded)
          )
        ) {
          continue;
        }
        const reason = skipReason(child);
        if (reason) {
          stats.skipped.push(`${child.path} (${reason})`);
        } else if (folder.depth + 1 <= maxDepth) {
          queue.push({
            path: child.path,
            depth: folder.depth + 1,
            entry: child
          });
        }
      } else {
        yield child;
      }
    }
    if (stats.entries >= service.limits.walkMaxEntries) {
      stats.stopped = 'entries';
      return;
    }
  }
}

const GLOB_MAGIC = /[*?[\]{}()!+@]/;

/** A glob split into the literal folder it starts with and the pattern below it. */
export interface ISplitGlob {
  /** Leading literal segments ('' for none), to resolve like a path. */
  folder: string;
  /** The rest, matched against paths relative to `folder`. */
  pattern: string;
  /** No '/' in the glob: match file names anywhere below. */
  matchBase: boolean;
}

export function splitGlob(glob: string): ISplitGlob {
  const trimmed = glob.trim();
  if (!trimmed.includes('/')) {
    return { folder: '', pattern: trimmed, matchBase: true };
  }
  const segments = trimmed.split('/');
  let literal = 0;
  while (literal < segments.length - 1 && !GLOB_MAGIC.test(segments[literal])) {
    literal++;
  }
  return {
    folder: segments.slice(0, literal).join('/'),
    pattern: segments.slice(literal).join('/'),
    matchBase: false
  };
}

/** A test of a path relative to the walked folder. */
export function globMatcher(
  pattern: string,
  matchBase: boolean
): (relativePath: string) => boolean {
  // Loaded with the file tools (they load minimatch before they are offered).
  const { minimatch } = minimatchNow();
  return relativePath =>
    minimatch(relativePath, pattern, { dot: true, matchBase });
}

/** Folder levels a pattern can reach (Infinity with '**'). */
export function depthOf(pattern: string, matchBase: boolean): number {
  return matchBase || pattern.includes('**')
    ? Infinity
    : pattern.split('/').length - 1;
}

/** The path of `path` relative to the walked `root`. */
export function relativeToRoot(path: string, root: string): string {
  return root ? path.slice(root.length + 1) : path;
}

/** "Skipped: node_modules (dependencies), .venv (virtual environment)." */
export function skippedNote(
  stats: IWalkStats,
  show: (path: string) => string
): string {
  if (!stats.skipped.length) {
    return '';
  }
  const shown = stats.skipped.slice(0, 5).map(item => {
    const cut = item.lastIndexOf(' (');
    return show(item.slice(0, cut)) + item.slice(cut);
  });
  const more =
    stats.skipped.length > 5 ? ` and ${stats.skipped.length - 5} more` : '';
  return `Not searched: ${shown.join(', ')}${more}.`;
}

/** Join a folder and a glob's literal folder into a path for `resolve`. */
export function globFolder(path: string | undefined, glob: ISplitGlob): string {
  return joinPath(path?.trim() ?? '', glob.folder);
}
