/** @jest-environment node */
import { MarkdownChunker } from '../chunks';

const para = (i: number) => `Paragraph ${i}: ${'words '.repeat(20).trim()}.`;

describe('MarkdownChunker', () => {
  it('splits at blank lines into chunks of at least minChars, joining back to the text', () => {
    const text =
      Array.from({ length: 30 }, (_, i) => para(i)).join('\n\n') + '\n';
    const chunks = new MarkdownChunker(400).split(text);
    expect(chunks.join('')).toBe(text);
    expect(chunks.length).toBeGreaterThan(4);
    for (const chunk of chunks.slice(0, -1)) {
      expect(chunk.length).toBeGreaterThanOrEqual(400);
      expect(chunk.endsWith('\n\n')).toBe(true);
      expect(chunk.startsWith('Paragraph')).toBe(true);
    }
  });

  it('never splits inside a code fence, a math block or an indented continuation', () => {
    const code = [
      '```python',
      ...Array.from({ length: 40 }, (_, i) => `x${i} = ${i}\n`),
      '```'
    ].join('\n');
    const tilde = ['~~~', 'a', '', '```', 'b', '', '```', '', '~~~'].join('\n');
    const math = ['$$', 'a + b', '', 'c', '$$'].join('\n');
    const list = [
      '1. first item',
      '',
      '    continued, indented',
      '',
      '2. second'
    ].join('\n');
    const text =
      [para(0), code, para(1), tilde, para(2), math, list, para(3)].join(
        '\n\n'
      ) + '\n';
    const chunks = new MarkdownChunker(1).split(text);
    expect(chunks.join('')).toBe(text);
    const fences = (chunk: string) => (chunk.match(/^```/gm) ?? []).length;
    for (const chunk of chunks) {
      expect(fences(chunk) % 2).toBe(0);
      expect((chunk.match(/^~~~/gm) ?? []).length % 2).toBe(0);
      expect((chunk.match(/^\$\$$/gm) ?? []).length % 2).toBe(0);
      expect(chunk.startsWith('    continued')).toBe(false);
    }
    expect(
      chunks.some(c => c.startsWith('```python') && c.includes('x39 = 39'))
    ).toBe(true);
  });

  it('streams: closed chunks never change, and match a split of the whole text', () => {
    const text = Array.from({ length: 40 }, (_, i) =>
      i % 7 === 3 ? '```\ncode\n\nmore\n```' : para(i)
    ).join('\n\n');
    const chunker = new MarkdownChunker(300);
    const closed: string[] = [];
    for (let end = 1; end <= text.length; end += 13) {
      const chunks = chunker.split(text.slice(0, end));
      expect(chunks.join('')).toBe(text.slice(0, end));
      // Every chunk closed before is still there, unchanged.
      expect(chunks.slice(0, closed.length)).toEqual(closed);
      closed.splice(0, closed.length, ...chunks.slice(0, -1));
    }
    expect(chunker.split(text)).toEqual(new MarkdownChunker(300).split(text));
  });

  it('starts again when the text is not a continuation', () => {
    const chunker = new MarkdownChunker(10);
    chunker.split(`${para(0)}\n\n${para(1)}\n\n${para(2)}\n`);
    const other = `Other start\n\n${para(5)}\n`;
    expect(chunker.split(other).join('')).toBe(other);
    expect(chunker.split(other)[0].startsWith('Other start')).toBe(true);
  });
});
