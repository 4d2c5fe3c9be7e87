import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import type { Assistant } from '../agent/assistant';
import type { IAssistantTurn } from '../chats/conversation';
import type { IHandoffOffer } from '../personas/handoff';

/** Below this width (px) the hand-offs fold into a "Next steps" menu. */
export const NARROW_HANDOFFS_PX = 200;

function tooltip(offer: IHandoffOffer, trans: TranslationBundle): string {
  if (offer.disabledReason) {
    return offer.disabledReason;
  }
  const target = offer.target!;
  const parts = [target.description || target.name];
  if (offer.handoff.send) {
    parts.push(trans.__('Sends: %1', offer.handoff.prompt ?? ''));
  }
  if (offer.recommended) {
    parts.push(trans.__('Recommended by the reply'));
  }
  return parts.join('\n');
}

/** The width of an element, followed with a ResizeObserver (null until measured or without one). */
function useWidth(ref: React.RefObject<HTMLElement>): number | null {
  const [width, setWidth] = React.useState<number | null>(null);
  React.useEffect(() => {
    const element = ref.current?.parentElement;
    if (!element || typeof ResizeObserver === 'undefined') {
      return;
    }
    const observer = new ResizeObserver(entries =>
      setWidth(entries[0]?.contentRect.width ?? null)
    );
    observer.observe(element);
    return () => observer.disconnect();
  }, [ref]);
  return width;
}

/**
 * The persona's hand-offs after a completed reply, as VS Code shows them:
 * one small button per hand-off (label; the target's description in the
 * tooltip), the ones the reply recommends highlighted, unknown targets
 * disabled with the reason. In a narrow panel they fold into "Next steps".
 */
export function HandoffBar(props: {
  assistant: Assistant;
  turn: IAssistantTurn;
  trans: TranslationBundle;
}): JSX.Element | null {
  const { assistant, turn, trans } = props;
  const ref = React.useRef<HTMLDivElement>(null);
  const width = useWidth(ref);
  const [open, setOpen] = React.useState(false);
  const offers = assistant.handoffOffers(turn);
  if (!offers.length) {
    return null;
  }
  const narrow = width !== null && width < NARROW_HANDOFFS_PX;
  const buttons = offers.map(offer => (
    <button
      key={offer.handoff.agent + offer.handoff.label}
      className={`jp-DataEngineer-handoff jp-mod-styled${offer.recommended ? ' jp-mod-recommended' : ''}`}
      data-agent={offer.handoff.agent}
      role={narrow ? 'menuitem' : undefined}
      disabled={!!offer.disabledReason}
      aria-disabled={!!offer.disabledReason}
      title={tooltip(offer, trans)}
      onClick={() => {
        setOpen(false);
        void assistant.handOff(offer.handoff);
      }}
    >
      {offer.handoff.label}
      {offer.recommended && (
        <span
          className="jp-DataEngineer-handoffStar"
          aria-label={trans.__('recommended')}
        >
          {' '}
          ★
        </span>
      )}
    </button>
  ));
  return (
    <div
      ref={ref}
      className={`jp-DataEngineer-handoffs${narrow ? ' jp-mod-narrow' : ''}`}
      role="group"
      aria-label={trans.__('Next steps')}
    >
      {narrow ? (
        <>
          <button
            className="jp-DataEngineer-handoffMenuToggle jp-mod-styled"
            aria-haspopup="menu"
            aria-expanded={open}
            onClick={() => setOpen(!open)}
          >
            {trans.__('Next steps (%1)', offers.length)}
          </button>
          {open && (
            <div className="jp-DataEngineer-handoffMenu" role="menu">
              {buttons}
            </div>
          )}
        </>
      ) : (
        <>
          <span className="jp-DataEngineer-handoffsLabel">
            {trans.__('Next steps:')}
          </span>
          {buttons}
        </>
      )}
    </div>
  );
}
