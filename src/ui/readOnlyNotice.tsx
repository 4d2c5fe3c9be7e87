import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

/** Shown instead of the composer while another tab writes this chat. */
export function ReadOnlyNotice(props: {
  trans: TranslationBundle;
  onTakeOver: () => void;
  onNewChat: () => void;
}): JSX.Element {
  const { trans } = props;
  return (
    <div
      className="jp-DataEngineer-notice jp-DataEngineer-readOnlyNotice"
      role="status"
    >
      <span>
        {trans.__(
          'This chat is open in another tab, which saves it; here it is read-only and follows that tab. Take over to continue it here (the other tab becomes read-only).'
        )}
      </span>
      <div className="jp-DataEngineer-readOnlyActions">
        <button
          className="jp-DataEngineer-takeOver jp-mod-styled jp-mod-accept"
          onClick={props.onTakeOver}
        >
          {trans.__('Take over')}
        </button>
        <button
          className="jp-DataEngineer-readOnlyNewChat jp-mod-styled"
          onClick={props.onNewChat}
        >
          {trans.__('New chat')}
        </button>
      </div>
    </div>
  );
}
