import { framedResult } from '../tools/results';
import { defineTool, InputOf } from '../tools/schema';
import {
  assertAllowed,
  assertInsideRoot,
  keepInsideRoot,
  readRisk,
  ServiceLookup
} from './access';
import {
  FileToolError,
  formatBytes,
  guard,
  plural,
  throwIfAborted
} from './common';
import { binaryMessage, IContentsEntry, isBinaryName } from './contentsFiles';
import { extname } from './paths';
import { filesOf, FilesService } from './service';
import { clipLine, dominantEol, numberLine, splitLines } from './text';
import {
  depthOf,
  globFolder,
  excludedNote,
  globMatcher,
  isInvisibleFolder,
  IWalkStats,
  newWalkStats,
  relativeToRoot,
  skipReason,
  skippedNote,
  splitGlob,
  walkFiles
} from './walk';

/** Tools that read the file system: list a folder, read a file, find files by name. */

export const PATH_DESCRIPTION =
  "Relative to the active notebook's folder (or to the server root when no notebook is active); use ../ to go up. Absolute paths are refused.";

/** Where a walk stopped early, for the model. */
export function walkStopNote(stats: IWalkStats, service: FilesService): string {
  if (stats.stopped === 'time') {
    return `Stopped after ${service.limits.searchTimeMs / 1000} s; results are incomplete. Narrow the folder or the pattern.`;
  }
  if (stats.stopped === 'entries') {
    return `Stopped after ${service.limits.walkMaxEntries} folder entries; results are incomplete. Narrow the folder or the pattern.`;
  }
  return '';
}

/** A folder as shown in summaries: "etl/", "./", "../". */
export function folderName(service: FilesService, folder: string): string {
  return `${service.display(folder)}/`;
}

function sortEntries(entries: IContentsEntry[]): IContentsEntry[] {
  return [...entries].sort((a, b) => {
    const folderFirst =
      Number(b.type === 'directory') - Number(a.type === 'directory');
    return folderFirst || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  });
}

