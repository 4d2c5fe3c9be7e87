import { framedResult } from '../tools/results';
import { defineTool } from '../tools/schema';
import type { IToolContext, IToolResult } from '../tools/types';
import {
  assertAllowed,
  assertInsideRoot,
  readRisk,
  ServiceLookup
} from './access';
import { FileToolError, guard, plural, throwIfAborted } from './common';
import { IContentsEntry, isBinaryName } from './contentsFiles';
import { extname } from './paths';
import { folderName, PATH_DESCRIPTION, walkStopNote } from './readTools';
import { filesOf, FilesService } from './service';
import { clipLine, splitLines } from './text';
import { createRegexMatcher, IRegexMatcher } from './regexMatcher';
import {
  formatSymbolUsages,
  ISymbolSearch,
  isPythonName,
  mayHoldPython,
  SYMBOLS_SERVICE
} from './symbols';
import {
  excludedNote,
  globMatcher,
  newWalkStats,
  relativeToRoot,
  skippedNote,
  walkFiles
} from './walk';

/** Tools that search file contents: text or regex, and usages of a name. */

/** Files read at once. */
const CONCURRENCY = 4;

/** A searchable line: where it is and its text. */
interface ILine {
  /** "load.py:12" or "report.ipynb:cell 3f2a:4" */
  where: string;
  text: string;
}

interface ISearchSpec {
  /** What is searched for, for the summary ("\"orders\""). */
  what: string;
  /** The indexes of the matching lines of one file (`where` names it in messages). */
  match: (lines: readonly string[], where: string) => Promise<number[]>;
  /** A tag after a match, e.g. " [definition]". */
  tag?: (line: string) => string;
  path?: string;
  glob?: string;
  /** The tools' service lookup (what `riskOf` used). */
  lookup?: ServiceLookup;
  /** A line put before the results (why a symbol search fell back to text). */
  preface?: string;
}

/** The searchable lines of a file (cell sources for notebooks); null for binary or unreadable files. */
async function linesOf(
  service: FilesService,
  file: IContentsEntry
): Promise<ILine[] | null> {
  const shown = service.display(file.path);
  if (extname(file.path) === '.ipynb') {
    const notebook = await service.files.read(file.path);
    const cells: any[] = Array.isArray(notebook.content?.cells)
      ? notebook.content.cells
      : [];
    return cells.flatMap((cell, index) => {
      const source = Array.isArray(cell?.source)
        ? cell.source.join('')
        : String(cell?.source ?? '');
      const label = `${shown}:cell ${cell?.id ?? index + 1}`;
      return splitLines(source).map((text, line) => ({
        where: `${label}:${line + 1}`,
        text
      }));
    });
  }
  const { text } = await service.files.readText(file.path);
  return splitLines(text).map((line, index) => ({
    where: `${shown}:${index + 1}`,
    text: line
  }));
}

