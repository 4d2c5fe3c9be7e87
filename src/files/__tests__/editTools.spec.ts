/** @jest-environment node */
import { IChangeRecord, MemorySnapshotStore } from '..';
import { createFileTools } from '../tools';
import type { IToolPreview } from '../../tools/types';
import { setup } from './fakeContents';

/** Calls that change something on the server. */
function writes(calls: string[]): string[] {
  return calls.filter(call => !call.startsWith('get'));
}

describe('tool definitions', () => {
  it('reads run without asking; changes ask', () => {
    const tools = new Map(createFileTools().map(tool => [tool.name, tool]));
    expect([...tools.keys()].sort()).toEqual(
      [
        'delete_file',
        'edit_file',
        'find_files',
        'find_usages',
        'list_changes',
        'list_directory',
        'read_file',
        'rename_file',
        'search_files',
        'write_file'
      ].sort()
    );
    for (const name of [
      'list_directory',
      'read_file',
      'find_files',
      'search_files',
      'find_usages',
      'list_changes'
    ]) {
      expect([
        tools.get(name)!.effect,
        tools.get(name)!.defaultApproval
      ]).toEqual(['read', 'auto']);
    }
    for (const name of [
      'write_file',
      'edit_file',
      'rename_file',
      'delete_file'
    ]) {
      expect([
        tools.get(name)!.effect,
        tools.get(name)!.defaultApproval
      ]).toEqual(['write', 'ask']);
    }
  });

  it('flags sensitive paths even when a tool runs without asking', () => {
    const tools = new Map(createFileTools().map(tool => [tool.name, tool]));
    expect(
      tools.get('write_file')!.riskOf!({ path: '.env', content: 'x' })
    ).toContain('secrets');
    expect(
      tools.get('edit_file')!.riskOf!({
        path: 'repo/.git/config',
        old_text: 'a',
        new_text: 'b'
      })
    ).toContain('.git');
    expect(
      tools.get('rename_file')!.riskOf!({
        old_path: 'a.py',
        new_path: 'keys/server.pem'
      })
    ).toContain('key');
    expect(
      tools.get('delete_file')!.riskOf!({ path: 'etl/load.py' })
    ).toBeNull();
  });
});

describe('write_file', () => {
  it('creates a file and its missing folders, and records the change', async () => {
    const { ok, contents, service } = setup();
    const text = await ok('write_file', {
      path: 'etl/jobs/new.py',
      content: 'print(1)\n'
    });
    expect(text).toMatch(
      /^Created etl\/jobs\/new\.py \(1 line\)\. Change [\w-]+\.$/
    );
    expect(contents.text('etl/jobs/new.py')).toBe('print(1)\n');
    const [change] = await service.changeLog.changes('chat-1');
    expect(change).toMatchObject({
      kind: 'create',
      path: 'etl/jobs/new.py',
      before: null,
      after: 'print(1)\n',
      chatId: 'chat-1'
    });
    // Written in this chat: may be written again without a read.
    expect(
      await ok('write_file', { path: 'etl/jobs/new.py', content: 'print(2)\n' })
    ).toContain('Replaced etl/jobs/new.py (+1 −1 line)');
  });

  it('refuses to replace a file never read in this chat, and writes nothing', async () => {
    const { fails, contents, service } = setup({
      files: { 'config.yaml': 'a: 1\n' }
    });
    const message = await fails('write_file', {
      path: 'config.yaml',
      content: 'b: 2\n'
    });
    expect(message).toContain(
      'already exists and you have not read it in this chat'
    );
    expect(message).toContain('read_file');
    expect(contents.text('config.yaml')).toBe('a: 1\n');
    expect(writes(contents.calls)).toEqual([]);
    expect(await service.changeLog.changes('chat-1')).toEqual([]);
  });

  it('replaces a file read in this chat, keeping CRLF line endings', async () => {
    const { ok, contents } = setup({
      files: { 'win.sql': 'select 1;\r\nselect 2;\r\n' }
    });
    await ok('read_file', { path: 'win.sql' });
    await ok('write_file', {
      path: 'win.sql',
      content: 'select 1;\nselect 3;\n'
    });
    expect(contents.text('win.sql')).toBe('select 1;\r\nselect 3;\r\n');
  });

  it('reads done in another chat do not count', async () => {
    const { ok, fails, state } = setup({ files: { 'a.txt': 'a\n' } });
    await ok('read_file', { path: 'a.txt' });
    state.chatId = 'chat-2';
    expect(
      await fails('write_file', { path: 'a.txt', content: 'b\n' })
    ).toContain('not read it in this chat');
  });

  it('says when nothing changes', async () => {
    const { ok, service } = setup({ files: { 'a.txt': 'same\n' } });
    await ok('read_file', { path: 'a.txt' });
    expect(
      await ok('write_file', { path: 'a.txt', content: 'same\n' })
    ).toContain('nothing was changed');
    expect(await service.changeLog.changes('chat-1')).toEqual([]);
  });

  it('refuses notebooks, folders and binary files', async () => {
    const { fails } = setup({
      files: {
        'nb.ipynb': '{}',
        'dir/x.txt': 'x',
        'b.dat': Buffer.from([0xff, 0x00])
      }
    });
    expect(
      await fails('write_file', { path: 'nb.ipynb', content: '{}' })
    ).toContain('notebook tools');
    expect(await fails('write_file', { path: 'dir', content: 'x' })).toContain(
      'is a folder'
    );
    expect(await fails('write_file', { path: 'dir/', content: 'x' })).toContain(
      'folder path'
    );
    expect(
      await fails('write_file', { path: 'b.dat', content: 'x' })
    ).toContain('binary file');
  });
});

