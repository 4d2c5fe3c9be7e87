/** @jest-environment node */
import { FrontMatterError, parseFrontMatter } from '../frontMatter';

const host = globalThis as any;

describe('parseFrontMatter', () => {
  it('splits YAML front matter from the body', () => {
    const parsed = parseFrontMatter(
      '---\ndescription: Hi\ntools: [a, b]\n---\n# Body\ntext\n'
    );
    expect(parsed).toEqual({
      data: { description: 'Hi', tools: ['a', 'b'] },
      content: '# Body\ntext\n',
      hasFrontMatter: true
    });
  });

  it('treats text without front matter as all body', () => {
    expect(parseFrontMatter('# Just markdown\n')).toEqual({
      data: {},
      content: '# Just markdown\n',
      hasFrontMatter: false
    });
    expect(parseFrontMatter('----\nnot front matter')).toMatchObject({
      hasFrontMatter: false
    });
  });

  it('accepts an empty block, CRLF line ends, a BOM and ---yaml', () => {
    expect(parseFrontMatter('---\n---\nbody')).toEqual({
      data: {},
      content: 'body',
      hasFrontMatter: true
    });
    expect(
      parseFrontMatter('\ufeff---\r\nname: X\r\n---\r\nbody').data
    ).toEqual({ name: 'X' });
    expect(parseFrontMatter('---yaml\nname: X\n---\nbody').data).toEqual({
      name: 'X'
    });
  });

  it('reports bad YAML with its line in the file', () => {
    const text = '---\ndescription: ok\ntools: [a, b\nmodel: x\n---\nbody';
    expect(() => parseFrontMatter(text)).toThrow(FrontMatterError);
    try {
      parseFrontMatter('---\nname: ok\n  bad: indent\n---\nbody');
    } catch (error) {
      expect((error as FrontMatterError).message).toMatch(
        /^Invalid YAML in the front matter at line 3: /
      );
      expect((error as FrontMatterError).line).toBe(3);
    }
    expect.assertions(3);
  });

  it('refuses an unclosed block and a block that is not a mapping', () => {
    expect(() => parseFrontMatter('---\nname: x\nbody without end')).toThrow(
      /never closed/
    );
    expect(() => parseFrontMatter('---\n- a\n- b\n---\nbody')).toThrow(
      /key: value/
    );
    expect(() => parseFrontMatter('---\njust text\n---\nbody')).toThrow(
      /key: value/
    );
  });

  it("returns fresh objects: results are never shared through gray-matter's cache", () => {
    const text = '---\ntools: [a]\n---\nbody';
    const first = parseFrontMatter(text);
    (first.data.tools as string[]).push('mutated');
    first.data.extra = 1;
    expect(parseFrontMatter(text).data).toEqual({ tools: ['a'] });
  });
});

describe('JavaScript front matter', () => {
  afterEach(() => {
    delete host.__personaPwned;
  });

  it.each([
    [
      '---js',
      '---js\n{ description: (globalThis.__personaPwned = true, "x") }\n---\nbody'
    ],
    [
      '---javascript',
      '---javascript\n{ description: (globalThis.__personaPwned = true, "x") }\n---\nbody'
    ],
    [
      '--- JS (spaces, upper case)',
      '--- JS \n(globalThis.__personaPwned = true, {})\n---\nbody'
    ],
    [
      '---js with CRLF',
      '---js\r\nglobalThis.__personaPwned = true; ({})\r\n---\r\nbody'
    ],
    [
      '---js after a BOM',
      '\ufeff---js\n(globalThis.__personaPwned = true, {})\n---\nbody'
    ]
  ])('is refused, never evaluated (%s)', (_, text) => {
    expect(() => parseFrontMatter(text)).toThrow(
      'JavaScript front matter is not allowed'
    );
    expect(host.__personaPwned).toBeUndefined();
  });

  it('refuses every language but YAML', () => {
    expect(() => parseFrontMatter('---json\n{"a": 1}\n---\nbody')).toThrow(
      /"json" is not supported: use YAML/
    );
    expect(() => parseFrontMatter('---toml\na = 1\n---\nbody')).toThrow(
      /not supported/
    );
    expect(() => parseFrontMatter('---constructor\na\n---\nbody')).toThrow(
      /not supported/
    );
  });

  it('cannot sneak code through YAML tags', () => {
    expect(() =>
      parseFrontMatter(
        '---\na: !!js/function "function () { globalThis.__personaPwned = true }"\n---\nbody'
      )
    ).toThrow(FrontMatterError);
    expect(host.__personaPwned).toBeUndefined();
  });
});

describe('the Buffer shim', () => {
  const saved = host.Buffer;
  afterEach(() => {
    host.Buffer = saved;
  });

  it('is needed: gray-matter fails without a global Buffer, as in a browser', () => {
    delete host.Buffer;
    jest.isolateModules(() => {
      const matter = require('gray-matter');
      expect(() => matter('---\na: 1\n---\nbody', {})).toThrow(
        /Buffer is not defined/
      );
    });
  });

  it('lets parseFrontMatter work without a global Buffer', async () => {
    delete host.Buffer;
    await jest.isolateModulesAsync(async () => {
      const {
        loadFrontMatterParser,
        parseFrontMatter: parse
      } = require('../frontMatter');
      await loadFrontMatterParser();
      expect(host.Buffer).toBe(require('buffer/').Buffer);
      expect(parse('---\na: 1\n---\nbody').data).toEqual({ a: 1 });
    });
  });

  it('leaves an existing Buffer alone', () => {
    jest.isolateModules(() => {
      require('../bufferShim');
    });
    expect(host.Buffer).toBe(saved);
  });
});

describe('the lazily loaded parser (gray-matter is a chunk of its own)', () => {
  it('is not loaded by importing frontMatter; text without front matter needs none', async () => {
    await jest.isolateModulesAsync(async () => {
      const fresh = require('../frontMatter');
      expect(fresh.frontMatterParserLoaded()).toBe(false);
      expect(fresh.parseFrontMatter('# Just markdown\n')).toEqual({
        data: {},
        content: '# Just markdown\n',
        hasFrontMatter: false
      });
      expect(() => fresh.parseFrontMatter('---\na: 1\n---\nbody')).toThrow(
        /not loaded yet/
      );
      await Promise.all([
        fresh.loadFrontMatterParser(),
        fresh.loadFrontMatterParser()
      ]);
      expect(fresh.frontMatterParserLoaded()).toBe(true);
      expect(fresh.parseFrontMatter('---\na: 1\n---\nbody').data).toEqual({
        a: 1
      });
    });
  });
});
