import { defineTool, ToolInput } from '../tools/schema';
import { fenced, inlineCode } from '../markdown/markdown';
import {
  FileToolError,
  formatBytes,
  guard,
  plural,
  throwIfAborted
} from './common';
import { IFileStamp, sameStamp, stampOf } from './conflicts';
import { isInside, languageOfPath } from './paths';
import { ServiceLookup, writeRisk, writeRiskOfPaths } from './access';
import {
  boundPath,
  checkShown,
  fileBindingOf,
  IFileBinding,
  shownVersion
} from './binding';
import { PATH_DESCRIPTION } from './readTools';
import { filesOf, FilesService } from './service';
import {
  applyEdit,
  describeLineChanges,
  dominantEol,
  numberLine,
  splitLines,
  withEol
} from './text';
import {
  changeData,
  checkKnown,
  filePath,
  recheck,
  refuseNotebook,
  assertWritable,
  safePreview,
  viaEditorNote,
  writeTracked
} from './writeChecks';

type IWriteInput = ToolInput<ReturnType<typeof writeFileTool>>;
type IEditInput = ToolInput<ReturnType<typeof editFileTool>>;

/**
 * Tools that change files: write, edit, rename, delete. Every change is conflict-checked (the file must
 * be as the assistant last read it), snapshotted before it is made (so the
 * user can undo it), and goes through the open editor when there is one.
 */

/** The numbered lines around an edit, so the model sees the result. */
function excerpt(text: string, fromLine: number, lineCount: number): string {
  const lines = splitLines(text);
  const start = Math.max(1, fromLine - 3);
  const end = Math.min(lines.length, fromLine + lineCount + 2, start + 40);
  const out: string[] = [];
  for (let line = start; line <= end; line++) {
    out.push(
      numberLine(
        line,
        lines[line - 1].length > 300
          ? `${lines[line - 1].slice(0, 300)}…`
          : lines[line - 1]
      )
    );
  }
  return out.join('\n');
}

/** The server paths of a rename, checked (not the root, not the same). */
function renamePaths(
  service: FilesService,
  oldPath: string,
  newPath: string
): { old_path: string; new_path: string } {
  const from = service.resolve(oldPath);
  const to = service.resolve(newPath);
  if (!from || !to) {
    throw new FileToolError(
      'The server root cannot be renamed, nor anything renamed to it.'
    );
  }
  if (from === to) {
    throw new FileToolError('old_path and new_path are the same file.');
  }
  return { old_path: from, new_path: to };
}

/** What a write will do. */
interface IWritePlan {
  path: string;
  exists: boolean;
  before: string;
  after: string;
  stamp?: IFileStamp;
}

async function planWrite(
  service: FilesService,
  input: IWriteInput,
  lookup: ServiceLookup | undefined
): Promise<IWritePlan> {
  const path = filePath(service, input.path);
  refuseNotebook(service, path, 'write_file');
  await assertWritable(service, [{ path, input: input.path }], 'write', lookup);
  const entry = await service.files.stat(path);
  if (entry?.type === 'directory') {
    throw new FileToolError(`${service.display(path)} is a folder.`);
  }
  if (!entry) {
    return { path, exists: false, before: '', after: input.content };
  }
  const file = await service.files.readText(path, 'replace');
  // The model sees lines, not line endings: keep a CRLF file CRLF.
  const crlf =
    dominantEol(file.text) === '\r\n' && !input.content.includes('\r\n');
  return {
    path,
    exists: true,
    before: file.text,
    after: crlf ? withEol(input.content, '\r\n') : input.content,
    stamp: file.stamp
  };
}

/** What an edit will do. */
interface IEditPlan {
  path: string;
  before: string;
  after: string;
  stamp: IFileStamp;
  count: number;
  lines: number[];
  replacementLines: number;
}