describe('conflict detection', () => {
  it('refuses a write when the file changed on disk since it was read; nothing is lost', async () => {
    const { ok, fails, contents, service } = setup({
      files: { 'etl/load.py': 'x = 1\n' }
    });
    await ok('read_file', { path: 'etl/load.py' });
    contents.put('etl/load.py', 'x = 1\ny = 2  # the user\n');
    const before = writes(contents.calls).length;
    const edit = await fails('edit_file', {
      path: 'etl/load.py',
      old_text: 'x = 1',
      new_text: 'x = 10'
    });
    expect(edit).toContain('changed on disk since you last read it');
    expect(edit).toContain('Read it again with read_file');
    const write = await fails('write_file', {
      path: 'etl/load.py',
      content: 'x = 10\n'
    });
    expect(write).toContain('changed on disk since you last read it');
    expect(contents.text('etl/load.py')).toBe('x = 1\ny = 2  # the user\n');
    expect(writes(contents.calls).length).toBe(before);
    expect(await service.changeLog.changes('chat-1')).toEqual([]);
    // After reading again the edit goes through.
    await ok('read_file', { path: 'etl/load.py' });
    await ok('edit_file', {
      path: 'etl/load.py',
      old_text: 'x = 1',
      new_text: 'x = 10'
    });
    expect(contents.text('etl/load.py')).toBe('x = 10\ny = 2  # the user\n');
  });

  it('re-checks right before writing: a change while the snapshot is saved is caught', async () => {
    const snapshots = new MemorySnapshotStore();
    const { ok, fails, contents, service } = setup({
      files: { 'a.py': 'a = 1\n' },
      snapshots
    });
    await ok('read_file', { path: 'a.py' });
    const put = snapshots.put.bind(snapshots);
    snapshots.put = async (record: IChangeRecord) => {
      await put(record);
      contents.put('a.py', 'a = 1\nb = 2\n'); // someone saves meanwhile
    };
    expect(
      await fails('edit_file', {
        path: 'a.py',
        old_text: 'a = 1',
        new_text: 'a = 2'
      })
    ).toContain('changed on disk');
    expect(contents.text('a.py')).toBe('a = 1\nb = 2\n');
    expect(await service.changeLog.changes('chat-1')).toEqual([]);
    expect(await snapshots.list('chat-1')).toEqual([]);
  });

  it('refuses a create when the file appears between the check and the write', async () => {
    const snapshots = new MemorySnapshotStore();
    const { fails, contents } = setup({ snapshots });
    const put = snapshots.put.bind(snapshots);
    snapshots.put = async (record: IChangeRecord) => {
      await put(record);
      contents.put('new.txt', 'theirs');
    };
    expect(
      await fails('write_file', { path: 'new.txt', content: 'mine' })
    ).toContain('created by someone else');
    expect(contents.text('new.txt')).toBe('theirs');
  });

  it('uses last_modified when the server gives no hash', async () => {
    const { ok, fails, contents } = setup({ files: { 'a.txt': 'one\n' } });
    const get = contents.get.bind(contents);
    contents.get = async (path, options) => {
      const model = await get(path, options);
      return { ...model, hash: undefined };
    };
    await ok('read_file', { path: 'a.txt' });
    contents.put('a.txt', 'one\n'); // same content, saved again
    expect(
      await fails('edit_file', {
        path: 'a.txt',
        old_text: 'one',
        new_text: 'two'
      })
    ).toContain('changed on disk');
  });

  it('accepts an identical re-save when hashes are available', async () => {
    const { ok, contents } = setup({ files: { 'a.txt': 'one\n' } });
    await ok('read_file', { path: 'a.txt' });
    contents.put('a.txt', 'one\n');
    await ok('edit_file', { path: 'a.txt', old_text: 'one', new_text: 'two' });
    expect(contents.text('a.txt')).toBe('two\n');
  });

  it('refuses a snapshot failure without changing the file', async () => {
    const snapshots = new MemorySnapshotStore();
    snapshots.put = async () => {
      throw new Error('disk full');
    };
    const { ok, fails, contents } = setup({
      files: { 'a.txt': 'one\n' },
      snapshots
    });
    await ok('read_file', { path: 'a.txt' });
    const message = await fails('edit_file', {
      path: 'a.txt',
      old_text: 'one',
      new_text: 'two'
    });
    expect(message).toContain(
      'Could not save an undo snapshot, so nothing was changed: disk full'
    );
    expect(contents.text('a.txt')).toBe('one\n');
  });
});

