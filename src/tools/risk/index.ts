/**
 * Spotting code that destroys data or files, so the approval policy can ask
 * the user even when a tool is set to run without asking. A safety net, not
 * a guarantee: code can always hide what it does (a name built at run time,
 * a module of the user's). It errs towards asking (a false alarm costs one
 * click; a miss can cost a table).
 *
 * The code is tokenized, never searched as text: Python (with IPython's
 * `!`, `%` and `%%` escapes) by `risk/pythonLexer`, SQL by `risk/sqlLexer`,
 * shell lines by `risk/shellRisk`, so comments and plain strings are known
 * and what they say does not count. See `risk/pythonRisk` for what is read
 * where (SQL in `execute(...)`, shell in `os.system(...)`, imports followed).
 */

import type { IRiskFinding } from './findings';
import { pythonFindings } from './pythonRisk';
import { sqlFindings } from './sqlRisk';

export type { IRiskFinding };

/**
 * Whether a file exists, for findings that only destroy something when it
 * does (`df.to_csv("x.csv")`). The path is as written in the code; null when
 * it cannot be told (the finding then holds).
 */
export type ExistsCheck = (path: string) => Promise<boolean | null>;

/** Everything the check finds in a cell's code (`language` 'sql' for SQL kernels; else Python/IPython). */
export function codeFindings(code: string, language?: string): IRiskFinding[] {
  if (!code || !code.trim()) {
    return [];
  }
  return /^(?:sql|duckdb|postgres(?:ql)?|sqlite|mysql)$/i.test(language ?? '')
    ? sqlFindings(code)
    : pythonFindings(code);
}

/**
 * Why this code needs the user's eyes (a one-line reason), or null when no
 * destructive pattern is found. Without a way to look files up, a write to
 * a file counts as overwriting it.
 */
export function destructiveReason(
  code: string,
  language?: string
): string | null {
  const findings = codeFindings(code, language);
  const sure = findings.find(f => f.path === undefined) ?? findings[0];
  return sure ? sure.reason : null;
}

/**
 * `destructiveReason`, with the files the code writes looked up: a write to
 * a file that does not exist is no risk; one whose existence cannot be told
 * (or whose check fails) is.
 */
export async function destructiveReasonChecked(
  code: string,
  exists?: ExistsCheck,
  language?: string
): Promise<string | null> {
  const findings = codeFindings(code, language);
  const sure = findings.find(f => f.path === undefined);
  if (sure || !exists) {
    return (sure ?? findings[0])?.reason ?? null;
  }
  for (const finding of findings) {
    let found: boolean | null;
    try {
      found = await exists(finding.path!);
    } catch {
      found = null;
    }
    if (found !== false) {
      return found === null
        ? `${finding.reason} (if it exists: it could not be checked)`
        : `${finding.reason} (it exists)`;
    }
  }
  return null;
}
