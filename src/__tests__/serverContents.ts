import { FakeContents } from './fakeContents';

/**
 * The fake contents service answers saves and renames with the file's model
 * (`last_modified` included), as jupyter_server does.
 */
export class ServerContents extends FakeContents {}

/** A contents service whose saves and renames answer nothing (the store must ask for `last_modified`). */
export class BareContents extends FakeContents {
  async save(...args: Parameters<FakeContents['save']>): Promise<any> {
    await super.save(...args);
    return undefined;
  }

  async rename(...args: Parameters<FakeContents['rename']>): Promise<any> {
    await super.rename(...args);
    return undefined;
  }
}