/** `check` sees the version read before the edit is computed (the run's conflict check). */
async function planEdit(
  service: FilesService,
  input: IEditInput,
  lookup: ServiceLookup | undefined,
  check?: (path: string, stamp: IFileStamp) => void
): Promise<IEditPlan> {
  const path = filePath(service, input.path);
  refuseNotebook(service, path, 'edit_file');
  await assertWritable(service, [{ path, input: input.path }], 'write', lookup);
  const entry = await service.files.stat(path);
  if (!entry) {
    throw new FileToolError(
      `${service.display(path)} does not exist. Create it with write_file.`
    );
  }
  const file = await service.files.readText(path, 'edit');
  check?.(path, file.stamp);
  const outcome = applyEdit(
    file.text,
    input.old_text,
    input.new_text,
    !!input.replace_all,
    service.display(path)
  );
  return {
    path,
    before: file.text,
    after: outcome.text,
    stamp: file.stamp,
    ...outcome
  };
}

export function writeFileTool(lookup?: ServiceLookup) {
  return defineTool({
    name: 'write_file',
    group: 'files-edit',
    description:
      'Create a text file, or replace all of an existing one (read it first with read_file; the write is refused if it changed since). ' +
      'Missing folders are created. For changes to part of a file use edit_file. Not for notebooks (use the notebook tools). ' +
      'The user sees a diff before it is written and can undo it.',
    inputSchema: {
      type: 'object',
      properties: {
        path: {
          type: 'string',
          minLength: 1,
          description: `File to write. ${PATH_DESCRIPTION}`
        },
        content: {
          type: 'string',
          description: 'The complete new content of the file.'
        }
      },
      required: ['path', 'content'],
      additionalProperties: false
    },
    describe: input => `Write ${input.path ?? 'a file'}`,
    inputMarkdown: input =>
      typeof input.content === 'string'
        ? fenced(input.content, languageOfPath(input.path))
        : null,
    effect: 'write',
    defaultApproval: 'ask',
    riskOf: (input, context) => {
      const bound = boundPath(context, 'path');
      return bound
        ? writeRiskOfPaths(lookup, 'write', bound)
        : writeRisk(lookup, 'write', input.path);
    },
    // The card's diff is planned once, here; the approved run writes exactly it.
    bind: async (input, context): Promise<IFileBinding<IWritePlan>> => {
      const plan = await planWrite(filesOf(context), input, lookup);
      return {
        kind: 'files',
        paths: { path: plan.path },
        shown: plan.exists ? (plan.stamp ?? {}) : null,
        plan
      };
    },
    preview: (input, context) =>
      safePreview(`Write ${input.path ?? 'a file'}`, async () => {
        const service = filesOf(context);
        const plan: IWritePlan =
          fileBindingOf<IWritePlan>(context)?.plan ??
          (await planWrite(service, input, lookup));
        return {
          summary: `${plan.exists ? 'Replace' : 'Create'} ${plan.path}`,
          diff: { path: plan.path, before: plan.before, after: plan.after }
        };
      }),
    run: (input, context) =>
      guard(async () => {
        const service = filesOf(context);
        return service.changeLog.exclusive(async () => {
          throwIfAborted(context.signal);
          const bound = fileBindingOf<IWritePlan>(context)?.plan;
          let plan: IWritePlan;
          if (bound) {
            plan = bound;
            await assertWritable(
              service,
              [{ path: plan.path, bound: true }],
              'write',
              lookup
            );
            await checkShown(
              service,
              plan.path,
              plan.exists ? (plan.stamp ?? {}) : null
            );
          } else {
            plan = await planWrite(service, input, lookup);
          }
          const shown = service.display(plan.path);
          if (plan.exists) {
            checkKnown(service, plan.path, plan.stamp!, 'replacing');
            if (plan.before === plan.after) {
              return {
                content: `${shown} already has exactly this content; nothing was changed.`
              };
            }
          }
          throwIfAborted(context.signal);
          const { record, viaEditor } = await writeTracked(service, {
            path: plan.path,
            kind: plan.exists ? 'write' : 'create',
            before: plan.exists ? plan.before : null,
            after: plan.after,
            stamp: plan.stamp
          });
          const lines = plural(splitLines(plan.after).length, 'line');
          const what = plan.exists
            ? `Replaced ${shown} (${await describeLineChanges(plan.before, record.after ?? '')}).`
            : `Created ${shown} (${lines}).`;
          return {
            content: `${what} Change ${record.id}.${viaEditorNote(viaEditor)}`,
            data: changeData(record)
          };
        });
      })
  });
}

