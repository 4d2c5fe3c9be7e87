import type { TranslationBundle } from '@jupyterlab/translation';
import type { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import * as React from 'react';
import type { IRecapTurn } from '../chats/conversation';
import { formatTokens } from '../agent/usage';
import { ICodeBlockActions, MarkdownView } from './markdownView';

/** A recap of earlier turns (compaction): says so, and shows the summary on demand. */
export function RecapView(props: {
  turn: IRecapTurn;
  rendermime: IRenderMimeRegistry;
  trans: TranslationBundle;
  actions: ICodeBlockActions;
}): JSX.Element {
  const { turn, trans } = props;
  const [open, setOpen] = React.useState(false);
  return (
    <div
      className="jp-DataEngineer-turn jp-DataEngineer-recap"
      data-status={turn.status}
    >
      <div className="jp-DataEngineer-recapHeader">
        {turn.status === 'summarizing'
          ? trans.__(
              'Summarising the earlier conversation to make room in the context window…'
            )
          : turn.status === 'failed'
            ? trans.__(
                'The earlier conversation could not be summarised: %1',
                turn.error ?? ''
              )
            : trans.__(
                'The %1 turns above were summarised to fit the context window (%2 → %3 tokens). The model now sees this recap instead of them; the full history stays here.',
                turn.summarizedTurns,
                formatTokens(turn.tokensBefore),
                formatTokens(turn.tokensAfter ?? 0)
              )}
        {turn.status === 'done' && (
          <button
            className="jp-DataEngineer-recapToggle jp-mod-styled"
            aria-expanded={open}
            onClick={() => setOpen(!open)}
          >
            {open ? trans.__('Hide recap') : trans.__('Show recap')}
          </button>
        )}
      </div>
      {open && turn.text && (
        <MarkdownView
          source={turn.text}
          rendermime={props.rendermime}
          trans={trans}
          actions={props.actions}
        />
      )}
    </div>
  );
}
