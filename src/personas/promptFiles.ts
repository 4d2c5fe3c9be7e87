import { FrontMatterError, parseFrontMatter } from './frontMatter';
import { claudeToolNames } from './claudeTools';
import { slugify } from './names';

/** Where prompt files live (VS Code's place), and the ending their names have. */
export const PROMPT_FOLDER = '.github/prompts';
export const PROMPT_SUFFIX = '.prompt.md';

/** Prompt files larger than this are refused. */
export const MAX_PROMPT_BYTES = 64 * 1024;

/** A `.prompt.md` file: a slash command named after the file. */
export interface IPromptFile {
  /** The command, without the slash: `profile` for `profile.prompt.md`. */
  name: string;
  description: string;
  /** Persona id to switch to (`agent:` / `mode:` naming one); undefined: the current persona. */
  persona?: string;
  /** `agent: ask` / `mode: ask`: answer without tools. */
  askOnly: boolean;
  /** `model:` (a name or a prioritized list); [] = the persona's. */
  models: string[];
  /** `tools:` narrowing the persona's tools for the request; null = the persona's. */
  tools: string[] | null;
  argumentHint?: string;
  /** The markdown after the front matter, with its `${...}` variables. */
  body: string;
  path: string;
}

export type PromptParseResult =
  { ok: true; prompt: IPromptFile } | { ok: false; error: string };

/** The command name of a prompt file: `Profile Table.prompt.md` -> `profile-table`; null if not one. */
export function promptNameFromFileName(fileName: string): string | null {
  const base = fileName.split('/').pop() ?? '';
  if (!base.toLowerCase().endsWith(PROMPT_SUFFIX)) {
    return null;
  }
  return slugify(base.slice(0, -PROMPT_SUFFIX.length)) || null;
}

function text(data: Record<string, unknown>, key: string): string | undefined {
  const value = data[key];
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== 'string') {
    throw new FrontMatterError(`"${key}" must be text`);
  }
  return value.trim();
}

function names(value: unknown, key: string): string[] {
  if (value === undefined || value === null) {
    return [];
  }
  if (typeof value === 'string') {
    return value
      .split(',')
      .map(item => item.trim())
      .filter(Boolean);
  }
  if (Array.isArray(value) && value.every(item => typeof item === 'string')) {
    return (value as string[]).map(item => item.trim()).filter(Boolean);
  }
  throw new FrontMatterError(`"${key}" must be a name or a list of names`);
}

/** Parse a prompt file; `{ok: false, error}` says what to fix. */
export function parsePromptFile(
  source: string,
  path: string
): PromptParseResult {
  const name = promptNameFromFileName(path);
  if (!name) {
    return { ok: false, error: `The file name must end in ${PROMPT_SUFFIX}` };
  }
  if (source.length > MAX_PROMPT_BYTES) {
    return {
      ok: false,
      error: `The file is over ${MAX_PROMPT_BYTES / 1024} KB`
    };
  }
  try {
    const { data, content } = parseFrontMatter(source);
    const body = content.trim();
    if (!body) {
      return {
        ok: false,
        error: 'The prompt is empty: write it after the front matter'
      };
    }
    const agent = (
      text(data, 'agent') ??
      text(data, 'mode') ??
      ''
    ).toLowerCase();
    const rawTools =
      data.tools === undefined || data.tools === null
        ? null
        : names(data.tools, 'tools');
    const prompt: IPromptFile = {
      name,
      description: text(data, 'description') ?? '',
      askOnly: agent === 'ask',
      models: names(data.model, 'model'),
      // Claude-style names (Read, Grep) are understood here too.
      tools: rawTools && claudeToolNames(rawTools),
      body,
      path
    };
    if (agent && !['ask', 'agent', 'edit'].includes(agent)) {
      prompt.persona = slugify(agent);
    }
    const hint = text(data, 'argument-hint') ?? text(data, 'argumentHint');
    if (hint) {
      prompt.argumentHint = hint;
    }
    return { ok: true, prompt };
  } catch (error) {
    return {
      ok: false,
      error: error instanceof Error ? error.message : String(error)
    };
  }
}

/** What `${...}` variables stand for in JupyterLab (each may be unknown). */
export interface IPromptContext {
  /** The active notebook or file, as a server path (`${file}`). */
  file?: string | null;
  /** The selected text in the active cell or editor (`${selection}`, `${selectedText}`). */
  selection?: string | null;
  /** The whole source of the active notebook cell (`${cell}`). */
  cell?: string | null;
}

/** A `${...}` variable the prompt needs but the chat could not fill. */
export class PromptVariableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PromptVariableError';
  }
}

const VARIABLE = /\$\{([A-Za-z]+)(?::([^}:]*))?(?::([^}]*))?\}/g;

