/**
 * Server paths, as the contents API uses them: relative to the server root,
 * '/'-separated, no leading slash, '' for the root. The one normaliser the
 * file tools, the notebook tools and the test fake share.
 */

/** The non-empty, non-'.' segments of a path. */
export function segmentsOf(path: string): string[] {
  return path.split('/').filter(segment => segment !== '' && segment !== '.');
}

/** Normalise a trusted server path (e.g. the notebook's folder): '/'-separated, no leading slash, '..' clamped at the root. */
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
  return segmentsOf(path).some(
    segment => segment.startsWith('.') && segment !== '..'
  );
}

/** True when `path` is `folder` or inside it. */
export function isInside(path: string, folder: string): boolean {
  return !folder || path === folder || path.startsWith(`${folder}/`);
}
