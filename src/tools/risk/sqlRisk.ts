import { ISqlToken, lexSql, sqlStatements } from './sqlLexer';
import type { IRiskFinding } from './findings';

/**
 * Destructive SQL, statement by statement on tokens (so words in string
 * literals, quoted identifiers and comments never count): DROP, ALTER …
 * DROP, TRUNCATE, DELETE/UPDATE without a WHERE, INSERT OVERWRITE, CREATE OR
 * REPLACE, MERGE … DELETE, and COPY … TO a file (a finding that holds only
 * when the file exists).
 */

const REASONS = {
  drop: 'SQL DROP: permanently removes a table, view, schema or database',
  alterDrop:
    'SQL ALTER TABLE … DROP: removes a column or partition and its data',
  truncate: 'SQL TRUNCATE: deletes every row of a table',
  deleteAll: 'SQL DELETE FROM without WHERE: deletes every row of a table',
  updateAll: 'SQL UPDATE without WHERE: changes every row of a table',
  insertOverwrite:
    'SQL INSERT OVERWRITE: replaces the data of a table or partition',
  createOrReplace:
    'SQL CREATE OR REPLACE: replaces an existing object (a table loses its data)',
  mergeDelete: 'SQL MERGE … DELETE: deletes the matched rows',
  copyOverwrite: 'SQL COPY … TO with OVERWRITE: replaces existing files'
};

/** The findings of a SQL text (read with and without backslash escapes in strings). */
export function sqlFindings(sql: string): IRiskFinding[] {
  const findings: IRiskFinding[] = [];
  const seen = new Set<string>();
  for (const backslashEscapes of [false, true]) {
    for (const statement of sqlStatements(lexSql(sql, { backslashEscapes }))) {
      for (const finding of statementFindings(statement)) {
        const key = `${finding.reason}\n${finding.path ?? ''}`;
        if (!seen.has(key)) {
          seen.add(key);
          findings.push(finding);
        }
      }
    }
  }
  return findings;
}

/** Whether a text reads as a SQL statement (its first word is a statement keyword followed by more SQL). */
export function looksLikeSql(text: string): boolean {
  const tokens = lexSql(text).filter(t => t.kind !== 'comment');
  const [first, second] = tokens;
  if (!first || first.kind !== 'word' || !second) {
    return false;
  }
  return (
    STATEMENT_START.has(first.value) &&
    (second.kind === 'word' || second.kind === 'ident' || second.text === '*')
  );
}

const STATEMENT_START = new Set([
  'SELECT',
  'WITH',
  'INSERT',
  'UPDATE',
  'DELETE',
  'DROP',
  'CREATE',
  'ALTER',
  'TRUNCATE',
  'MERGE',
  'COPY',
  'REPLACE',
  'UPSERT',
  'ATTACH',
  'DETACH',
  'EXPORT',
  'VACUUM',
  'GRANT',
  'REVOKE',
  'USE',
  'SHOW',
  'DESCRIBE',
  'EXPLAIN',
  'PRAGMA',
  'SET',
  'CALL',
  'EXEC',
  'EXECUTE',
  'BEGIN',
  'COMMIT',
  'ROLLBACK',
  'FROM'
]);

function statementFindings(tokens: ISqlToken[]): IRiskFinding[] {
  const words = tokens.map(t => (t.kind === 'word' ? t.value : ''));
  const findings: IRiskFinding[] = [];
  const add = (reason: string, path?: string) =>
    findings.push(path === undefined ? { reason } : { reason, path });
  // Skip a leading WITH … (CTEs) to the main verb: the first top-level verb after the CTE list.
  let start = 0;
  if (words[0] === 'WITH') {
    start = tokens.findIndex(
      (t, i) =>
        i > 0 &&
        t.depth === 0 &&
        ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'MERGE'].includes(words[i])
    );
    if (start < 0) {
      return findings;
    }
  }
  const verb = words[start];
  const at = (k: number) => words[start + k] ?? '';
  const topLevel = (word: string, from = start + 1) =>
    tokens.some((t, i) => i >= from && t.depth === 0 && words[i] === word);
  switch (verb) {
    case 'DROP':
      add(REASONS.drop);
      break;
    case 'ALTER':
      if (words.includes('DROP')) {
        add(REASONS.alterDrop);
      }
      break;
    case 'TRUNCATE':
      add(REASONS.truncate);
      break;
    case 'DELETE':
      // DELETE FROM t / DELETE t (Oracle, SQL Server, BigQuery) without a top-level WHERE.
      if (!topLevel('WHERE')) {
        add(REASONS.deleteAll);
      }
      break;
    case 'UPDATE':
      if (topLevel('SET') && !topLevel('WHERE')) {
        add(REASONS.updateAll);
      }
      break;
    case 'INSERT':
      if (at(1) === 'OVERWRITE') {
        add(REASONS.insertOverwrite);
      }
      break;
    case 'CREATE':
      if (at(1) === 'OR' && at(2) === 'REPLACE') {
        add(REASONS.createOrReplace);
      }
      break;
    case 'MERGE':
      if (words.includes('DELETE')) {
        add(REASONS.mergeDelete);
      }
      break;
    case 'COPY': {
      const to = tokens.findIndex(
        (t, i) => i > start && t.depth === 0 && words[i] === 'TO'
      );
      if (to >= 0) {
        const target = tokens[to + 1];
        if (
          words.some(
            (w, i) =>
              i > to && (w === 'OVERWRITE' || w === 'OVERWRITE_OR_IGNORE')
          )
        ) {
          add(REASONS.copyOverwrite);
        } else if (target?.kind === 'string') {
          add(
            `SQL COPY … TO '${target.value}': overwrites that file`,
            target.value
          );
        }
      }
      break;
    }
  }
  return findings;
}
