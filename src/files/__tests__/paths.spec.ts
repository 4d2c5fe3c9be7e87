/** @jest-environment node */
import {
  displayPath,
  isHiddenPath,
  normalizeServerPath,
  resolvePath
} from '../paths';
import { FileToolError } from '..';
import { setup } from './fakeContents';

function refusal(input: string, base = ''): string {
  try {
    resolvePath(input, base);
  } catch (error) {
    expect(error).toBeInstanceOf(FileToolError);
    return (error as Error).message;
  }
  throw new Error(`${input} was accepted`);
}

describe('resolvePath', () => {
  it('resolves relative paths against the base folder and normalises them', () => {
    expect(resolvePath('load.py', 'etl')).toBe('etl/load.py');
    expect(resolvePath('./sql//q1.sql', 'etl')).toBe('etl/sql/q1.sql');
    expect(resolvePath('../README.md', 'etl/jobs')).toBe('etl/README.md');
    expect(resolvePath('../../README.md', 'etl/jobs')).toBe('README.md');
    expect(resolvePath('a/b/../c.txt')).toBe('a/c.txt');
    expect(resolvePath('  data/x.csv  ', '')).toBe('data/x.csv');
    expect(resolvePath('', 'etl')).toBe('etl');
    expect(resolvePath('.', '')).toBe('');
    expect(resolvePath('data/', '')).toBe('data');
  });

  it('refuses ".." that climbs above the server root', () => {
    expect(refusal('../secrets.txt')).toContain('outside the server root');
    expect(refusal('../../x', 'etl')).toContain('outside the server root');
    expect(refusal('a/../../x')).toContain('outside the server root');
  });

  it('refuses absolute paths, drive letters, URLs and ~', () => {
    expect(refusal('/etc/passwd')).toContain('absolute path');
    expect(refusal('C:/Windows/win.ini')).toContain('absolute path');
    expect(refusal('file:///etc/passwd')).toContain('absolute path');
    expect(refusal('~/.ssh/id_rsa')).toContain('absolute path');
  });

  it('refuses URL-encoded dots, slashes, backslashes and NUL, also double-encoded', () => {
    expect(refusal('%2e%2e/secrets')).toContain('URL-encoded');
    expect(refusal('data%2f..%2fx')).toContain('URL-encoded');
    expect(refusal('..%2F..%2Fetc')).toContain('URL-encoded');
    expect(refusal('%252e%252e/x')).toContain('URL-encoded');
    expect(refusal('a%5cb')).toContain('URL-encoded');
    expect(refusal('a%00.txt')).toContain('URL-encoded');
    // A literal % is a valid file name character.
    expect(resolvePath('100%.csv')).toBe('100%.csv');
  });

  it('refuses backslashes and NUL characters', () => {
    expect(refusal('..\\..\\secret')).toContain('backslash');
    expect(refusal('data\\x.csv')).toContain('backslash');
    expect(refusal('x.txt\0.png')).toContain('NUL');
  });

  it('keeps a base folder with leading or trailing slashes inside the root', () => {
    expect(normalizeServerPath('/etl/jobs/')).toBe('etl/jobs');
    expect(normalizeServerPath('../../x')).toBe('x');
    expect(resolvePath('a.py', '/etl/')).toBe('etl/a.py');
  });
});

describe('displayPath', () => {
  it('writes server paths relative to the base folder, so they can be passed back', () => {
    expect(displayPath('etl/load.py', 'etl')).toBe('load.py');
    expect(displayPath('README.md', 'etl/jobs')).toBe('../../README.md');
    expect(displayPath('etl/sql/q.sql', 'etl/jobs')).toBe('../sql/q.sql');
    expect(displayPath('etl', 'etl')).toBe('.');
    expect(displayPath('x/y', '')).toBe('x/y');
    for (const [path, base] of [
      ['README.md', 'etl/jobs'],
      ['etl/sql/q.sql', 'etl/jobs'],
      ['a/b/c', 'a']
    ]) {
      expect(resolvePath(displayPath(path, base), base)).toBe(path);
    }
  });

  it('knows hidden paths', () => {
    expect(isHiddenPath('.github/workflows/ci.yml')).toBe(true);
    expect(isHiddenPath('a/.env')).toBe(true);
    expect(isHiddenPath('a/b.txt')).toBe(false);
  });
});

describe('paths through the tools', () => {
  it('reads relative to the active notebook folder and refuses escapes with a clear error', async () => {
    const { ok, fails, contents } = setup({
      baseDir: 'etl',
      files: { 'etl/load.py': 'x = 1\n', 'top.txt': 'top\n' }
    });
    expect(await ok('read_file', { path: 'load.py' })).toContain('x = 1');
    expect(await ok('read_file', { path: '../top.txt' })).toContain('top');
    expect(await fails('read_file', { path: '../../etc/passwd' })).toContain(
      'outside the server root'
    );
    expect(await fails('read_file', { path: '/etc/passwd' })).toContain(
      'absolute path'
    );
    expect(
      await fails('write_file', { path: '%2e%2e/%2e%2e/x', content: 'x' })
    ).toContain('URL-encoded');
    expect(
      await fails('edit_file', {
        path: '..\\top.txt',
        old_text: 'top',
        new_text: 'x'
      })
    ).toContain('backslash');
    expect(await fails('delete_file', { path: '../..' })).toContain(
      'outside the server root'
    );
    expect(
      await fails('rename_file', {
        old_path: 'load.py',
        new_path: '../../x.py'
      })
    ).toContain('outside the server root');
    expect(contents.calls.filter(call => !call.startsWith('get'))).toEqual([]);
  });

  it('maps refused hidden paths to a message about allow_hidden', async () => {
    const { fails, contents } = setup({ files: {} });
    contents.allowHidden = true;
    contents.put('.github/workflows/ci.yml', 'on: push\n');
    contents.allowHidden = false;
    const read = await fails('read_file', { path: '.github/workflows/ci.yml' });
    expect(read).toContain('hidden');
    expect(read).toContain('allow_hidden');
    const write = await fails('write_file', {
      path: '.config/new.yml',
      content: 'a: 1\n'
    });
    expect(write).toContain('allow_hidden');
  });

  it('reads hidden files when the server allows them', async () => {
    const { ok } = setup({
      files: { '.github/workflows/ci.yml': 'on: push\n' },
      allowHidden: true
    });
    expect(
      await ok('read_file', { path: '.github/workflows/ci.yml' })
    ).toContain('on: push');
  });
});
