/**
 * Spotting code that destroys data or files, so the approval policy can ask
 * the user even when a tool is set to run without asking. Heuristics on
 * text: they err towards asking (a false alarm costs one click; a miss can
 * cost a table).
 */

/** One pattern: a test on comment-free code and the reason shown to the user. */
interface IRiskRule {
  test: (code: string) => boolean;
  reason: string;
}

const SQL_TABLE_NAME = String.raw`[\w."\x60\[\]]+`;

const RULES: IRiskRule[] = [
  {
    test: code => /\bDROP\s+(?:TABLE|SCHEMA|DATABASE|(?:MATERIALIZED\s+)?VIEW)\b/i.test(code),
    reason: 'SQL DROP: permanently removes a table, view, schema or database'
  },
  {
    test: code => /\bALTER\s+TABLE\b[^;]*?\bDROP\s+(?:COLUMN\b|PARTITION\b)/i.test(code),
    reason: 'SQL ALTER TABLE … DROP: removes a column or partition and its data'
  },
  {
    // Lower-case `truncate <name>` is too common in prose and method names;
    // require TABLE, or the keyword in capitals.
    test: code => /\btruncate\s+table\b/i.test(code) || /\bTRUNCATE\s+[A-Za-z_"\x60\[]/.test(code),
    reason: 'SQL TRUNCATE: deletes every row of a table'
  },
  {
    test: code => statementsWithoutWhere(code, /\bDELETE\s+FROM\b/gi),
    reason: 'SQL DELETE FROM without WHERE: deletes every row of a table'
  },
  {
    test: code => statementsWithoutWhere(code, new RegExp(String.raw`\bUPDATE\s+${SQL_TABLE_NAME}\s+SET\b`, 'gi')),
    reason: 'SQL UPDATE without WHERE: changes every row of a table'
  },
  {
    test: code =>
      /(?:^|[\s;&|!%\x60("'])rm\s+(?:-\w+\s+)*(?:-\w*[rR]\w*|--recursive)\b/.test(code) ||
      /['"]rm['"]\s*,\s*['"]-\w*[rR]/.test(code),
    reason: 'shell rm -r: deletes files and folders recursively'
  },
  {
    test: code => /(?:^|[\s=(;])[!%]rm\b/m.test(code) || shellCellRemoves(code),
    reason: 'shell rm: deletes files'
  },
  {
    test: code => /\brmtree\s*\(/.test(code),
    reason: 'shutil.rmtree: deletes a folder and everything in it'
  },
  {
    test: code => /\bos\.(?:remove|unlink|rmdir|removedirs)\s*\(/.test(code) || /\.(?:unlink|rmdir)\s*\(/.test(code),
    reason: 'deletes a file or folder (os.remove / os.unlink / Path.unlink)'
  },
  {
    test: code => /\b(?:dbutils\.)?fs\.rm\s*\(/.test(code) || /\.delete_objects?\s*\(/.test(code),
    reason: 'deletes files or objects in a file system or bucket'
  },
  {
    // open(path, 'w'), open(path, mode="wb"), gzip.open(p, 'wt'); one level of nested parentheses.
    test: code =>
      /\bopen\s*\((?:[^()]|\([^()]*\))*?(?:,\s*|\bmode\s*=\s*)['"][rbt+]*w[rbt+]*['"]/.test(code),
    reason: "open(…, 'w'): overwrites a file"
  },
  {
    test: code => /\.write_(?:text|bytes)\s*\(/.test(code),
    reason: 'Path.write_text / write_bytes: overwrites a file'
  },
  {
    test: code =>
      /\bmode\s*=\s*['"]overwrite['"]/i.test(code) ||
      /\.mode\s*\(\s*['"]overwrite['"]\s*\)/i.test(code) ||
      /\boverwrite\s*=\s*True\b/.test(code),
    reason: "write with mode='overwrite': replaces existing data"
  },
  {
    test: code => /\bif_exists\s*=\s*['"]replace['"]/.test(code),
    reason: "to_sql(if_exists='replace'): drops and recreates a database table"
  }
];

/**
 * Why this code needs the user's eyes (a one-line reason), or null when no
 * destructive pattern is found. Comments are ignored.
 */
export function destructiveReason(code: string): string | null {
  if (!code || !code.trim()) {
    return null;
  }
  const stripped = stripComments(code);
  for (const rule of RULES) {
    if (rule.test(stripped)) {
      return rule.reason;
    }
  }
  return null;
}

/**
 * Remove SQL block comments, `-- ` comments, and Python/shell `#` comments
 * (a `#` counts as a comment when the quotes before it on its line are
 * balanced). `--option` without a space is kept: it is a CLI flag.
 */
export function stripComments(code: string): string {
  const noBlocks = code.replace(/\/\*[\s\S]*?\*\//g, ' ');
  return noBlocks
    .split('\n')
    .map(line => {
      let out = line.replace(/(^|\s)--(?:\s.*)?$/, '$1');
      const hash = commentHashIndex(out);
      if (hash >= 0) {
        out = out.slice(0, hash);
      }
      return out;
    })
    .join('\n');
}

function commentHashIndex(line: string): number {
  let single = 0;
  let double = 0;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch === "'" && double % 2 === 0) {
      single++;
    } else if (ch === '"' && single % 2 === 0) {
      double++;
    } else if (ch === '#' && single % 2 === 0 && double % 2 === 0) {
      // `%%sql` cells may hold `#` in identifiers only inside quotes; magics never start with `#`.
      return i;
    }
  }
  return -1;
}

/**
 * True when some statement matched by `start` has no WHERE before its end.
 * The end is the next `;`, or the closing quote of the Python string the
 * statement sits in (found by looking back for the nearest quote), or the
 * end of the code.
 */
function statementsWithoutWhere(code: string, start: RegExp): boolean {
  start.lastIndex = 0;
  let match: RegExpExecArray | null;
  while ((match = start.exec(code))) {
    const from = match.index + match[0].length;
    let end = code.indexOf(';', from);
    if (end < 0) {
      end = code.length;
    }
    const quote = enclosingQuote(code, match.index);
    if (quote) {
      const close = code.indexOf(quote, from);
      if (close >= 0 && close < end) {
        end = close;
      }
    }
    const statement = code.slice(from, Math.min(end, from + 4000));
    if (!/\bWHERE\b/i.test(statement)) {
      return true;
    }
  }
  return false;
}

/** The quote (', ", ''' or """) nearest before `index`, if any. */
function enclosingQuote(code: string, index: number): string | null {
  for (let i = index - 1; i >= 0; i--) {
    const ch = code[i];
    if (ch === '"' || ch === "'") {
      const triple = ch.repeat(3);
      return i >= 2 && code.slice(i - 2, i + 1) === triple ? triple : ch;
    }
  }
  return null;
}

/** A `%%bash` / `%%sh` / `%%script` cell with an `rm` command line. */
function shellCellRemoves(code: string): boolean {
  if (!/^\s*%%(?:bash|sh|script\b)/.test(code)) {
    return false;
  }
  return /(?:^|[;&|]\s*)\s*(?:sudo\s+)?rm\s/m.test(code.replace(/^\s*%%.*\n?/, ''));
}