/** Walk, read and match, within the service's bounds. */
async function search(
  service: FilesService,
  context: IToolContext,
  spec: ISearchSpec
): Promise<string> {
  const limits = service.limits;
  const root = service.resolve(spec.path ?? '');
  const include = spec.glob
    ? globMatcher(spec.glob, !spec.glob.includes('/'))
    : () => true;
  const deadline = service.now() + limits.searchTimeMs;
  const stats = newWalkStats();
  const results: string[] = [];
  let matches = 0;
  let filesWithMatches = 0;
  let filesRead = 0;
  let bytesRead = 0;
  let skippedBinary = 0;
  let skippedLarge = 0;
  let unreadable = 0;
  let stopped = '';

  const scan = async (
    file: IContentsEntry,
    lines: ILine[] | null
  ): Promise<void> => {
    if (!lines) {
      return;
    }
    let inFile = 0;
    const hits = await spec.match(
      lines.map(line => line.text),
      service.display(file.path)
    );
    for (const index of hits) {
      const line = lines[index];
      if (!line) {
        continue;
      }
      matches++;
      inFile++;
      if (
        inFile <= limits.searchMaxPerFile &&
        results.length < limits.searchMaxResults
      ) {
        results.push(
          `${line.where}:${clipLine(line.text, 300)}${spec.tag?.(line.text) ?? ''}`
        );
      }
    }
    if (inFile) {
      filesWithMatches++;
      if (inFile > limits.searchMaxPerFile) {
        results.push(
          `${service.display(file.path)}: … ${inFile - limits.searchMaxPerFile} more matches in this file`
        );
      }
    }
  };

  const readBatch = async (batch: IContentsEntry[]): Promise<void> => {
    const read = await Promise.all(
      batch.map(file =>
        linesOf(service, file).catch(error => {
          if (
            error instanceof FileToolError &&
            /binary file/.test(error.message)
          ) {
            skippedBinary++;
          } else {
            unreadable++;
          }
          return null;
        })
      )
    );
    for (let index = 0; index < batch.length; index++) {
      await scan(batch[index], read[index]);
      throwIfAborted(context.signal);
    }
  };

  // A file as the folder: search just that file.
  await assertInsideRoot(service, [root], 'search');
  const rootEntry = await service.files.stat(root);
  if (!rootEntry) {
    throw service.files.toError({ status: 404 }, root, 'search');
  }
  const single = rootEntry.type !== 'directory';
  if (single) {
    // A sensitive file searched by name was shown to the user (riskOf); a folder's are skipped by the walk.
    assertAllowed(service, root, 'read', readRisk(spec.lookup, spec.path));
  }
  async function* only(entry: IContentsEntry): AsyncGenerator<IContentsEntry> {
    yield entry;
  }
  let batch: IContentsEntry[] = [];
  const walk = single
    ? only(rootEntry)
    : walkFiles(service, root, { signal: context.signal, deadline }, stats);
  for await (const file of walk) {
    if (!single && !include(relativeToRoot(file.path, root))) {
      continue;
    }
    if (isBinaryName(file.path)) {
      skippedBinary++;
      continue;
    }
    const size = file.size ?? 0;
    if (size > (single ? limits.readMaxBytes : limits.searchMaxFileBytes)) {
      skippedLarge++;
      continue;
    }
    if (filesRead >= limits.searchMaxFiles) {
      stopped = `Stopped after reading ${limits.searchMaxFiles} files; results are incomplete. Narrow the folder or add a glob.`;
      break;
    }
    if (bytesRead + size > limits.searchMaxBytes) {
      stopped = `Stopped after reading ${Math.round(bytesRead / 1024)} KB; results are incomplete. Narrow the folder or add a glob.`;
      break;
    }
    if (service.now() > deadline) {
      stopped = `Stopped after ${limits.searchTimeMs / 1000} s; results are incomplete. Narrow the folder or add a glob.`;
      break;
    }
    filesRead++;
    bytesRead += size;
    batch.push(file);
    if (batch.length >= CONCURRENCY) {
      await readBatch(batch);
      batch = [];
      throwIfAborted(context.signal);
    }
    if (results.length >= limits.searchMaxResults) {
      stopped = `Stopped at ${limits.searchMaxResults} matching lines; there may be more. Narrow the search.`;
      break;
    }
  }
  await readBatch(batch);
  throwIfAborted(context.signal);
  if (results.length >= limits.searchMaxResults && !stopped) {
    stopped = `Showing the first ${limits.searchMaxResults} matching lines; there may be more. Narrow the search.`;
  }

  const where = single
    ? service.display(root)
    : `${folderName(service, root)}${spec.glob ? ` (files matching ${spec.glob})` : ''}`;
  const out = [
    ...(spec.preface ? [spec.preface] : []),
    matches
      ? `${plural(matches, 'match', 'matches')} in ${plural(filesWithMatches, 'file')} for ${spec.what} in ${where}; ${plural(filesRead, 'file')} searched.`
      : `No matches for ${spec.what} in ${where}; ${plural(filesRead, 'file')} searched.`
  ];
  const note = service.baseNote();
  if (note) {
    out.push(note);
  }
  const found = results.slice(0, limits.searchMaxResults);
  const footer: string[] = [];
  const skipped: string[] = [];
  if (skippedBinary) {
    skipped.push(`${plural(skippedBinary, 'binary file')} skipped`);
  }
  if (skippedLarge) {
    skipped.push(
      `${plural(skippedLarge, 'file')} over ${Math.round(limits.searchMaxFileBytes / 1024)} KB skipped`
    );
  }
  if (unreadable + stats.unreadable) {
    skipped.push(`${unreadable + stats.unreadable} unreadable`);
  }
  if (skipped.length) {
    footer.push(`(${skipped.join('; ')}.)`);
  }
  for (const extra of [
    stopped || walkStopNote(stats, service),
    skippedNote(stats, path => service.display(path)),
    excludedNote(stats)
  ]) {
    if (extra) {
      footer.push(extra);
    }
  }
  if (!found.length) {
    return [...out, ...footer].join('\n');
  }
  return framedResult(
    out.join('\n'),
    `search results for ${spec.what}`,
    found.join('\n'),
    footer
  );
}

