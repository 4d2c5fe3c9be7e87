/** A call in one line when its tool cannot say (a tool no longer registered, or a `describe` that failed). */
export function genericLine(input: unknown): string | null {
  const fields =
    input && typeof input === 'object' && !Array.isArray(input)
      ? (input as Record<string, unknown>)
      : {};
  const target = ['path', 'notebook_path', 'name', 'cell_id']
    .map(key => fields[key])
    .find(value => typeof value === 'string');
  return typeof target === 'string' ? target : null;
}
