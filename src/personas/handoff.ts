import type { IHandoff, IPersona } from './persona';
import { titleFromId } from './names';

/** Finds personas by id; PersonaRegistry is one. */
export interface IPersonaLookup {
  get(id: string): IPersona | undefined;
}

/** Words that recommend moving to another persona. */
const SWITCH_WORDS = new RegExp(
  [
    '\\bswitch(?:ing|es|ed)?\\b',
    '\\bhand(?:ing|s|ed)?[\\s-]*(?:it\\s+|this\\s+|things\\s+)?(?:off|over)\\b',
    '\\bhandoff\\b',
    '\\btransition(?:ing)?\\b'
  ].join('|'),
  'gi'
);
/** A negation just before the verb: "no need to switch to ...". */
const NEGATED = /\b(?:no need|not|don't|do not|never|needn't|without)\b[^.!?\n]{0,15}$/i;
/** How far apart, in characters, the verb and the persona's name may be. */
const NEAR = 60;

function escape(text: string): RegExp {
  const pattern = text
    .trim()
    .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    .replace(/[\s-]+/g, '[\\s-]+');
  return new RegExp(`(?<![\\w-])${pattern}(?![\\w-])`, 'gi');
}

/** True when a sentence of `text` has a (non-negated) switch verb within NEAR characters of a name. */
function recommends(text: string, names: string[]): boolean {
  for (const sentence of text.split(/(?<=[.!?])\s+|\n+/)) {
    const verbs = [...sentence.matchAll(SWITCH_WORDS)].filter(
      verb => !NEGATED.test(sentence.slice(0, verb.index))
    );
    if (!verbs.length) {
      continue;
    }
    for (const name of names) {
      for (const mention of sentence.matchAll(escape(name))) {
        const at = mention.index ?? 0;
        const near = verbs.some(verb => {
          const start = verb.index ?? 0;
          const end = start + verb[0].length;
          return at >= end ? at - end <= NEAR : start - (at + mention[0].length) <= NEAR && start >= at;
        });
        if (near) {
          return true;
        }
      }
    }
  }
  return false;
}

/**
 * The persona's handoffs that a reply recommends: it says "Switch to
 * **Business Analyst**" or names the target next to switch / hand off /
 * hand over. Only targets that exist; in the persona's order.
 */
export function detectHandoffs(replyText: string, persona: IPersona, lookup: IPersonaLookup): IHandoff[] {
  // Bold, italics and code marks would split names from verbs.
  const text = replyText.replace(/[*_`]+/g, '');
  return persona.handoffs.filter(handoff => {
    const target = lookup.get(handoff.agent);
    if (!target || target.id === persona.id) {
      return false;
    }
    const names = [...new Set([target.name, titleFromId(target.id), target.id])].filter(Boolean);
    return recommends(text, names);
  });
}
