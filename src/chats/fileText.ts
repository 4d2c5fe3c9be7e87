/**
 * The text of each turn object as last serialised. Turns are immutable (a
 * changed turn is a new object), so a save while a reply streams serialises
 * only the turns that changed since the previous save, not the whole chat.
 */
const turnTexts = new WeakMap<object, string>();

/** A saved chat as the text of its file: readable JSON (one space indent), turns serialised once each. */
export function chatFileText(chat: { turns: ReadonlyArray<object> }): string {
  const { turns, ...head } = chat;
  const parts = turns.map(turn => {
    let text = turnTexts.get(turn);
    if (text === undefined) {
      text = JSON.stringify(turn, null, 1);
      turnTexts.set(turn, text);
    }
    return text;
  });
  const headText = JSON.stringify(head, null, 1);
  // `{\n "version": 2,\n … \n}` with the turns added as its last field.
  return `${headText.slice(0, -2)},\n "turns": [\n${parts.join(',\n')}\n ]\n}`;
}