export function listDirectoryTool(lookup?: ServiceLookup) {
  return defineTool({
    name: 'list_directory',
    group: 'files-read',
    description:
      'List a folder: sub-folders (ending in /) and files with their sizes, down to `depth` levels (default 1, at most 5). ' +
      'Dependency folders, virtual environments, caches and .git are shown but not expanded; hidden files appear only if the server allows them. ' +
      'Use it to see what a project contains before reading files.',
    inputSchema: {
      type: 'object',
      properties: {
        path: {
          type: 'string',
          description: `Folder to list (default: the active notebook's folder). ${PATH_DESCRIPTION}`
        },
        depth: {
          type: 'integer',
          minimum: 1,
          maximum: 5,
          description: 'How many levels to show (default 1).'
        }
      },
      additionalProperties: false
    },
    effect: 'read',
    defaultApproval: 'auto',
    riskOf: input => readRisk(lookup, input.path),
    describe: input => `List ${input.path || "the active notebook's folder"}`,
    run: (input, context) =>
      guard(async () => {
        const service = filesOf(context);
        const root = service.resolve(input.path ?? '');
        assertAllowed(service, root, 'read', readRisk(lookup, input.path));
        await assertInsideRoot(service, [root], 'list');
        const depth = Math.min(Math.max(Math.floor(input.depth ?? 1), 1), 5);
        const max = service.limits.listMaxEntries;
        const deadline = service.now() + service.limits.searchTimeMs;
        const lines: string[] = [];
        let hidden = 0;
        let folders = 0;
        let files = 0;
        let timedOut = false;
        const visit = async (
          listed: IContentsEntry[],
          level: number
        ): Promise<void> => {
          throwIfAborted(context.signal);
          const { kept: children } = await keepInsideRoot(service, listed);
          const linked = new Set(
            listed
              .filter(child => !children.includes(child))
              .map(child => child.path)
          );
          for (const child of sortEntries(listed)) {
            const indent = '  '.repeat(level);
            const sensitive = service.sensitive.check(child.path, 'read');
            const marks = [
              ...(linked.has(child.path)
                ? ['symbolic link outside the server root, not readable']
                : []),
              ...(sensitive
                ? [
                    sensitive.level === 'refuse'
                      ? 'protected, never read'
                      : 'sensitive: reading it asks the user'
                  ]
                : [])
            ];
            if (child.type !== 'directory') {
              files++;
              if (lines.length >= max) {
                hidden++;
              } else {
                lines.push(
                  `${indent}${child.name}  (${[formatBytes(child.size), ...marks].join(', ')})`
                );
              }
              continue;
            }
            if (marks.length && !isInvisibleFolder(child.name)) {
              folders++;
              if (lines.length >= max) {
                hidden++;
              } else {
                lines.push(
                  `${indent}${child.name}/  (${marks.join(', ')}; not expanded)`
                );
              }
              continue;
            }
            if (isInvisibleFolder(child.name)) {
              continue;
            }
            folders++;
            if (lines.length >= max) {
              hidden++;
              continue;
            }
            let reason = skipReason(child);
            let grandchildren: IContentsEntry[] | null = null;
            if (!reason && level + 1 < depth) {
              if (service.now() > deadline) {
                timedOut = true;
              } else {
                try {
                  grandchildren = await service.files.list(child.path);
                  reason = skipReason(child, grandchildren);
                } catch (error) {
                  if (!(error instanceof FileToolError)) {
                    throw error;
                  }
                  lines.push(`${indent}${child.name}/  (could not be listed)`);
                  continue;
                }
              }
            }
            lines.push(
              `${indent}${child.name}/${reason ? `  (${reason}, not expanded)` : ''}`
            );
            if (grandchildren && !reason) {
              await visit(grandchildren, level + 1);
            }
          }
        };
        const entry = await service.files.stat(root);
        if (entry && entry.type !== 'directory') {
          throw new FileToolError(
            `${service.display(root)} is a file, not a folder. Read it with read_file.`
          );
        }
        await visit(await service.files.list(root), 0);
        const header = [
          `Folder ${folderName(service, root)}: ${plural(folders, 'folder')}, ${plural(files, 'file')}.`
        ];
        const note = service.baseNote();
        if (note) {
          header.push(note);
        }
        if (!lines.length) {
          lines.push('(empty)');
        }
        const footer: string[] = [];
        if (hidden) {
          footer.push(
            `… ${hidden} more entries not shown; list a sub-folder or use find_files.`
          );
        }
        if (timedOut) {
          footer.push('(Some folders were not expanded: time limit reached.)');
        }
        return {
          content: framedResult(
            header.join('\n'),
            `list_directory ${folderName(service, root)}`,
            lines.join('\n'),
            footer
          )
        };
      })
  });
}

/** Cell source as text (nbformat allows a string or a list of lines). */
function cellSource(cell: any): string {
  const source = cell?.source;
  return Array.isArray(source)
    ? source.join('')
    : typeof source === 'string'
      ? source
      : '';
}

function readNotebook(
  service: FilesService,
  path: string,
  notebook: any,
  input: IReadInput
): string {
  const cells: any[] = Array.isArray(notebook?.cells) ? notebook.cells : [];
  const language =
    notebook?.metadata?.language_info?.name ||
    notebook?.metadata?.kernelspec?.language ||
    'unknown language';
  const shown = service.display(path);
  const header =
    `Notebook ${shown} (${plural(cells.length, 'cell')}, ${String(language).slice(0, 40)}); cell sources only, outputs not shown. ` +
    'Edit notebooks with the notebook tools (edit_cell, insert_cell…), not with edit_file. offset/limit count cells here.';
  const first = Math.max(1, Math.floor(input.offset ?? 1));
  if (cells.length && first > cells.length) {
    throw new FileToolError(
      `offset ${first} is past the last cell of ${shown} (${cells.length} cells).`
    );
  }
  const last = Math.min(
    cells.length,
    first - 1 + Math.floor(input.limit ?? cells.length)
  );
  let budget = service.limits.readMaxChars;
  const out: string[] = [];
  const footer: string[] = [];
  for (let index = first - 1; index < last; index++) {
    const cell = cells[index];
    const block = [
      `--- cell ${index + 1} · ${cell?.cell_type ?? 'unknown'} · id ${cell?.id ?? '(none)'} ---`,
      cellSource(cell)
    ].join('\n');
    if (block.length > budget && index > first - 1) {
      footer.push(
        `[Showing cells ${first}–${index} of ${cells.length}. Call read_file with offset=${index + 1} to read more.]`
      );
      return framedResult(header, `read_file ${shown}`, out.join('\n'), footer);
    }
    out.push(
      block.length > budget
        ? `${block.slice(0, budget)}… [cell truncated]`
        : block
    );
    budget -= block.length;
  }
  if (last < cells.length) {
    footer.push(
      `[Showing cells ${first}–${last} of ${cells.length}. Call read_file with offset=${last + 1} to read more.]`
    );
  }
  return framedResult(header, `read_file ${shown}`, out.join('\n'), footer);
}

