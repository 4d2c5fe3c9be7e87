import { minimatchNow } from '../contents/globs';
import { segmentsOf } from '../contents/paths';

/**
 * Paths the file tools treat with care, for reads and for writes: one list,
 * matched case-insensitively against server paths.
 *
 * A pattern ending in "/" names a folder (anywhere in the path: ".ssh/"
 * matches ".ssh/id_rsa" and "home/.ssh/config"); a pattern without "/" is
 * matched against the file name ("*.pem"); other patterns are matched
 * against the end of the path ("gcloud/application_default_credentials.json").
 *
 * Levels: `ask` — the user sees the path and decides (reads and writes);
 * `refuse` — never, whatever the approval settings (Jupyter's runtime
 * files hold the server token and kernel keys; the assistant's own chats
 * and undo snapshots must not be forged).
 */

export type SensitiveAction = 'read' | 'write';
export type SensitiveLevel = 'ask' | 'refuse';

export interface ISensitiveRule {
  pattern: string;
  /** What such a path holds, for messages ("SSH keys or configuration"). */
  what: string;
  level: SensitiveLevel;
  /** Only for writes (reading them is harmless). */
  writeOnly?: boolean;
}

/** Why a path is sensitive. */
export interface ISensitiveMatch {
  level: SensitiveLevel;
  what: string;
  pattern: string;
  path: string;
}

const SECRET = 'a file that often holds secrets';
const CLOUD = 'cloud credentials';
const KEY = 'a private key or certificate';
const RUNTIME =
  "Jupyter's runtime files (the server token, kernel connection keys)";
const STARTUP =
  'code that runs when Python, IPython, Jupyter or a shell starts';

/** The built-in rules (the setting `sensitivePaths` adds `ask` patterns). */
export const BUILTIN_SENSITIVE_RULES: readonly ISensitiveRule[] = [
  // Jupyter's runtime folder: reading a connection file lets code run in that kernel.
  { pattern: 'jupyter/runtime/', what: RUNTIME, level: 'refuse' },
  { pattern: 'jpserver-*.json', what: RUNTIME, level: 'refuse' },
  { pattern: 'jpserver-*.html', what: RUNTIME, level: 'refuse' },
  { pattern: 'nbserver-*.json', what: RUNTIME, level: 'refuse' },
  {
    pattern: 'kernel-*.json',
    what: "a kernel connection file (Jupyter's runtime files)",
    level: 'refuse'
  },
  // Secrets.
  {
    pattern: '.env*',
    what: 'an environment file, which often holds secrets',
    level: 'ask'
  },
  { pattern: '.ssh/', what: 'SSH keys or configuration', level: 'ask' },
  { pattern: '.aws/', what: CLOUD, level: 'ask' },
  { pattern: '.azure/', what: CLOUD, level: 'ask' },
  { pattern: 'gcloud/', what: CLOUD, level: 'ask' },
  { pattern: '.kube/', what: 'Kubernetes credentials', level: 'ask' },
  {
    pattern: '.docker/config.json',
    what: 'registry credentials',
    level: 'ask'
  },
  { pattern: '.gnupg/', what: 'GnuPG keys', level: 'ask' },
  {
    pattern: 'application_default_credentials.json',
    what: CLOUD,
    level: 'ask'
  },
  { pattern: 'credentials.json', what: CLOUD, level: 'ask' },
  { pattern: 'credentials', what: SECRET, level: 'ask' },
  { pattern: 'client_secret*.json', what: CLOUD, level: 'ask' },
  {
    pattern: '*service?account*.json',
    what: 'a service-account key',
    level: 'ask'
  },
  {
    pattern: '*serviceaccount*.json',
    what: 'a service-account key',
    level: 'ask'
  },
  { pattern: '.netrc', what: SECRET, level: 'ask' },
  { pattern: '_netrc', what: SECRET, level: 'ask' },
  { pattern: '.git-credentials', what: SECRET, level: 'ask' },
  { pattern: '.pgpass', what: SECRET, level: 'ask' },
  { pattern: '.my.cnf', what: SECRET, level: 'ask' },
  { pattern: '.pypirc', what: SECRET, level: 'ask' },
  { pattern: '.npmrc', what: SECRET, level: 'ask' },
  { pattern: '.databrickscfg', what: SECRET, level: 'ask' },
  { pattern: '.snowsql/', what: SECRET, level: 'ask' },
  { pattern: '.dbt/profiles.yml', what: SECRET, level: 'ask' },
  { pattern: 'secrets.toml', what: SECRET, level: 'ask' },
  { pattern: '.s3cfg', what: SECRET, level: 'ask' },
  { pattern: '.boto', what: SECRET, level: 'ask' },
  { pattern: '*.pem', what: KEY, level: 'ask' },
  { pattern: '*.key', what: KEY, level: 'ask' },
  { pattern: '*.p12', what: KEY, level: 'ask' },
  { pattern: '*.pfx', what: KEY, level: 'ask' },
  { pattern: '*.keystore', what: KEY, level: 'ask' },
  { pattern: '*.jks', what: KEY, level: 'ask' },
  { pattern: 'id_rsa*', what: KEY, level: 'ask' },
  { pattern: 'id_dsa*', what: KEY, level: 'ask' },
  { pattern: 'id_ecdsa*', what: KEY, level: 'ask' },
  { pattern: 'id_ed25519*', what: KEY, level: 'ask' },
  // Writes only: places where a file changes what runs, or how.
  {
    pattern: '.git/hooks/',
    what: 'git hooks (code git runs)',
    level: 'ask',
    writeOnly: true
  },
  {
    pattern: '.git/',
    what: "the repository's internals (.git)",
    level: 'ask',
    writeOnly: true
  },
  {
    pattern: 'jupyter_*config.py',
    what: 'Jupyter configuration',
    level: 'ask',
    writeOnly: true
  },
  {
    pattern: 'jupyter_*config.json',
    what: 'Jupyter configuration',
    level: 'ask',
    writeOnly: true
  },
  {
    pattern: '.jupyter/',
    what: 'Jupyter settings',
    level: 'ask',
    writeOnly: true
  },
  {
    pattern: '.ipython/profile_*/startup/',
    what: STARTUP,
    level: 'ask',
    writeOnly: true
  },
  {
    pattern: '.ipython/',
    what: 'IPython configuration',
    level: 'ask',
    writeOnly: true
  },
  {
    pattern: '.local/share/jupyter/',
    what: 'Jupyter extensions, kernels and data',
    level: 'ask',
    writeOnly: true
  },
  {
    pattern: 'pip.conf',
    what: 'pip configuration (where packages come from)',
    level: 'ask',
    writeOnly: true
  },
  {
    pattern: 'pip.ini',
    what: 'pip configuration (where packages come from)',
    level: 'ask',
    writeOnly: true
  },
  {
    pattern: '.condarc',
    what: 'conda configuration (where packages come from)',
    level: 'ask',
    writeOnly: true
  },
  { pattern: 'sitecustomize.py', what: STARTUP, level: 'ask', writeOnly: true },
  { pattern: 'usercustomize.py', what: STARTUP, level: 'ask', writeOnly: true },
  { pattern: '*.pth', what: STARTUP, level: 'ask', writeOnly: true },
  ...[
    '.bashrc',
    '.bash_profile',
    '.bash_login',
    '.bash_logout',
    '.profile',
    '.zshrc',
    '.zshenv',
    '.zprofile',
    '.zlogin',
    '.cshrc',
    '.tcshrc',
    '.kshrc',
    '.inputrc'
  ].map(pattern => ({
    pattern,
    what: `a shell start-up file (${STARTUP})`,
    level: 'ask' as const,
    writeOnly: true
  })),
  {
    pattern: '.config/fish/',
    what: `shell start-up files (${STARTUP})`,
    level: 'ask',
    writeOnly: true
  }
];