export function editFileTool(lookup?: ServiceLookup) {
  return defineTool({
    name: 'edit_file',
    group: 'files-edit',
    description:
      'Replace an exact piece of text in a file: old_text must match the file exactly (indentation and whitespace included, ' +
      'without the line numbers read_file shows) and exactly once, unless replace_all is true. Read the file first; the edit is ' +
      'refused if it changed since. Line endings (LF/CRLF) are kept. Not for notebooks (use edit_cell). The user sees a diff and can undo it.',
    inputSchema: {
      type: 'object',
      properties: {
        path: {
          type: 'string',
          minLength: 1,
          description: `File to edit. ${PATH_DESCRIPTION}`
        },
        old_text: {
          type: 'string',
          minLength: 1,
          description:
            'The exact text to replace, with enough surrounding lines to be unique.'
        },
        new_text: {
          type: 'string',
          description: 'The text to put in its place (empty to delete it).'
        },
        replace_all: {
          type: 'boolean',
          description: 'Replace every occurrence of old_text (default false).'
        }
      },
      required: ['path', 'old_text', 'new_text'],
      additionalProperties: false
    },
    describe: input => `Edit ${input.path ?? 'a file'}`,
    inputMarkdown: input => {
      if (
        typeof input.old_text !== 'string' ||
        typeof input.new_text !== 'string'
      ) {
        return null;
      }
      const language = languageOfPath(input.path);
      return [
        `Replace in ${inlineCode(input.path ?? '')}:`,
        fenced(input.old_text, language),
        'with:',
        fenced(input.new_text, language)
      ].join('\n\n');
    },
    effect: 'write',
    defaultApproval: 'ask',
    riskOf: (input, context) => {
      const bound = boundPath(context, 'path');
      return bound
        ? writeRiskOfPaths(lookup, 'write', bound)
        : writeRisk(lookup, 'write', input.path);
    },
    bind: async (input, context): Promise<IFileBinding<IEditPlan>> => {
      const plan = await planEdit(filesOf(context), input, lookup);
      return {
        kind: 'files',
        paths: { path: plan.path },
        shown: plan.stamp,
        plan
      };
    },
    preview: (input, context) =>
      safePreview(`Edit ${input.path}`, async () => {
        const service = filesOf(context);
        const plan: IEditPlan =
          fileBindingOf<IEditPlan>(context)?.plan ??
          (await planEdit(service, input, lookup));
        const where =
          plan.count === 1 ? `line ${plan.lines[0]}` : `${plan.count} places`;
        return {
          summary: `Edit ${plan.path} at ${where}`,
          diff: { path: plan.path, before: plan.before, after: plan.after }
        };
      }),
    run: (input, context) =>
      guard(async () => {
        const service = filesOf(context);
        return service.changeLog.exclusive(async () => {
          throwIfAborted(context.signal);
          const bound = fileBindingOf<IEditPlan>(context)?.plan;
          let plan: IEditPlan;
          if (bound) {
            // The edit the card showed, on the version it showed.
            plan = bound;
            await assertWritable(
              service,
              [{ path: plan.path, bound: true }],
              'write',
              lookup
            );
            await checkShown(service, plan.path, plan.stamp);
            checkKnown(service, plan.path, plan.stamp, 'editing');
          } else {
            plan = await planEdit(service, input, lookup, (path, stamp) =>
              checkKnown(service, path, stamp, 'editing')
            );
          }
          const path = plan.path;
          throwIfAborted(context.signal);
          const { record, viaEditor } = await writeTracked(service, {
            path,
            kind: 'edit',
            before: plan.before,
            after: plan.after,
            stamp: plan.stamp
          });
          const shown = service.display(path);
          const where =
            plan.count === 1
              ? `line ${plan.lines[0]}`
              : `${plan.count} places (lines ${plan.lines.join(', ')})`;
          return {
            content: [
              `Edited ${shown} at ${where} (${await describeLineChanges(plan.before, record.after ?? '')}). Change ${record.id}.${viaEditorNote(viaEditor)}`,
              excerpt(record.after ?? '', plan.lines[0], plan.replacementLines)
            ].join('\n'),
            data: changeData(record)
          };
        });
      })
  });
}

