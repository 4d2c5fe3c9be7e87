import type { TranslationBundle } from '@jupyterlab/translation';
import { untranslated } from '../translation';
import { loadMinimatch, minimatchNow } from '../contents/globs';
import {
  loadFrontMatterParser,
  parseFrontMatter
} from '../personas/frontMatter';
import {
  IContentsLike,
  IContentsModelLike,
  isNotFound
} from '../contents/contents';
import type { IWorkspaceFileGuard } from '../contents/workspaceFiles';

/** The project instructions file the seed persona expects at the server root. */
export const PROJECT_INSTRUCTIONS = 'copilot.instructions.md';
/** VS Code's conventions, honoured too. */
export const COPILOT_INSTRUCTIONS = '.github/copilot-instructions.md';
export const SCOPED_INSTRUCTIONS_DIR = '.github/instructions';
/** The cross-tool convention VS Code reads too (`chat.useAgentsMdFile`). */
export const AGENTS_MD = 'AGENTS.md';
/** The default budget of always-on instructions, in tokens (the `instructionsBudgetTokens` setting). */
export const DEFAULT_INSTRUCTIONS_BUDGET_TOKENS = 32000;
/** Characters per token, the estimate the budget is counted with. */
export const CHARS_PER_TOKEN = 4;

/** Instruction files larger than this are truncated. */
export const MAX_INSTRUCTIONS_BYTES = 64 * 1024;

/** One instruction file in effect for a request. */
export interface IInstructionFile {
  path: string;
  kind: 'project' | 'copilot' | 'agents' | 'scoped';
  /** Glob of a scoped file (`applyTo` in its front matter). */
  applyTo?: string;
  text: string;
  lastModified: string;
  /** Set when the file was truncated or could not be used as it is. */
  notice?: string;
}

/** What the loader found for one request. */
export interface IInstructionsState {
  files: IInstructionFile[];
  /** Files that exist but were skipped, with the reason. */
  skipped: { path: string; reason: string }[];
  /** True when no project instructions file exists at all. */
  missingProjectFile: boolean;
  /** Files that apply but were not sent: they did not fit in the budget (most specific kept first). */
  overBudget: { path: string; bytes: number }[];
  /** The budget and what the sent files use of it (estimated tokens). */
  budget: { tokens: number; used: number };
}

export interface IInstructionsLoaderOptions {
  /**
   * Whether `AGENTS.md` files are read (the `useAgentsMdFile` setting,
   * asked on every load; default true).
   */
  useAgentsMd?: () => boolean;
  /** The budget of always-on instructions in tokens (asked on every load). */
  budgetTokens?: () => number;
}

interface ICached {
  lastModified: string;
  file: IInstructionFile | null;
  skipped?: string;
}

/**
 * Reads the project's instruction files before each turn. A cheap metadata
 * request per file tells whether it changed; the text is read again only
 * when `last_modified` moved.
 */
export class InstructionsLoader {
  /**
   * `guard`: the file tools' symlink, sensitive-path and size rules (files
   * refused by it are listed in `skipped` with the reason, never read).
   */
  constructor(
    contents: IContentsLike,
    trans: TranslationBundle = untranslated,
    guard: IWorkspaceFileGuard | null = null,
    options: IInstructionsLoaderOptions = {}
  ) {
    this._contents = contents;
    this._trans = trans;
    this._guard = guard;
    this._useAgentsMd = options.useAgentsMd ?? (() => true);
    this._budgetTokens =
      options.budgetTokens ?? (() => DEFAULT_INSTRUCTIONS_BUDGET_TOKENS);
  }