const SEARCH_PATH = {
  type: 'string',
  description: `Folder to search, or a single file (default: the active notebook's folder). ${PATH_DESCRIPTION}`
} as const;

const SEARCH_GLOB = {
  type: 'string',
  description:
    'Only files matching this glob: "*.py" matches names anywhere; "etl/**/*.sql" matches paths below the folder.'
} as const;

export function searchFilesTool(lookup?: ServiceLookup) {
  return defineTool({
    name: 'search_files',
    group: 'files-search',
    description:
      'Search the contents of text files under a folder for a text (default) or a regular expression (regex: true). ' +
      'Returns matching lines as path:line:text (notebooks: path:cell <id>:line:text, cell sources only). ' +
      'Case-insensitive unless the pattern has capitals or case_sensitive is set. Skips binary files, files over 1 MB, ' +
      'dependency folders, virtual environments, caches and .git; bounded in files, bytes and time, and says when results are incomplete.',
    inputSchema: {
      type: 'object',
      properties: {
        pattern: {
          type: 'string',
          minLength: 1,
          description:
            'Text to find, or a JavaScript regular expression with regex: true.'
        },
        path: SEARCH_PATH,
        glob: SEARCH_GLOB,
        regex: {
          type: 'boolean',
          description: 'Treat pattern as a regular expression (default false).'
        },
        case_sensitive: {
          type: 'boolean',
          description:
            'Match case exactly (default: only when the pattern has capitals).'
        }
      },
      required: ['pattern'],
      additionalProperties: false
    },
    effect: 'read',
    defaultApproval: 'auto',
    riskOf: input => readRisk(lookup, input.path),
    describe: input =>
      `Search for ${input.regex ? `/${input.pattern}/` : `"${input.pattern ?? '?'}"`} in ${input.path || "the active notebook's folder"}`,
    run: (input, context) =>
      guard(async () => {
        const service = filesOf(context);
        const caseSensitive =
          input.case_sensitive ?? /[A-Z]/.test(input.pattern);
        const what = input.regex ? `/${input.pattern}/` : `"${input.pattern}"`;
        if (!input.regex) {
          const needle = caseSensitive
            ? input.pattern
            : input.pattern.toLowerCase();
          const test = (line: string) =>
            (caseSensitive ? line : line.toLowerCase()).includes(needle);
          return {
            content: await search(service, context, {
              what,
              match: syncMatch(test),
              path: input.path,
              glob: input.glob,
              lookup
            })
          };
        }
        const flags = caseSensitive ? 'u' : 'iu';
        try {
          new RegExp(input.pattern, flags);
        } catch (error) {
          throw new FileToolError(
            `Invalid regular expression /${input.pattern}/: ${(error as Error).message}`
          );
        }
        const matcher: IRegexMatcher = createRegexMatcher({
          source: input.pattern,
          flags,
          what,
          timeMs: service.limits.regexTimeMs,
          workerFactory: service.workerFactory,
          now: service.now
        });
        const stop = () => matcher.dispose();
        context.signal.addEventListener('abort', stop);
        try {
          return {
            content: await search(service, context, {
              what,
              match: (lines, where) => matcher.match(lines, where),
              path: input.path,
              glob: input.glob,
              lookup
            })
          };
        } finally {
          context.signal.removeEventListener('abort', stop);
          matcher.dispose();
        }
      })
  });
}

