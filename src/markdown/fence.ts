/** Code fences that no content can break out of (used by the cards and by export). */

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
