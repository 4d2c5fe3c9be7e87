import { normalizeServerPath, segmentsOf } from '../contents/paths';
import { FileToolError } from './common';

export {
  basename,
  dirname,
  extname,
  isHiddenPath,
  isInside,
  joinPath,
  normalizeServerPath
} from '../contents/paths';

/**
 * Paths the model gives the file tools: resolved against a base folder (the
 * active notebook's) into server paths (see contents/paths.ts), never
 * leaving the server root.
 */

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
    throw new FileToolError(
      `"${input}" contains a backslash. Use forward slashes (/) to separate folders.`
    );
  }
  if (ENCODED_SEPARATOR.test(path)) {
    throw new FileToolError(
      `"${input}" contains a URL-encoded dot, slash or NUL (%2e, %2f, %5c, %00). Pass the plain path, e.g. "data/raw.csv".`
    );
  }
  if (
    path.startsWith('/') ||
    /^[A-Za-z]:/.test(path) ||
    /^[A-Za-z][\w+.-]*:\/\//.test(path) ||
    /^~(\/|$)/.test(path)
  ) {
    throw new FileToolError(
      `"${input}" is an absolute path. Use a path relative to the active notebook's folder (or to the server root when no notebook is active); "../" goes up a folder.`
    );
  }
  const base = normalizeServerPath(baseDir);
  const resolved = collapse([...segmentsOf(base), ...segmentsOf(path)]);
  if (!resolved) {
    throw new FileToolError(
      `"${input}" points outside the server root, which the file tools cannot reach.`
    );
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
  while (
    common < target.length &&
    common < base.length &&
    target[common] === base[common]
  ) {
    common++;
  }
  const parts = [
    ...base.slice(common).map(() => '..'),
    ...target.slice(common)
  ];
  return parts.length ? parts.join('/') : '.';
}

const EXTENSION_LANGUAGES: Record<string, string> = {
  py: 'python',
  ipynb: 'json',
  sql: 'sql',
  json: 'json',
  yaml: 'yaml',
  yml: 'yaml',
  toml: 'toml',
  md: 'markdown',
  sh: 'bash',
  bash: 'bash',
  r: 'r',
  js: 'javascript',
  ts: 'typescript',
  csv: 'csv',
  html: 'html',
  css: 'css',
  txt: 'text',
  cfg: 'ini',
  ini: 'ini'
};

/** The highlighting language of a file, from its extension ("text" when unknown). */
export function languageOfPath(path: string | undefined): string {
  const ext = /\.([A-Za-z0-9]+)$/.exec(path ?? '')?.[1]?.toLowerCase();
  return (ext && EXTENSION_LANGUAGES[ext]) || 'text';
}
