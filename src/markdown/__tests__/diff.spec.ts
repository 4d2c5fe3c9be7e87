/** @jest-environment node */

/** jsdiff is a chunk of its own: loaded where a diff is drawn or counted. */
describe('the lazily loaded jsdiff', () => {
  it('is not loaded by the modules that draw or count diffs', async () => {
    await jest.isolateModulesAsync(async () => {
      const loaded = jest.fn();
      jest.doMock('diff', () => {
        loaded();
        return jest.requireActual('diff');
      });
      const lazy = require('../diff');
      lazy.setDiffModule(null); // as in the browser before the first diff
      const markdown = require('../markdown');
      const text = require('../../files/text');
      expect(loaded).not.toHaveBeenCalled();
      expect(lazy.loadedDiff()).toBeNull();
      expect(await text.describeLineChanges('a\nb\n', 'a\nB\nc\n')).toBe(
        '+2 −1 line'
      );
      expect(loaded).toHaveBeenCalledTimes(1);
      const diff = await lazy.loadDiff();
      expect(lazy.loadedDiff()).toBe(diff);
      expect(markdown.diffMarkdown(diff, 'x.py', 'a\n', 'b\n')).toContain(
        '-a\n+b'
      );
      jest.dontMock('diff');
    });
  });
});
