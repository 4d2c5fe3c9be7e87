import { parse, ParseEntry } from 'shell-quote';

/**
 * Splits a shell command line into the simple commands it runs, so an
 * approval rule can look at each one: `git status; rm -rf data` is two
 * commands, and an allow-pattern for `git status` must not let the second
 * through. `shell-quote` does the word splitting; a small scanner first
 * finds what it does not model (newlines as separators, `$(…)` and
 * backticks even inside double quotes, process substitution, here-docs,
 * unterminated quotes). Whatever cannot be classified is reported so the
 * caller asks the user.
 */

/** One simple command: its words (quotes removed) and the files it writes by redirection. */
export interface ISimpleCommand {
  words: string[];
  /** Targets of `>`, `>|`, `&>` (not `>>`, not fd duplications, not /dev/null). */
  writes: string[];
}

/** What a command line runs, as far as can be told without running it. */
export interface IShellAnalysis {
  /** The simple commands at the top level, in order. */
  commands: ISimpleCommand[];
  /** Command lines nested inside (`$(…)`, backticks, `<(…)`, `sh -c '…'`, `eval …`), analysed too. */
  nested: IShellAnalysis[];
  /** Why the line cannot be matched against allow-patterns (empty when it can). */
  unclassifiable: string[];
}

interface IScan {
  /** The line with unquoted newlines turned into `;` and line continuations removed. */
  text: string;
  inner: string[];
  reasons: string[];
}

/** Find what shell-quote does not model; see the module comment. */
function scan(line: string): IScan {
  let text = '';
  const inner: string[] = [];
  const reasons = new Set<string>();
  let quote: '' | "'" | '"' = '';
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quote === "'") {
      text += ch;
      if (ch === "'") {
        quote = '';
      }
      continue;
    }
    if (ch === '\\') {
      if (line[i + 1] === '\n') {
        i++; // line continuation
        continue;
      }
      text += ch + (line[i + 1] ?? '');
      i++;
      continue;
    }
    if (ch === '`') {
      const close = findBacktick(line, i + 1);
      inner.push(line.slice(i + 1, close < 0 ? line.length : close));
      reasons.add('command substitution with backticks');
      text += line.slice(i, close < 0 ? line.length : close + 1);
      i = close < 0 ? line.length : close;
      continue;
    }
    if (ch === '$' && line[i + 1] === '(') {
      const close = findClosingParen(line, i + 2);
      const body = line.slice(i + 2, close < 0 ? line.length : close);
      // $(( … )) is arithmetic, which can still run commands through array subscripts: ask.
      inner.push(
        body.startsWith('(') && body.endsWith(')') ? body.slice(1, -1) : body
      );
      reasons.add('command substitution $(…)');
      text += line.slice(i, close < 0 ? line.length : close + 1);
      i = close < 0 ? line.length : close;
      continue;
    }
    if (quote === '"') {
      text += ch;
      if (ch === '"') {
        quote = '';
      }
      continue;
    }
    if ((ch === '<' || ch === '>') && line[i + 1] === '(') {
      const close = findClosingParen(line, i + 2);
      inner.push(line.slice(i + 2, close < 0 ? line.length : close));
      reasons.add('process substitution');
      text += ` ${line.slice(i, close < 0 ? line.length : close + 1)} `;
      i = close < 0 ? line.length : close;
      continue;
    }
    if (ch === '<' && line[i + 1] === '<') {
      reasons.add('a here-document');
    }
    if (ch === '\n' || ch === '\r') {
      text += ' ; ';
      continue;
    }
    if (ch === "'" || ch === '"') {
      quote = ch;
    }
    text += ch;
  }
  if (quote) {
    reasons.add('an unterminated quote');
  }
  return { text, inner, reasons: [...reasons] };
}

function findBacktick(line: string, from: number): number {
  for (let i = from; i < line.length; i++) {
    if (line[i] === '\\') {
      i++;
    } else if (line[i] === '`') {
      return i;
    }
  }
  return -1;
}

/** The index of the `)` closing a `(` opened just before `from` (quotes inside respected). */
function findClosingParen(line: string, from: number): number {
  let depth = 1;
  let quote = '';
  for (let i = from; i < line.length; i++) {
    const ch = line[i];
    if (quote) {
      if (ch === '\\' && quote === '"') {
        i++;
      } else if (ch === quote) {
        quote = '';
      }
      continue;
    }
    if (ch === '\\') {
      i++;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
    } else if (ch === '(') {
      depth++;
    } else if (ch === ')' && --depth === 0) {
      return i;
    }
  }
  return -1;
}

const SEPARATORS = new Set([';', '&&', '||', '|', '&', '|&', ';;', '(', ')']);
const FILE_WRITES = new Set(['>', '>|', '&>']);
const HARMLESS_TARGETS = new Set([
  '/dev/null',
  '/dev/stdout',
  '/dev/stderr',
  '/dev/tty'
]);

/** Words that run the command after them (their own options skipped). */
const WRAPPERS = new Set([
  'sudo',
  'doas',
  'env',
  'nohup',
  'time',
  'nice',
  'ionice',
  'command',
  'exec',
  'xargs',
  'timeout',
  'stdbuf',
  'builtin',
  'watch',
  'chronic'
]);
/** Wrappers whose first non-option word is an argument, not the command (`timeout 10 cmd`). */
const WRAPPERS_WITH_ARGUMENT = new Set(['timeout']);
const SHELLS = new Set(['sh', 'bash', 'zsh', 'dash', 'ksh', 'fish']);

