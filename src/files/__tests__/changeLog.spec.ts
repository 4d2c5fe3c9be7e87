/** @jest-environment node */
import {
  ContentsSnapshotStore,
  FilesService,
  IChangeLogEvent,
  MemorySnapshotStore
} from '..';
import { FakeContents, setup } from './fakeContents';

async function changeIds(
  service: FilesService,
  chatId = 'chat-1'
): Promise<string[]> {
  return (await service.changeLog.changes(chatId)).map(change => change.id);
}

describe('undo', () => {
  it('restores the exact previous content of an edit, once, and announces it', async () => {
    const original = 'a = 1\r\nb = 2\r\n';
    const { ok, contents, service } = setup({ files: { 'a.py': original } });
    const events: IChangeLogEvent[] = [];
    service.changeLog.changed.connect((_, event) => events.push(event));
    await ok('read_file', { path: 'a.py' });
    await ok('edit_file', {
      path: 'a.py',
      old_text: 'b = 2',
      new_text: 'b = 3\nc = 4'
    });
    expect(contents.text('a.py')).toBe('a = 1\r\nb = 3\r\nc = 4\r\n');
    const [id] = await changeIds(service);
    const result = await service.changeLog.undo(id);
    expect(result).toMatchObject({ id, path: 'a.py', ok: true });
    expect(contents.bytes('a.py')!.equals(Buffer.from(original))).toBe(true);
    expect(events.map(e => e.type)).toEqual(['added', 'undone']);
    expect(
      (await service.changeLog.changes('chat-1'))[0].undoneAt
    ).toBeDefined();
    expect(await service.changeLog.undo(id)).toMatchObject({
      ok: false,
      message: expect.stringContaining('already undone')
    });
    expect(await service.changeLog.undo('nope')).toMatchObject({
      ok: false,
      message: 'No change with id nope is known.'
    });
  });

  it('removes a file the assistant created', async () => {
    const { ok, contents, service } = setup();
    await ok('write_file', { path: 'out/new.sql', content: 'select 1;\n' });
    const [id] = await changeIds(service);
    expect((await service.changeLog.undo(id)).message).toContain(
      'Removed out/new.sql'
    );
    expect(contents.exists('out/new.sql')).toBe(false);
  });

  it('restores a deleted file, binary files byte for byte', async () => {
    const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff, 0x10]);
    const { ok, contents, service } = setup({
      files: { 'notes.md': '# notes\n', 'img/plot.png': bytes }
    });
    await ok('delete_file', { path: 'notes.md' });
    await ok('delete_file', { path: 'img/plot.png' });
    expect(contents.exists('img/plot.png')).toBe(false);
    const [notes, plot] = await service.changeLog.changes('chat-1');
    expect(plot.encoding).toBe('base64');
    expect((await service.changeLog.undo(plot.id)).ok).toBe(true);
    expect((await service.changeLog.undo(notes.id)).ok).toBe(true);
    expect(contents.bytes('img/plot.png')!.equals(bytes)).toBe(true);
    expect(contents.text('notes.md')).toBe('# notes\n');
  });

  it('renames back', async () => {
    const { ok, contents, service } = setup({ files: { 'etl/a.py': 'a\n' } });
    await ok('rename_file', { old_path: 'etl/a.py', new_path: 'lib/b.py' });
    const [id] = await changeIds(service);
    expect((await service.changeLog.undo(id)).message).toBe(
      'Renamed lib/b.py back to etl/a.py.'
    );
    expect(contents.text('etl/a.py')).toBe('a\n');
    expect(contents.exists('lib/b.py')).toBe(false);
  });

  it('refuses after a later external change, unless forced', async () => {
    const { ok, contents, service } = setup({ files: { 'a.py': 'one\n' } });
    await ok('read_file', { path: 'a.py' });
    await ok('edit_file', { path: 'a.py', old_text: 'one', new_text: 'two' });
    contents.put('a.py', 'two\nthree  # the user\n');
    const [id] = await changeIds(service);
    const refused = await service.changeLog.undo(id);
    expect(refused).toMatchObject({ ok: false, conflict: true });
    expect(refused.message).toContain("changed after the assistant's change");
    expect(contents.text('a.py')).toBe('two\nthree  # the user\n');
    expect(
      (await service.changeLog.changes('chat-1'))[0].undoneAt
    ).toBeUndefined();
    expect(await service.changeLog.undo(id, { force: true })).toMatchObject({
      ok: true
    });
    expect(contents.text('a.py')).toBe('one\n');
  });

  it('refuses to undo a deletion when the file exists again, unless forced', async () => {
    const { ok, contents, service } = setup({ files: { 'a.txt': 'old\n' } });
    await ok('delete_file', { path: 'a.txt' });
    contents.put('a.txt', 'new by the user\n');
    const [id] = await changeIds(service);
    expect(await service.changeLog.undo(id)).toMatchObject({
      ok: false,
      conflict: true,
      message: expect.stringContaining('exists again')
    });
    expect(contents.text('a.txt')).toBe('new by the user\n');
    expect((await service.changeLog.undo(id, { force: true })).ok).toBe(true);
    expect(contents.text('a.txt')).toBe('old\n');
  });

  it('refuses to rename back a file changed since, unless forced; never onto a new file', async () => {
    const { ok, contents, service } = setup({
      files: { 'a.txt': 'a\n', 'x.txt': 'x\n' }
    });
    await ok('rename_file', { old_path: 'a.txt', new_path: 'b.txt' });
    await ok('rename_file', { old_path: 'x.txt', new_path: 'y.txt' });
    const [ab, xy] = await changeIds(service);
    contents.put('b.txt', 'a\nedited\n');
    expect(await service.changeLog.undo(ab)).toMatchObject({
      ok: false,
      conflict: true
    });
    expect((await service.changeLog.undo(ab, { force: true })).ok).toBe(true);
    expect(contents.text('a.txt')).toBe('a\nedited\n');
    contents.put('x.txt', 'someone else\n');
    const blocked = await service.changeLog.undo(xy, { force: true });
    expect(blocked).toMatchObject({
      ok: false,
      message: expect.stringContaining('x.txt exists again')
    });
    expect(blocked.conflict).toBeUndefined();
    expect(contents.text('x.txt')).toBe('someone else\n');
  });

  it('undoes a created file that was then edited only newest first; undoAll does that', async () => {
    const { ok, contents, service } = setup({
      files: { 'keep.txt': 'k\n', 'gone.txt': 'g\n' }
    });
    await ok('write_file', { path: 'new.py', content: 'v1\n' });
    await ok('edit_file', { path: 'new.py', old_text: 'v1', new_text: 'v2' });
    await ok('read_file', { path: 'keep.txt' });
    await ok('edit_file', { path: 'keep.txt', old_text: 'k', new_text: 'K' });
    await ok('delete_file', { path: 'gone.txt' });
    await ok('rename_file', { old_path: 'keep.txt', new_path: 'kept.txt' });
    const ids = await changeIds(service);
    const early = await service.changeLog.undo(ids[0]);
    expect(early).toMatchObject({
      ok: false,
      conflict: true,
      message: expect.stringContaining('undo the later change first')
    });
    const results = await service.changeLog.undoAll('chat-1');
    expect(results.map(r => r.id)).toEqual([...ids].reverse());
    expect(results.every(r => r.ok)).toBe(true);
    expect(contents.exists('new.py')).toBe(false);
    expect(contents.text('keep.txt')).toBe('k\n');
    expect(contents.exists('kept.txt')).toBe(false);
    expect(contents.text('gone.txt')).toBe('g\n');
    expect(await service.changeLog.undoAll('chat-1')).toEqual([]);
  });

  it('undoAll reports each refusal and goes on with the other files', async () => {
    const { ok, contents, service } = setup({
      files: { 'a.txt': 'a\n', 'b.txt': 'b\n' }
    });
    await ok('read_file', { path: 'a.txt' });
    await ok('read_file', { path: 'b.txt' });
    await ok('edit_file', { path: 'a.txt', old_text: 'a', new_text: 'A' });
    await ok('edit_file', { path: 'b.txt', old_text: 'b', new_text: 'B' });
    contents.put('b.txt', 'B by the user\n');
    const results = await service.changeLog.undoAll('chat-1');
    expect(results.map(r => [r.path, r.ok])).toEqual([
      ['b.txt', false],
      ['a.txt', true]
    ]);
    expect(contents.text('a.txt')).toBe('a\n');
    expect(contents.text('b.txt')).toBe('B by the user\n');
  });

  it('goes through a clean open editor, and never over unsaved editor changes', async () => {
    const { ok, open, contents, service } = setup({
      files: { 'a.py': 'one\n' }
    });
    await ok('read_file', { path: 'a.py' });
    await ok('edit_file', { path: 'a.py', old_text: 'one', new_text: 'two' });
    const doc = open('a.py');
    doc.dirty = true;
    doc.text = 'two\nunsaved\n';
    const [id] = await changeIds(service);
    expect(await service.changeLog.undo(id, { force: true })).toMatchObject({
      ok: false,
      message: expect.stringContaining('unsaved changes')
    });
    doc.text = 'two\n';
    doc.dirty = false;
    expect((await service.changeLog.undo(id)).ok).toBe(true);
    expect(doc.text).toBe('one\n');
    expect(doc.saves).toBe(1);
    expect(contents.text('a.py')).toBe('one\n');
  });

  it('keeps the changes of each chat apart', async () => {
    const { ok, service, state } = setup({ files: {} });
    await ok('write_file', { path: 'a.txt', content: 'a' });
    state.chatId = 'chat-2';
    await ok('write_file', { path: 'b.txt', content: 'b' });
    expect(
      (await service.changeLog.changes('chat-1')).map(c => c.path)
    ).toEqual(['a.txt']);
    expect(
      (await service.changeLog.changes('chat-2')).map(c => c.path)
    ).toEqual(['b.txt']);
    expect(
      (await service.changeLog.undoAll('chat-2')).map(r => r.path)
    ).toEqual(['b.txt']);
  });
});

