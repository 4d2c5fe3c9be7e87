import type { IRiskFinding } from './findings';

/**
 * Destructive shell commands (`!` lines, `%%bash` cells, `os.system`,
 * `subprocess`): a small POSIX-shell word splitter (quotes, backslashes,
 * comments, the operators that separate commands) and rules per command,
 * after wrappers such as `sudo`, `env X=1`, `xargs`, and into `bash -c "…"`.
 */

export const SHELL_REASONS = {
  rmRecursive: 'shell rm -r: deletes files and folders recursively',
  rm: 'shell rm: deletes files',
  rmdir: 'shell rmdir / unlink / shred: deletes files or folders',
  findDelete: 'find -delete / -exec rm: deletes every file found',
  gitClean:
    'git clean -f: deletes untracked files (with -x also ignored ones, with -d folders)',
  gitReset: 'git reset --hard: throws away uncommitted changes',
  gitCheckout:
    'git checkout/restore of paths: throws away uncommitted changes to them',
  gitPushForce: 'git push --force: replaces history on the remote',
  truncate: 'shell truncate: cuts files to a size (usually empty)',
  remoteRm:
    'deletes files in cloud or cluster storage (aws s3 rm, gsutil rm, hdfs dfs -rm…)',
  dd: 'dd of=…: overwrites a file or device'
};

/** Words of a command line, split into commands at `;`, `&&`, `||`, `|`, `&` and newlines. */
export function shellCommands(text: string): string[][] {
  const commands: string[][] = [];
  let words: string[] = [];
  let word = '';
  let inWord = false;
  const endWord = () => {
    if (inWord) {
      words.push(word);
    }
    word = '';
    inWord = false;
  };
  const endCommand = () => {
    endWord();
    if (words.length) {
      commands.push(words);
    }
    words = [];
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\\') {
      if (text[i + 1] === '\n') {
        i++;
        continue;
      }
      word += text[i + 1] ?? '';
      inWord = true;
      i++;
      continue;
    }
    if (ch === "'") {
      const close = text.indexOf("'", i + 1);
      const end = close < 0 ? text.length : close;
      word += text.slice(i + 1, end);
      inWord = true;
      i = end;
      continue;
    }
    if (ch === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') {
        if (text[j] === '\\' && j + 1 < text.length) {
          j++;
        }
        word += text[j];
        j++;
      }
      inWord = true;
      i = j;
      continue;
    }
    if (ch === '#' && !inWord) {
      const newline = text.indexOf('\n', i);
      i = newline < 0 ? text.length : newline - 1;
      continue;
    }
    if (
      ch === ';' ||
      ch === '&' ||
      ch === '|' ||
      ch === '\n' ||
      ch === '(' ||
      ch === ')' ||
      ch === '`'
    ) {
      endCommand();
      continue;
    }
    if (ch === ' ' || ch === '\t' || ch === '\r') {
      endWord();
      continue;
    }
    if (ch === '$' && text[i + 1] === '(') {
      endCommand();
      i++;
      continue;
    }
    word += ch;
    inWord = true;
  }
  endCommand();
  return commands;
}

const WRAPPERS = new Set([
  'sudo',
  'env',
  'nohup',
  'time',
  'command',
  'exec',
  'nice',
  'ionice',
  'doas',
  'xargs',
  'then',
  'do',
  'else',
  'if',
  'while',
  'until',
  '!'
]);

/** The findings of shell text. */
export function shellFindings(text: string): IRiskFinding[] {
  const findings: IRiskFinding[] = [];
  for (const command of shellCommands(text)) {
    commandFindings(command, findings, 0);
  }
  return findings;
}

/** The findings of one command given as words (also used for `subprocess.run([...])`). */
export function commandFindings(
  words: string[],
  findings: IRiskFinding[] = [],
  level = 0
): IRiskFinding[] {
  let k = 0;
  // Wrappers, their options, and VAR=value assignments.
  while (k < words.length) {
    const w = words[k];
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(w)) {
      k++;
    } else if (WRAPPERS.has(basename(w))) {
      k++;
      while (k < words.length && words[k].startsWith('-')) {
        k++;
      }
    } else {
      break;
    }
  }
  const name = basename(words[k] ?? '');
  const args = words.slice(k + 1);
  const flags = args.filter(a => a.startsWith('-'));
  const shortFlags = flags.filter(f => !f.startsWith('--')).join('');
  const add = (reason: string) => findings.push({ reason });
  switch (name) {
    case 'rm':
      add(
        /[rR]/.test(shortFlags) || flags.includes('--recursive')
          ? SHELL_REASONS.rmRecursive
          : SHELL_REASONS.rm
      );
      break;
    case 'rmdir':
    case 'unlink':
    case 'shred':
      add(SHELL_REASONS.rmdir);
      break;
    case 'find':
      if (
        args.includes('-delete') ||
        args.some(
          (a, i) =>
            (a === '-exec' || a === '-execdir' || a === '-ok') &&
            basename(args[i + 1] ?? '') === 'rm'
        )
      ) {
        add(SHELL_REASONS.findDelete);
      }
      break;
    case 'truncate':
      add(SHELL_REASONS.truncate);
      break;
    case 'dd':
      if (args.some(a => a.startsWith('of='))) {
        add(SHELL_REASONS.dd);
      }
      break;
    case 'git': {
      const sub = args.find(a => !a.startsWith('-'));
      const rest = args.slice(args.indexOf(sub ?? '') + 1);
      const restShort = rest
        .filter(f => f.startsWith('-') && !f.startsWith('--'))
        .join('');
      if (
        sub === 'clean' &&
        (/f/.test(restShort) || rest.includes('--force'))
      ) {
        add(SHELL_REASONS.gitClean);
      } else if (sub === 'reset' && rest.includes('--hard')) {
        add(SHELL_REASONS.gitReset);
      } else if (
        (sub === 'checkout' && rest.includes('--')) ||
        (sub === 'checkout' && rest.includes('.')) ||
        sub === 'restore'
      ) {
        add(SHELL_REASONS.gitCheckout);
      } else if (
        sub === 'push' &&
        (/f/.test(restShort) || rest.some(a => a.startsWith('--force')))
      ) {
        add(SHELL_REASONS.gitPushForce);
      }
      break;
    }
    case 'aws':
    case 'gsutil':
    case 'gcloud':
    case 'az':
    case 'hdfs':
    case 'hadoop':
    case 'dbfs':
    case 'databricks':
    case 'mc':
    case 'rclone':
      if (args.some(a => /^-?(?:rm|rmr|delete|purge|rb)$/.test(a))) {
        add(SHELL_REASONS.remoteRm);
      }
      break;
    case 'bash':
    case 'sh':
    case 'zsh':
    case 'dash': {
      const c = args.indexOf('-c');
      if (c >= 0 && args[c + 1] !== undefined && level < 3) {
        for (const inner of shellCommands(args[c + 1])) {
          commandFindings(inner, findings, level + 1);
        }
      }
      break;
    }
  }
  return findings;
}

function basename(word: string): string {
  return word.slice(word.lastIndexOf('/') + 1);
}
