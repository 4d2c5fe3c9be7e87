/**
 * A Python tokenizer for the risk check: the token kinds of Python's own
 * `tokenize` module that matter here (names, numbers, strings with their
 * prefix and value, operators, comments, logical line ends), plus the two
 * IPython escapes a notebook cell may hold at the start of a logical line:
 * `!shell` and `%magic` (also after `name =`), and a `%%cell` magic on the
 * first line. Tested against `tokenize` on a corpus (see
 * `__tests__/riskLexers.spec.ts`). It never throws: what it cannot read
 * (an unterminated string) becomes an `error` token and lexing goes on.
 */

export type PyTokenKind =
  | 'name'
  | 'number'
  | 'string'
  | 'op'
  | 'comment'
  | 'newline'
  | 'shell'
  | 'magic'
  | 'error';

export interface IPyToken {
  kind: PyTokenKind;
  /** The token's source text. */
  text: string;
  /** Offset in the source. */
  start: number;
  /** 1-based line of the start. */
  line: number;
  /** Strings: the prefix, lower-cased ('', 'f', 'rb'…). */
  prefix?: string;
  /** Strings: the contents between the quotes, escapes resolved (raw strings kept as written). */
  value?: string;
}

const NAME_START = /[\p{L}\p{Nl}_\u1885\u1886\u2118\u212e\u309b\u309c]/u;
const NAME_REST =
  /[\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}_\u00b7\u0387\u1369-\u1371\u19da\u200c\u200d\u30fb\uff65]/u;

const DIGITS = '[0-9](?:_?[0-9])*';
const EXPONENT = `[eE][-+]?${DIGITS}`;
const POINT_FLOAT = `(?:${DIGITS}\\.(?:${DIGITS})?|\\.${DIGITS})(?:${EXPONENT})?`;
const EXP_FLOAT = `${DIGITS}${EXPONENT}`;
const NUMBER = new RegExp(
  [
    `(?:${POINT_FLOAT}|${EXP_FLOAT}|${DIGITS})[jJ]`,
    POINT_FLOAT,
    EXP_FLOAT,
    '0[xX](?:_?[0-9a-fA-F])+',
    '0[bB](?:_?[01])+',
    '0[oO](?:_?[0-7])+',
    '(?:0(?:_?0)*|[1-9](?:_?[0-9])*)'
  ]
    .map(p => `(?:${p})`)
    .join('|'),
  'y'
);

const OPERATORS = [
  '**=',
  '//=',
  '>>=',
  '<<=',
  '...',
  '!=',
  '->',
  ':=',
  '**',
  '//',
  '>>',
  '<<',
  '<=',
  '>=',
  '==',
  '+=',
  '-=',
  '*=',
  '/=',
  '%=',
  '&=',
  '|=',
  '^=',
  '@=',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  ':',
  ',',
  ';',
  '+',
  '-',
  '*',
  '/',
  '|',
  '&',
  '<',
  '>',
  '=',
  '.',
  '%',
  '~',
  '^',
  '@'
];

const STRING_PREFIX = /^(?:[rR][bBfF]?|[bBfF][rR]?|[uU])$/;

const ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  '\\': '\\',
  "'": "'",
  '"': '"',
  '0': '\0',
  a: '\x07',
  b: '\b',
  f: '\f',
  v: '\v'
};

/** The value of a string body: escapes resolved unless raw (bytes treated like text). */
function stringValue(body: string, raw: boolean): string {
  if (raw) {
    return body;
  }
  return body.replace(/\\(\r?\n|.)/gs, (_, ch: string) =>
    ch === '\n' || ch === '\r\n' ? '' : (ESCAPES[ch] ?? `\\${ch}`)
  );
}

export interface IPyLexOptions {
  /** Recognise IPython's `!`, `%` and `%%` escapes (default true). */
  ipython?: boolean;
}

