import { createHash } from 'crypto';
import { sha256Hex } from '../contentHash';

describe('sha256Hex', () => {
  it.each([
    [''],
    ['abc'],
    ['x'.repeat(55)],
    ['x'.repeat(56)],
    ['y'.repeat(64)],
    ['z'.repeat(1000)],
    ['run_date = "2026-12-01"\nprint("héllo ✓ 数据")']
  ])('equals node’s SHA-256 for %#', text => {
    expect(sha256Hex(text)).toBe(
      createHash('sha256').update(text, 'utf8').digest('hex')
    );
  });
});
