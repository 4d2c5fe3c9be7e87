import {
  interruptProbe,
  MarkerParser,
  shellQuote,
  wrapCommand
} from '../markers';
import {
  boundOutput,
  lastLines,
  stripTerminalEscapes,
  terminalText
} from '../output';

const NONCE = '0123456789abcdef';

/** What a tty would show: echo of the typed line, then the command's output between markers. */
function transcript(output: string, code: number): string {
  const typed = wrapCommand(NONCE, { command: 'ls', cwd: '/srv' });
  return (
    `user@host:~$ ${typed.replace(/\n/g, '\r\n> ')}\r\n` +
    `\r\n<<DE:${NONCE}:S>>\r\n${output}\r\n<<DE:${NONCE}:E:${code}>>\r\nuser@host:/srv$ `
  );
}

function feedInPieces(
  parser: MarkerParser,
  text: string,
  sizes: number[]
): void {
  let at = 0;
  let i = 0;
  while (at < text.length) {
    const size = sizes[i++ % sizes.length];
    parser.feed(text.slice(at, at + size));
    at += size;
  }
}

describe('MarkerParser', () => {
  it.each([[1], [2], [3], [7], [1000]])(
    'finds output and exit code with chunks of %i characters',
    size => {
      const parser = new MarkerParser(NONCE);
      feedInPieces(parser, transcript('a.txt\r\nb.txt\r\n', 2), [size]);
      expect(parser.state).toBe('ended');
      expect(parser.exitCode).toBe(2);
      expect(terminalText(parser.output)).toBe('a.txt\nb.txt\n');
    }
  );

  it('is not fooled by the echo of the typed line', () => {
    const typed = wrapCommand(NONCE, { command: 'echo hi', cwd: null });
    // The echo alone carries no whole marker.
    expect(typed).not.toContain(`<<DE:${NONCE}:S>>`);
    expect(typed).not.toMatch(new RegExp(`<<DE:${NONCE}:E:\\d`));
    const parser = new MarkerParser(NONCE);
    parser.feed(`$ ${typed}\r\n`);
    expect(parser.state).toBe('waiting');
  });

  it('ignores markers of another run', () => {
    const parser = new MarkerParser(NONCE);
    parser.feed(
      '<<DE:ffffffffffffffff:S>>\r\nx\r\n<<DE:ffffffffffffffff:E:0>>\r\n'
    );
    expect(parser.state).toBe('waiting');
  });

  it('ends on the interrupt probe with the partial output', () => {
    const parser = new MarkerParser(NONCE);
    parser.feed(
      `\r\n<<DE:${NONCE}:S>>\r\npartial\r\n^C\r\n$ ${interruptProbe(NONCE)}\r\n\r\n<<DE:${NONCE}:I>>\r\n`
    );
    expect(parser.state).toBe('interrupted');
    expect(parser.exitCode).toBeNull();
    expect(terminalText(parser.output)).toContain('partial');
  });

  it('shows output while running, holding back a possible marker start', () => {
    const parser = new MarkerParser(NONCE);
    parser.feed(`\r\n<<DE:${NONCE}:S>>\r\n` + 'line\r\n'.repeat(20));
    expect(parser.state).toBe('running');
    expect(parser.output).toContain('line');
  });

  it('quotes for the shell', () => {
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    const line = wrapCommand(NONCE, {
      command: "echo 'a'",
      cwd: "/x/it's",
      env: { A: '1', 'bad-name': 'x' }
    });
    expect(line).toContain(`cd -- '/x/it'\\''s'`);
    expect(line).toContain(`export A='1'`);
    expect(line).not.toContain('bad-name');
  });
});

describe('terminal output for the model', () => {
  it('strips colours, titles and cursor moves', () => {
    expect(
      stripTerminalEscapes('\x1b[01;34mdir\x1b[0m \x1b]0;title\x07x\x1b[2K')
    ).toBe('dir x');
  });

  it('keeps what a progress bar left on screen', () => {
    expect(terminalText('10%\r50%\r100%\r\ndone\r\n')).toBe('100%\ndone\n');
  });

  it('bounds long output to head and tail with the count skipped', () => {
    const text = Array.from({ length: 1000 }, (_, i) => `line ${i + 1}`).join(
      '\n'
    );
    const bounded = boundOutput(text, {
      headLines: 5,
      tailLines: 10,
      maxLineChars: 100
    });
    const lines = bounded.text.split('\n');
    expect(lines.slice(0, 5)).toEqual([
      'line 1',
      'line 2',
      'line 3',
      'line 4',
      'line 5'
    ]);
    expect(lines[5]).toBe('… [985 lines skipped] …');
    expect(lines[lines.length - 1]).toBe('line 1000');
    expect(lines.length).toBe(16);
    expect(bounded.skippedLines).toBe(985);
    expect(bounded.truncated).toBe(true);
  });

  it('leaves short output alone and cuts very long lines', () => {
    expect(boundOutput('a\nb').text).toBe('a\nb');
    const long = boundOutput('x'.repeat(1000), {
      headLines: 5,
      tailLines: 5,
      maxLineChars: 10
    });
    expect(long.text).toBe('xxxxxxxxxx … [990 more characters]');
    expect(long.truncated).toBe(true);
  });

  it('takes the last lines', () => {
    expect(lastLines('a\nb\nc\n\n', 2)).toBe('b\nc');
  });
});
