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
const NEGATED =
  /\b(?:no need|not|don't|do not|never|needn't|without)\b[^.!?\n]{0,15}$/i;
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
          return at >= end
            ? at - end <= NEAR
            : start - (at + mention[0].length) <= NEAR && start >= at;
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
export function detectHandoffs(
  replyText: string,
  persona: IPersona,
  lookup: IPersonaLookup
): IHandoff[] {
  // Bold, italics and code marks would split names from verbs.
  const text = replyText.replace(/[*_`]+/g, '');
  return persona.handoffs.filter(handoff => {
    const target = lookup.get(handoff.agent);
    if (!target || target.id === persona.id) {
      return false;
    }
    const names = [
      ...new Set([target.name, titleFromId(target.id), target.id])
    ].filter(Boolean);
    return recommends(text, names);
  });
}

/** A hand-off as the reply shows it: its button, the target, and whether it can be used. */
export interface IHandoffOffer {
  handoff: IHandoff;
  /** The persona it switches to; undefined when no persona has that id. */
  target?: IPersona;
  /** Why the button is disabled (unknown target, a file for GitHub's coding agent); undefined when usable. */
  disabledReason?: string;
  /** The reply recommends this one (names the target next to "switch to", "hand off"...). */
  recommended: boolean;
}

/**
 * Every hand-off of the persona, in its order, as VS Code offers them after
 * each completed reply; the reply's text only marks the recommended ones.
 */
export function handoffOffers(
  persona: IPersona,
  lookup: IPersonaLookup,
  replyText = ''
): IHandoffOffer[] {
  const recommended = new Set(
    replyText
      ? detectHandoffs(replyText, persona, lookup).map(h => h.agent)
      : []
  );
  return persona.handoffs
    .filter(handoff => handoff.agent !== persona.id)
    .map(handoff => {
      const target = lookup.get(handoff.agent);
      const offer: IHandoffOffer = {
        handoff,
        recommended: recommended.has(handoff.agent)
      };
      if (!target) {
        offer.disabledReason =
          `No persona "${handoff.agent}" here: add .github/agents/${handoff.agent}.agent.md ` +
          `(or .jupyter/personas/${handoff.agent}.md) to the workspace`;
      } else {
        offer.target = target;
        if (target.target === 'github-copilot') {
          offer.disabledReason = `${target.name} is written for GitHub's coding agent and is not offered here`;
        }
      }
      return offer;
    });
}
