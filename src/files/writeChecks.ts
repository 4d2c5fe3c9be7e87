import type { IToolResultData } from '../tools/results';
import type { IToolPreview } from '../tools/types';
import { FileToolError, messageOf } from './common';
import { IFileStamp, sameStamp, stampOf } from './conflicts';
import {
  assertAllowed,
  assertInsideRoot,
  ServiceLookup,
  writeRisk,
  writeRiskOfPaths
} from './access';
import { extname } from './paths';
import type { ChangeKind, IChangeRecord } from './snapshots';
import type { FilesService } from './service';

/**
 * The checks every change to a file goes through: a file path inside the
 * root, no notebooks, the file as the assistant last saw it, a re-check
 * right before the write, and a snapshot recorded first.
 */

export const NOTHING_WRITTEN = 'Nothing was written.';

/** Why changing these paths is risky, or null (built-in rules; the tools use `writeRisk` with the settings). */
export function sensitivePathRisk(
  ...paths: Array<string | undefined>
): string | null {
  return writeRisk(undefined, 'write', ...paths);
}

/**
 * In `run`, for every path a change touches: refuse protected paths, ask-level
 * paths the approval step did not flag, and paths leading outside the root.
 */
export async function assertWritable(
  service: FilesService,
  entries: ReadonlyArray<{
    path: string;
    input?: string | undefined;
    bound?: boolean;
  }>,
  verb: 'write' | 'rename' | 'delete',
  lookup: ServiceLookup | undefined
): Promise<void> {
  for (const { path, input, bound } of entries) {
    // A bound path was resolved when the card was built; `riskOf` judged that very path.
    assertAllowed(
      service,
      path,
      'write',
      bound
        ? writeRiskOfPaths(lookup, verb, path)
        : writeRisk(lookup, verb, input)
    );
  }
  await assertInsideRoot(
    service,
    entries.map(entry => entry.path),
    'change'
  );
}

/** A path the model gave for a file (not a folder, not the root). */
export function filePath(service: FilesService, input: string): string {
  const path = service.resolve(input);
  if (!path || input.trim().endsWith('/')) {
    throw new FileToolError(`"${input}" is a folder path; give a file path.`);
  }
  return path;
}

/** Notebooks are changed through the notebook tools (their live model), never as JSON text. */
export function refuseNotebook(
  service: FilesService,
  path: string,
  tool: string
): void {
  if (extname(path) === '.ipynb') {
    throw new FileToolError(
      `${service.display(path)} is a notebook; ${tool} does not change notebooks. Use the notebook tools (edit_cell, insert_cell, delete_cell), or create_notebook for a new one.`
    );
  }
}

function conflictMessage(service: FilesService, path: string): string {
  return (
    `${service.display(path)} changed on disk since you last read it (edited by the user or by another program). ` +
    `Read it again with read_file and make your change on the current content. ${NOTHING_WRITTEN}`
  );
}

/** The existing file must be as the assistant last read or wrote it in this chat. */
export function checkKnown(
  service: FilesService,
  path: string,
  stamp: IFileStamp,
  what: string
): void {
  const known = service.tracker.known(service.chatId, path);
  if (!known) {
    throw new FileToolError(
      `${service.display(path)} already exists and you have not read it in this chat. Read it with read_file before ${what} it, so nothing in it is lost (or choose a new path). ${NOTHING_WRITTEN}`
    );
  }
  if (!sameStamp(known, stamp)) {
    throw new FileToolError(conflictMessage(service, path));
  }
}

/** Right before writing: the file is still the version the change was computed from (null: still absent). */
export async function recheck(
  service: FilesService,
  path: string,
  expected: IFileStamp | null
): Promise<void> {
  const entry = await service.files.statHashed(path);
  if (expected === null) {
    if (entry) {
      throw new FileToolError(
        `${service.display(path)} was created by someone else a moment ago. Read it, then decide. ${NOTHING_WRITTEN}`
      );
    }
    return;
  }
  if (!entry) {
    throw new FileToolError(
      `${service.display(path)} was deleted a moment ago. ${NOTHING_WRITTEN}`
    );
  }
  if (!sameStamp(expected, stampOf(entry))) {
    throw new FileToolError(conflictMessage(service, path));
  }
}

/** A text change, checked and planned. */
export interface ITextChange {
  path: string;
  kind: Extract<ChangeKind, 'create' | 'edit' | 'write'>;
  /** Current content; null when the file does not exist yet. */
  before: string | null;
  after: string;
  /** The version `before` was read from (absent for a new file). */
  stamp?: IFileStamp;
}

/**
 * Make a text change: refuse unsaved editor changes, record the snapshot,
 * re-check the file, write (through the open editor if any), and remember
 * the written version. Call inside `changeLog.exclusive`.
 */
export async function writeTracked(
  service: FilesService,
  change: ITextChange
): Promise<{ record: IChangeRecord; viaEditor: boolean }> {
  const chatId = service.chatId;
  service.files.assertNotDirty(change.path);
  let viaEditor = false;
  const record = await service.changeLog.track(
    chatId,
    {
      path: change.path,
      kind: change.kind,
      before: change.before,
      after: change.after
    },
    async () => {
      await recheck(
        service,
        change.path,
        change.before === null ? null : (change.stamp ?? {})
      );
      const written = await service.files.writeText(
        change.path,
        change.after,
        change.before
      );
      viaEditor = written.viaEditor;
      return { after: written.text, stamp: written.stamp };
    }
  );
  service.tracker.remember(chatId, change.path, record.stamp ?? {});
  return { record, viaEditor };
}

/** A preview that never fails: errors become the summary. */
export async function safePreview(
  label: string,
  body: () => Promise<IToolPreview>
): Promise<IToolPreview> {
  try {
    return await body();
  } catch (error) {
    return { summary: `${label} (will fail: ${messageOf(error)})` };
  }
}

/** What the model is told after a change made through an open editor. */
export function viaEditorNote(viaEditor: boolean): string {
  return viaEditor
    ? ' The file is open in an editor: the change was made there and saved (the user can undo it in the editor).'
    : '';
}

/** The result data of a tracked change: what Undo and the cards need. */
export function changeData(record: IChangeRecord): IToolResultData {
  return {
    change: {
      changeId: record.id,
      path: record.path,
      kind: record.kind,
      ...(record.oldPath ? { oldPath: record.oldPath } : {})
    }
  };
}