  /** The instructions in effect for a request about `activePath` (a notebook or file). */
  async load(activePath: string | null): Promise<IInstructionsState> {
    const state: IInstructionsState = {
      files: [],
      skipped: [],
      missingProjectFile: true,
      overBudget: [],
      budget: { tokens: 0, used: 0 }
    };
    const add = (path: string, entry: ICached | null) => {
      if (!entry) {
        return;
      }
      if (entry.file) {
        state.files.push(entry.file);
      } else if (entry.skipped) {
        state.skipped.push({ path, reason: entry.skipped });
      }
    };
    const scoped = await this._listScoped();
    const agents = this._useAgentsMd() ? agentsMdChain(activePath) : [];
    // One check for every candidate, before anything is read (a cloned
    // repository may link copilot.instructions.md to ~/.aws/credentials).
    const refused = this._guard
      ? await this._guard.refused([
          PROJECT_INSTRUCTIONS,
          COPILOT_INSTRUCTIONS,
          ...agents,
          ...scoped.map(model => model.path)
        ])
      : new Map<string, string>();
    const project = await this._file(PROJECT_INSTRUCTIONS, 'project', refused);
    state.missingProjectFile = project === null;
    add(PROJECT_INSTRUCTIONS, project);
    add(
      COPILOT_INSTRUCTIONS,
      await this._file(COPILOT_INSTRUCTIONS, 'copilot', refused)
    );
    // AGENTS.md: the active file's folder first, then each parent, the root last.
    for (const path of agents) {
      add(path, await this._file(path, 'agents', refused));
    }

    for (const model of scoped) {
      const entry = await this._file(model.path, 'scoped', refused, model);
      if (entry?.file?.applyTo && activePath) {
        await loadMinimatch(); // a lazy chunk: only scoped files with a glob need it
      }
      if (entry?.file && !appliesTo(entry.file.applyTo, activePath)) {
        continue;
      }
      add(model.path, entry);
    }
    return applyBudget(state, this._budgetTokens());
  }

  /** Forget the cache (e.g. after the user created a file). */
  reset(): void {
    this._cache.clear();
  }

  private async _listScoped(): Promise<IContentsModelLike[]> {
    try {
      const dir = await this._contents.get(SCOPED_INSTRUCTIONS_DIR, {
        type: 'directory',
        content: true
      });
      const items = (dir.content ?? []) as IContentsModelLike[];
      return items
        .filter(
          item => item.type === 'file' && item.name.endsWith('.instructions.md')
        )
        .sort((a, b) => a.name.localeCompare(b.name));
    } catch (error) {
      return [];
    }
  }

  private async _file(
    path: string,
    kind: IInstructionFile['kind'],
    refused: Map<string, string>,
    known?: IContentsModelLike
  ): Promise<ICached | null> {
    let meta: IContentsModelLike | undefined = known;
    if (!meta) {
      try {
        meta = await this._contents.get(path, { content: false });
      } catch (error) {
        if (!isNotFound(error)) {
          console.warn(
            `jupyterlab-data-engineer: could not check ${path}`,
            error
          );
        }
        this._cache.delete(path);
        return null;
      }
    }
    if (meta.type !== 'file') {
      return {
        lastModified: meta.last_modified ?? '',
        file: null,
        skipped: this._trans.__('not a file')
      };
    }
    const lastModified = meta.last_modified ?? '';
    const refusal = refused.get(path);
    if (refusal) {
      this._cache.delete(path);
      return { lastModified, file: null, skipped: refusal };
    }
    const cached = this._cache.get(path);
    if (cached && lastModified && cached.lastModified === lastModified) {
      return cached;
    }
    const entry = await this._read(path, kind, lastModified);
    this._cache.set(path, entry);
    return entry;
  }

  private async _read(
    path: string,
    kind: IInstructionFile['kind'],
    lastModified: string
  ): Promise<ICached> {
    let model: IContentsModelLike;
    try {
      model = await this._contents.get(path, {
        content: true,
        type: 'file',
        format: 'text'
      });
    } catch (error) {
      // The contents API refuses to decode non-UTF-8 files as text.
      return {
        lastModified,
        file: null,
        skipped: this._trans.__('not a UTF-8 text file, skipped')
      };
    }
    const raw = typeof model.content === 'string' ? model.content : '';
    if (model.format !== 'text' || raw.includes('\u0000')) {
      return {
        lastModified,
        file: null,
        skipped: this._trans.__('binary file, skipped')
      };
    }
    let text = raw;
    let notice: string | undefined;
    const bytes = new TextEncoder().encode(text);
    if (bytes.length > MAX_INSTRUCTIONS_BYTES) {
      text = new TextDecoder()
        .decode(bytes.slice(0, MAX_INSTRUCTIONS_BYTES))
        .replace(/\uFFFD$/, '');
      notice = this._trans.__(
        'truncated to the first %1 KB of %2 KB',
        MAX_INSTRUCTIONS_BYTES / 1024,
        Math.ceil(bytes.length / 1024)
      );
    }
    let applyTo: string | undefined;
    if (kind === 'scoped') {
      try {
        await loadFrontMatterParser();
        const parsed = parseFrontMatter(text);
        const glob = parsed.data?.applyTo;
        applyTo =
          typeof glob === 'string'
            ? glob
            : Array.isArray(glob)
              ? glob.join(',')
              : undefined;
        text = parsed.content;
      } catch (error) {
        return {
          lastModified,
          file: null,
          skipped: this._trans.__(
            'front matter could not be read: %1',
            (error as Error).message
          )
        };
      }
    }
    if (!text.trim()) {
      return {
        lastModified,
        file: null,
        skipped: this._trans.__('empty file')
      };
    }
    return {
      lastModified,
      file: { path, kind, applyTo, text: text.trim(), lastModified, notice }
    };
  }