describe('edit_file', () => {
  const SOURCE =
    'def f():\n    x = 1\n    return x\n\ndef g():\n    x = 1\n    return x\n';

  it('requires a read first', async () => {
    const { fails } = setup({ files: { 'm.py': SOURCE } });
    expect(
      await fails('edit_file', {
        path: 'm.py',
        old_text: 'def f',
        new_text: 'def h'
      })
    ).toContain('not read it in this chat');
  });

  it('tells the model about no match and about several matches', async () => {
    const { ok, fails, contents } = setup({ files: { 'm.py': SOURCE } });
    await ok('read_file', { path: 'm.py' });
    const none = await fails('edit_file', {
      path: 'm.py',
      old_text: 'x = 2',
      new_text: 'x = 3'
    });
    expect(none).toContain('old_text was not found in m.py');
    const several = await fails('edit_file', {
      path: 'm.py',
      old_text: '    x = 1\n',
      new_text: '    x = 2\n'
    });
    expect(several).toContain('occurs 2 times in m.py (at lines 2, 6)');
    expect(contents.text('m.py')).toBe(SOURCE);
  });

  it('replaces one match, keeps the rest byte for byte and shows the edited lines', async () => {
    const { ok, contents, service } = setup({ files: { 'm.py': SOURCE } });
    await ok('read_file', { path: 'm.py' });
    const text = await ok('edit_file', {
      path: 'm.py',
      old_text: 'def g():\n    x = 1',
      new_text: 'def g():\n    x = 2\n    y = 3'
    });
    expect(text).toMatch(/^Edited m\.py at line 5 \(\+2 −1 line\)\. Change /);
    expect(text).toContain('     6\t    x = 2\n     7\t    y = 3');
    expect(contents.text('m.py')).toBe(
      SOURCE.replace('def g():\n    x = 1', 'def g():\n    x = 2\n    y = 3')
    );
    const [change] = await service.changeLog.changes('chat-1');
    expect(change).toMatchObject({
      kind: 'edit',
      before: SOURCE,
      after: contents.text('m.py')
    });
  });

  it('replaces every match with replace_all', async () => {
    const { ok, contents } = setup({ files: { 'm.py': SOURCE } });
    await ok('read_file', { path: 'm.py' });
    expect(
      await ok('edit_file', {
        path: 'm.py',
        old_text: 'x = 1',
        new_text: 'x = 5',
        replace_all: true
      })
    ).toContain('2 places (lines 2, 6)');
    expect(contents.text('m.py')).toBe(SOURCE.replace(/x = 1/g, 'x = 5'));
  });

  it('edits CRLF files with LF text and writes CRLF back', async () => {
    const crlf = SOURCE.replace(/\n/g, '\r\n');
    const { ok, contents } = setup({ files: { 'w.py': crlf } });
    await ok('read_file', { path: 'w.py' });
    await ok('edit_file', {
      path: 'w.py',
      old_text: 'def f():\n    x = 1\n',
      new_text: 'def f():\n    x = 10\n    z = 0\n'
    });
    expect(contents.text('w.py')).toBe(
      'def f():\r\n    x = 10\r\n    z = 0\r\n    return x\r\n\r\ndef g():\r\n    x = 1\r\n    return x\r\n'
    );
  });

  it('edits the same file again without a new read (its own write is known)', async () => {
    const { ok, contents } = setup({ files: { 'm.py': SOURCE } });
    await ok('read_file', { path: 'm.py' });
    await ok('edit_file', {
      path: 'm.py',
      old_text: 'def f',
      new_text: 'def f1'
    });
    await ok('edit_file', {
      path: 'm.py',
      old_text: 'def g',
      new_text: 'def g1'
    });
    expect(contents.text('m.py')).toContain('def f1():');
    expect(contents.text('m.py')).toContain('def g1():');
  });

  it('refuses notebooks and missing files', async () => {
    const { fails } = setup({ files: { 'n.ipynb': '{"cells": []}' } });
    expect(
      await fails('edit_file', {
        path: 'n.ipynb',
        old_text: 'a',
        new_text: 'b'
      })
    ).toContain('edit_cell');
    expect(
      await fails('edit_file', {
        path: 'gone.py',
        old_text: 'a',
        new_text: 'b'
      })
    ).toContain('does not exist. Create it with write_file');
  });
});

