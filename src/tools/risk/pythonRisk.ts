import type { IRiskFinding } from './findings';
import { IPyToken, lexPython } from './pythonLexer';
import { magicFindings } from './magicRisk';
import { commandFindings, shellFindings } from './shellRisk';
import { looksLikeSql, sqlFindings } from './sqlRisk';

/**
 * Destructive Python, on tokens: comments and string literals are known, so
 * `# shutil.rmtree(x)` or `print("DROP TABLE t")` never count. Imports are
 * followed (`from shutil import rmtree as x` then `x(...)`), SQL is read in
 * the strings given to `execute`/`sql`/`read_sql`… (also through a variable
 * holding the string), shell commands in those given to `os.system`/
 * `subprocess`, and writes to a file path are findings that hold when the
 * file exists.
 */

export const PY_REASONS = {
  rmtree: 'shutil.rmtree: deletes a folder and everything in it',
  remove: 'deletes a file or folder (os.remove / os.unlink / os.rmdir)',
  unlink: 'deletes a file or folder (Path.unlink / Path.rmdir)',
  replace: 'os.replace: replaces the target file if it exists',
  fsRm: 'deletes files or objects in a file system or bucket',
  open: "open(…, 'w'): overwrites a file",
  writeText: 'Path.write_text / write_bytes: overwrites a file',
  overwrite: "write with mode='overwrite': replaces existing data",
  ifExists: "to_sql(if_exists='replace'): drops and recreates a database table",
  builtSql:
    'SQL built from strings at run time (f-string, +, % or format) cannot be checked before it runs',
  builtShell:
    'a shell command built at run time cannot be checked before it runs',
  dynamicImport:
    'a module imported by a name given at run time (__import__, importlib) cannot be checked before it runs',
  dynamicCode:
    'exec/eval/compile of code computed at run time cannot be checked before it runs',
  dynamicAttribute:
    'getattr on a module with a name computed at run time cannot be checked before it runs',
  byName: (name: string) =>
    `getattr(…, "${name}"): calls a function that deletes or runs commands by its name`
};

/** Functions that run code given as a string. */
const CODE_CALLS = new Set(['exec', 'eval', 'compile']);
/** Attribute names that, looked up with getattr, reach a destructive or command-running function. */
const RISKY_ATTRIBUTES = new Set([
  'rmtree',
  'remove',
  'removedirs',
  'unlink',
  'rmdir',
  'system',
  'popen',
  'run',
  'call',
  'check_call',
  'check_output',
  'Popen',
  'getoutput',
  'getstatusoutput',
  'spawn',
  'exec',
  'eval',
  'compile',
  '__import__',
  'import_module'
]);
/** Of those, the names no ordinary object method shares: risky on any object. */
const STRONG_ATTRIBUTES = new Set([
  'rmtree',
  'system',
  'popen',
  'Popen',
  'check_call',
  'check_output',
  'getoutput',
  'exec',
  'eval',
  '__import__',
  'import_module'
]);
/** Modules whose attributes getattr must not reach by a computed name. */
const RISKY_MODULES = new Set([
  'os',
  'shutil',
  'subprocess',
  'builtins',
  'importlib',
  'pty',
  'pathlib',
  'sys'
]);
/** Command wrappers: the word after them is the program that runs. */
const COMMAND_WRAPPERS = new Set([
  'sudo',
  'env',
  'nohup',
  'timeout',
  'xargs',
  'nice',
  'exec',
  'command'
]);

