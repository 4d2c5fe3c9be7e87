/** @jest-environment node */
import { ContentsSnapshotStore, IChangeRecord, MemorySnapshotStore } from '..';
import { FakeContents, setup } from './fakeContents';

/** A record as a forged or damaged snapshot file could hold it. */
function record(id: string, fields: Partial<IChangeRecord>): IChangeRecord {
  return {
    id,
    chatId: 'chat-1',
    path: 'a.txt',
    kind: 'edit',
    before: 'old',
    after: 'new',
    at: 1000,
    ...fields
  } as IChangeRecord;
}

async function forged(
  records: IChangeRecord[],
  files: Record<string, string> = {},
  limits = {}
) {
  const snapshots = new MemorySnapshotStore();
  for (const r of records) {
    await snapshots.put(r);
  }
  const env = setup({
    files: { 'a.txt': 'new', ...files },
    snapshots,
    allowHidden: true,
    limits
  });
  env.contents.calls = [];
  return env;
}

describe('undo records are checked before Undo all writes anything', () => {
  it.each([
    [
      'a path outside the root',
      { path: '../../etc/profile' },
      'not a path inside the server root'
    ],
    [
      'an absolute path',
      { path: '/etc/passwd' },
      'not a path inside the server root'
    ],
    [
      'a path that is not normalised',
      { path: 'etl/./../a.txt' },
      'not a normalised server path'
    ],
    [
      'a saved chat',
      { path: '.jupyter/chats/other.json' },
      "protected (the assistant's saved chats)"
    ],
    [
      'a snapshot',
      { path: 'data-engineer-snapshots/chat-1/x.json' },
      "protected (the assistant's undo snapshots)"
    ],
    [
      "Jupyter's runtime",
      { path: '.local/share/jupyter/runtime/jpserver-1.json' },
      'protected'
    ],
    [
      'a rename from outside',
      {
        kind: 'rename',
        path: 'b.txt',
        oldPath: '../x',
        before: null,
        after: null
      },
      'original path'
    ],
    [
      'oversized content',
      { before: 'x'.repeat(2048) },
      'larger than undo snapshots may be'
    ],
    ['an edit without content', { before: null }, 'no content to restore']
  ])(
    'refuses %s, and then writes nothing at all',
    async (_label, fields, message) => {
      const good = record('good', { at: 2000 });
      const bad = record('bad', {
        at: 1000,
        ...(fields as Partial<IChangeRecord>)
      });
      const { service, contents } = await forged(
        [bad, good],
        {},
        { snapshotMaxBytes: 1024 }
      );
      const results = await service.changeLog.undoAll('chat-1');
      expect(results.find(r => r.id === 'bad')).toMatchObject({
        ok: false,
        message: expect.stringContaining(message)
      });
      expect(results.find(r => r.id === 'good')).toMatchObject({
        ok: false,
        message: expect.stringContaining('nothing was written')
      });
      expect(contents.writes).toEqual([]);
      expect(contents.text('a.txt')).toBe('new');
      // One by one, the bad record is refused too.
      expect((await service.changeLog.undo('bad')).message).toContain(
        'This undo record was refused and nothing was written'
      );
      expect(contents.writes).toEqual([]);
    }
  );

  it('undoes valid records as before', async () => {
    const { service, contents } = await forged([record('good', {})]);
    expect((await service.changeLog.undoAll('chat-1'))[0]).toMatchObject({
      ok: true
    });
    expect(contents.text('a.txt')).toBe('old');
  });

  it('refuses records whose path leads outside the root through a symlink', async () => {
    const snapshots = new MemorySnapshotStore();
    await snapshots.put(record('linked', { path: 'link/a.txt' }));
    const { service, contents } = setup({
      files: { 'link/a.txt': 'new' },
      snapshots,
      service: {
        rootCheck: {
          outside: async paths =>
            new Set(paths.filter(p => p.startsWith('link/')))
        }
      }
    });
    contents.calls = [];
    const [result] = await service.changeLog.undoAll('chat-1');
    expect(result.message).toContain(
      'link/a.txt leads outside the server root through a symbolic link'
    );
    expect(contents.writes).toEqual([]);
  });
});