/** Tokenize Python (IPython) source. */
export function lexPython(
  source: string,
  options: IPyLexOptions = {}
): IPyToken[] {
  const ipython = options.ipython !== false;
  const tokens: IPyToken[] = [];
  const n = source.length;
  let i = 0;
  let line = 1;
  let depth = 0; // brackets open: newlines inside are not logical line ends
  let lineStart = true; // at the start of a logical line (only indentation seen)
  const push = (
    kind: PyTokenKind,
    start: number,
    end: number,
    extra: Partial<IPyToken> = {}
  ) => {
    const text = source.slice(start, end);
    tokens.push({ kind, text, start, line, ...extra });
    line += countNewlines(text);
  };

  if (ipython && /^[ \t]*%%/.test(source)) {
    // A cell magic: the whole cell is its input.
    const at = source.indexOf('%%');
    push('magic', at, n);
    return tokens;
  }

  while (i < n) {
    const ch = source[i];
    // Whitespace and line continuations.
    if (ch === ' ' || ch === '\t' || ch === '\f') {
      i++;
      continue;
    }
    if (
      ch === '\\' &&
      (source[i + 1] === '\n' ||
        (source[i + 1] === '\r' && source[i + 2] === '\n'))
    ) {
      i += source[i + 1] === '\n' ? 2 : 3;
      line++;
      continue;
    }
    if (ch === '\n' || ch === '\r') {
      const end = ch === '\r' && source[i + 1] === '\n' ? i + 2 : i + 1;
      if (depth === 0 && !lineStart) {
        push('newline', i, end);
      } else {
        line++;
      }
      i = end;
      lineStart = depth === 0;
      continue;
    }
    if (ch === '#') {
      const end = lineEnd(source, i);
      push('comment', i, end);
      i = end;
      continue;
    }
    // IPython escapes at the start of a logical line, or after `name =`.
    if (
      ipython &&
      depth === 0 &&
      (ch === '!' || ch === '%') &&
      (lineStart || afterAssignment(tokens))
    ) {
      if (ch === '!' || /[%A-Za-z_]/.test(source[i + 1] ?? '')) {
        const end = escapedLineEnd(source, i);
        push(ch === '!' ? 'shell' : 'magic', i, end);
        i = end;
        lineStart = false;
        continue;
      }
    }
    lineStart = false;
    // Names and string prefixes.
    if (NAME_START.test(ch)) {
      let j = i + 1;
      while (j < n && NAME_REST.test(source[j])) {
        j++;
      }
      const word = source.slice(i, j);
      if (
        (source[j] === '"' || source[j] === "'") &&
        STRING_PREFIX.test(word)
      ) {
        i = lexString(source, i, j, word.toLowerCase(), push);
        continue;
      }
      push('name', i, j);
      i = j;
      continue;
    }
    if (ch === '"' || ch === "'") {
      i = lexString(source, i, i, '', push);
      continue;
    }
    if (/[0-9]/.test(ch) || (ch === '.' && /[0-9]/.test(source[i + 1] ?? ''))) {
      NUMBER.lastIndex = i;
      const match = NUMBER.exec(source);
      const end = match ? i + match[0].length : i + 1;
      push('number', i, end);
      i = end;
      continue;
    }
    const op = OPERATORS.find(o => source.startsWith(o, i));
    if (op) {
      if (op === '(' || op === '[' || op === '{') {
        depth++;
      } else if ((op === ')' || op === ']' || op === '}') && depth > 0) {
        depth--;
      }
      push('op', i, i + op.length);
      i += op.length;
      continue;
    }
    push('error', i, i + 1);
    i++;
  }
  if (tokens.length && tokens[tokens.length - 1].kind !== 'newline') {
    tokens.push({ kind: 'newline', text: '', start: n, line });
  }
  return tokens;
}

/** A string token from `start` (its prefix) with the quote at `quoteAt`; returns the end offset. */
function lexString(
  source: string,
  start: number,
  quoteAt: number,
  prefix: string,
  push: (
    kind: PyTokenKind,
    start: number,
    end: number,
    extra?: Partial<IPyToken>
  ) => void
): number {
  const quote = source[quoteAt];
  const triple = source.startsWith(quote.repeat(3), quoteAt);
  const delimiter = triple ? quote.repeat(3) : quote;
  const raw = prefix.includes('r');
  let j = quoteAt + delimiter.length;
  while (j < source.length) {
    const c = source[j];
    if (c === '\\') {
      j += 2;
      continue;
    }
    if (!triple && (c === '\n' || c === '\r')) {
      break; // unterminated single-quoted string
    }
    if (source.startsWith(delimiter, j)) {
      const body = source.slice(quoteAt + delimiter.length, j);
      const end = j + delimiter.length;
      push('string', start, end, { prefix, value: stringValue(body, raw) });
      return end;
    }
    j++;
  }
  // Unterminated: the rest of the line (or of the source, for a triple quote) is an error token.
  const end = triple ? source.length : lineEnd(source, quoteAt);
  push('error', start, end, {
    prefix,
    value: stringValue(source.slice(quoteAt + delimiter.length, end), raw)
  });
  return end;
}

function lineEnd(source: string, from: number): number {
  let end = from;
  while (end < source.length && source[end] !== '\n' && source[end] !== '\r') {
    end++;
  }
  return end;
}

/** The end of an escaped line (`!cmd`, `%magic`), with backslash continuations. */
function escapedLineEnd(source: string, from: number): number {
  let end = lineEnd(source, from);
  while (end < source.length && source[end - 1] === '\\') {
    end = lineEnd(source, end + 1);
  }
  return end;
}

/** Whether the tokens of this logical line so far are `name =` (IPython's `x = !cmd`). */
function afterAssignment(tokens: IPyToken[]): boolean {
  const last = tokens[tokens.length - 1];
  const before = tokens[tokens.length - 2];
  const third = tokens[tokens.length - 3];
  return (
    last?.kind === 'op' &&
    last.text === '=' &&
    before?.kind === 'name' &&
    (!third || third.kind === 'newline' || third.kind === 'comment')
  );
}

function countNewlines(text: string): number {
  let count = 0;
  for (let k = 0; k < text.length; k++) {
    if (text[k] === '\n' || (text[k] === '\r' && text[k + 1] !== '\n')) {
      count++;
    }
  }
  return count;
}