describe('persisted snapshots', () => {
  function serviceOver(
    contents: FakeContents,
    snapshots = new ContentsSnapshotStore({ contents })
  ) {
    return new FilesService({
      contents,
      baseDir: () => '',
      snapshots,
      chatId: () => 'chat/1'
    });
  }

  it('writes one JSON file per change under .jupyter/data-engineer/snapshots and survives a reload', async () => {
    const contents = new FakeContents({ 'etl/a.py': 'x = 1\n' });
    contents.allowHidden = true;
    const first = setup({ files: {} });
    const store = new ContentsSnapshotStore({ contents });
    const service = serviceOver(contents, store);
    const context = { ...first.context, services: { files: service } };
    const tools = first.tools;
    await tools.get('read_file')!.run({ path: 'etl/a.py' }, context);
    await tools
      .get('edit_file')!
      .run({ path: 'etl/a.py', old_text: 'x = 1', new_text: 'x = 2' }, context);
    const files = contents
      .paths()
      .filter(path =>
        path.startsWith('.jupyter/data-engineer/snapshots/chat_1/')
      );
    expect(files).toHaveLength(1);
    expect(store.folder).toBe('.jupyter/data-engineer/snapshots');
    const saved = JSON.parse(contents.text(files[0])!);
    expect(saved).toMatchObject({
      chatId: 'chat/1',
      path: 'etl/a.py',
      kind: 'edit',
      before: 'x = 1\n',
      after: 'x = 2\n'
    });

    // A page reload: new service, new store, same server.
    const reloaded = serviceOver(contents);
    const [change] = await reloaded.changeLog.changes('chat/1');
    expect(change.id).toBe(saved.id);
    expect((await reloaded.changeLog.undo(change.id)).ok).toBe(true);
    expect(contents.text('etl/a.py')).toBe('x = 1\n');
    expect(JSON.parse(contents.text(files[0])!).undoneAt).toBeDefined();
    expect(
      (await serviceOver(contents).changeLog.changes('chat/1'))[0].undoneAt
    ).toBeDefined();
  });

  it('falls back to a visible folder when the server refuses hidden paths', async () => {
    const contents = new FakeContents({ 'a.txt': 'a\n' });
    contents.allowHidden = false;
    const store = new ContentsSnapshotStore({ contents });
    await store.put({
      id: 'c1',
      chatId: 'chat',
      path: 'a.txt',
      kind: 'create',
      before: null,
      after: 'a\n',
      at: 1
    });
    expect(store.folder).toBe('data-engineer-snapshots');
    expect(contents.exists('data-engineer-snapshots/chat/c1.json')).toBe(true);
    expect(contents.paths().some(path => path.startsWith('.jupyter'))).toBe(
      false
    );
    expect(
      (await new ContentsSnapshotStore({ contents }).list('chat')).map(
        r => r.id
      )
    ).toEqual(['c1']);
    await store.clear('chat');
    expect(contents.exists('data-engineer-snapshots/chat')).toBe(false);
    expect(await store.list('chat')).toEqual([]);
  });

  it('skips damaged snapshot files and removes the record of a failed change', async () => {
    const contents = new FakeContents({
      'a.txt': 'a\n',
      'data-engineer-snapshots/chat/bad.json': '{not json'
    });
    contents.allowHidden = false;
    const store = new ContentsSnapshotStore({ contents });
    await store.put({
      id: 'good',
      chatId: 'chat',
      path: 'a.txt',
      kind: 'edit',
      before: 'a\n',
      after: 'b\n',
      at: 2
    });
    expect((await store.list('chat')).map(r => r.id)).toEqual(['good']);
    await store.remove('chat', 'good');
    expect(await store.list('chat')).toEqual([]);
  });

  it('clears a chat', async () => {
    const snapshots = new MemorySnapshotStore();
    const { ok, service } = setup({ snapshots });
    const events: string[] = [];
    service.changeLog.changed.connect((_, e) => events.push(e.type));
    await ok('write_file', { path: 'a.txt', content: 'a' });
    await service.changeLog.clear('chat-1');
    expect(await service.changeLog.changes('chat-1')).toEqual([]);
    expect(await snapshots.list('chat-1')).toEqual([]);
    expect(events).toEqual(['added', 'cleared']);
  });
});
