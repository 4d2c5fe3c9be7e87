/**
 * A SQL tokenizer for the risk check, covering the dialects notebooks talk
 * to (DuckDB, PostgreSQL, Spark SQL, SQLite, MySQL, Snowflake, BigQuery):
 * words, quoted identifiers ("x", `x`, [x]), string literals ('…' with ''
 * and backslash escapes, E'…', $$…$$ and $tag$…$tag$ dollar quotes),
 * numbers, parameters, comments (`--` and nested block comments; `#` is not one),
 * operators and `;`. Never throws: an unterminated literal runs to the end.
 */

export type SqlTokenKind =
  | 'word'
  | 'ident'
  | 'string'
  | 'number'
  | 'param'
  | 'op'
  | 'semicolon'
  | 'comment';

export interface ISqlToken {
  kind: SqlTokenKind;
  text: string;
  /** Words: upper-cased. Strings and quoted identifiers: the contents. */
  value: string;
  /** Parenthesis depth of the token within its statement. */
  depth: number;
}

const WORD = /[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*/y;
const NUMBER = /(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?/y;
const DOLLAR_TAG = /\$([A-Za-z_][A-Za-z0-9_]*)?\$/y;
const PARAM =
  /(?:\$\d+|[?]|[:@][A-Za-z_][A-Za-z0-9_]*|%\([A-Za-z_][A-Za-z0-9_]*\)s|%s)/y;

export interface ISqlLexOptions {
  /**
   * Backslash escapes in '…' strings (MySQL, Spark SQL, BigQuery); off, only
   * E'…' strings have them (standard SQL, PostgreSQL, DuckDB). The risk check
   * reads SQL both ways, so neither dialect can hide a statement in a string.
   */
  backslashEscapes?: boolean;
}

export function lexSql(
  source: string,
  options: ISqlLexOptions = {}
): ISqlToken[] {
  const tokens: ISqlToken[] = [];
  const n = source.length;
  let i = 0;
  let depth = 0;
  const push = (
    kind: SqlTokenKind,
    start: number,
    end: number,
    value?: string
  ) => {
    const text = source.slice(start, end);
    tokens.push({
      kind,
      text,
      value: value ?? (kind === 'word' ? text.toUpperCase() : text),
      depth
    });
  };
  while (i < n) {
    const ch = source[i];
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === '-' && source[i + 1] === '-') {
      const end = lineEnd(source, i);
      push('comment', i, end);
      i = end;
      continue;
    }
    if (ch === '/' && source[i + 1] === '*') {
      let level = 1;
      let j = i + 2;
      while (j < n && level > 0) {
        if (source.startsWith('/*', j)) {
          level++;
          j += 2;
        } else if (source.startsWith('*/', j)) {
          level--;
          j += 2;
        } else {
          j++;
        }
      }
      push('comment', i, j);
      i = j;
      continue;
    }
    if (ch === "'" || ((ch === 'E' || ch === 'e') && source[i + 1] === "'")) {
      const quoteAt = ch === "'" ? i : i + 1;
      const end = quoted(
        source,
        quoteAt,
        "'",
        quoteAt > i || !!options.backslashEscapes
      );
      push('string', i, end, unquote(source.slice(quoteAt + 1, end - 1), "'"));
      i = end;
      continue;
    }
    if (ch === '"' || ch === '`') {
      const end = quoted(source, i, ch, false);
      push('ident', i, end, unquote(source.slice(i + 1, end - 1), ch));
      i = end;
      continue;
    }
    if (ch === '[') {
      // A bracketed identifier (SQL Server, SQLite) when it closes on the same line with a name inside.
      const close = /^\[[^\]\n]*\]/.exec(source.slice(i));
      if (close && /^\[[A-Za-z_ .]+\]$/.test(close[0])) {
        push('ident', i, i + close[0].length, close[0].slice(1, -1));
        i += close[0].length;
        continue;
      }
    }
    if (ch === '$') {
      DOLLAR_TAG.lastIndex = i;
      const tag = DOLLAR_TAG.exec(source);
      if (tag) {
        const close = source.indexOf(tag[0], i + tag[0].length);
        const end = close < 0 ? n : close + tag[0].length;
        push(
          'string',
          i,
          end,
          source.slice(i + tag[0].length, close < 0 ? n : close)
        );
        i = end;
        continue;
      }
    }
    WORD.lastIndex = i;
    const word = WORD.exec(source);
    if (word) {
      push('word', i, i + word[0].length);
      i += word[0].length;
      continue;
    }
    NUMBER.lastIndex = i;
    const number = NUMBER.exec(source);
    if (number && number[0]) {
      push('number', i, i + number[0].length);
      i += number[0].length;
      continue;
    }
    PARAM.lastIndex = i;
    const param = PARAM.exec(source);
    if (param) {
      push('param', i, i + param[0].length);
      i += param[0].length;
      continue;
    }
    if (ch === ';') {
      push('semicolon', i, i + 1);
      depth = 0;
      i++;
      continue;
    }
    if (ch === '(') {
      push('op', i, i + 1);
      depth++;
      i++;
      continue;
    }
    if (ch === ')') {
      depth = Math.max(0, depth - 1);
      push('op', i, i + 1);
      i++;
      continue;
    }
    const op =
      /^(?:::|<>|!=|<=|>=|\|\||->>|->|=>|[-+*/%<>=!~^&|.,:@#?{}\]])/.exec(
        source.slice(i, i + 3)
      );
    const len = op ? op[0].length : 1;
    push('op', i, i + len);
    i += len;
  }
  return tokens;
}

/** The statements of a token list (split at `;`), without comments. */
export function sqlStatements(tokens: ReadonlyArray<ISqlToken>): ISqlToken[][] {
  const statements: ISqlToken[][] = [];
  let current: ISqlToken[] = [];
  for (const token of tokens) {
    if (token.kind === 'comment') {
      continue;
    }
    if (token.kind === 'semicolon') {
      if (current.length) {
        statements.push(current);
      }
      current = [];
      continue;
    }
    current.push(token);
  }
  if (current.length) {
    statements.push(current);
  }
  return statements;
}

/** The end of a quoted run starting at `at` (after the closing quote; doubled quotes and, for strings, backslashes escape). */
function quoted(
  source: string,
  at: number,
  quote: string,
  backslash: boolean
): number {
  let j = at + 1;
  while (j < source.length) {
    const c = source[j];
    if (backslash && c === '\\') {
      j += 2;
      continue;
    }
    if (c === quote) {
      if (source[j + 1] === quote) {
        j += 2;
        continue;
      }
      return j + 1;
    }
    j++;
  }
  return source.length;
}

function unquote(body: string, quote: string): string {
  return body.split(quote + quote).join(quote);
}

function lineEnd(source: string, from: number): number {
  let end = from;
  while (end < source.length && source[end] !== '\n' && source[end] !== '\r') {
    end++;
  }
  return end;
}