describe('snapshot size and retention', () => {
  it('refuses a change too large to snapshot, before writing anything', async () => {
    const { ok, fails, contents } = setup({
      files: { 'a.txt': 'small\n' },
      limits: { snapshotMaxBytes: 100 }
    });
    await ok('read_file', { path: 'a.txt' });
    contents.calls = [];
    expect(
      await fails('write_file', { path: 'a.txt', content: 'y'.repeat(500) })
    ).toContain('too large to keep an undo snapshot');
    expect(contents.writes).toEqual([]);
  });

  it('the store refuses to write an oversized record file, and skips one on disk', async () => {
    const contents = new FakeContents();
    const store = new ContentsSnapshotStore({ contents, maxChars: () => 500 });
    await expect(
      store.put(record('big', { before: 'x'.repeat(600) }))
    ).rejects.toThrow('more than the 0 KB allowed');
    await store.put(record('ok', {}));
    contents.put(
      '.jupyter/data-engineer/snapshots/chat-1/huge.json',
      JSON.stringify(record('huge', { before: 'x'.repeat(3000) }))
    );
    expect((await store.list('chat-1')).map(r => r.id)).toEqual(['ok']);
  });

  it('prunes records older than the retention, by file time, and keeps newer ones', async () => {
    const contents = new FakeContents();
    const day = 24 * 60 * 60 * 1000;
    const now = contents.clock;
    contents.put(
      '.jupyter/data-engineer/snapshots/chat-a/old.json',
      '{}',
      now - 40 * day
    );
    contents.put(
      '.jupyter/data-engineer/snapshots/chat-a/new.json',
      '{}',
      now - 2 * day
    );
    contents.put(
      '.jupyter/data-engineer/snapshots/chat-b/older.json',
      '{}',
      now - 31 * day
    );
    contents.put(
      'data-engineer-snapshots/chat-c/old.json',
      '{}',
      now - 90 * day
    );
    let days = 30;
    const store = new ContentsSnapshotStore({
      contents,
      retentionDays: () => days,
      now: () => now
    });
    expect(await store.prune()).toBe(3);
    expect(contents.paths().filter(p => p.endsWith('.json'))).toEqual([
      '.jupyter/data-engineer/snapshots/chat-a/new.json'
    ]);
    days = 0; // keep for ever
    contents.put(
      '.jupyter/data-engineer/snapshots/chat-a/ancient.json',
      '{}',
      now - 900 * day
    );
    expect(await store.prune()).toBe(0);
    expect(
      contents.exists('.jupyter/data-engineer/snapshots/chat-a/ancient.json')
    ).toBe(true);
  });

  it('prunes once, on the first write of the page', async () => {
    const contents = new FakeContents();
    const now = contents.clock;
    contents.put(
      '.jupyter/data-engineer/snapshots/chat-z/old.json',
      '{}',
      now - 100 * 24 * 60 * 60 * 1000
    );
    const store = new ContentsSnapshotStore({
      contents,
      retentionDays: () => 30,
      now: () => now
    });
    await store.put(record('fresh', {}));
    await new Promise(resolve => setTimeout(resolve, 50));
    expect(
      contents.exists('.jupyter/data-engineer/snapshots/chat-z/old.json')
    ).toBe(false);
    expect(
      contents.exists('.jupyter/data-engineer/snapshots/chat-1/fresh.json')
    ).toBe(true);
  });
});

describe('the snapshot cap counts bytes, not base64 characters', () => {
  it('deletes (and can undo) a binary file just under the limit', async () => {
    const bytes = Buffer.alloc(900, 0xff); // 1200 base64 characters
    const { ok, contents, service } = setup({
      files: { 'img.bin': bytes },
      limits: { snapshotMaxBytes: 1000 }
    });
    expect(await ok('delete_file', { path: 'img.bin' })).toContain(
      'Deleted img.bin'
    );
    const [change] = await service.changeLog.changes('chat-1');
    expect((await service.changeLog.undo(change.id)).ok).toBe(true);
    expect(contents.bytes('img.bin')!.equals(bytes)).toBe(true);
  });
});
