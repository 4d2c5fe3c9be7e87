/** @jest-environment node */
import { FileToolError } from '..';
import { applyEdit, dominantEol, lineChanges, withEol } from '../text';

function editError(
  original: string,
  oldText: string,
  newText: string,
  all = false
): string {
  try {
    applyEdit(original, oldText, newText, all, 'f.py');
  } catch (error) {
    expect(error).toBeInstanceOf(FileToolError);
    return (error as Error).message;
  }
  throw new Error('edit succeeded');
}

describe('applyEdit', () => {
  it('replaces one exact match and keeps every other byte', () => {
    const original = 'a = 1\n\tb = 2  \nc = 3\n\n';
    const out = applyEdit(original, 'b = 2', 'b = 20', false, 'f.py');
    expect(out.text).toBe('a = 1\n\tb = 20  \nc = 3\n\n');
    expect(out.count).toBe(1);
    expect(out.lines).toEqual([2]);
  });

  it('reports no match, with the lines where the first line appears with other indentation', () => {
    const message = editError(
      'def f():\n    return 1\n',
      'def f():\n  return 1',
      'x'
    );
    expect(message).toContain('old_text was not found in f.py');
    expect(message).toContain('at line 1');
    expect(message).toContain('indentation');
  });

  it('notices line numbers copied from read_file', () => {
    const message = editError('x = 1\n', '     1\tx = 2', 'y');
    expect(message).toContain('line numbers');
  });

  it('reports several matches with their count and lines', () => {
    const message = editError(
      'x = 1\ny = 2\nx = 1\nz\nx = 1\n',
      'x = 1',
      'x = 9'
    );
    expect(message).toContain('occurs 3 times');
    expect(message).toContain('lines 1, 3, 5');
    expect(message).toContain('replace_all');
  });

  it('replaces every match with replace_all', () => {
    const out = applyEdit(
      'x = 1\ny = 2\nx = 1\n',
      'x = 1',
      'x = 9',
      true,
      'f.py'
    );
    expect(out.text).toBe('x = 9\ny = 2\nx = 9\n');
    expect(out.count).toBe(2);
    expect(out.lines).toEqual([1, 3]);
  });

  it('refuses empty and identical texts', () => {
    expect(editError('x', '', 'y')).toContain('write_file');
    expect(editError('x', 'x', 'x')).toContain('identical');
  });

  it('matches LF old_text in a CRLF file and writes CRLF back', () => {
    const original = 'line1\r\nline2\r\nline3\r\n';
    const out = applyEdit(
      original,
      'line1\nline2\n',
      'first\nsecond\nextra\n',
      false,
      'f.py'
    );
    expect(out.text).toBe('first\r\nsecond\r\nextra\r\nline3\r\n');
    expect(out.text).not.toMatch(/[^\r]\n/);
  });

  it('matches CRLF old_text in an LF file and writes LF', () => {
    const out = applyEdit('a\nb\nc\n', 'a\r\nb', 'A\r\nB', false, 'f.py');
    expect(out.text).toBe('A\nB\nc\n');
  });

  it('keeps the other line endings of a mixed file byte for byte', () => {
    const original = 'one\r\ntwo\nthree\r\nfour\r\n';
    const out = applyEdit(
      original,
      'three\nfour',
      'THREE\nFOUR',
      false,
      'f.py'
    );
    expect(out.text).toBe('one\r\ntwo\nTHREE\r\nFOUR\r\n');
  });

  it('keeps a file without a final newline as it is', () => {
    expect(applyEdit('a\r\nb', 'b', 'c', false, 'f').text).toBe('a\r\nc');
  });
});

describe('line endings and counts', () => {
  it('detects the dominant line ending and rewrites text with it', () => {
    expect(dominantEol('a\r\nb\r\nc\n')).toBe('\r\n');
    expect(dominantEol('a\nb\r\n')).toBe('\n');
    expect(dominantEol('abc')).toBe('\n');
    expect(withEol('a\nb\r\nc', '\r\n')).toBe('a\r\nb\r\nc');
  });

  it('counts added and removed lines', async () => {
    expect(await lineChanges('a\nb\nc\n', 'a\nB\nc\nd\n')).toEqual({
      added: 2,
      removed: 1
    });
  });
});
