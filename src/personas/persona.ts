import { FrontMatterError, parseFrontMatter } from './frontMatter';
import { slugify, titleFromId } from './names';
import { handoffsFromBody, IHandoff } from './transitions';

export type { IHandoff } from './transitions';

/** Where a persona file came from. */
export type PersonaSource = 'bundled' | 'workspace';

/** A persona: instructions in markdown plus the settings in its front matter. */
export interface IPersona {
  id: string;
  name: string;
  description: string;
  /** Tool names as written (VS Code or ours); null when there is no `tools:` key = all tools. */
  tools: string[] | null;
  /** Model as written (an id or a display name); null = the model from settings. */
  model: string | null;
  argumentHint?: string;
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
}

/** The outcome of parsing one persona file. */
export type PersonaParseResult = { ok: true; persona: IPersona } | { ok: false; error: string };

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
 */
export function parsePersona(text: string, origin: IPersonaOrigin): PersonaParseResult {
  try {
    return { ok: true, persona: buildPersona(text, origin) };
  } catch (error) {
    if (error instanceof InvalidPersona || error instanceof FrontMatterError) {
      return { ok: false, error: error.message };
    }
    throw error;
  }
}

function buildPersona(text: string, origin: IPersonaOrigin): IPersona {
  if (typeof text !== 'string') {
    throw new InvalidPersona('The file is not text');
  }
  const bytes = utf8Length(text);
  if (bytes > MAX_PERSONA_BYTES) {
    throw new InvalidPersona(tooLargeReason(bytes));
  }
  const { data, content } = parseFrontMatter(text);
  const body = content.trim();
  if (!body) {
    throw new InvalidPersona('The persona has no instructions: the text after the front matter is empty');
  }
  const argumentHint = optionalText(data, 'argument-hint') ?? optionalText(data, 'argumentHint');
  const persona: IPersona = {
    id: origin.id,
    name: optionalText(data, 'name') || titleFromId(origin.id),
    description: optionalText(data, 'description') ?? '',
    tools: readTools(data.tools),
    model: readModel(data.model),
    handoffs: mergeHandoffs(origin.id, readHandoffs(data.handoffs), handoffsFromBody(body)),
    body,
    source: origin.source,
    path: origin.path
  };
  if (argumentHint) {
    persona.argumentHint = argumentHint;
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

function optionalText(data: Record<string, unknown>, key: string): string | undefined {
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
  if (!Array.isArray(value)) {
    throw new InvalidPersona(
      `"tools" must be a list of tool names such as [codebase, search], not ${kindOf(value)}`
    );
  }
  return value.map((item, index) => {
    if (typeof item !== 'string') {
      throw new InvalidPersona(`"tools" must be a list of tool names; item ${index + 1} is ${kindOf(item)}`);
    }
    return item.trim();
  }).filter(Boolean);
}

/** Claude family words, to pick from VS Code's prioritized model lists. */
const CLAUDE_WORDS = /\b(claude|opus|sonnet|haiku)\b/i;

function readModel(value: unknown): string | null {
  if (value === undefined || value === null) {
    return null;
  }
  if (typeof value === 'string') {
    return value.trim() || null;
  }
  // VS Code also accepts a prioritized list; the first Claude model in it is the one usable here.
  if (Array.isArray(value) && value.every(item => typeof item === 'string')) {
    const names = (value as string[]).map(name => name.trim()).filter(Boolean);
    return names.find(name => CLAUDE_WORDS.test(name)) ?? names[0] ?? null;
  }
  throw new InvalidPersona(`"model" must be a model name such as claude-sonnet-4-5, not ${kindOf(value)}`);
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
    if (typeof item !== 'object' || item === null || Array.isArray(item) || item instanceof Date) {
      throw new InvalidPersona(`${where} must be an entry with label and agent, not ${kindOf(item)}`);
    }
    const entry = item as Record<string, unknown>;
    const text = (key: string) => {
      const field = entry[key];
      if (field !== undefined && field !== null && typeof field !== 'string') {
        throw new InvalidPersona(`${where}: "${key}" must be text, not ${kindOf(field)}`);
      }
      return typeof field === 'string' ? field.trim() : '';
    };
    const agent = slugify(text('agent'));
    if (!agent) {
      throw new InvalidPersona(`${where} has no "agent" (the id of the persona to switch to)`);
    }
    const handoff: IHandoff = { label: text('label') || titleFromId(agent), agent };
    const prompt = text('prompt');
    if (prompt) {
      handoff.prompt = prompt;
    }
    if (entry.send !== undefined && entry.send !== null) {
      if (typeof entry.send !== 'boolean') {
        throw new InvalidPersona(`${where}: "send" must be true or false, not ${kindOf(entry.send)}`);
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
