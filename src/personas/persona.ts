import {
  FrontMatterError,
  IFrontMatter,
  parseFrontMatter
} from './frontMatter';
import { slugify, titleFromId } from './names';
import { claudeToolNames } from './claudeTools';
import { handoffsFromBody, IHandoff } from './transitions';

export type { IHandoff } from './transitions';

/** Where a persona file came from. */
export type PersonaSource = 'bundled' | 'workspace';

/** How the file is written: VS Code's chat mode / custom agent, or Claude Code's subagent. */
export type PersonaFormat = 'vscode' | 'claude';

/** A persona: instructions in markdown plus the settings in its front matter. */
export interface IPersona {
  id: string;
  name: string;
  description: string;
  /** Tool names as written (VS Code or ours); null when there is no `tools:` key = all tools. */
  tools: string[] | null;
  /** Model as written (an id or a display name); null = the model from settings. The first of `models`. */
  model: string | null;
  /** `model:` as a prioritized list (VS Code): the first the endpoint serves is used; [] = settings. */
  models?: string[];
  argumentHint?: string;
  /** Tool names taken away from what `tools` grants (Claude's `disallowedTools`). */
  disallowedTools?: string[];
  /** False (`user-invocable: false`): not in the picker, still usable as a subagent. */
  userInvocable?: boolean;
  /** `disable-model-invocation: true`: never run as a subagent. */
  disableModelInvocation?: boolean;
  /** `agents:` the persona may delegate to (ids); null = any. */
  agents?: string[] | null;
  /** `target:` as written (`vscode`, `github-copilot`); undefined = everywhere. */
  target?: string;
  format?: PersonaFormat;
  handoffs: IHandoff[];
  /** The markdown after the front matter: the system prompt. */
  body: string;
  source: PersonaSource;
  path: string;
}

/** Identity of a file being parsed. */
export interface IPersonaOrigin {
  id: string;
  path: string;
  source: PersonaSource;
  /** Default 'vscode'. */
  format?: PersonaFormat;
}

/** The persona's model list: `models`, else its one `model` (older objects have only that). */
export function modelsOf(
  persona: Pick<IPersona, 'model' | 'models'>
): string[] {
  return persona.models?.length
    ? persona.models
    : persona.model
      ? [persona.model]
      : [];
}

/** True for a file written for GitHub's coding agent only (`target: github-copilot`): listed, not offered. */
export function isForCodingAgent(persona: IPersona): boolean {
  return persona.target === 'github-copilot';
}

/** The outcome of parsing one persona file. */
export type PersonaParseResult =
  { ok: true; persona: IPersona } | { ok: false; error: string };

/** Persona files larger than this (UTF-8 bytes) are refused. */
export const MAX_PERSONA_BYTES = 64 * 1024;

/** Why a file of this many bytes is refused. */
export function tooLargeReason(bytes: number): string {
  const size = Math.ceil(bytes / 1024);
  return `The file is ${size} KB; persona files are limited to ${MAX_PERSONA_BYTES / 1024} KB`;
}

/** Thrown inside the validators; becomes `{ok: false, error}`. */
class InvalidPersona extends Error {}

/**
 * Parse and validate a persona file. A file without front matter is a valid
 * persona whose whole text is the body; every field has a default.
 * `parsed`: the text's front matter when already parsed (bundled personas).
 */
export function parsePersona(
  text: string,
  origin: IPersonaOrigin,
  parsed?: IFrontMatter
): PersonaParseResult {
  try {
    return { ok: true, persona: buildPersona(text, origin, parsed) };
  } catch (error) {
    if (error instanceof InvalidPersona || error instanceof FrontMatterError) {
      return { ok: false, error: error.message };
    }
    throw error;
  }
}