function readLines(
  service: FilesService,
  path: string,
  text: string,
  size: number | null,
  input: IReadInput
): string {
  const shown = service.display(path);
  const lines = text === '' ? [] : splitLines(text);
  const crlf = dominantEol(text) === '\r\n';
  const facts = [
    plural(lines.length, 'line'),
    formatBytes(size ?? text.length)
  ];
  if (crlf) {
    facts.push('CRLF line endings, kept by edit_file and write_file');
  }
  const header = `File ${shown} (${facts.join(', ')})`;
  if (!lines.length) {
    return `${header}\n(empty file)`;
  }
  const out: string[] = [];
  const footer: string[] = [];
  const first = Math.max(1, Math.floor(input.offset ?? 1));
  if (first > lines.length) {
    throw new FileToolError(
      `offset ${first} is past the end of ${shown} (${plural(lines.length, 'line')}).`
    );
  }
  const limit = Math.max(
    1,
    Math.floor(input.limit ?? service.limits.readDefaultLines)
  );
  const end = Math.min(lines.length, first - 1 + limit);
  let budget = service.limits.readMaxChars;
  let shownUntil = first - 1;
  let clipped = false;
  for (let index = first - 1; index < end; index++) {
    const line = clipLine(lines[index], service.limits.lineMaxChars);
    clipped = clipped || line.length !== lines[index].length;
    const numbered = numberLine(index + 1, line);
    if (numbered.length + 1 > budget && index > first - 1) {
      break;
    }
    out.push(numbered);
    budget -= numbered.length + 1;
    shownUntil = index + 1;
  }
  if (shownUntil < lines.length) {
    const why = shownUntil < end ? ' (size limit reached)' : '';
    footer.push(
      `[Showing lines ${first}–${shownUntil} of ${lines.length}${why}. Call read_file with offset=${shownUntil + 1} to read more.]`
    );
  }
  if (clipped) {
    footer.push(
      `[Lines longer than ${service.limits.lineMaxChars} characters were cut.]`
    );
  }
  return framedResult(header, `read_file ${shown}`, out.join('\n'), footer);
}

const READ_FILE_SCHEMA = {
  type: 'object',
  properties: {
    path: {
      type: 'string',
      minLength: 1,
      description: `File to read. ${PATH_DESCRIPTION}`
    },
    offset: {
      type: 'integer',
      minimum: 1,
      description:
        'First line to read (1-based; cells for notebooks). Default 1.'
    },
    limit: {
      type: 'integer',
      minimum: 1,
      description: 'Number of lines (cells for notebooks) to read.'
    }
  },
  required: ['path'],
  additionalProperties: false
} as const;
type IReadInput = InputOf<typeof READ_FILE_SCHEMA>;

