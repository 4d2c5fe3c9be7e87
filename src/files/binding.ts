import type { IToolContext } from '../tools/types';
import { FileToolError } from './common';
import { IFileStamp, sameStamp, stampOf } from './conflicts';
import type { FilesService } from './service';
import { NOTHING_WRITTEN } from './writeChecks';

/**
 * Approvals of file changes bound to what the card showed (issue 12,
 * item 4). When the card is built, a file tool resolves its paths (relative
 * paths against the active notebook's folder *then*), reads the file and
 * plans the change; the approved call writes exactly that change to exactly
 * those paths, and is refused when the file on disk is no longer the version
 * the card showed (edited, created or deleted between the card and the
 * click). Without a binding (a direct call) the tools plan at run time.
 */

/** What a file tool call was approved for. */
export interface IFileBinding<P = unknown> {
  kind: 'files';
  /** The server paths the card showed, by input name (`path`, `old_path`, `new_path`). */
  paths: Record<string, string>;
  /** The version of the file the card showed; null when it did not exist; absent when not checked (renames). */
  shown?: IFileStamp | null;
  /** The planned change the card's diff shows (writes and edits). */
  plan?: P;
  /** Size of the file the card showed (deletions). */
  size?: number | null;
}

/** The file binding in a context, if the session made one for this call. */
export function fileBindingOf<P>(
  context: IToolContext | undefined
): IFileBinding<P> | null {
  const binding = context?.binding as IFileBinding<P> | undefined;
  return binding && binding.kind === 'files' ? binding : null;
}

/** A bound server path, or null (no binding, or not this input). */
export function boundPath(
  context: IToolContext | undefined,
  name: string
): string | null {
  return fileBindingOf(context)?.paths[name] ?? null;
}

/** The stamp a card shows for an existing file (hashed when small enough), or null when absent. */
export async function shownVersion(
  service: FilesService,
  path: string
): Promise<IFileStamp | null> {
  const entry = await service.files.statHashed(path);
  return entry ? stampOf(entry) : null;
}

/**
 * At run time: the file on disk is still the version the card showed
 * (`shown` null: still absent). Throws a `FileToolError` saying what
 * changed; nothing has been written then.
 */
export async function checkShown(
  service: FilesService,
  path: string,
  shown: IFileStamp | null,
  nothing = NOTHING_WRITTEN
): Promise<void> {
  const entry = await service.files.statHashed(path);
  const shownPath = service.display(path);
  const again =
    'Call the tool again so the user can approve the change on what is there now.';
  if (shown === null) {
    if (entry) {
      throw new FileToolError(
        `${shownPath} was created after the approval card was shown (the card showed a new file). ${nothing} Read it with read_file, then decide.`
      );
    }
    return;
  }
  if (!entry) {
    throw new FileToolError(
      `${shownPath} was deleted after the approval card was shown. ${nothing} ${again}`
    );
  }
  if (!sameStamp(shown, stampOf(entry))) {
    throw new FileToolError(
      `${shownPath} changed on disk after the approval card was shown, so what the user approved is not what would happen now. ${nothing} ` +
        `Read it again with read_file; ${again.charAt(0).toLowerCase()}${again.slice(1)}`
    );
  }
}