describe('files open in an editor', () => {
  it('refuses to change a file with unsaved changes in an editor', async () => {
    const { ok, fails, open, contents, service } = setup({
      files: { 'a.py': 'a = 1\n' }
    });
    await ok('read_file', { path: 'a.py' });
    const doc = open('a.py');
    doc.text = 'a = 1\n# typing…\n';
    doc.dirty = true;
    const message = await fails('edit_file', {
      path: 'a.py',
      old_text: 'a = 1',
      new_text: 'a = 2'
    });
    expect(message).toContain(
      'a.py has unsaved changes in an editor; ask the user to save or discard them first'
    );
    expect(
      await fails('write_file', { path: 'a.py', content: 'b\n' })
    ).toContain('unsaved changes');
    expect(await fails('delete_file', { path: 'a.py' })).toContain(
      'unsaved changes'
    );
    expect(doc.text).toBe('a = 1\n# typing…\n');
    expect(contents.text('a.py')).toBe('a = 1\n');
    expect(await service.changeLog.changes('chat-1')).toEqual([]);
  });

  it('edits a clean open document through its model, then saves it', async () => {
    const { ok, open, contents, service } = setup({
      files: { 'a.py': 'a = 1\n' }
    });
    await ok('read_file', { path: 'a.py' });
    const doc = open('a.py');
    const text = await ok('edit_file', {
      path: 'a.py',
      old_text: 'a = 1',
      new_text: 'a = 2'
    });
    expect(text).toContain('open in an editor');
    expect(doc.history).toEqual(['a = 1\n']);
    expect(doc.text).toBe('a = 2\n');
    expect(doc.saves).toBe(1);
    expect(doc.dirty).toBe(false);
    expect(contents.text('a.py')).toBe('a = 2\n');
    expect(contents.calls.filter(call => call.startsWith('save'))).toEqual([
      'save a.py'
    ]); // only the editor's save
    // The next edit is not a conflict: the editor's save is known.
    await ok('edit_file', {
      path: 'a.py',
      old_text: 'a = 2',
      new_text: 'a = 3'
    });
    expect(
      (await service.changeLog.changes('chat-1')).map(c => c.after)
    ).toEqual(['a = 2\n', 'a = 3\n']);
  });

  it('refuses when the clean editor shows another version than the disk', async () => {
    const { ok, fails, open, contents } = setup({
      files: { 'a.py': 'a = 1\n' }
    });
    const doc = open('a.py');
    doc.text = 'stale\n';
    await ok('read_file', { path: 'a.py' });
    expect(
      await fails('edit_file', {
        path: 'a.py',
        old_text: 'a = 1',
        new_text: 'a = 2'
      })
    ).toContain('Reload from Disk');
    expect(contents.text('a.py')).toBe('a = 1\n');
    expect(doc.text).toBe('stale\n');
  });
});

