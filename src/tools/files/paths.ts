import { FileToolError } from './common';

/**
 * Paths as the file tools see them: server paths relative to the server
 * root, '/'-separated, no leading slash, '' for the root. What the model
 * passes is resolved against a base folder (the active notebook's) and must
 * never leave the server root.
 */

/** The non-empty, non-'.' segments of a path. */
function segmentsOf(path: string): string[] {
  return path.split('/').filter(segment => segment !== '' && segment !== '.');
}

/** Apply '..' to segments; null when it climbs above the root. */
function collapse(segments: string[]): string[] | null {
  const out: string[] = [];
  for (const segment of segments) {
    if (segment === '..') {
      if (!out.length) {
        return null;
      }
      out.pop();
    } else {
      out.push(segment);
    }
  }
  return out;
}

/** Normalise a trusted server path (e.g. the notebook's folder): no leading slash, '..' clamped at the root. */
export function normalizeServerPath(path: string): string {
  const out: string[] = [];
  for (const segment of segmentsOf(path.replace(/\\/g, '/'))) {
    if (segment === '..') {
      out.pop();
    } else {
      out.push(segment);
    }
  }
  return out.join('/');
}

/** Encoded dots, slashes, backslashes or NUL (also double-encoded: %252e). */
const ENCODED_SEPARATOR = /%(?:25)*(?:2e|2f|5c|00)/i;

/**
 * Resolve a path given by the model against `baseDir` (a server path).
 * Returns the server path ('' for the root). Throws a FileToolError for
 * absolute paths, backslashes, NUL, URL-encoded separators and '..' that
 * climbs above the server root.
 */
export function resolvePath(input: string, baseDir = ''): string {
  if (typeof input !== 'string') {
    throw new FileToolError('The path must be a string.');
  }
  const path = input.trim();
  if (path.includes('\0')) {
    throw new FileToolError('The path contains a NUL character.');
  }
  if (path.includes('\\')) {
    throw new FileToolError(`"${input}" contains a backslash. Use forward slashes (/) to separate folders.`);
  }
  if (ENCODED_SEPARATOR.test(path)) {
    throw new FileToolError(
      `"${input}" contains a URL-encoded dot, slash or NUL (%2e, %2f, %5c, %00). Pass the plain path, e.g. "data/raw.csv".`
    );
  }
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path) || /^[A-Za-z][\w+.-]*:\/\//.test(path) || /^~(\/|$)/.test(path)) {
    throw new FileToolError(
      `"${input}" is an absolute path. Use a path relative to the active notebook's folder (or to the server root when no notebook is active); "../" goes up a folder.`
    );
  }
  const base = normalizeServerPath(baseDir);
  const resolved = collapse([...segmentsOf(base), ...segmentsOf(path)]);
  if (!resolved) {
    throw new FileToolError(`"${input}" points outside the server root, which the file tools cannot reach.`);
  }
  return resolved.join('/');
}

/**
 * How to write `path` for the model, relative to `baseDir` ('.' for the
 * folder itself, '../x' for paths outside it), so it can be passed back.
 */
export function displayPath(path: string, baseDir = ''): string {
  const target = segmentsOf(path);
  const base = segmentsOf(normalizeServerPath(baseDir));
  let common = 0;
  while (common < target.length && common < base.length && target[common] === base[common]) {
    common++;
  }
  const parts = [...base.slice(common).map(() => '..'), ...target.slice(common)];
  return parts.length ? parts.join('/') : '.';
}

/** The folder of a server path ('' for the root). */
export function dirname(path: string): string {
  const index = path.lastIndexOf('/');
  return index < 0 ? '' : path.slice(0, index);
}

/** The last segment of a path. */
export function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Join server path parts, skipping empty ones. */
export function joinPath(...parts: string[]): string {
  return parts.filter(Boolean).join('/');
}

/** The lower-case extension with its dot ('.py'), or ''. */
export function extname(path: string): string {
  const name = basename(path);
  const index = name.lastIndexOf('.');
  return index <= 0 ? '' : name.slice(index).toLowerCase();
}

/** True when a segment of the path starts with '.' (hidden for jupyter_server). */
export function isHiddenPath(path: string): boolean {
  return segmentsOf(path).some(segment => segment.startsWith('.') && segment !== '..');
}

/** True when `path` is `folder` or inside it. */
export function isInside(path: string, folder: string): boolean {
  return !folder || path === folder || path.startsWith(`${folder}/`);
}