/** Calls that run their first argument as a shell command. */
const SHELL_CALLS = new Set([
  'os.system',
  'os.popen',
  'subprocess.run',
  'subprocess.call',
  'subprocess.check_call',
  'subprocess.check_output',
  'subprocess.Popen',
  'subprocess.getoutput',
  'subprocess.getstatusoutput',
  'commands.getoutput',
  'pty.spawn'
]);
/** Methods that run a shell command (`get_ipython().system(…)`, `getoutput`). */
const SHELL_METHODS = new Set(['system', 'getoutput']);
/** Methods and functions whose first argument is SQL. */
const SQL_METHODS = new Set([
  'execute',
  'executemany',
  'executescript',
  'sql',
  'exec_driver_sql',
  'raw_sql',
  'read_sql',
  'read_sql_query',
  'read_database',
  'run_sql',
  'execute_sql',
  'query_df'
]);
/** SQL sinks whose text is read when literal but not flagged when built (e.g. pandas `query` is not SQL). */
const SQL_READ_ONLY_METHODS = new Set(['query']);
/** Writers whose first argument (or path keyword) is the file written. */
const WRITE_METHODS = new Set([
  'to_csv',
  'to_parquet',
  'to_json',
  'to_excel',
  'to_feather',
  'to_pickle',
  'to_hdf',
  'to_orc',
  'to_stata',
  'to_xml',
  'to_html',
  'to_latex',
  'to_markdown',
  'write_csv',
  'write_parquet',
  'write_json',
  'write_ndjson',
  'write_ipc',
  'write_ipc_stream',
  'write_excel',
  'write_avro',
  'write_delta',
  'sink_parquet',
  'sink_csv',
  'sink_ipc',
  'sink_ndjson',
  'write_table',
  'write_dataset',
  'savez',
  'save',
  'dump',
  'to_file'
]);
const PATH_KEYWORDS = new Set([
  'path',
  'path_or_buf',
  'file',
  'target',
  'excel_writer',
  'fname',
  'filepath',
  'where',
  'file_name',
  'filename',
  'dest',
  'output'
]);
const DELETE_METHODS = new Set([
  'rm',
  'rm_file',
  'delete_objects',
  'delete_object',
  'delete_blob',
  'delete_blobs',
  'delete_bucket',
  'rmr'
]);

/** What an argument is, as far as the code shows. */
type ArgValue =
  | { kind: 'literal'; value: string }
  | { kind: 'built'; template: string }
  | { kind: 'list'; words: string[]; computed: boolean[] }
  | { kind: 'unknown' };

interface ICallArg {
  keyword: string | null;
  tokens: IPyToken[];
}

/** The findings of Python (IPython) code. */
export function pythonFindings(code: string, level = 0): IRiskFinding[] {
  const all = lexPython(code);
  const findings: IRiskFinding[] = [];
  const tokens = all.filter(t => t.kind !== 'comment');
  if (tokens[0]?.kind === 'magic' && tokens[0].text.startsWith('%%')) {
    return magicFindings(tokens[0].text, pythonFindings, level);
  }
  if (isSqlText(tokens, code)) {
    return sqlFindings(code);
  }
  const aliases = new Map<string, string>();
  const strings = new Map<string, ArgValue>();
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    const statementStart =
      i === 0 ||
      tokens[i - 1].kind === 'newline' ||
      (tokens[i - 1].kind === 'op' && tokens[i - 1].text === ';');
    if (token.kind === 'shell') {
      findings.push(...shellFindings(token.text.replace(/^!!?/, '')));
      continue;
    }
    if (token.kind === 'magic') {
      findings.push(...magicFindings(token.text, pythonFindings, level));
      continue;
    }
    if (
      statementStart &&
      token.kind === 'name' &&
      (token.text === 'import' || token.text === 'from')
    ) {
      i = readImport(tokens, i, aliases);
      continue;
    }
    // name = <string expression>  (a string kept for a later execute(q))
    if (
      statementStart &&
      token.kind === 'name' &&
      tokens[i + 1]?.text === '=' &&
      tokens[i + 1].kind === 'op'
    ) {
      const end = statementEnd(tokens, i + 2);
      const value = argValue(tokens.slice(i + 2, end), strings);
      if (value.kind === 'literal' || value.kind === 'built') {
        strings.set(token.text, value);
        const text = value.kind === 'literal' ? value.value : value.template;
        if (looksLikeSql(text)) {
          findings.push(...sqlFindings(text));
        }
      } else {
        strings.delete(token.text);
      }
      continue;
    }
    if (
      token.kind === 'op' &&
      token.text === '(' &&
      tokens[i - 1]?.kind === 'name'
    ) {
      const chain = callChain(tokens, i - 1);
      const args = callArgs(tokens, i);
      callFindings(chain, args, aliases, strings, findings);
    }
  }
  return findings;
}