describe('rename_file and delete_file', () => {
  it('renames, never overwrites, and keeps the read of the file', async () => {
    const { ok, fails, contents } = setup({
      files: { 'a.py': 'a\n', 'b.py': 'b\n' }
    });
    await ok('read_file', { path: 'a.py' });
    expect(
      await fails('rename_file', { old_path: 'a.py', new_path: 'b.py' })
    ).toContain('already exists; rename_file never overwrites');
    expect(
      await fails('rename_file', { old_path: 'nope.py', new_path: 'c.py' })
    ).toBe('nope.py does not exist.');
    expect(
      await fails('rename_file', { old_path: 'a.py', new_path: './a.py' })
    ).toContain('the same file');
    expect(
      await ok('rename_file', { old_path: 'a.py', new_path: 'lib/c.py' })
    ).toMatch(/^Renamed a\.py to lib\/c\.py\. Change /);
    expect(contents.exists('a.py')).toBe(false);
    expect(contents.text('lib/c.py')).toBe('a\n');
    await ok('edit_file', { path: 'lib/c.py', old_text: 'a', new_text: 'c' });
    expect(contents.text('lib/c.py')).toBe('c\n');
  });

  it('refuses to move a folder into itself', async () => {
    const { fails } = setup({ files: { 'd/x.txt': 'x' } });
    expect(
      await fails('rename_file', { old_path: 'd', new_path: 'd/e' })
    ).toContain('into itself');
  });

  it('deletes files only, and keeps their content for undo', async () => {
    const { ok, fails, contents, service } = setup({
      files: { 'old.csv': 'a,b\n1,2\n', 'dir/x.txt': 'x' }
    });
    expect(await fails('delete_file', { path: 'dir' })).toContain(
      'only deletes files'
    );
    expect(await fails('delete_file', { path: 'missing.txt' })).toBe(
      'missing.txt does not exist.'
    );
    expect(await ok('delete_file', { path: 'old.csv' })).toContain(
      'Deleted old.csv'
    );
    expect(contents.exists('old.csv')).toBe(false);
    expect((await service.changeLog.changes('chat-1'))[0]).toMatchObject({
      kind: 'delete',
      before: 'a,b\n1,2\n',
      after: null,
      encoding: 'text'
    });
  });

  it('refuses to delete a file too large to keep a copy of', async () => {
    const { fails, contents } = setup({
      files: { 'big.log': 'x'.repeat(3000) },
      limits: { snapshotMaxBytes: 1000 }
    });
    expect(await fails('delete_file', { path: 'big.log' })).toContain(
      'too large to keep an undo copy'
    );
    expect(contents.exists('big.log')).toBe(true);
  });
});