export function renameFileTool(lookup?: ServiceLookup) {
  return defineTool({
    name: 'rename_file',
    group: 'files-edit',
    description:
      'Rename or move a file or folder (missing target folders are created). Never overwrites: fails if new_path exists. ' +
      'The user can undo it (renamed back).',
    inputSchema: {
      type: 'object',
      properties: {
        old_path: {
          type: 'string',
          minLength: 1,
          description: `The current path. ${PATH_DESCRIPTION}`
        },
        new_path: {
          type: 'string',
          minLength: 1,
          description: 'The new path (same rules).'
        }
      },
      required: ['old_path', 'new_path'],
      additionalProperties: false
    },
    describe: input =>
      `Rename ${input.old_path ?? '?'} → ${input.new_path ?? '?'}`,
    effect: 'write',
    defaultApproval: 'ask',
    riskOf: (input, context) => {
      const from = boundPath(context, 'old_path');
      const to = boundPath(context, 'new_path');
      return from !== null && to !== null
        ? writeRiskOfPaths(lookup, 'rename', from, to)
        : writeRisk(lookup, 'rename', input.old_path, input.new_path);
    },
    // Both paths as resolved for the card (relative ones against the active notebook's folder then).
    bind: (input, context): IFileBinding => {
      const service = filesOf(context);
      return {
        kind: 'files',
        paths: renamePaths(service, input.old_path, input.new_path)
      };
    },
    preview: (input, context) =>
      safePreview(`Rename ${input.old_path} → ${input.new_path}`, async () => {
        const service = filesOf(context);
        const bound = fileBindingOf(context)?.paths;
        const { old_path: from, new_path: to } =
          bound ?? renamePaths(service, input.old_path, input.new_path);
        return { summary: `Rename ${from} → ${to}` };
      }),
    run: (input, context) =>
      guard(async () => {
        const service = filesOf(context);
        return service.changeLog.exclusive(async () => {
          throwIfAborted(context.signal);
          const chatId = service.chatId;
          const bound = fileBindingOf(context)?.paths;
          const { old_path: from, new_path: to } =
            bound ?? renamePaths(service, input.old_path, input.new_path);
          await assertWritable(
            service,
            [
              { path: from, input: input.old_path, bound: !!bound },
              { path: to, input: input.new_path, bound: !!bound }
            ],
            'rename',
            lookup
          );
          const entry = await service.files.stat(from);
          if (!entry) {
            throw service.files.toError({ status: 404 }, from, 'rename');
          }
          if (entry.type === 'directory' && isInside(to, from)) {
            throw new FileToolError('A folder cannot be moved into itself.');
          }
          if (await service.files.stat(to)) {
            throw new FileToolError(
              `${service.display(to)} already exists; rename_file never overwrites. Choose another name, or delete it first.`
            );
          }
          const stamp = entry.type === 'directory' ? undefined : stampOf(entry);
          const record = await service.changeLog.track(
            chatId,
            {
              path: to,
              oldPath: from,
              kind: 'rename',
              before: null,
              after: null,
              ...(stamp ? { stamp } : {})
            },
            async () => {
              await service.files.rename(from, to);
            }
          );
          service.tracker.move(chatId, from, to);
          return {
            content: `Renamed ${service.display(from)} to ${service.display(to)}. Change ${record.id}.`,
            data: changeData(record)
          };
        });
      })
  });
}

