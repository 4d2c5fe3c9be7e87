import { loadDiff } from '../markdown/diff';
import { FileToolError, plural } from './common';

/**
 * Text helpers of the file tools: line endings, exact-match edits that keep
 * every byte outside the edited range, line numbering, change counts.
 */

export type Eol = '\n' | '\r\n';

/** The line ending most lines of the text use ('\n' when there are none). */
export function dominantEol(text: string): Eol {
  const crlf = (text.match(/\r\n/g) ?? []).length;
  const lf = (text.match(/\n/g) ?? []).length - crlf;
  return crlf > lf ? '\r\n' : '\n';
}

/** CRLF to LF. */
export function toLf(text: string): string {
  return text.replace(/\r\n/g, '\n');
}

/** LF-normalised text written with the given line ending. */
export function withEol(text: string, eol: Eol): string {
  const lf = toLf(text);
  return eol === '\n' ? lf : lf.replace(/\n/g, '\r\n');
}

/** Text with CRLF turned into LF, and where each of its characters came from. */
interface INormalized {
  text: string;
  /** offsets[i]: index in the original of normalised char i; offsets[text.length] = original length. */
  offsets: number[];
}

function normalizeWithMap(original: string): INormalized {
  const chars: string[] = [];
  const offsets: number[] = [];
  for (let i = 0; i < original.length; i++) {
    if (original[i] === '\r' && original[i + 1] === '\n') {
      offsets.push(i);
      chars.push('\n');
      i++;
    } else {
      offsets.push(i);
      chars.push(original[i]);
    }
  }
  offsets.push(original.length);
  return { text: chars.join(''), offsets };
}

/** 1-based line number of a character index. */
export function lineAt(text: string, index: number): number {
  let line = 1;
  for (
    let i = text.indexOf('\n');
    i >= 0 && i < index;
    i = text.indexOf('\n', i + 1)
  ) {
    line++;
  }
  return line;
}

/** Start indexes of the non-overlapping occurrences of `needle`. */
function occurrences(haystack: string, needle: string): number[] {
  const found: number[] = [];
  for (
    let i = haystack.indexOf(needle);
    i >= 0;
    i = haystack.indexOf(needle, i + needle.length)
  ) {
    found.push(i);
  }
  return found;
}

function listLines(lines: number[], max = 10): string {
  const shown = lines.slice(0, max).join(', ');
  return lines.length > max ? `${shown}, …` : shown;
}

/** The outcome of an exact-match edit. */
export interface IEditOutcome {
  /** The new file text (original line endings kept). */
  text: string;
  /** Occurrences replaced. */
  count: number;
  /** 1-based line of each replaced occurrence, in the original. */
  lines: number[];
  /** Lines the replacement spans (for showing the edited region). */
  replacementLines: number;
}

/** Why old_text did not match, with what might help the model. */
function noMatchMessage(
  normalized: string,
  oldText: string,
  path: string
): string {
  const parts = [`old_text was not found in ${path}.`];
  const oldLines = oldText.split('\n');
  if (
    oldLines.filter(line => line.trim()).every(line => /^\s*\d+\t/.test(line))
  ) {
    parts.push(
      'It seems to include the line numbers shown by read_file; pass only the text after the tab.'
    );
  }
  const first = oldLines.find(line => line.trim())?.trim();
  if (first) {
    const candidates: number[] = [];
    normalized.split('\n').forEach((line, index) => {
      if (line.trim() === first) {
        candidates.push(index + 1);
      }
    });
    if (candidates.length) {
      parts.push(
        `Its first line appears (ignoring indentation) at line ${listLines(candidates)}; check the exact indentation, whitespace and the lines that follow.`
      );
    }
  }
  parts.push(
    'The match must be exact: read the file again with read_file and copy the text.'
  );
  return parts.join(' ');
}

/**
 * Replace `oldText` by `newText` in `original`. Matching ignores the
 * difference between CRLF and LF; the replacement is written with the
 * file's dominant line ending, and everything outside the matched ranges is
 * kept byte for byte. Throws a FileToolError for no match, or several
 * matches without `replaceAll`, saying what was found.
 */
export function applyEdit(
  original: string,
  oldText: string,
  newText: string,
  replaceAll: boolean,
  path: string
): IEditOutcome {
  if (!oldText) {
    throw new FileToolError(
      'old_text is empty. To create a file or replace all of it, use write_file.'
    );
  }
  const source = normalizeWithMap(original);
  const needle = toLf(oldText);
  const replacement = toLf(newText);
  if (needle === replacement) {
    throw new FileToolError(
      'old_text and new_text are identical; there is nothing to change.'
    );
  }
  const starts = occurrences(source.text, needle);
  const lines = starts.map(start => lineAt(source.text, start));
  if (!starts.length) {
    throw new FileToolError(noMatchMessage(source.text, needle, path));
  }
  if (starts.length > 1 && !replaceAll) {
    throw new FileToolError(
      `old_text occurs ${starts.length} times in ${path} (at lines ${listLines(lines)}). Include more surrounding lines so it matches exactly once, or pass replace_all: true to replace every occurrence.`
    );
  }
  const written = withEol(replacement, dominantEol(original));
  let out = '';
  let cursor = 0;
  for (const start of starts) {
    const from = source.offsets[start];
    const to = source.offsets[start + needle.length];
    out += original.slice(cursor, from) + written;
    cursor = to;
  }
  out += original.slice(cursor);
  return {
    text: out,
    count: starts.length,
    lines,
    replacementLines: replacement.split('\n').length
  };
}

/** Lines of the text (LF-normalised, no trailing empty line for a final newline). */
export function splitLines(text: string): string[] {
  const lines = toLf(text).split('\n');
  if (lines.length > 1 && lines[lines.length - 1] === '') {
    lines.pop();
  }
  return lines;
}

/** Cut a long line, saying how much was left out. */
export function clipLine(line: string, max: number): string {
  return line.length > max
    ? `${line.slice(0, max)}… [${line.length - max} more characters]`
    : line;
}

/** `     12\tline`, as `cat -n` prints. */
export function numberLine(lineNo: number, line: string): string {
  return `${String(lineNo).padStart(6)}\t${line}`;
}

/** Lines added and removed between two texts (jsdiff loads with the first count). */
export async function lineChanges(
  before: string,
  after: string
): Promise<{ added: number; removed: number }> {
  const { diffLines } = await loadDiff();
  let added = 0;
  let removed = 0;
  for (const part of diffLines(toLf(before), toLf(after))) {
    if (part.added) {
      added += part.count ?? 0;
    } else if (part.removed) {
      removed += part.count ?? 0;
    }
  }
  return { added, removed };
}

/** "+3 −1 lines" */
export async function describeLineChanges(
  before: string,
  after: string
): Promise<string> {
  const { added, removed } = await lineChanges(before, after);
  return `+${added} −${plural(removed, 'line')}`;
}

/** True when the text looks binary (NUL characters). */
export function looksBinary(text: string): boolean {
  return text.includes('\0');
}
