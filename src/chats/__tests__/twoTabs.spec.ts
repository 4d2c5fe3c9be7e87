/** @jest-environment node */
import { Signal } from '@lumino/signaling';
import { ChatFileError, ChatStore } from '../store';
import { ChatLock } from '../lock';
import { ChatModel } from '../chatModel';
import { ChatThreads, IThreadSession } from '../threads';
import { FakeContents } from '../../__tests__/fakeContents';

/** Two tabs on one chat never overwrite each other (issue 12, item 9). */

const FOLDER = '.jupyter/chats';

class Host implements IThreadSession {
  constructor(id: string) {
    this.model = new ChatModel({ id, createdAt: 1 });
  }
  model: ChatModel;
  modelChanged = new Signal<this, ChatModel>(this);
  busyChanged = new Signal<this, boolean>(this);
  busy = false;
  setModel(model: ChatModel) {
    this.model = model;
    this.modelChanged.emit(model);
  }
  stop() {
    /* never busy */
  }
}

const tick = (ms = 20) => new Promise(resolve => setTimeout(resolve, ms));

async function until(predicate: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (predicate()) {
      return;
    }
    await tick(10);
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('conditional save', () => {
  it('refuses to write over a chat file another tab saved since this tab read it', async () => {
    const contents = new FakeContents();
    const first = new ChatModel({ id: 'shared', createdAt: 1 });
    first.addUser('hello');
    await new ChatStore({ contents }).save(first.toJSON());

    const tabA = new ChatStore({ contents });
    const tabB = new ChatStore({ contents });
    const inA = ChatModel.fromJSON(await tabA.load('shared'));
    const inB = ChatModel.fromJSON(await tabB.load('shared'));
    inB.addUser('from tab B');
    await tabB.save(inB.toJSON());

    const checks: any[] = [];
    contents.before = (op, path, options) => {
      if (op === 'get' && path === `${FOLDER}/shared.json`) {
        checks.push(options);
      }
    };
    inA.addUser('from tab A');
    let error: unknown;
    try {
      await tabA.save(inA.toJSON());
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ChatFileError);
    expect((error as ChatFileError).kind).toBe('conflict');
    expect((error as Error).message).toMatch(
      /changed elsewhere \(another tab or window\)/
    );
    // Tab B's version is intact.
    const saved = JSON.parse(contents.files.get(`${FOLDER}/shared.json`)!);
    expect(saved.turns.map((t: any) => t.text)).toEqual([
      'hello',
      'from tab B'
    ]);
    // The check asked for metadata only: no content, no hash.
    expect(checks).toEqual([{ content: false }]);

    // After reading the new version, tab A saves again.
    const again = ChatModel.fromJSON(await tabA.load('shared'));
    again.addUser('from tab A, after reloading');
    await tabA.save(again.toJSON());
    expect(
      JSON.parse(contents.files.get(`${FOLDER}/shared.json`)!).turns
    ).toHaveLength(3);
  });
});

/**
 * The Web Locks of one browser, shared by the "tabs" of a test: exclusive locks,
 * `ifAvailable`, `steal` (the holder's request rejects) and `signal` (a waiting
 * request gives up).
 */
function webLocks(): LockManager {
  const holders = new Map<string, object>();
  const queues = new Map<string, Array<() => void>>();
  const abortError = () =>
    Object.assign(new Error('The lock request is aborted'), {
      name: 'AbortError'
    });
  const next = (name: string) => queues.get(name)?.shift()?.();
  const request = (
    name: string,
    options: LockOptions,
    callback: (lock: Lock | null) => unknown
  ) =>
    new Promise((resolve, reject) => {
      const take = () => {
        const holder = { steal: () => reject(abortError()) };
        holders.set(name, holder);
        Promise.resolve(callback({ name, mode: 'exclusive' } as Lock))
          .then(resolve, reject)
          .finally(() => {
            if (holders.get(name) === holder) {
              holders.delete(name);
              next(name);
            }
          });
      };
      const held = holders.get(name) as { steal: () => void } | undefined;
      if (options.steal) {
        held?.steal();
        take();
      } else if (!held) {
        take();
      } else if (options.ifAvailable) {
        Promise.resolve(callback(null)).then(resolve, reject);
      } else {
        const queue = queues.get(name) ?? [];
        queues.set(name, queue.concat(take));
        options.signal?.addEventListener('abort', () => {
          const waiting = queues.get(name) ?? [];
          if (waiting.includes(take)) {
            queues.set(
              name,
              waiting.filter(other => other !== take)
            );
            reject(abortError());
          }
        });
      }
    });
  return { request, query: async () => ({}) } as unknown as LockManager;
}

describe('one writer per chat (Web Locks)', () => {
  const locks: ChatLock[] = [];
  afterEach(() => {
    locks.splice(0).forEach(lock => lock.dispose());
  });

  it('without Web Locks, every tab writes', async () => {
    const lock = new ChatLock({ locks: null, channel: null });
    locks.push(lock);
    expect(await lock.hold('chat-1')).toBe('writer');
  });

  it('the second tab is a reader, takes over, and the first becomes a reader', async () => {
    const prefix = `test-lock-${Math.random()}:`;
    const browser = webLocks();
    const a = new ChatLock({ locks: browser, prefix });
    const b = new ChatLock({ locks: browser, prefix });
    const c = new ChatLock({ locks: browser, prefix });
    locks.push(a, b, c);
    expect(await a.hold('chat-1')).toBe('writer');
    expect(await b.hold('chat-1')).toBe('reader');
    expect(await c.hold('chat-2')).toBe('writer');
    await b.takeOver();
    expect(b.state).toBe('writer');
    await until(() => a.state === 'reader', 'a to become a reader');
    b.release();
    await until(() => a.state === 'writer', 'a to become the writer again');
  });

  it('threads: a reader tab writes nothing, follows the writer, and takes over from the file', async () => {
    const contents = new FakeContents();
    const prefix = `test-threads-${Math.random()}:`;
    const browser = webLocks();
    const lockA = new ChatLock({ locks: browser, prefix });
    const lockB = new ChatLock({ locks: browser, prefix });
    locks.push(lockA, lockB);
    const hostA = new Host('shared');
    const threadsA = new ChatThreads({
      session: hostA,
      store: new ChatStore({ contents }),
      lock: lockA,
      debounceMs: 1
    });
    await threadsA.whenLocked();
    expect(threadsA.readOnly).toBe(false);
    hostA.model.addUser('first message');
    await threadsA.flush();

    // Tab B reopens the same chat (as after a reload: same id, empty model).
    const hostB = new Host('shared');
    const threadsB = new ChatThreads({
      session: hostB,
      store: new ChatStore({ contents }),
      lock: lockB,
      debounceMs: 1
    });
    await threadsB.restore('shared');
    await threadsB.whenLocked();
    expect(threadsB.readOnly).toBe(true);
    expect(hostB.model.turns).toHaveLength(1);

    // Whatever changes in the reader tab, it writes nothing.
    const writes = contents.ops.length;
    hostB.model.addUser('typed in the read-only tab');
    await threadsB.flush();
    await tick(30);
    expect(
      contents.ops
        .slice(writes)
        .filter(op => op.startsWith('save') || op.startsWith('rename'))
    ).toEqual([]);

    // The writer saves: the reader shows the new version.
    hostA.model.addUser('second message');
    await threadsA.flush();
    await until(
      () => (hostB.model.turns[1] as any)?.text === 'second message',
      'tab B to follow'
    );
    expect(hostB.model.turns.map((t: any) => t.text)).toEqual([
      'first message',
      'second message'
    ]);

    // Tab B takes over: tab A becomes read-only, B writes (from the file's version).
    await threadsB.takeOver();
    await until(
      () => threadsA.readOnly && !threadsB.readOnly,
      'the roles to swap'
    );
    await tick(30);
    hostB.model.addUser('third, from tab B');
    await threadsB.flush();
    const saved = JSON.parse(contents.files.get(`${FOLDER}/shared.json`)!);
    expect(saved.turns.map((t: any) => t.text)).toEqual([
      'first message',
      'second message',
      'third, from tab B'
    ]);
    expect(threadsB.problem).toBeNull();
    threadsA.dispose();
    threadsB.dispose();
  });
});
