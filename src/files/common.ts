import { statusOf } from '../contents/contents';
import { CANCELLED, guardFor, messageOf } from '../tools/guard';

export { CANCELLED, messageOf, statusOf };

/** What the file tools share: their error type, cancellation, small formatting helpers. */

/** The key of the files service (a `FilesService`) in `IToolContext.services`. */
export const FILES_SERVICE = 'files';

/** An expected failure the model should read (bad path, conflict, no match...). */
export class FileToolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FileToolError';
  }
}

/** Throw the "cancelled" tool error if the user pressed Stop. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new FileToolError(CANCELLED);
  }
}

/** Run a tool body, turning expected failures into error results. */
export const guard = guardFor(FileToolError);

/** "12 B", "3.4 KB", "2.0 MB". */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) {
    return '? B';
  }
  if (bytes < 1024) {
    return `${bytes} B`;
  }
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** "1 line", "3 lines". */
export function plural(
  count: number,
  word: string,
  pluralWord = `${word}s`
): string {
  return `${count} ${count === 1 ? word : pluralWord}`;
}

/** Serialises async operations: each runs after the previous one settled. */
export class Mutex {
  run<T>(body: () => Promise<T>): Promise<T> {
    const result = this._tail.then(body, body);
    this._tail = result.then(
      () => undefined,
      () => undefined
    );
    return result;
  }

  private _tail: Promise<void> = Promise.resolve();
}