/** The `${input:name}` names of a prompt body, in order, without duplicates. */
export function promptInputs(
  body: string
): { name: string; placeholder?: string }[] {
  const inputs: { name: string; placeholder?: string }[] = [];
  for (const match of body.matchAll(VARIABLE)) {
    if (
      match[1] === 'input' &&
      match[2] &&
      !inputs.some(input => input.name === match[2])
    ) {
      inputs.push({
        name: match[2],
        ...(match[3] ? { placeholder: match[3] } : {})
      });
    }
  }
  return inputs;
}

/**
 * Split the text after `/name` into `key=value` inputs and the rest:
 * `table=orders limit="10 rows" and more` -> {table, limit}, "and more".
 */
export function parsePromptArgs(args: string): {
  named: Record<string, string>;
  rest: string;
} {
  const named: Record<string, string> = {};
  const rest = args
    .replace(
      /(^|\s)([A-Za-z_][\w-]*)=(?:"([^"]*)"|'([^']*)'|(\S+))/g,
      (_, lead: string, key: string, a?: string, b?: string, c?: string) => {
        named[key] = a ?? b ?? c ?? '';
        return lead;
      }
    )
    .replace(/\s+/g, ' ')
    .trim();
  return { named, rest };
}

/** Folder of a path ('' at the root); base name; base name without its extension. */
function pathParts(path: string): {
  dir: string;
  base: string;
  stem: string;
  ext: string;
} {
  const clean = path.replace(/^\/+/, '');
  const slash = clean.lastIndexOf('/');
  const base = clean.slice(slash + 1);
  const dot = base.lastIndexOf('.');
  return {
    dir: slash === -1 ? '' : clean.slice(0, slash),
    base,
    stem: dot > 0 ? base.slice(0, dot) : base,
    ext: dot > 0 ? base.slice(dot) : ''
  };
}

/**
 * Fill a prompt body's variables. `${input:name}` / `${input:name:placeholder}`
 * from `name=value` arguments (the free text fills the first input left);
 * `${file}`, `${fileBasename}`, `${fileDirname}`, `${fileBasenameNoExtension}`,
 * `${fileExtname}`: the active notebook or file; `${selection}` /
 * `${selectedText}`: the selection in it; `${cell}`: the active cell;
 * `${workspaceFolder}`: the server root (`.`; paths are relative to it).
 * A variable the chat cannot fill throws PromptVariableError naming what to
 * do; unknown `${...}` stay as written. Free text no input took is returned
 * in `rest` (the caller appends it).
 */
export function substitutePromptVariables(
  prompt: Pick<IPromptFile, 'name' | 'body'>,
  args: string,
  context: IPromptContext
): { text: string; rest: string } {
  const { named, rest: free } = parsePromptArgs(args);
  let rest = free;
  const values: Record<string, string> = { ...named };
  for (const input of promptInputs(prompt.body)) {
    if (values[input.name] === undefined && rest) {
      values[input.name] = rest;
      rest = '';
    }
  }
  const missing = promptInputs(prompt.body).filter(
    input => values[input.name] === undefined
  );
  if (missing.length) {
    const usage = missing
      .map(
        input =>
          `${input.name}=${input.placeholder ? `"${input.placeholder}"` : '…'}`
      )
      .join(' ');
    throw new PromptVariableError(
      `/${prompt.name} needs ${missing.map(input => (input.placeholder ? `${input.name} (${input.placeholder})` : input.name)).join(', ')}: type /${prompt.name} ${usage}`
    );
  }
  const file = context.file || null;
  const parts = file ? pathParts(file) : null;
  const need = (
    value: string | null | undefined,
    what: string,
    variable: string
  ): string => {
    if (value === null || value === undefined || value === '') {
      throw new PromptVariableError(
        `/${prompt.name} uses \${${variable}}: ${what}, then run it again`
      );
    }
    return value;
  };
  const text = prompt.body.replace(
    VARIABLE,
    (whole, kind: string, name?: string) => {
      switch (kind) {
        case 'input':
          return name ? values[name] : whole;
        case 'file':
          return need(file, 'open a notebook or file', kind);
        case 'fileBasename':
          return need(parts?.base, 'open a notebook or file', kind);
        case 'fileBasenameNoExtension':
          return need(parts?.stem, 'open a notebook or file', kind);
        case 'fileDirname':
          return parts
            ? parts.dir || '.'
            : need(null, 'open a notebook or file', kind);
        case 'fileExtname':
          return parts
            ? parts.ext
            : need(null, 'open a notebook or file', kind);
        case 'selection':
        case 'selectedText':
          return need(
            context.selection,
            'select some text in a cell or file',
            kind
          );
        case 'cell':
          return need(context.cell, 'select a notebook cell', kind);
        case 'workspaceFolder':
          return '.';
        case 'workspaceFolderBasename':
          return '.';
        default:
          return whole;
      }
    }
  );
  return { text, rest };
}
