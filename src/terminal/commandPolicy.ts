import {
  allCommands,
  allUnclassifiable,
  analyzeShell,
  basenameOf,
  IShellAnalysis,
  ISimpleCommand,
  stripWrappers
} from './shellWords';

/**
 * The approval rules for shell commands: deny-patterns never run,
 * destructive commands always ask, and allow-patterns let a command run
 * without asking only when every simple command in it matches one.
 */

/** The user's rules (settings `commandAllowPatterns`, `commandDenyPatterns`). */
export interface ICommandRules {
  allow: readonly string[];
  deny: readonly string[];
}

/** What the rules say about one command line. */
export interface ICommandVerdict {
  /** Set when a deny-pattern matches: the command is never run. */
  denied: string | null;
  /** Set when the command looks destructive: it always asks. */
  destructive: string | null;
  /** Every part matches an allow-pattern and nothing is unclassifiable. */
  allowed: boolean;
  /** Why allow-patterns were not applied (parts that matched none, unclassifiable constructs). */
  notAllowedBecause: string[];
  /** Files the line writes by redirection (`>`), to check whether they exist. */
  writes: string[];
  analysis: IShellAnalysis;
}

/** A glob-like pattern (`*` any text, `?` one character) as an anchored regular expression. */
export function patternRegExp(pattern: string): RegExp {
  const normalized = pattern.trim().replace(/\s+/g, ' ');
  const body = normalized
    .split('')
    .map(ch =>
      ch === '*'
        ? '.*'
        : ch === '?'
          ? '.'
          : ch.replace(/[.+^${}()|[\]\\]/g, '\\$&')
    )
    .join('');
  return new RegExp(`^${body}$`, 's');
}

/** The text a pattern is matched against: the words joined by single spaces. */
export function commandText(command: ISimpleCommand): string {
  return command.words.join(' ');
}

function firstMatch(patterns: readonly string[], text: string): string | null {
  for (const pattern of patterns) {
    if (pattern.trim() && patternRegExp(pattern).test(text)) {
      return pattern;
    }
  }
  return null;
}

const SQL_DESTRUCTIVE =
  /\b(?:DROP\s+(?:TABLE|SCHEMA|DATABASE|VIEW|MATERIALIZED\s+VIEW|INDEX|ROLE|USER)|TRUNCATE)\b/i;

/** Why one simple command is destructive, or null. */
export function destructiveCommand(command: ISimpleCommand): string | null {
  const words = stripWrappers(command.words);
  const name = basenameOf(words[0] ?? '');
  const args = words.slice(1);
  const shortFlags = args.filter(a => /^-[A-Za-z]+$/.test(a)).join('');
  if (
    name === 'rm' &&
    (/[rR]/.test(shortFlags) || args.includes('--recursive'))
  ) {
    return 'rm -r: deletes folders and everything in them';
  }
  if (name === 'git') {
    const sub = args.find(a => !a.startsWith('-'));
    if (sub === 'reset' && args.includes('--hard')) {
      return 'git reset --hard: throws away uncommitted changes';
    }
    if (sub === 'clean') {
      return 'git clean: deletes untracked files';
    }
    if (
      sub === 'push' &&
      args.some(
        a => a === '--force' || a === '-f' || a.startsWith('--force-with-lease')
      )
    ) {
      return 'git push --force: rewrites history on the remote';
    }
  }
  if (name === 'dropdb' || name === 'dropuser') {
    return `${name}: permanently removes a database or role`;
  }
  if (
    name === 'psql' ||
    name === 'duckdb' ||
    name === 'sqlite3' ||
    name === 'mysql' ||
    name === 'clickhouse-client'
  ) {
    const sql: string[] = [];
    args.forEach((arg, index) => {
      if (
        arg === '-c' ||
        arg === '--command' ||
        arg === '-e' ||
        arg === '--execute' ||
        arg === '-q' ||
        arg === '--query'
      ) {
        sql.push(args[index + 1] ?? '');
      } else if (/^--(?:command|execute|query)=/.test(arg)) {
        sql.push(arg.slice(arg.indexOf('=') + 1));
      } else if (name !== 'psql' && index > 0 && !arg.startsWith('-')) {
        sql.push(arg); // duckdb db.duckdb "DROP TABLE t"
      }
    });
    if (sql.some(text => SQL_DESTRUCTIVE.test(text))) {
      return `${name} with DROP/TRUNCATE: permanently removes data`;
    }
  }
  if (
    name === 'find' &&
    (args.includes('-delete') ||
      args.some(
        (a, i) => a === '-exec' && basenameOf(args[i + 1] ?? '') === 'rm'
      ))
  ) {
    return 'find -delete: deletes every file it finds';
  }
  if (name === 'dd' && args.some(a => a.startsWith('of='))) {
    return 'dd of=…: overwrites a file or device';
  }
  if (name === 'mkfs' || name.startsWith('mkfs.')) {
    return 'mkfs: formats a device';
  }
  return null;
}

/** Apply the rules to a command line. */
export function judgeCommand(
  line: string,
  rules: ICommandRules
): ICommandVerdict {
  const analysis = analyzeShell(line);
  const every = allCommands(analysis);
  let denied: string | null = null;
  const wholeText = line.trim().replace(/\s+/g, ' ');
  const deniedWhole = firstMatch(rules.deny, wholeText);
  if (deniedWhole) {
    denied = `matches the deny-pattern "${deniedWhole}"`;
  }
  for (const command of every) {
    if (denied) {
      break;
    }
    for (const text of new Set([
      commandText(command),
      stripWrappers(command.words).join(' ')
    ])) {
      const pattern = firstMatch(rules.deny, text);
      if (pattern) {
        denied = `"${text}" matches the deny-pattern "${pattern}"`;
        break;
      }
    }
  }
  let destructive: string | null = null;
  for (const command of every) {
    destructive = destructiveCommand(command);
    if (destructive) {
      break;
    }
  }
  const notAllowedBecause = [...allUnclassifiable(analysis)];
  if (!analysis.commands.length) {
    notAllowedBecause.push('no command found');
  }
  if (analysis.nested.length) {
    notAllowedBecause.push('it runs nested commands');
  }
  for (const command of analysis.commands) {
    if (!firstMatch(rules.allow, commandText(command))) {
      notAllowedBecause.push(
        `"${commandText(command)}" matches no allow-pattern`
      );
    }
  }
  const writes = [...new Set(every.flatMap(command => command.writes))];
  return {
    denied,
    destructive,
    allowed: notAllowedBecause.length === 0,
    notAllowedBecause,
    writes,
    analysis
  };
}
