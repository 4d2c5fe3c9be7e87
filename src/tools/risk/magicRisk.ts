import type { IRiskFinding } from './findings';
import { shellFindings } from './shellRisk';
import { sqlFindings } from './sqlRisk';

/**
 * IPython magics: `%%bash`/`%%sh`/`%%script bash` cells and `%sx`/`%system`
 * lines are shell; `%%sql`/`%sql` (jupysql, ipython-sql) and `%%dql`
 * (magic-duckdb) are SQL; `%%writefile path` writes a file; `%%time`,
 * `%%capture`… wrap Python. `%rm`/`%rmdir` are IPython's shell aliases;
 * `%reset` deletes the kernel's variables.
 */

const SHELL_CELLS = new Set(['bash', 'sh', 'zsh', 'system', 'sx']);
const SQL_MAGICS = new Set([
  'sql',
  'dql',
  'sparksql',
  'spark_sql',
  'duckdb',
  'bigquery',
  'snowflake',
  'trino'
]);
const PYTHON_CELLS = new Set([
  'time',
  'timeit',
  'capture',
  'prun',
  'python',
  'python3',
  'debug',
  'spark',
  'pyspark',
  'local'
]);

export const MAGIC_REASONS = {
  reset: 'IPython %reset: deletes every variable in the kernel',
  writefile: '%%writefile: overwrites a file'
};

/** The Python check, for magics that wrap Python (given by the caller: no import cycle). */
export type PythonCheck = (code: string, level: number) => IRiskFinding[];

/** The findings of a `%line` or `%%cell` magic, given with its `%`s. */
export function magicFindings(
  text: string,
  python: PythonCheck,
  level = 0
): IRiskFinding[] {
  if (text.startsWith('%%')) {
    const newline = text.indexOf('\n');
    const header = newline < 0 ? text : text.slice(0, newline);
    const body = newline < 0 ? '' : text.slice(newline + 1);
    const [name, ...args] = header.slice(2).trim().split(/\s+/);
    if (
      SHELL_CELLS.has(name) ||
      (name === 'script' &&
        /^(?:bash|sh|zsh)$/.test((args[0] ?? '').replace(/.*\//, '')))
    ) {
      return shellFindings(body);
    }
    if (SQL_MAGICS.has(name)) {
      return [
        ...sqlFindings(sqlAfterConnection(args.join(' '))),
        ...sqlFindings(body)
      ];
    }
    if (name === 'writefile' || name === 'file') {
      if (args.includes('-a') || args.includes('--append')) {
        return [];
      }
      const path = unquote(args.filter(a => !a.startsWith('-')).join(' '));
      return path
        ? [{ reason: `%%writefile ${path}: overwrites that file`, path }]
        : [{ reason: MAGIC_REASONS.writefile }];
    }
    if (PYTHON_CELLS.has(name) && level < 3) {
      return python(body, level + 1);
    }
    return [];
  }
  const line = text.replace(/^%/, '').replace(/\\\r?\n/g, ' ');
  const [name, ...rest] = line.trim().split(/\s+/);
  const args = rest.join(' ');
  if (name === 'sx' || name === 'system') {
    return shellFindings(args);
  }
  if (name === 'rm' || name === 'rmdir') {
    return shellFindings(`${name} ${args}`);
  }
  if (name === 'reset' && !/^(?:-f\s+)?(?:in|out|dhist|array)\b/.test(args)) {
    return [{ reason: MAGIC_REASONS.reset }];
  }
  if (SQL_MAGICS.has(name)) {
    return sqlFindings(sqlAfterConnection(args));
  }
  if (
    (name === 'time' ||
      name === 'timeit' ||
      name === 'capture' ||
      name === 'prun') &&
    level < 3
  ) {
    return python(args.replace(/^(?:-\S+\s+)*/, ''), level + 1);
  }
  return [];
}

/**
 * The SQL of a `%sql` line: from its first statement keyword on (before it
 * come a connection string, `--options`, or `result <<`).
 */
function sqlAfterConnection(args: string): string {
  const match =
    /\b(?:SELECT|WITH|INSERT|UPDATE|DELETE|DROP|CREATE|ALTER|TRUNCATE|MERGE|COPY|REPLACE|ATTACH|DETACH|EXPORT|VACUUM|GRANT|REVOKE|FROM|PRAGMA|SET|SHOW)\b/i.exec(
      args
    );
  return match ? args.slice(match.index) : '';
}

function unquote(text: string): string {
  return text.replace(/^(['"])(.*)\1$/, '$2');
}
