/** Python literals for generated code: every value from the dialog enters code through these. */

/** A Python string literal (JSON's escapes are valid Python escapes). */
export function pyStr(value: string): string {
  return JSON.stringify(value);
}

/** A Python list of strings. */
export function pyList(values: readonly string[]): string {
  return `[${values.map(pyStr).join(', ')}]`;
}

/** A Python number literal. */
export function pyNum(value: number): string {
  if (!Number.isFinite(value)) {
    throw new Error(`not a finite number: ${value}`);
  }
  return String(value);
}

/** Indent every non-empty line by `n` spaces. */
export function indent(code: string, n: number): string {
  const pad = ' '.repeat(n);
  return code
    .split('\n')
    .map(line => (line ? pad + line : line))
    .join('\n');
}

/** Join code blocks, dropping empty ones, with one blank line between them. */
export function blocks(
  ...parts: Array<string | false | null | undefined>
): string {
  return parts.filter((p): p is string => !!p && !!p.trim()).join('\n\n');
}