/** Split a command line into its simple commands (recursively for nested ones). */
export function analyzeShell(line: string, depth = 0): IShellAnalysis {
  const scanned = scan(line);
  const reasons = [...scanned.reasons];
  const nested: IShellAnalysis[] =
    depth < 4 ? scanned.inner.map(inner => analyzeShell(inner, depth + 1)) : [];
  let entries: ParseEntry[];
  try {
    // Variables stay as written ($HOME), never expanded from our environment.
    entries = parse(scanned.text, name => `$${name}`);
  } catch (error) {
    return {
      commands: [],
      nested,
      unclassifiable: [...reasons, 'the shell parser could not read it']
    };
  }
  const commands: ISimpleCommand[] = [];
  let current: ISimpleCommand = { words: [], writes: [] };
  const flush = () => {
    if (current.words.length || current.writes.length) {
      commands.push(current);
    }
    current = { words: [], writes: [] };
  };
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i];
    if (typeof entry === 'string') {
      current.words.push(entry);
      continue;
    }
    if ('comment' in entry) {
      break;
    }
    if ('pattern' in entry && (entry as { op: string }).op === 'glob') {
      current.words.push(String((entry as { pattern: string }).pattern));
      continue;
    }
    const op = (entry as { op: string }).op;
    if (SEPARATORS.has(op)) {
      flush();
      continue;
    }
    // A redirection: the next entry is its target.
    const target = entries[i + 1];
    i++;
    const last = current.words[current.words.length - 1];
    if (last !== undefined && /^\d$/.test(last)) {
      current.words.pop(); // `2>file`: the fd number is not an argument
    }
    if (op === '<<') {
      continue;
    }
    if (typeof target !== 'string') {
      reasons.push(`a redirection without a file name (${op})`);
      continue;
    }
    if (FILE_WRITES.has(op) && !HARMLESS_TARGETS.has(target)) {
      current.writes.push(target);
    } else if (
      op === '>&' &&
      !/^(?:\d+|-)$/.test(target) &&
      !HARMLESS_TARGETS.has(target)
    ) {
      current.writes.push(target);
    }
  }
  flush();
  for (const command of commands) {
    const first = command.words[0] ?? '';
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(first)) {
      reasons.push(
        `an environment assignment before the command (${first.split('=')[0]}=…)`
      );
    } else if (first.includes('$')) {
      reasons.push('a command named by a variable');
    }
    const inner = innerCommandLine(command.words);
    if (inner !== null && depth < 4) {
      nested.push(analyzeShell(inner, depth + 1));
    }
  }
  return { commands, nested, unclassifiable: [...new Set(reasons)] };
}

/** The command line a `sh -c '…'`, `eval …` or `su -c '…'` runs, if this is one. */
function innerCommandLine(words: readonly string[]): string | null {
  const rest = stripWrappers(words);
  const name = basenameOf(rest[0] ?? '');
  if (name === 'eval') {
    return rest.slice(1).join(' ');
  }
  if (SHELLS.has(name) || name === 'su') {
    const flag = rest.findIndex(
      (word, index) => index > 0 && /^-[A-Za-z]*c[A-Za-z]*$/.test(word)
    );
    return flag > 0 && rest[flag + 1] !== undefined ? rest[flag + 1] : null;
  }
  return null;
}

/** The last path segment (`/usr/bin/rm` → `rm`). */
export function basenameOf(word: string): string {
  return word.slice(word.lastIndexOf('/') + 1);
}

/**
 * The words of the command a wrapper runs (`sudo -u x rm -r d` → `rm -r d`;
 * leading `VAR=value` assignments dropped).
 */
export function stripWrappers(words: readonly string[]): string[] {
  let rest = [...words];
  for (let guard = 0; guard < 8; guard++) {
    while (rest.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(rest[0])) {
      rest = rest.slice(1);
    }
    const name = basenameOf(rest[0] ?? '');
    if (!WRAPPERS.has(name)) {
      return rest;
    }
    rest = rest.slice(1);
    while (
      rest.length &&
      (rest[0].startsWith('-') || /^[A-Za-z_][A-Za-z0-9_]*=/.test(rest[0]))
    ) {
      // Options that take a value (`sudo -u user`, `nice -n 5`): skip the value too.
      const option = rest[0];
      rest = rest.slice(1);
      if (/^-[unCgpk]$/.test(option) && rest.length) {
        rest = rest.slice(1);
      }
    }
    if (WRAPPERS_WITH_ARGUMENT.has(name) && rest.length) {
      rest = rest.slice(1);
    }
  }
  return rest;
}

/** Every simple command of an analysis, nested ones included. */
export function allCommands(analysis: IShellAnalysis): ISimpleCommand[] {
  return [...analysis.commands, ...analysis.nested.flatMap(allCommands)];
}

/** Every reason, nested ones included, why the line is not classifiable. */
export function allUnclassifiable(analysis: IShellAnalysis): string[] {
  return [
    ...new Set([
      ...analysis.unclassifiable,
      ...analysis.nested.flatMap(allUnclassifiable)
    ])
  ];
}