/** A line test as a file matcher. */
function syncMatch(test: (line: string) => boolean): ISearchSpec['match'] {
  return async lines => {
    const hits: number[] = [];
    lines.forEach((line, index) => {
      if (test(line)) {
        hits.push(index);
      }
    });
    return hits;
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Tags for lines that define or import the symbol. */
function usageTagger(symbol: string): (line: string) => string {
  const name = escapeRegExp(symbol);
  const definition = new RegExp(
    String.raw`^\s*(?:export\s+)?(?:async\s+)?(?:def|class|function|const|let|var|type|interface|enum)\s+${name}(?![\w$])` +
      String.raw`|^\s*(?:self\.)?${name}\s*(?::[^=]*)?=(?!=)` +
      String.raw`|\bcreate\s+(?:or\s+replace\s+)?(?:temp(?:orary)?\s+)?(?:table|view|materialized\s+view|function|procedure|macro)\s+(?:if\s+not\s+exists\s+)?[\w."\x60\[\]]*?${name}(?![\w$])`,
    'i'
  );
  const importLine =
    /^\s*(?:from\s+\S+\s+import\b|import\b|export\s+\{|const\s+\{[^}]*\}\s*=\s*require\()/;
  return line =>
    definition.test(line)
      ? '  [definition]'
      : importLine.test(line)
        ? '  [import]'
        : '';
}

export function findUsagesTool(lookup?: ServiceLookup) {
  return defineTool({
    name: 'find_usages',
    group: 'files-search',
    description:
      'Find where a name (function, class, variable, column, table) is defined and used. A Python name is resolved as a symbol ' +
      '(jedi, on the server; the kernel is not used): its definitions and the references that really lead to them across the .py files ' +
      'and notebook cells under a folder, as path:line:text (notebooks: path:cell <id>:line:text). Other names, or a Python name that ' +
      'cannot be resolved (said so), get whole-word, case-sensitive text matches with definition-like and import lines tagged. ' +
      'Same skips and bounds as search_files.',
    inputSchema: {
      type: 'object',
      properties: {
        symbol: {
          type: 'string',
          minLength: 1,
          description: 'The name to find, e.g. "load_orders" or "customer_id".'
        },
        path: SEARCH_PATH,
        glob: SEARCH_GLOB
      },
      required: ['symbol'],
      additionalProperties: false
    },
    effect: 'read',
    defaultApproval: 'auto',
    riskOf: input => readRisk(lookup, input.path),
    describe: input =>
      `Find usages of ${input.symbol ?? '?'} in ${input.path || "the active notebook's folder"}`,
    run: (input, context) =>
      guard(async () => {
        const service = filesOf(context);
        const symbol = input.symbol.trim();
        if (!symbol || /\s/.test(symbol)) {
          throw new FileToolError(
            'symbol must be one name without spaces; use search_files for phrases.'
          );
        }
        const symbols = context.services[SYMBOLS_SERVICE] as
          ISymbolSearch | undefined;
        let preface: string | undefined;
        if (symbols && isPythonName(symbol) && !input.glob) {
          const resolved = await symbolUsages(
            service,
            context,
            symbols,
            symbol,
            input.path,
            lookup
          );
          if (typeof resolved !== 'string') {
            return resolved;
          }
          preface = resolved || undefined;
        }
        const word = new RegExp(
          String.raw`(?<![\w$])${escapeRegExp(symbol)}(?![\w$])`
        );
        return {
          content: await search(service, context, {
            what: `usages of ${symbol}`,
            match: syncMatch(line => word.test(line)),
            tag: usageTagger(symbol),
            path: input.path,
            glob: input.glob,
            lookup,
            preface
          })
        };
      })
  });
}

/**
 * The symbol service's answer as the tool's result, or, when it cannot
 * resolve the name, the note to put before the text search ('' for none).
 */
async function symbolUsages(
  service: FilesService,
  context: IToolContext,
  symbols: ISymbolSearch,
  symbol: string,
  path: string | undefined,
  lookup: ServiceLookup | undefined
): Promise<IToolResult | string> {
  const root = service.resolve(path ?? '');
  await assertInsideRoot(service, [root], 'search');
  const entry = await service.files.stat(root);
  if (!entry) {
    throw service.files.toError({ status: 404 }, root, 'search');
  }
  const folder = entry.type === 'directory';
  if (!mayHoldPython(root, folder)) {
    return '';
  }
  if (!folder) {
    assertAllowed(service, root, 'read', readRisk(lookup, path));
  }
  let found;
  try {
    found = await symbols.usages(symbol, root, context.signal);
  } catch (error) {
    throwIfAborted(context.signal);
    return `(${symbol} could not be resolved as a Python symbol: ${error instanceof Error ? error.message : String(error)}. Text matches follow.)`;
  }
  throwIfAborted(context.signal);
  if (!found.resolved) {
    const why = found.notes.length ? ` ${found.notes.join(' ')}` : '';
    return `(jedi could not resolve ${symbol} to a Python definition under ${folder ? folderName(service, root) : service.display(root)}.${why} Text matches follow.)`;
  }
  const { summary, lines, footer } = formatSymbolUsages(symbol, found, p =>
    service.display(p)
  );
  const note = service.baseNote();
  return {
    content: framedResult(
      [summary, ...(note ? [note] : [])].join('\n'),
      `usages of ${symbol}`,
      lines.join('\n'),
      footer
    )
  };
}
