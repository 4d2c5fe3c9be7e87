import { FakeContents } from './fakeContents';

/**
 * The fake contents service, answering saves and renames with the file's
 * model as jupyter_server does (`last_modified` included), so the store
 * needs no extra request to learn it.
 */
export class ServerContents extends FakeContents {
  async save(...args: Parameters<FakeContents['save']>): Promise<unknown> {
    await super.save(...args);
    return this._model(args[0]);
  }

  async rename(oldPath: string, newPath: string): Promise<unknown> {
    await super.rename(oldPath, newPath);
    return this._model(newPath);
  }

  private _model(path: string): { path: string; last_modified?: string } {
    // The same clock as the fake's listings (its `_modified` is private).
    const modified = (this as any)._modified(path) as string;
    return { path, last_modified: this.files.has(path) ? modified : undefined };
  }
}
