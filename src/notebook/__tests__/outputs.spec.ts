/** @jest-environment node */
import {
  collapseCarriageReturns,
  errorHint,
  formatOutputs,
  htmlToText,
  outputKind,
  outputsToContent,
  stripAnsi,
  truncateMiddle
} from '../outputs';

const stream = (text: string, name = 'stdout') => ({
  output_type: 'stream',
  name,
  text
});
const png = (size = 100) => ({
  output_type: 'display_data',
  data: {
    'image/png': 'A'.repeat(size),
    'text/plain': '<Figure size 640x480 with 1 Axes>'
  },
  metadata: {}
});

describe('truncateMiddle', () => {
  it('leaves short text alone', () => {
    expect(truncateMiddle('abc', 10)).toBe('abc');
  });

  it('keeps head and tail with a notice of what was cut', () => {
    const text = 'H'.repeat(10000) + 'T'.repeat(10000);
    const cut = truncateMiddle(text, 1000);
    expect(cut.length).toBeLessThanOrEqual(1000);
    expect(cut.startsWith('HHH')).toBe(true);
    expect(cut.endsWith('TTT')).toBe(true);
    expect(cut).toMatch(/\[… 19\d\d\d characters truncated …\]/);
  });
});

describe('formatOutputs', () => {
  it('caps the total text at 8,000 characters by default, keeping the error at the end', () => {
    const outputs = [
      stream('x'.repeat(50000)),
      {
        output_type: 'error',
        ename: 'ValueError',
        evalue: 'boom',
        traceback: ['ValueError: boom']
      }
    ];
    const formatted = formatOutputs(outputs);
    expect(formatted.text.length).toBeLessThanOrEqual(8000);
    expect(formatted.text).toContain('characters truncated');
    expect(formatted.text.endsWith('ValueError: boom')).toBe(true);
    expect(formatted.error).toEqual({ ename: 'ValueError', evalue: 'boom' });
  });

  it('merges consecutive streams and labels stderr', () => {
    const formatted = formatOutputs([
      stream('a\n'),
      stream('b\n'),
      stream('careful\n', 'stderr')
    ]);
    expect(formatted.text).toBe('a\nb\n[stderr]\ncareful');
  });

  it('keeps what a progress bar finally shows', () => {
    expect(collapseCarriageReturns('10%\r50%\r100%\ndone')).toBe('100%\ndone');
    expect(
      formatOutputs([stream('load 1/3\rload 2/3\rload 3/3\r\n')]).text
    ).toBe('load 3/3');
  });

  it('turns png and jpeg outputs into image blocks, at most two', () => {
    const jpeg = {
      output_type: 'display_data',
      data: { 'image/jpeg': 'QUJD\nREVG' },
      metadata: {}
    };
    const formatted = formatOutputs([png(), jpeg, png()]);
    expect(formatted.images).toHaveLength(2);
    expect(formatted.images[0]).toEqual({
      type: 'image',
      source: { type: 'base64', media_type: 'image/png', data: 'A'.repeat(100) }
    });
    // Line breaks inside base64 are removed.
    expect(formatted.images[1].source).toEqual({
      type: 'base64',
      media_type: 'image/jpeg',
      data: 'QUJDREVG'
    });
    expect(formatted.text).toContain('[image/png image 1 attached]');
    expect(formatted.text).toContain('image not shown: at most 2 images');
    expect(formatted.text).toContain('<Figure size 640x480 with 1 Axes>');
  });

  it('replaces an image over the size cap with a note', () => {
    const formatted = formatOutputs([png(2_000_000)]);
    expect(formatted.images).toHaveLength(0);
    expect(formatted.text).toContain(
      '[image/png image not shown: 2.0 MB is too large]'
    );
  });

  it('strips ANSI colours from tracebacks and streams', () => {
    const traceback = [
      '\u001b[0;31m---------------------------------------------------------------------------\u001b[0m',
      '\u001b[0;31mKeyError\u001b[0m                                  Traceback (most recent call last)',
      "\u001b[0;31mKeyError\u001b[0m: 'amount'"
    ];
    const formatted = formatOutputs([
      stream('\u001b[1mbold\u001b[0m\n'),
      { output_type: 'error', ename: 'KeyError', evalue: "'amount'", traceback }
    ]);
    expect(formatted.text).not.toMatch(/\u001b/);
    expect(formatted.text).toContain("KeyError: 'amount'");
    expect(formatted.text.startsWith('bold')).toBe(true);
    expect(stripAnsi('\u001b]8;;http://x\u0007link\u001b]8;;\u0007')).toBe(
      'link'
    );
  });

  it('falls back to "ename: evalue" without a traceback', () => {
    expect(
      formatOutputs([
        { output_type: 'error', ename: 'Oops', evalue: 'bad', traceback: [] }
      ]).text
    ).toBe('Oops: bad');
  });

  it('adds an install hint for a missing module', () => {
    const formatted = formatOutputs([
      {
        output_type: 'error',
        ename: 'ModuleNotFoundError',
        evalue: "No module named 'sklearn.linear_model'",
        traceback: []
      }
    ]);
    expect(formatted.hint).toContain("module 'sklearn' is not installed");
    expect(formatted.hint).toContain('install_packages');
    expect(formatted.hint).toContain('scikit-learn');
  });

  it('gives hints only for missing modules', () => {
    expect(errorHint('ImportError', "No module named 'polars'")).toContain(
      "'polars'"
    );
    expect(errorHint('ImportError', 'cannot import name x')).toBeNull();
    expect(errorHint('KeyError', "'a'")).toBeNull();
  });

  it('prefers text/plain and drops the HTML copy', () => {
    const formatted = formatOutputs([
      {
        output_type: 'execute_result',
        execution_count: 1,
        data: { 'text/plain': '   a\n0  1', 'text/html': '<table>…</table>' },
        metadata: {}
      }
    ]);
    expect(formatted.text).toBe('   a\n0  1');
  });

  it('reduces HTML-only output to short text with a note', () => {
    const html =
      '<style>td{}</style><table><tr><th>a</th><th>b</th></tr><tr><td>1</td><td>2 &amp; 3</td></tr></table>' +
      '<p>x</p>'.repeat(2000);
    const formatted = formatOutputs([
      { output_type: 'display_data', data: { 'text/html': html }, metadata: {} }
    ]);
    expect(
      formatted.text.startsWith(
        '[text/html output, shown as text]\na\tb\n1\t2 & 3\n'
      )
    ).toBe(true);
    expect(formatted.text.length).toBeLessThan(1700);
    expect(htmlToText('<script>alert(1)</script><b>hi</b>')).toBe('hi');
  });

  it('names outputs it cannot show', () => {
    const formatted = formatOutputs([
      {
        output_type: 'display_data',
        data: { 'application/vnd.jupyter.widget-view+json': { model_id: 'x' } },
        metadata: {}
      },
      {
        output_type: 'display_data',
        data: { 'image/svg+xml': '<svg/>' },
        metadata: {}
      }
    ]);
    expect(formatted.text).toBe(
      '[interactive widget: not visible to you]\n[SVG image not shown]'
    );
  });
});

