/**
 * The symbol-aware half of `find_usages`: a service another family provides
 * (the code tools ask the server, where jedi resolves Python names) under
 * `context.services[SYMBOLS_SERVICE]`. Without it, or when it cannot resolve
 * the name, `find_usages` is the text search it always was.
 */

import { clipLine } from './text';

/** The key of the symbol service in `IToolContext.services`. */
export const SYMBOLS_SERVICE = 'symbols';

/** One place a name occurs: a file (or a notebook cell) and line. */
export interface ISymbolSite {
  /** Server path; null for a definition outside the workspace (a library). */
  path: string | null;
  /** The notebook cell's id, when in a notebook. */
  cell: string | null;
  line: number | null;
  column: number | null;
  text: string;
}

export interface ISymbolDefinition extends ISymbolSite {
  /** jedi's kind: function, class, statement, module, param... */
  kind: string;
  full_name: string;
  /** What references name as their target. */
  key: string;
  /** Defined outside the workspace (a library). */
  outside?: boolean;
}

export interface ISymbolReference extends ISymbolSite {
  /** The keys of the definitions it leads to. */
  targets: string[];
  /** An import line. */
  import?: boolean;
}

/** What the symbol service found for a name. */
export interface ISymbolUsages {
  /** False when no occurrence could be tied to a definition: fall back to text. */
  resolved: boolean;
  definitions: ISymbolDefinition[];
  references: ISymbolReference[];
  total_references?: number;
  truncated?: boolean;
  /** Occurrences not tied to a definition (strings, comments, unknown attributes). */
  unresolved: number;
  /** Files that mention the name and were resolved. */
  files: number;
  notes: string[];
}

/** Resolves a Python name's definitions and references under a folder (or in one file). */
export interface ISymbolSearch {
  usages(
    symbol: string,
    path: string,
    signal: AbortSignal
  ): Promise<ISymbolUsages>;
}

/** A Python identifier: what the symbol service can resolve. */
export function isPythonName(symbol: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(symbol);
}

/** Whether a search root may hold Python (a folder, a .py file or a notebook). */
export function mayHoldPython(path: string, isFolder: boolean): boolean {
  return isFolder || /\.(py|ipynb)$/i.test(path);
}

/** The model's text of resolved usages: definitions first, then references with their target. */
export function formatSymbolUsages(
  symbol: string,
  found: ISymbolUsages,
  display: (path: string) => string
): { summary: string; lines: string[]; footer: string[] } {
  const where = (site: ISymbolSite): string =>
    site.path === null
      ? ''
      : `${display(site.path)}${site.cell ? `:cell ${site.cell}` : ''}:${site.line}`;
  const byKey = new Map(found.definitions.map(d => [d.key, d]));
  const lines: string[] = [];
  for (const definition of found.definitions) {
    lines.push(
      definition.outside
        ? `defined outside the workspace: ${definition.full_name} [${definition.kind}]`
        : `${where(definition)}:${clipLine(definition.text, 300)}  [definition: ${definition.kind} ${definition.full_name}]`
    );
  }
  const several = found.definitions.length > 1;
  for (const reference of found.references) {
    const targets = reference.targets
      .map(key => byKey.get(key))
      .filter((d): d is ISymbolDefinition => !!d)
      .map(d => (d.outside ? d.full_name : where(d)));
    const tag = reference.import
      ? '  [import]'
      : several && targets.length
        ? `  [-> ${targets.join(', ')}]`
        : '';
    lines.push(`${where(reference)}:${clipLine(reference.text, 300)}${tag}`);
  }
  const total = found.total_references ?? found.references.length;
  const summary = `${found.definitions.length} definition${found.definitions.length === 1 ? '' : 's'} and ${total} reference${total === 1 ? '' : 's'} of ${symbol} (resolved with jedi, as a Python name) in ${found.files} file${found.files === 1 ? '' : 's'}.`;
  const footer = [...found.notes];
  if (found.truncated) {
    footer.push(
      `Showing the first ${found.references.length} references; narrow the folder for the rest.`
    );
  }
  if (found.unresolved) {
    footer.push(
      `${found.unresolved} other mention${found.unresolved === 1 ? '' : 's'} of ${symbol} (strings, comments, attributes of unknown objects) are not listed; search_files finds text.`
    );
  }
  return { summary, lines, footer };
}