interface ICompiled extends ISensitiveRule {
  folder: boolean;
  /** The pattern has no "/": matched against one segment (the name, or each folder for folder rules). */
  base: boolean;
  regex: RegExp;
  /** Whether the path made of `segments[0..end)` matches. */
  test: (segments: readonly string[], end: number) => boolean;
}

/** A folder rule matches the folder or anything below it; a file rule the whole path. */
function matches(rule: ICompiled, segments: readonly string[]): boolean {
  if (!rule.folder) {
    return rule.test(segments, segments.length);
  }
  for (let end = 1; end <= segments.length; end++) {
    if (rule.test(segments, end)) {
      return true;
    }
  }
  return false;
}

/** One RegExp matching when any of `regexes` does (a pre-filter: most paths match none). */
function anyOf(regexes: RegExp[]): RegExp | null {
  return regexes.length
    ? new RegExp(regexes.map(regex => `(?:${regex.source})`).join('|'), 'i')
    : null;
}

function compile(rule: ISensitiveRule): ICompiled | null {
  let pattern = rule.pattern.trim().replace(/\\/g, '/').replace(/^\/+/, '');
  if (!pattern) {
    return null;
  }
  const folder = pattern.endsWith('/');
  pattern = pattern.replace(/\/+$/, '');
  const options = { nocase: true, dot: true, nocomment: true, nonegate: true };
  const base = !pattern.includes('/');
  const width = pattern.split('/').length;
  const deep = pattern.includes('**');
  // Compiled once to a RegExp: walks check every entry against every rule.
  // Multi-segment patterns are matched against windows of as many segments
  // (a leading "**/" would make every test scan the whole path).
  const regex = new (minimatchNow().Minimatch)(
    base || !deep ? pattern : `**/${pattern}`,
    options
  ).makeRe();
  if (!regex) {
    return null;
  }
  let test: ICompiled['test'];
  if (base) {
    test = (segments, end) => regex.test(segments[end - 1]);
  } else if (deep) {
    test = (segments, end) => regex.test(segments.slice(0, end).join('/'));
  } else {
    test = (segments, end) =>
      end >= width && regex.test(segments.slice(end - width, end).join('/'));
  }
  return { ...rule, folder, base, regex, test };
}