describe('outputsToContent', () => {
  it('is a string without images', () => {
    expect(outputsToContent('Header', formatOutputs([stream('hi')]))).toBe(
      'Header\nhi'
    );
  });

  it('puts text first, then the images', () => {
    const content = outputsToContent('Header', formatOutputs([png()]));
    expect(Array.isArray(content)).toBe(true);
    const blocks = content as any[];
    expect(blocks[0]).toEqual({
      type: 'text',
      text: expect.stringContaining('Header\n[image/png image 1 attached]')
    });
    expect(blocks[1].type).toBe('image');
  });

  it('appends the hint after the outputs', () => {
    const content = outputsToContent(
      'Error',
      formatOutputs([
        {
          output_type: 'error',
          ename: 'ModuleNotFoundError',
          evalue: "No module named 'duckdb'",
          traceback: []
        }
      ])
    );
    expect(content).toMatch(
      /^Error\nModuleNotFoundError: No module named 'duckdb'\nHint: /
    );
  });
});

describe('outputKind', () => {
  it('labels outputs by type and main mime type', () => {
    expect(outputKind(stream('a'))).toBe('stream');
    expect(outputKind(stream('a', 'stderr'))).toBe('stream(stderr)');
    expect(outputKind(png())).toBe('display_data(image/png)');
    expect(
      outputKind({ output_type: 'execute_result', data: { 'text/plain': '1' } })
    ).toBe('execute_result(text/plain)');
    expect(outputKind({ output_type: 'error', ename: 'E', evalue: '' })).toBe(
      'error'
    );
  });
});

describe('formatOutputs and secrets', () => {
  it('masks a printed key or connection string, as the variable summaries do', () => {
    const formatted = formatOutputs([
      {
        output_type: 'stream',
        name: 'stdout',
        text: 'using sk-live-4f9a8b7c6d5e4f3a2b1c0d9e\n'
      },
      {
        output_type: 'execute_result',
        execution_count: 1,
        data: { 'text/plain': "'postgresql://etl:pw123@db:5432/x'" },
        metadata: {}
      }
    ]);
    expect(formatted.text).toBe(
      "using <redacted, 32 chars>\n'<redacted, 23 chars>db:5432/x'"
    );
  });
});