describe('previews', () => {
  async function preview(
    name: string,
    input: any,
    ctx: ReturnType<typeof setup>
  ): Promise<IToolPreview> {
    return ctx.tools.get(name)!.preview!(input, ctx.context);
  }

  it('shows a diff for writes and edits, with an empty before for a new file', async () => {
    const ctx = setup({ files: { 'a.py': 'x = 1\n' }, baseDir: '' });
    expect(
      await preview('write_file', { path: 'new.py', content: 'y\n' }, ctx)
    ).toEqual({
      summary: 'Create new.py',
      diff: { path: 'new.py', before: '', after: 'y\n' }
    });
    expect(
      await preview('write_file', { path: 'a.py', content: 'z\n' }, ctx)
    ).toEqual({
      summary: 'Replace a.py',
      diff: { path: 'a.py', before: 'x = 1\n', after: 'z\n' }
    });
    expect(
      await preview(
        'edit_file',
        { path: 'a.py', old_text: 'x = 1', new_text: 'x = 2' },
        ctx
      )
    ).toEqual({
      summary: 'Edit a.py at line 1',
      diff: { path: 'a.py', before: 'x = 1\n', after: 'x = 2\n' }
    });
    const failing = await preview(
      'edit_file',
      { path: 'a.py', old_text: 'nope', new_text: 'x' },
      ctx
    );
    expect(failing.summary).toContain('will fail: old_text was not found');
    expect(failing.diff).toBeUndefined();
    expect(writes(ctx.contents.calls)).toEqual([]);
  });

  it('summarises renames and deletions with server paths', async () => {
    const ctx = setup({ files: { 'etl/a.py': 'x = 1\n' }, baseDir: 'etl' });
    expect(
      await preview('rename_file', { old_path: 'a.py', new_path: 'b.py' }, ctx)
    ).toEqual({ summary: 'Rename etl/a.py → etl/b.py' });
    expect(await preview('delete_file', { path: 'a.py' }, ctx)).toEqual({
      summary: 'Delete etl/a.py (6 B)'
    });
    expect(
      (await preview('delete_file', { path: '../../x' }, ctx)).summary
    ).toContain('outside the server root');
  });
});

describe('list_changes', () => {
  it('lists the changes of this chat, oldest first, with line counts and undo state', async () => {
    const { ok, service, state } = setup({
      files: { 'a.py': 'a\n', 'b.py': 'b\n' }
    });
    expect(await ok('list_changes', {})).toBe(
      'No files were changed in this chat.'
    );
    await ok('read_file', { path: 'a.py' });
    await ok('edit_file', { path: 'a.py', old_text: 'a', new_text: 'a\naa' });
    await ok('write_file', { path: 'c.py', content: 'c\n' });
    await ok('rename_file', { old_path: 'b.py', new_path: 'b2.py' });
    const [, created] = await service.changeLog.changes('chat-1');
    await service.changeLog.undo(created.id);
    const text = await ok('list_changes', {});
    expect(text).toContain('3 changes in this chat, oldest first:');
    expect(text).toMatch(/1\. Edited a\.py \(\+1 −0 lines, /);
    expect(text).toMatch(/2\. Created c\.py \(.*\) — undone by the user/);
    expect(text).toMatch(/3\. Renamed b\.py → b2\.py/);
    state.chatId = 'other';
    expect(await ok('list_changes', {})).toBe(
      'No files were changed in this chat.'
    );
  });
});

describe('renaming folders', () => {
  it('renames a folder given with a trailing slash, and undoes it', async () => {
    const { ok, fails, contents, service } = setup({
      files: { 'old/a.py': 'a\n', 'old/sub/b.py': 'b\n' }
    });
    expect(
      await fails('rename_file', { old_path: 'old', new_path: '.' })
    ).toContain('server root');
    expect(
      await ok('rename_file', { old_path: 'old/', new_path: 'new/' })
    ).toContain('Renamed old to new.');
    expect(contents.text('new/sub/b.py')).toBe('b\n');
    const [change] = await service.changeLog.changes('chat-1');
    expect(change.stamp).toBeUndefined();
    expect((await service.changeLog.undo(change.id)).ok).toBe(true);
    expect(contents.text('old/sub/b.py')).toBe('b\n');
    expect(contents.exists('new')).toBe(false);
  });
});