export function readFileTool(lookup?: ServiceLookup) {
  return defineTool({
    name: 'read_file',
    group: 'files-read',
    description:
      'Read a text file with line numbers (`     12\\tline`; the number and tab are not part of the file). Long files are returned in parts: ' +
      'pass offset (first line, 1-based) and limit (number of lines) to read further. Notebooks (.ipynb) are shown as their cells ' +
      '(number, type, id, source). Binary files (images, Parquet, Excel…) are refused: load data files in the kernel instead. ' +
      'Read a file before editing or overwriting it.',
    inputSchema: READ_FILE_SCHEMA,
    effect: 'read',
    defaultApproval: 'auto',
    riskOf: input => readRisk(lookup, input.path),
    describe: input => `Read ${input.path ?? 'a file'}`,
    run: (input, context) =>
      guard(async () => {
        const service = filesOf(context);
        const path = service.resolve(input.path);
        if (!path) {
          throw new FileToolError(
            'The server root is a folder; list it with list_directory.'
          );
        }
        const shown = service.display(path);
        assertAllowed(service, path, 'read', readRisk(lookup, input.path));
        await assertInsideRoot(service, [path], 'read');
        const entry = await service.files.stat(path);
        if (!entry) {
          throw service.files.toError({ status: 404 }, path, 'read');
        }
        if (entry.type === 'directory') {
          throw new FileToolError(
            `${shown} is a folder; list it with list_directory.`
          );
        }
        if (isBinaryName(path)) {
          throw new FileToolError(binaryMessage(shown, entry));
        }
        if ((entry.size ?? 0) > service.limits.readMaxBytes) {
          throw new FileToolError(
            `${shown} is ${formatBytes(entry.size)}, more than read_file reads (${formatBytes(service.limits.readMaxBytes)}). ` +
              'For data, load it in the kernel and look at a sample; to find lines in it, use search_files.'
          );
        }
        throwIfAborted(context.signal);
        if (extname(path) === '.ipynb') {
          const notebook = await service.files.read(path);
          if (
            notebook.type === 'notebook' &&
            notebook.content &&
            typeof notebook.content === 'object'
          ) {
            service.tracker.remember(service.chatId, path, {
              hash: notebook.hash ?? undefined,
              last_modified: notebook.last_modified
            });
            return {
              content: readNotebook(service, path, notebook.content, input)
            };
          }
        }
        const file = await service.files.readText(path);
        service.tracker.remember(service.chatId, path, file.stamp);
        return {
          content: readLines(service, path, file.text, file.size, input)
        };
      })
  });
}

export function findFilesTool(lookup?: ServiceLookup) {
  return defineTool({
    name: 'find_files',
    group: 'files-read',
    description:
      'Find files by name with a glob: "*.sql" matches file names anywhere below the folder; a pattern with "/" is matched against ' +
      'the path below the folder ("**/*.py", "etl/*.yaml", "../data/*.csv"). Skips dependency folders, virtual environments, caches and .git. ' +
      'Returns the paths (to pass to read_file) with sizes.',
    inputSchema: {
      type: 'object',
      properties: {
        glob: {
          type: 'string',
          minLength: 1,
          description:
            'Glob pattern, e.g. "*.sql", "**/test_*.py", "pipelines/**/*.yaml".'
        },
        path: {
          type: 'string',
          description: `Folder to search in (default: the active notebook's folder). ${PATH_DESCRIPTION}`
        }
      },
      required: ['glob'],
      additionalProperties: false
    },
    effect: 'read',
    defaultApproval: 'auto',
    describe: input =>
      `Find files matching ${input.glob ?? '?'}${input.path ? ` in ${input.path}` : ''}`,
    run: (input, context) =>
      guard(async () => {
        const service = filesOf(context);
        const glob = splitGlob(input.glob);
        if (!glob.pattern) {
          throw new FileToolError('The glob is empty.');
        }
        const root = service.resolve(globFolder(input.path, glob));
        const matches = globMatcher(glob.pattern, glob.matchBase);
        const stats = newWalkStats();
        const found: IContentsEntry[] = [];
        let more = 0;
        const walk = walkFiles(
          service,
          root,
          {
            signal: context.signal,
            deadline: service.now() + service.limits.searchTimeMs,
            maxDepth: depthOf(glob.pattern, glob.matchBase)
          },
          stats
        );
        for await (const file of walk) {
          if (matches(relativeToRoot(file.path, root))) {
            if (found.length < service.limits.listMaxEntries) {
              found.push(file);
            } else {
              more++;
            }
          }
        }
        const lines = [
          found.length
            ? `${plural(found.length + more, 'file')} matching ${input.glob} in ${folderName(service, root)}:`
            : `No files matching ${input.glob} in ${folderName(service, root)}.`
        ];
        const note = service.baseNote();
        if (note) {
          lines.push(note);
        }
        found.forEach(file =>
          lines.push(
            `${service.display(file.path)}  (${formatBytes(file.size)})`
          )
        );
        if (more) {
          lines.push(`… ${more} more not shown; use a narrower pattern.`);
        }
        for (const extra of [
          walkStopNote(stats, service),
          skippedNote(stats, path => service.display(path)),
          excludedNote(stats)
        ]) {
          if (extra) {
            lines.push(extra);
          }
        }
        return { content: lines.join('\n') };
      })
  });
}