  private _contents: IContentsLike;
  private _trans: TranslationBundle;
  private _guard: IWorkspaceFileGuard | null;
  private _useAgentsMd: () => boolean;
  private _budgetTokens: () => number;
  private _cache = new Map<string, ICached>();
}

/** Estimated tokens of one file as the model sees it (its heading included). */
export function instructionTokens(file: IInstructionFile): number {
  const heading = 80 + file.path.length + (file.applyTo?.length ?? 0);
  return Math.ceil((file.text.length + heading) / CHARS_PER_TOKEN);
}

/**
 * Keeps the files that fit in `budgetTokens`, the most specific first: the
 * project's own files (copilot.instructions.md, .github/copilot-instructions.md,
 * AGENTS.md nearest first), then scoped files whose `applyTo` names the
 * active file, then those that apply everywhere (`**` or no glob). When the
 * next file does not fit, it and every one after it are not sent (listed in
 * `overBudget`), so a less specific file never displaces a more specific one.
 */
export function applyBudget(
  state: IInstructionsState,
  budgetTokens: number
): IInstructionsState {
  const tokens =
    Number.isFinite(budgetTokens) && budgetTokens > 0
      ? Math.floor(budgetTokens)
      : DEFAULT_INSTRUCTIONS_BUDGET_TOKENS;
  const rank = (file: IInstructionFile): number =>
    file.kind !== 'scoped' ? 0 : isEverywhere(file.applyTo) ? 2 : 1;
  const ordered = state.files
    .map((file, index) => ({ file, index }))
    .sort((a, b) => rank(a.file) - rank(b.file) || a.index - b.index)
    .map(item => item.file);
  const files: IInstructionFile[] = [];
  const overBudget: IInstructionsState['overBudget'] = [];
  let used = 0;
  for (const file of ordered) {
    const cost = instructionTokens(file);
    if (!overBudget.length && used + cost <= tokens) {
      files.push(file);
      used += cost;
    } else {
      overBudget.push({
        path: file.path,
        bytes: new TextEncoder().encode(file.text).length
      });
    }
  }
  return { ...state, files, overBudget, budget: { tokens, used } };
}

function isEverywhere(applyTo: string | undefined): boolean {
  const globs = (applyTo ?? '')
    .split(',')
    .map(glob => glob.trim())
    .filter(Boolean);
  return !globs.length || globs.includes('**') || globs.includes('**/*');
}

/**
 * The `AGENTS.md` files that may apply to `activePath`, nearest first: one in
 * the active file's folder and in each parent up to the server root (VS
 * Code's nested `AGENTS.md` support), ending with the root's.
 */
export function agentsMdChain(activePath: string | null): string[] {
  const parts = (activePath ?? '')
    .split('/')
    .filter(part => part && part !== '.');
  parts.pop(); // the file itself
  if (parts.includes('..')) {
    return [AGENTS_MD];
  }
  const out: string[] = [];
  for (let depth = parts.length; depth > 0; depth--) {
    out.push(`${parts.slice(0, depth).join('/')}/${AGENTS_MD}`);
  }
  out.push(AGENTS_MD);
  return out;
}

/**
 * Whether a scoped file's `applyTo` glob (comma-separated globs allowed)
 * matches the active path. No glob, or `**`, applies everywhere; with no
 * active path only those apply.
 */
export function appliesTo(
  applyTo: string | undefined,
  activePath: string | null
): boolean {
  const globs = (applyTo ?? '')
    .split(',')
    .map(glob => glob.trim())
    .filter(Boolean);
  if (!globs.length || globs.includes('**') || globs.includes('**/*')) {
    return true;
  }
  if (!activePath) {
    return false;
  }
  const { minimatch } = minimatchNow();
  return globs.some(glob =>
    minimatch(activePath, glob, { dot: true, matchBase: !glob.includes('/') })
  );
}