/** Whether the code is SQL rather than Python (a cell of a SQL kernel, or plain SQL text). */
function isSqlText(tokens: IPyToken[], code: string): boolean {
  const [first, second] = tokens;
  if (!first || first.kind !== 'name' || !second) {
    return false;
  }
  const word = first.text.toUpperCase();
  if (word === 'WITH') {
    return /^\s*with\s+[\w"`]+\s+as\s*\(/i.test(code);
  }
  if (
    PY_KEYWORDS.has(first.text) ||
    (second.kind !== 'name' && !(second.kind === 'op' && second.text === '*'))
  ) {
    return false;
  }
  return looksLikeSql(code);
}

const PY_KEYWORDS = new Set([
  'import',
  'from',
  'del',
  'with',
  'not',
  'async',
  'await',
  'return',
  'raise',
  'global',
  'nonlocal',
  'assert',
  'yield',
  'lambda',
  'match',
  'case',
  'type',
  'if',
  'elif',
  'while',
  'for',
  'def',
  'class',
  'print',
  'exec',
  'try',
  'except'
]);

/** Read an import statement from `i`; record local names; return the index of its last token. */
function readImport(
  tokens: IPyToken[],
  i: number,
  aliases: Map<string, string>
): number {
  const end = statementEnd(tokens, i);
  const words = tokens
    .slice(i, end)
    .filter(t => !(t.kind === 'op' && (t.text === '(' || t.text === ')')));
  const dotted = (from: number): [string, number] => {
    let name = '';
    let k = from;
    while (
      k < words.length &&
      (words[k].kind === 'name' || words[k].text === '.')
    ) {
      if (words[k].text === 'import' || words[k].text === 'as') {
        break;
      }
      name += words[k].text;
      k++;
    }
    return [name, k];
  };
  if (words[0].text === 'import') {
    let k = 1;
    while (k < words.length) {
      const [name, next] = dotted(k);
      k = next;
      let local = name.split('.')[0];
      let target = local;
      if (words[k]?.text === 'as' && words[k + 1]) {
        local = words[k + 1].text;
        target = name;
        k += 2;
      }
      if (local) {
        aliases.set(local, target);
      }
      if (words[k]?.text === ',') {
        k++;
      } else {
        break;
      }
    }
  } else {
    const [module, next] = dotted(1);
    let k = next;
    if (words[k]?.text !== 'import') {
      return end - 1;
    }
    k++;
    while (k < words.length) {
      const name = words[k]?.text;
      if (!name || words[k].kind !== 'name') {
        break;
      }
      let local = name;
      k++;
      if (words[k]?.text === 'as' && words[k + 1]) {
        local = words[k + 1].text;
        k += 2;
      }
      aliases.set(local, `${module.replace(/^\.+/, '')}.${name}`);
      if (words[k]?.text === ',') {
        k++;
      } else {
        break;
      }
    }
  }
  return end - 1;
}

/** The index after the last token of the statement that contains `from`. */
function statementEnd(tokens: IPyToken[], from: number): number {
  let k = from;
  while (
    k < tokens.length &&
    tokens[k].kind !== 'newline' &&
    !(tokens[k].kind === 'op' && tokens[k].text === ';')
  ) {
    k++;
  }
  return k;
}

/** The dotted name before a call's `(`: `a.b.c`, or `?.c` when the object is an expression. */
function callChain(tokens: IPyToken[], last: number): string[] {
  const chain = [tokens[last].text];
  let k = last - 1;
  while (
    k >= 1 &&
    tokens[k].text === '.' &&
    tokens[k].kind === 'op' &&
    tokens[k - 1].kind === 'name'
  ) {
    chain.unshift(tokens[k - 1].text);
    k -= 2;
  }
  if (k >= 0 && tokens[k].text === '.' && tokens[k].kind === 'op') {
    chain.unshift('?'); // a method on an expression: f(x).unlink()
  }
  return chain;
}

/** The arguments of the call whose `(` is at `open`. */
function callArgs(tokens: IPyToken[], open: number): ICallArg[] {
  const args: ICallArg[] = [];
  let depth = 0;
  let current: IPyToken[] = [];
  for (let k = open + 1; k < tokens.length; k++) {
    const t = tokens[k];
    if (
      t.kind === 'op' &&
      (t.text === '(' || t.text === '[' || t.text === '{')
    ) {
      depth++;
    } else if (
      t.kind === 'op' &&
      (t.text === ')' || t.text === ']' || t.text === '}')
    ) {
      if (depth === 0) {
        break;
      }
      depth--;
    } else if (depth === 0 && t.kind === 'op' && t.text === ',') {
      args.push(toArg(current));
      current = [];
      continue;
    }
    if (t.kind !== 'newline') {
      current.push(t);
    }
  }
  if (current.length) {
    args.push(toArg(current));
  }
  return args;
}

function toArg(tokens: IPyToken[]): ICallArg {
  if (
    tokens.length > 2 &&
    tokens[0].kind === 'name' &&
    tokens[1].kind === 'op' &&
    tokens[1].text === '='
  ) {
    return { keyword: tokens[0].text, tokens: tokens.slice(2) };
  }
  return { keyword: null, tokens };
}

/** What an argument's tokens are: a literal string, a string built at run time, a list of words, or unknown. */
function argValue(
  tokens: IPyToken[],
  strings: Map<string, ArgValue>
): ArgValue {
  if (!tokens.length) {
    return { kind: 'unknown' };
  }
  // sqlalchemy.text("…") and str("…") wrap a string.
  if (
    tokens.length > 3 &&
    tokens[0].kind === 'name' &&
    (tokens[0].text === 'text' || tokens[0].text === 'str') &&
    tokens[1].text === '(' &&
    tokens[tokens.length - 1].text === ')'
  ) {
    return argValue(tokens.slice(2, -1), strings);
  }
  if (
    tokens[0].kind === 'op' &&
    (tokens[0].text === '[' || tokens[0].text === '(') &&
    tokens.length > 1
  ) {
    // One word per element; an element that is not a plain literal string
    // (a name, 'r' + 'm', an f-string, *args) is computed.
    const words: string[] = [];
    const computed: boolean[] = [];
    for (const element of splitElements(tokens.slice(1, -1))) {
      const value = argValue(element, strings);
      const literal = value.kind === 'literal';
      words.push(literal ? value.value : 'X');
      computed.push(!literal);
    }
    return { kind: 'list', words, computed };
  }
  if (tokens.length === 1 && tokens[0].kind === 'name') {
    return strings.get(tokens[0].text) ?? { kind: 'unknown' };
  }
  let built = false;
  let template = '';
  let sawString = false;
  for (const t of tokens) {
    if (t.kind === 'string') {
      sawString = true;
      const value = t.value ?? '';
      if (
        t.prefix?.includes('f') &&
        /\{(?!\{)/.test(value.replace(/\{\{/g, ''))
      ) {
        built = true;
        template += value
          .replace(/\{\{/g, '\u0000')
          .replace(/\{[^{}]*\}/g, 'X')
          .replace(/\u0000/g, '{');
      } else {
        template += value;
      }
    } else if (t.kind === 'name') {
      const known = strings.get(t.text);
      built = true;
      template +=
        known?.kind === 'literal'
          ? known.value
          : known?.kind === 'built'
            ? known.template
            : ' X ';
    } else if (
      t.kind === 'op' &&
      (t.text === '+' ||
        t.text === '%' ||
        t.text === '.' ||
        t.text === '(' ||
        t.text === ')' ||
        t.text === ',')
    ) {
      built = true;
    } else {
      built = true;
    }
  }
  if (!sawString) {
    return { kind: 'unknown' };
  }
  return built
    ? { kind: 'built', template }
    : { kind: 'literal', value: template };
}

/** The top-level comma-separated elements of a list's or tuple's inner tokens. */
function splitElements(tokens: IPyToken[]): IPyToken[][] {
  const elements: IPyToken[][] = [];
  let current: IPyToken[] = [];
  let depth = 0;
  for (const t of tokens) {
    if (t.kind === 'op' && '([{'.includes(t.text)) {
      depth++;
    } else if (t.kind === 'op' && ')]}'.includes(t.text)) {
      depth--;
    } else if (depth === 0 && t.kind === 'op' && t.text === ',') {
      elements.push(current);
      current = [];
      continue;
    }
    current.push(t);
  }
  if (current.length) {
    elements.push(current);
  }
  return elements;
}

/**
 * Whether a command given as words runs a program (or a `sh -c` script)
 * computed at run time: `[cmd, '-rf', p]`, `['r' + 'm', …]`, `['sudo', x]`,
 * `['bash', '-c', script]`.
 */
function computesProgram(words: string[], computed: boolean[]): boolean {
  for (let k = 0; k < words.length; k++) {
    if (computed[k]) {
      return (
        k === 0 ||
        words[k - 1] === '-c' ||
        COMMAND_WRAPPERS.has(words[k - 1].split('/').pop() ?? '')
      );
    }
    if (
      !COMMAND_WRAPPERS.has(words[k].split('/').pop() ?? '') &&
      !words[k].startsWith('-') &&
      !/^[A-Za-z_][A-Za-z0-9_]*=/.test(words[k])
    ) {
      // The program is a literal; later computed words are its arguments,
      // unless it is a shell given a computed script with -c.
      return words
        .slice(k + 1)
        .some((w, j) => w === '-c' && computed[k + j + 2]);
    }
  }
  return false;
}

/** Whether the tokens are a call of `__import__`/`importlib.import_module` (getattr(__import__(…), …)). */
function isImportCall(
  tokens: IPyToken[],
  aliases: Map<string, string>
): boolean {
  const name = tokens[0]?.kind === 'name' ? tokens[0].text : '';
  const qualified =
    tokens[1]?.text === '.' && tokens[2]?.kind === 'name'
      ? `${aliases.get(name) ?? name}.${tokens[2].text}`
      : (aliases.get(name) ?? name);
  return (
    qualified === '__import__' ||
    qualified === 'builtins.__import__' ||
    qualified === 'importlib.import_module'
  );
}

function stringOf(value: ArgValue): string | null {
  return value.kind === 'literal'
    ? value.value
    : value.kind === 'built'
      ? value.template
      : null;
}

function callFindings(
  rawChain: string[],
  args: ICallArg[],
  aliases: Map<string, string>,
  strings: Map<string, ArgValue>,
  findings: IRiskFinding[]
): void {
  const head = aliases.get(rawChain[0]);
  const chain = head ? [...head.split('.'), ...rawChain.slice(1)] : rawChain;
  const qualified = chain.join('.');
  const method = chain[chain.length - 1];
  const isMethod = chain.length > 1;
  const positional = args.filter(a => a.keyword === null);
  const keyword = (...names: string[]) =>
    args.find(a => a.keyword !== null && names.includes(a.keyword));
  const first =
    positional[0] ??
    keyword('sql', 'query', 'statement', 'args', 'cmd', 'command');
  const add = (reason: string, path?: string) =>
    findings.push(path === undefined ? { reason } : { reason, path });

  // Code and modules named at run time: what they do cannot be read here.
  const builtin = !isMethod || chain[0] === 'builtins';
  if (
    (builtin && method === '__import__') ||
    qualified === 'importlib.import_module'
  ) {
    const name = first ? argValue(first.tokens, strings) : null;
    if (method === '__import__' || name?.kind !== 'literal') {
      add(PY_REASONS.dynamicImport);
    }
  } else if (builtin && CODE_CALLS.has(method) && (isMethod || !head)) {
    const code = first ? argValue(first.tokens, strings) : null;
    if (code?.kind === 'literal') {
      findings.push(...pythonFindings(code.value));
    } else if (first) {
      add(PY_REASONS.dynamicCode);
    }
  } else if (!isMethod && method === 'getattr' && positional.length >= 2) {
    const target = positional[0].tokens;
    const name = argValue(positional[1].tokens, strings);
    const moduleTarget =
      (target.length === 1 &&
        target[0].kind === 'name' &&
        RISKY_MODULES.has(
          (aliases.get(target[0].text) ?? target[0].text).split('.')[0]
        )) ||
      isImportCall(target, aliases);
    if (name.kind === 'literal') {
      if (
        STRONG_ATTRIBUTES.has(name.value) ||
        (moduleTarget && RISKY_ATTRIBUTES.has(name.value))
      ) {
        add(PY_REASONS.byName(name.value));
      }
    } else if (name.kind === 'built' || moduleTarget) {
      add(PY_REASONS.dynamicAttribute);
    }
  }

  // Keyword arguments that overwrite, on any call.
  for (const arg of args) {
    const value = argValue(arg.tokens, strings);
    const text = value.kind === 'literal' ? value.value.toLowerCase() : null;
    if (arg.keyword === 'mode' && text === 'overwrite') {
      add(PY_REASONS.overwrite);
    } else if (
      (arg.keyword === 'if_exists' || arg.keyword === 'if_table_exists') &&
      text === 'replace'
    ) {
      add(PY_REASONS.ifExists);
    } else if (
      arg.keyword === 'overwrite' &&
      arg.tokens.length === 1 &&
      arg.tokens[0].text === 'True'
    ) {
      add(PY_REASONS.overwrite);
    }
  }
  if (
    method === 'mode' &&
    isMethod &&
    first &&
    stringOf(argValue(first.tokens, strings))?.toLowerCase() === 'overwrite'
  ) {
    add(PY_REASONS.overwrite);
  }

  if (method === 'rmtree') {
    add(PY_REASONS.rmtree);
  } else if (
    ['os.remove', 'os.unlink', 'os.rmdir', 'os.removedirs'].includes(qualified)
  ) {
    add(PY_REASONS.remove);
  } else if (qualified === 'os.replace') {
    add(PY_REASONS.replace);
  } else if (isMethod && (method === 'unlink' || method === 'rmdir')) {
    add(PY_REASONS.unlink);
  } else if (isMethod && DELETE_METHODS.has(method)) {
    add(PY_REASONS.fsRm);
  } else if (
    isMethod &&
    (method === 'write_text' || method === 'write_bytes')
  ) {
    add(PY_REASONS.writeText);
  }

  if (
    [
      'os.rename',
      'shutil.move',
      'shutil.copy',
      'shutil.copyfile',
      'shutil.copy2'
    ].includes(qualified) &&
    positional[1]
  ) {
    const target = argValue(positional[1].tokens, strings);
    if (target.kind === 'literal') {
      add(
        `${qualified}(…, "${target.value}"): replaces that file`,
        target.value
      );
    }
  }

  // open(path, 'w') / gzip.open(path, 'wt') / Path(p).open('w')
  if (method === 'open') {
    const pathOpen =
      isMethod &&
      ![
        'io',
        'gzip',
        'bz2',
        'lzma',
        'codecs',
        'os',
        'tarfile',
        'zipfile',
        'builtins',
        'fsspec',
        'smart_open'
      ].includes(chain[0]);
    const modeArg =
      keyword('mode') ?? (pathOpen ? positional[0] : positional[1]);
    const mode = modeArg ? stringOf(argValue(modeArg.tokens, strings)) : null;
    if (mode && /^[rbt+]*w[rbt+]*$/.test(mode)) {
      const target =
        !pathOpen && positional[0]
          ? argValue(positional[0].tokens, strings)
          : { kind: 'unknown' as const };
      if (target.kind === 'literal') {
        add(
          `open("${target.value}", '${mode}'): overwrites that file`,
          target.value
        );
      } else {
        add(PY_REASONS.open);
      }
    }
  }

  if (isMethod && WRITE_METHODS.has(method)) {
    const pathArg =
      args.find(a => a.keyword !== null && PATH_KEYWORDS.has(a.keyword)) ??
      positional[0];
    const target = pathArg ? argValue(pathArg.tokens, strings) : null;
    if (
      target?.kind === 'literal' &&
      target.value &&
      !/\n/.test(target.value)
    ) {
      add(`${method}("${target.value}"): overwrites that file`, target.value);
    }
  }

  if (!first) {
    return;
  }
  if (SHELL_CALLS.has(qualified) || (isMethod && SHELL_METHODS.has(method))) {
    const value = argValue(first.tokens, strings);
    if (value.kind === 'list') {
      findings.push(...commandFindings(value.words));
      if (computesProgram(value.words, value.computed)) {
        add(PY_REASONS.builtShell);
      }
    } else if (value.kind === 'literal' || value.kind === 'built') {
      findings.push(...shellFindings(stringOf(value)!));
      if (value.kind === 'built' && /^\s*X\b/.test(value.template)) {
        add(PY_REASONS.builtShell);
      }
    } else {
      // A command held in a variable or returned by a call: not readable here.
      add(PY_REASONS.builtShell);
    }
    return;
  }
  const sqlSink =
    SQL_METHODS.has(method) ||
    qualified === 'sqlalchemy.text' ||
    qualified === 'sqlalchemy.sql.text';
  if (sqlSink || (isMethod && SQL_READ_ONLY_METHODS.has(method))) {
    const value = argValue(first.tokens, strings);
    const text = stringOf(value);
    if (text !== null) {
      findings.push(...sqlFindings(text));
    }
    if (value.kind === 'built' && sqlSink) {
      add(PY_REASONS.builtSql);
    }
  }
}
