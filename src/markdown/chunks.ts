/**
 * Markdown split into chunks that render on their own, so a streaming reply
 * re-renders only its last chunk: a chunk ends at a blank line outside code
 * fences and math blocks, before a line that does not continue the block
 * (not indented), once it holds at least `minChars`. Chunks already closed
 * never change as the text grows (the split of a prefix is a prefix of the
 * split), and are kept from one call to the next.
 */
export class MarkdownChunker {
  constructor(minChars = 600) {
    this._minChars = minChars;
  }

  /** The chunks of `text`: every one but the last is final. */
  split(text: string): string[] {
    if (!text.startsWith(this._scanned)) {
      this._reset(); // not a continuation of the text seen before
    }
    let start = this._sealedText.length;
    let pos = this._scanFrom;
    let fence = this._fence;
    let math = this._math;
    let blank = this._blank;
    while (pos < text.length) {
      const end = text.indexOf('\n', pos);
      if (end < 0) {
        break; // an unfinished line: scanned again when it is complete
      }
      const line = text.slice(pos, end);
      const isBlank = line.trim() === '';
      if (
        !fence &&
        !math &&
        blank &&
        !isBlank &&
        !/^[ \t]/.test(line) &&
        pos - start >= this._minChars
      ) {
        // This line starts a new block after a blank one: close the chunk before it.
        this._sealed.push(text.slice(start, pos));
        start = pos;
        this._sealedText = text.slice(0, pos);
      }
      const marker = /^ {0,3}(`{3,}|~{3,})/.exec(line);
      if (marker) {
        if (!fence) {
          fence = marker[1];
        } else if (
          marker[1][0] === fence[0] &&
          marker[1].length >= fence.length &&
          line.trim() === marker[1]
        ) {
          fence = '';
        }
      } else if (!fence && line.trim() === '$$') {
        math = !math;
      }
      blank = isBlank;
      pos = end + 1;
    }
    this._scanFrom = pos;
    this._scanned = text.slice(0, pos);
    this._fence = fence;
    this._math = math;
    this._blank = blank;
    return [...this._sealed, text.slice(start)];
  }

  private _reset(): void {
    this._sealed = [];
    this._sealedText = '';
    this._scanned = '';
    this._scanFrom = 0;
    this._fence = '';
    this._math = false;
    this._blank = false;
  }

  private _minChars: number;
  private _sealed: string[] = [];
  /** The text of the closed chunks, joined: a new text must start with it. */
  private _sealedText = '';
  /** The text scanned so far (complete lines). */
  private _scanned = '';
  /** Where scanning goes on (the start of the first line not yet complete). */
  private _scanFrom = 0;
  private _fence = '';
  private _math = false;
  private _blank = false;
}