function buildPersona(
  text: string,
  origin: IPersonaOrigin,
  parsed?: IFrontMatter
): IPersona {
  if (typeof text !== 'string') {
    throw new InvalidPersona('The file is not text');
  }
  const bytes = utf8Length(text);
  if (bytes > MAX_PERSONA_BYTES) {
    throw new InvalidPersona(tooLargeReason(bytes));
  }
  const { data, content } = parsed ?? parseFrontMatter(text);
  const body = content.trim();
  if (!body) {
    throw new InvalidPersona(
      'The persona has no instructions: the text after the front matter is empty'
    );
  }
  const argumentHint =
    optionalText(data, 'argument-hint') ?? optionalText(data, 'argumentHint');
  const format = origin.format ?? 'vscode';
  const models = readModels(data.model);
  // Claude's `name` is the agent's identifier (lower-case, hyphens); VS Code's is a display name.
  const claudeName =
    format === 'claude' ? slugify(optionalText(data, 'name') ?? '') : '';
  const id = claudeName || origin.id;
  const target = optionalText(data, 'target');
  const persona: IPersona = {
    id,
    name:
      (format === 'claude' ? '' : optionalText(data, 'name')) ||
      titleFromId(id),
    description: optionalText(data, 'description') ?? '',
    tools:
      format === 'claude'
        ? readClaudeTools(data.tools, 'tools')
        : readTools(data.tools),
    // Shown before the list is resolved: the first Claude model, as the endpoint serves Claude only.
    model: models.find(name => CLAUDE_WORDS.test(name)) ?? models[0] ?? null,
    models,
    handoffs: mergeHandoffs(
      id,
      readHandoffs(data.handoffs),
      handoffsFromBody(body)
    ),
    userInvocable:
      readFlag(data, 'user-invocable', true) &&
      readFlag(data, 'userInvocable', true),
    disableModelInvocation: readFlag(data, 'disable-model-invocation', false),
    agents: readAgents(data.agents),
    format,
    body,
    source: origin.source,
    path: origin.path
  };
  if (argumentHint) {
    persona.argumentHint = argumentHint;
  }
  if (target) {
    persona.target = target.toLowerCase();
  }
  const disallowed = data.disallowedTools ?? data['disallowed-tools'];
  if (disallowed !== undefined && disallowed !== null) {
    persona.disallowedTools =
      readClaudeTools(disallowed, 'disallowedTools') ?? [];
  }
  return persona;
}

/** A YAML value's kind, for messages: "a list", "a number", ... */
function kindOf(value: unknown): string {
  if (Array.isArray(value)) {
    return 'a list';
  }
  if (value instanceof Date) {
    return 'a date';
  }
  switch (typeof value) {
    case 'number':
      return 'a number';
    case 'boolean':
      return `${value}`;
    case 'object':
      return 'a mapping';
    default:
      return typeof value;
  }
}

function optionalText(
  data: Record<string, unknown>,
  key: string
): string | undefined {
  const value = data[key];
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== 'string') {
    throw new InvalidPersona(`"${key}" must be text, not ${kindOf(value)}`);
  }
  return value.trim();
}

function readTools(value: unknown): string[] | null {
  // `tools:` with nothing after it reads as null: treated like no key at all.
  if (value === undefined || value === null) {
    return null;
  }
  if (typeof value === 'string') {
    // `tools: codebase, search` (Claude's style) reads as the list it names.
    return value
      .split(',')
      .map(name => name.trim())
      .filter(Boolean);
  }
  if (!Array.isArray(value)) {
    throw new InvalidPersona(
      `"tools" must be a list of tool names such as [codebase, search], not ${kindOf(value)}`
    );
  }
  return value
    .map((item, index) => {
      if (typeof item !== 'string') {
        throw new InvalidPersona(
          `"tools" must be a list of tool names; item ${index + 1} is ${kindOf(item)}`
        );
      }
      return item.trim();
    })
    .filter(Boolean);
}

/** Claude family words, to pick from VS Code's prioritized model lists. */
const CLAUDE_WORDS = /\b(claude|opus|sonnet|haiku)\b/i;

/** `model:` as a list: one name, or VS Code's prioritized list (tried in order). */
function readModels(value: unknown, where = '"model"'): string[] {
  if (value === undefined || value === null) {
    return [];
  }
  if (typeof value === 'string') {
    const name = value.trim();
    // Claude's `model: inherit` means the model of whoever runs it: the settings' here.
    return name && name.toLowerCase() !== 'inherit' ? [name] : [];
  }
  if (Array.isArray(value) && value.every(item => typeof item === 'string')) {
    return [
      ...new Set((value as string[]).map(name => name.trim()).filter(Boolean))
    ];
  }
  throw new InvalidPersona(
    `${where} must be a model name such as claude-sonnet-4-5 or a list of them, not ${kindOf(value)}`
  );
}

