import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import type { IToolCall } from '../chats/conversation';
import type { IToolPreview } from '../tools/types';

/** Parts of the approval card: the cells a call will run, and what "Allow for this chat" means. */

/** Lines above which a cell's code starts collapsed. */
export const COLLAPSED_ABOVE_LINES = 12;

/** The cells the card lists (e.g. those the assistant changed since they last ran), each with its code. */
export function BoundCells(props: {
  cells: NonNullable<IToolPreview['cells']>;
  trans: TranslationBundle;
}): JSX.Element {
  const { cells, trans } = props;
  return (
    <div className="jp-DataEngineer-boundCells">
      <div className="jp-DataEngineer-boundCellsTitle">{cells.title}</div>
      {cells.items.map(cell => {
        const lines = cell.source.split('\n').length;
        return (
          <details
            key={cell.id}
            className={`jp-DataEngineer-boundCell${cell.note ? ' jp-mod-marked' : ''}`}
            data-cell-id={cell.id}
            data-note={cell.note}
            open={cell.open ?? lines <= COLLAPSED_ABOVE_LINES}
          >
            <summary>
              {trans.__('Cell %1', cell.id)}
              {lines > COLLAPSED_ABOVE_LINES
                ? ` — ${trans.__('%1 lines', lines)}`
                : ''}
              {cell.note && (
                <span className="jp-DataEngineer-boundCellNote">
                  {` — ${cell.note}`}
                </span>
              )}
            </summary>
            <pre
              className="jp-DataEngineer-boundCellCode"
              data-language={cell.language}
            >
              <code>{cell.source}</code>
            </pre>
          </details>
        );
      })}
    </div>
  );
}

/** Named values of the call (parameters, the content hash the approval binds to), as the tool words them (like its summary). */
export function CallDetails(props: {
  details: NonNullable<IToolPreview['details']>;
}): JSX.Element {
  return (
    <dl className="jp-DataEngineer-callDetails">
      {props.details.map(({ name, value }) => (
        <div key={name} className="jp-DataEngineer-callDetail">
          <dt>{name}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/**
 * What "Allow for this chat" does for this call's tool, in words shown next
 * to the button: the tool's own sentence (`ITool.allowChat`, which the session
 * puts on the preview), else the general rule.
 */
export function allowChatMeaning(
  call: Pick<IToolCall, 'name' | 'preview'>,
  trans: TranslationBundle
): string {
  const own = call.preview?.allowChat;
  if (own) {
    return trans.__(own);
  }
  return trans.__(
    'Allow for this chat: runs %1 without asking for the rest of this chat (input that looks destructive still asks).',
    call.name
  );
}