export function deleteFileTool(lookup?: ServiceLookup) {
  return defineTool({
    name: 'delete_file',
    group: 'files-edit',
    description:
      'Delete one file (not folders). A copy is kept so the user can undo it; files larger than 10 MB are not deleted. ' +
      'Refused when the file has unsaved changes in an editor.',
    inputSchema: {
      type: 'object',
      properties: {
        path: {
          type: 'string',
          minLength: 1,
          description: `File to delete. ${PATH_DESCRIPTION}`
        }
      },
      required: ['path'],
      additionalProperties: false
    },
    describe: input => `Delete ${input.path ?? 'a file'}`,
    effect: 'write',
    defaultApproval: 'ask',
    riskOf: (input, context) => {
      const bound = boundPath(context, 'path');
      return bound
        ? writeRiskOfPaths(lookup, 'delete', bound)
        : writeRisk(lookup, 'delete', input.path);
    },
    // The file the card names, and its version then: a file changed after the card is not deleted.
    bind: async (input, context): Promise<IFileBinding> => {
      const service = filesOf(context);
      const path = filePath(service, input.path);
      await assertWritable(
        service,
        [{ path, input: input.path }],
        'delete',
        lookup
      );
      const entry = await service.files.stat(path);
      if (!entry) {
        throw service.files.toError({ status: 404 }, path, 'delete');
      }
      return {
        kind: 'files',
        paths: { path },
        shown:
          entry && entry.type !== 'directory'
            ? await shownVersion(service, path)
            : null,
        size: entry?.size ?? null
      };
    },
    preview: (input, context) =>
      safePreview(`Delete ${input.path}`, async () => {
        const service = filesOf(context);
        const bound = fileBindingOf(context);
        if (bound) {
          const path = bound.paths.path;
          return {
            summary: bound.shown
              ? `Delete ${path} (${formatBytes(bound.size)})`
              : `Delete ${path} (a folder: will fail)`
          };
        }
        const path = filePath(service, input.path);
        const entry = await service.files.stat(path);
        return {
          summary: entry
            ? `Delete ${path} (${formatBytes(entry.size)})`
            : `Delete ${path} (does not exist)`
        };
      }),
    run: (input, context) =>
      guard(async () => {
        const service = filesOf(context);
        return service.changeLog.exclusive(async () => {
          throwIfAborted(context.signal);
          const chatId = service.chatId;
          const bound = fileBindingOf(context);
          const path = bound?.paths.path ?? filePath(service, input.path);
          const shown = service.display(path);
          await assertWritable(
            service,
            [{ path, input: input.path, bound: !!bound }],
            'delete',
            lookup
          );
          const entry = await service.files.stat(path);
          if (!entry) {
            throw service.files.toError({ status: 404 }, path, 'delete');
          }
          if (bound && !bound.shown && entry.type !== 'directory') {
            throw new FileToolError(
              `${shown} was not a file when the approval card was shown, so it was not deleted. Call the tool again.`
            );
          }
          if (entry.type === 'directory') {
            throw new FileToolError(
              `${shown} is a folder; delete_file only deletes files (so that every deletion can be undone). Ask the user to delete folders.`
            );
          }
          if ((entry.size ?? 0) > service.limits.snapshotMaxBytes) {
            throw new FileToolError(
              `${shown} is ${formatBytes(entry.size)}, too large to keep an undo copy, so it was not deleted. Ask the user to delete it.`
            );
          }
          service.files.assertNotDirty(path);
          const raw = await service.files.readRaw(path, 'keep an undo copy of');
          if (bound?.shown && !sameStamp(bound.shown, raw.stamp)) {
            throw new FileToolError(
              `${shown} changed on disk after the approval card was shown, so it was not deleted. Read it again with read_file; ` +
                'call the tool again so the user can approve deleting what is there now.'
            );
          }
          throwIfAborted(context.signal);
          const record = await service.changeLog.track(
            chatId,
            {
              path,
              kind: 'delete',
              before: raw.content,
              after: null,
              encoding: raw.format
            },
            async () => {
              await recheck(service, path, raw.stamp);
              await service.files.delete(path);
            }
          );
          service.tracker.forget(chatId, path);
          return {
            content: `Deleted ${shown}. Change ${record.id}; the user can undo it.`,
            data: changeData(record)
          };
        });
      })
  });
}