function readFlag(
  data: Record<string, unknown>,
  key: string,
  fallback: boolean
): boolean {
  const value = data[key];
  if (value === undefined || value === null) {
    return fallback;
  }
  if (typeof value !== 'boolean') {
    throw new InvalidPersona(
      `"${key}" must be true or false, not ${kindOf(value)}`
    );
  }
  return value;
}

/** `agents: [security-engineer]` (ids or names); `*` or no key = any; `[]` = none. */
function readAgents(value: unknown): string[] | null {
  if (value === undefined || value === null || value === '*') {
    return null;
  }
  const list = typeof value === 'string' ? value.split(',') : value;
  if (!Array.isArray(list) || !list.every(item => typeof item === 'string')) {
    throw new InvalidPersona(
      `"agents" must be a list of persona ids such as [security-engineer], not ${kindOf(value)}`
    );
  }
  const names = (list as string[]).map(name => name.trim()).filter(Boolean);
  return names.includes('*')
    ? null
    : [...new Set(names.map(slugify).filter(Boolean))];
}

/** Claude's tool lists: `Read, Grep, Bash` (or a YAML list), translated to our names. */
function readClaudeTools(value: unknown, key: string): string[] | null {
  if (value === undefined || value === null) {
    return null;
  }
  if (
    typeof value !== 'string' &&
    !(Array.isArray(value) && value.every(item => typeof item === 'string'))
  ) {
    throw new InvalidPersona(
      `"${key}" must be tool names separated by commas, such as "Read, Grep", not ${kindOf(value)}`
    );
  }
  return claudeToolNames(value as string | string[]);
}

function readHandoffs(value: unknown): IHandoff[] {
  if (value === undefined || value === null) {
    return [];
  }
  if (!Array.isArray(value)) {
    throw new InvalidPersona(
      `"handoffs" must be a list of entries with label and agent, not ${kindOf(value)}`
    );
  }
  return value.map((item, index) => {
    const where = `"handoffs" item ${index + 1}`;
    if (
      typeof item !== 'object' ||
      item === null ||
      Array.isArray(item) ||
      item instanceof Date
    ) {
      throw new InvalidPersona(
        `${where} must be an entry with label and agent, not ${kindOf(item)}`
      );
    }
    const entry = item as Record<string, unknown>;
    const text = (key: string) => {
      const field = entry[key];
      if (field !== undefined && field !== null && typeof field !== 'string') {
        throw new InvalidPersona(
          `${where}: "${key}" must be text, not ${kindOf(field)}`
        );
      }
      return typeof field === 'string' ? field.trim() : '';
    };
    const agent = slugify(text('agent'));
    if (!agent) {
      throw new InvalidPersona(
        `${where} has no "agent" (the id of the persona to switch to)`
      );
    }
    const handoff: IHandoff = {
      label: text('label') || titleFromId(agent),
      agent
    };
    const prompt = text('prompt');
    if (prompt) {
      handoff.prompt = prompt;
    }
    if (entry.model !== undefined && entry.model !== null) {
      const models = readModels(entry.model, `${where}: "model"`);
      if (models.length) {
        handoff.model = models.length === 1 ? models[0] : models;
      }
    }
    if (entry.send !== undefined && entry.send !== null) {
      if (typeof entry.send !== 'boolean') {
        throw new InvalidPersona(
          `${where}: "send" must be true or false, not ${kindOf(entry.send)}`
        );
      }
      handoff.send = entry.send;
    }
    return handoff;
  });
}

/** Front matter first, then the body's transition lines; one handoff per target, none to itself. */
function mergeHandoffs(selfId: string, ...lists: IHandoff[][]): IHandoff[] {
  const seen = new Set<string>([selfId]);
  const merged: IHandoff[] = [];
  for (const handoff of lists.flat()) {
    if (!seen.has(handoff.agent)) {
      seen.add(handoff.agent);
      merged.push(handoff);
    }
  }
  return merged;
}

/** UTF-8 size of a string, without TextEncoder (absent in jest's jsdom). */
function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) {
      bytes += 1;
    } else if (code < 0x800) {
      bytes += 2;
    } else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      bytes += 4;
      i++;
    } else {
      bytes += 3;
    }
  }
  return bytes;
}
