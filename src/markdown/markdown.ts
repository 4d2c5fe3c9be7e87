import type { DiffModule } from './diff';

/** Code fences that no content can break out of, and diffs in them (used by the cards and by export). */

/** A backtick fence longer than any run of backticks in the content. */
export function fenceFor(content: string, minimum = 3): string {
  let longest = 0;
  for (const run of content.match(/`+/g) ?? []) {
    longest = Math.max(longest, run.length);
  }
  return '`'.repeat(Math.max(minimum, longest + 1));
}

/** A fenced code block that no content can break. */
export function fenced(content: string, language = ''): string {
  const fence = fenceFor(content);
  const body = content.endsWith('\n') ? content : `${content}\n`;
  return `${fence}${language}\n${body}${fence}`;
}

/** Inline code (a path, a name) that no content can break, on one line. */
export function inlineCode(text: string): string {
  const line = text.replace(/\s+/g, ' ');
  const pad = /^`|`$/.test(line) ? ' ' : '';
  const fence = fenceFor(line, 1);
  return `${fence}${pad}${line}${pad}${fence}`;
}

/** A unified diff of an edit, as a fenced `diff` block (`diff`: jsdiff, see diff.ts). */
export function diffMarkdown(
  diff: DiffModule,
  path: string,
  before: string,
  after: string
): string {
  const patch = diff.createTwoFilesPatch(
    `a/${path}`,
    `b/${path}`,
    before,
    after,
    '',
    '',
    { context: 3 }
  );
  // Drop the "Index"/separator header lines jsdiff adds.
  const body = patch
    .split('\n')
    .filter(line => !line.startsWith('===='))
    .join('\n');
  return fenced(body.trim(), 'diff');
}