export interface ISensitivePathsOptions {
  /** Extra patterns (the `sensitivePaths` setting), asked for reads and writes. */
  extra?: readonly string[];
  /** Folders the assistant never writes into (its chats and undo snapshots), with what they hold. */
  protectedFolders?: ReadonlyArray<{ folder: string; what: string }>;
  /** Folders it only reads after asking (the snapshots hold copies of files it changed). */
  askToRead?: ReadonlyArray<{ folder: string; what: string }>;
}

/** The sensitive-path rules in force: built in, from settings, and the assistant's own folders. */
export class SensitivePaths {
  constructor(options: ISensitivePathsOptions = {}) {
    const rules: ISensitiveRule[] = [];
    for (const { folder, what } of options.protectedFolders ?? []) {
      rules.push({
        pattern: `${folder.replace(/\/+$/, '')}/`,
        what,
        level: 'refuse',
        writeOnly: true
      });
    }
    for (const { folder, what } of options.askToRead ?? []) {
      rules.push({
        pattern: `${folder.replace(/\/+$/, '')}/`,
        what,
        level: 'ask'
      });
    }
    rules.push(...BUILTIN_SENSITIVE_RULES);
    for (const pattern of options.extra ?? []) {
      if (typeof pattern === 'string') {
        rules.push({
          pattern,
          what: 'a path listed in the sensitivePaths setting',
          level: 'ask'
        });
      }
    }
    this._source = rules;
  }

  /**
   * The rules compiled to regular expressions, on the first check (minimatch
   * is a lazy chunk: `loadMinimatch` must have resolved; a check before that
   * throws rather than letting a path through).
   */
  private _compiled(): {
    rules: ICompiled[];
    names: RegExp | null;
    segments: RegExp | null;
    deep: ICompiled[];
  } {
    if (!this._compiledRules) {
      const rules = this._source
        .map(compile)
        .filter((rule): rule is ICompiled => !!rule);
      this._compiledRules = {
        rules,
        names: anyOf(
          rules.filter(rule => rule.base && !rule.folder).map(r => r.regex)
        ),
        segments: anyOf(
          rules.filter(rule => rule.base && rule.folder).map(r => r.regex)
        ),
        deep: rules.filter(rule => !rule.base)
      };
    }
    return this._compiledRules;
  }

  /** False when no rule can match (name and folder rules checked with one combined expression each). */
  private _mayMatch(segments: string[]): boolean {
    const { names, segments: folders, deep } = this._compiled();
    return (
      !!names?.test(segments[segments.length - 1]) ||
      (!!folders && segments.some(segment => folders.test(segment))) ||
      deep.some(rule => matches(rule, segments))
    );
  }

  /**
   * Why `path` (a server path) is sensitive for this action, or null; a
   * `refuse` rule wins over an `ask` one. Folder rules match the folder
   * itself and everything below it.
   */
  check(path: string, action: SensitiveAction): ISensitiveMatch | null {
    const segments = segmentsOf(path.replace(/\\/g, '/'));
    if (!segments.length) {
      return null;
    }
    if (!this._mayMatch(segments)) {
      return null;
    }
    const full = segments.join('/');
    let found: ISensitiveMatch | null = null;
    for (const rule of this._compiled().rules) {
      if (rule.writeOnly && action !== 'write') {
        continue;
      }
      if (matches(rule, segments)) {
        const match = {
          level: rule.level,
          what: rule.what,
          pattern: rule.pattern,
          path: full
        };
        if (rule.level === 'refuse') {
          return match;
        }
        found = found ?? match;
      }
    }
    return found;
  }

  private _source: ISensitiveRule[];
  /** Compiled on the first check; `deep`: rules whose pattern has a "/" (few), tested one by one. */
  private _compiledRules: {
    rules: ICompiled[];
    names: RegExp | null;
    segments: RegExp | null;
    deep: ICompiled[];
  } | null = null;
}

/** The rules without settings (the tool catalogue, tests). */
export const DEFAULT_SENSITIVE_PATHS = new SensitivePaths();

/** "Reads an environment file, which often holds secrets: .env" — the reason shown on the approval card. */
export function describeSensitive(
  match: ISensitiveMatch,
  action: SensitiveAction | 'rename' | 'delete'
): string {
  const verb = {
    read: 'Reads',
    write: 'Changes',
    rename: 'Renames',
    delete: 'Deletes'
  }[action];
  return `${verb} ${match.what}: ${match.path}`;
}

/** The refusal the model reads for a `refuse` path. */
export function refusalText(
  match: ISensitiveMatch,
  shown: string,
  action: SensitiveAction
): string {
  const verb = action === 'read' ? 'read' : 'change';
  return `${shown} is protected (${match.what}): the file tools never ${verb} it, whatever the approval settings. Nothing was ${action === 'read' ? 'read' : 'written'}.`;
}
