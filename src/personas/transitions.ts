import { slugify } from './names';

/** A suggested switch to another persona. */
export interface IHandoff {
  /** Button text, e.g. "For Analytics Implementation". */
  label: string;
  /** Id of the target persona, e.g. "business-analyst". */
  agent: string;
  /** Text to start the target persona with. */
  prompt?: string;
  /** VS Code's `send`: submit the prompt at once instead of pre-filling it. */
  send?: boolean;
  /** Model for the next request after the switch (a name or a prioritized list, resolved as persona models are). */
  model?: string | string[];
}

const SECTION = /^(#{1,6})\s+Transition Instructions\s*#*\s*$/i;
const HEADING = /^(#{1,6})\s/;
const RULE = /^\s*(?:-{3,}|\*{3,}|_{3,})\s*$/;
const BULLET = /^\s*[-*+]\s+(.*)$/;
const LABEL = /^\*\*(.+?)\*\*\s*:?\s*/;
/** `**Business Analyst** chatmode` (or persona / agent / mode / chat mode). */
const TARGET = /\*\*([^*\n]+?)\*\*\s+(?:chat[\s-]?mode|persona|agent|mode)\b/i;

/**
 * Handoffs written in a chat mode's `## Transition Instructions` section, as
 * lines like `- **For API Development**: "Switch to **API Engineer** chatmode to ..."`.
 */
export function handoffsFromBody(body: string): IHandoff[] {
  const lines = body.split(/\r?\n/);
  const start = lines.findIndex(line => SECTION.test(line.trim()));
  if (start === -1) {
    return [];
  }
  const level = SECTION.exec(lines[start].trim())![1].length;
  const handoffs: IHandoff[] = [];
  for (const line of lines.slice(start + 1)) {
    const heading = HEADING.exec(line);
    if ((heading && heading[1].length <= level) || RULE.test(line)) {
      break;
    }
    const bullet = BULLET.exec(line);
    const handoff = bullet ? fromBullet(bullet[1]) : null;
    if (handoff) {
      handoffs.push(handoff);
    }
  }
  return handoffs;
}

function fromBullet(item: string): IHandoff | null {
  const label = LABEL.exec(item);
  const rest = label ? item.slice(label[0].length) : item;
  const target = TARGET.exec(rest);
  if (!target) {
    return null;
  }
  const name = target[1].trim();
  const agent = slugify(name);
  if (!agent) {
    return null;
  }
  const handoff: IHandoff = {
    label: label ? label[1].replace(/:\s*$/, '').trim() : name,
    agent
  };
  // "... chatmode to define business metrics" -> "Define business metrics"
  const purpose = /^\s*to\s+(.+)$/i.exec(
    rest.slice(target.index + target[0].length)
  );
  const prompt = purpose?.[1].replace(/["”'.\s]+$/, '').trim();
  if (prompt) {
    handoff.prompt = prompt.charAt(0).toUpperCase() + prompt.slice(1);
  }
  return handoff;
}
