/**
 * Terminal output as the model reads it: escape sequences removed,
 * carriage-return redraws (progress bars) collapsed to what the screen
 * finally showed, and long output cut to its head and tail with a count of
 * the lines left out. The terminal itself keeps the raw bytes.
 */

// CSI (ESC [ … final), OSC (ESC ] … BEL or ESC \), other two-byte escapes, and 8-bit CSI.
const ANSI_PATTERN =
  /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[PX^_][^\x1b]*(?:\x1b\\)?|\x1b[@-Z\\-_]|\x9b[0-?]*[ -/]*[@-~]/g;

/** Remove terminal escape sequences (colours, cursor moves, titles) and stray control bytes. */
export function stripTerminalEscapes(text: string): string {
  return text
    .replace(ANSI_PATTERN, '')
    .replace(/[\x00-\x08\x0b\x0c\x0e-\x1a\x1c-\x1f\x7f]/g, '');
}

/**
 * Plain lines from raw terminal output: CRLF to LF, and within a line only
 * what follows the last carriage return (what a progress bar left on screen).
 */
export function terminalText(raw: string): string {
  const plain = stripTerminalEscapes(raw).replace(/\r+\n/g, '\n');
  return plain
    .split('\n')
    .map(line => {
      const parts = line.split('\r');
      // A trailing \r (cursor back, nothing written after) keeps the text before it.
      for (let i = parts.length - 1; i >= 0; i--) {
        if (parts[i] !== '') {
          return parts[i];
        }
      }
      return '';
    })
    .join('\n');
}

/** How much of a command's output the model gets. */
export interface IOutputBounds {
  /** Lines kept from the start. */
  headLines: number;
  /** Lines kept from the end. */
  tailLines: number;
  /** Longer lines are cut (with a note of how many characters). */
  maxLineChars: number;
}

export const DEFAULT_OUTPUT_BOUNDS: IOutputBounds = {
  headLines: 60,
  tailLines: 120,
  maxLineChars: 400
};

/** Bounded output: the text for the model, and how many lines were left out. */
export interface IBoundedOutput {
  text: string;
  totalLines: number;
  skippedLines: number;
  truncated: boolean;
}

/** Keep the first and last lines of a text (and cut very long lines), saying how much was skipped. */
export function boundOutput(
  text: string,
  bounds: IOutputBounds = DEFAULT_OUTPUT_BOUNDS
): IBoundedOutput {
  const lines = text === '' ? [] : text.split('\n');
  let truncated = false;
  const cut = (line: string) => {
    if (line.length <= bounds.maxLineChars) {
      return line;
    }
    truncated = true;
    return `${line.slice(0, bounds.maxLineChars)} … [${line.length - bounds.maxLineChars} more characters]`;
  };
  const keep = bounds.headLines + bounds.tailLines;
  if (lines.length <= keep) {
    return {
      text: lines.map(cut).join('\n'),
      totalLines: lines.length,
      skippedLines: 0,
      truncated
    };
  }
  const skipped = lines.length - keep;
  const head = lines.slice(0, bounds.headLines).map(cut);
  const tail = lines.slice(lines.length - bounds.tailLines).map(cut);
  return {
    text: [...head, `… [${skipped} lines skipped] …`, ...tail].join('\n'),
    totalLines: lines.length,
    skippedLines: skipped,
    truncated: true
  };
}

/** The last `count` lines of a text. */
export function lastLines(text: string, count: number): string {
  const lines = text.split('\n');
  while (lines.length && lines[lines.length - 1].trim() === '') {
    lines.pop();
  }
  return lines.slice(Math.max(0, lines.length - count)).join('\n');
}
