import type { TranslationBundle } from '@jupyterlab/translation';
import type { CommandRegistry } from '@lumino/commands';
import * as React from 'react';
import type { IAssistantTurn } from '../chats/conversation';
import { ChatErrorAction, errorActions } from '../agent/errors';
import { CommandIDs } from '../commands';

/** JupyterLab's (and Notebook 7's) settings editor command. */
const SETTINGS_COMMAND = 'settingeditor:open';
/** What the settings editor is filtered on. */
const SETTINGS_QUERY = 'Data Engineer';

/** Seconds without a first byte before the reply says it is still waiting. */
export const WAITING_NOTICE_S = 5;

interface IErrorViewProps {
  turn: IAssistantTurn;
  /** Actions are offered on the last reply only (they act on it). */
  isLast: boolean;
  busy: boolean;
  trans: TranslationBundle;
  commands: CommandRegistry;
}

/**
 * A failed reply: what happened in plain words, the endpoint's own text, and
 * the actions that fit the cause (see `errorActions`). Any text the reply had
 * streamed before the failure stays above it.
 */
export function ErrorView(props: IErrorViewProps): JSX.Element {
  const { trans, commands } = props;
  const error = props.turn.error!;
  const wait = useCountdown(
    props.isLast && error.kind === 'rate_limit'
      ? error.retryAfterSeconds
      : undefined,
    props.turn.id
  );
  const actions = props.isLast ? errorActions(error) : [];
  const button = (action: ChatErrorAction): JSX.Element | null => {
    switch (action) {
      case 'retry':
        return (
          <button
            key={action}
            className="jp-DataEngineer-retry jp-mod-styled"
            onClick={() => void commands.execute(CommandIDs.retry)}
            disabled={props.busy}
            title={
              wait > 0
                ? trans.__(
                    'The endpoint asked to wait %1 s before retrying',
                    wait
                  )
                : undefined
            }
          >
            {wait > 0 ? trans.__('Retry (in %1 s)', wait) : trans.__('Retry')}
          </button>
        );
      case 'compact':
        return (
          <button
            key={action}
            className="jp-DataEngineer-compactRetry jp-mod-styled"
            onClick={() => void commands.execute(CommandIDs.compactAndRetry)}
            disabled={props.busy}
            title={trans.__(
              'Summarise the older turns into a recap (the full history stays visible) and send again'
            )}
          >
            {trans.__('Compact and retry')}
          </button>
        );
      case 'settings':
        return commands.hasCommand(SETTINGS_COMMAND) ? (
          <button
            key={action}
            className="jp-DataEngineer-openSettings jp-mod-styled"
            onClick={() =>
              void commands.execute(SETTINGS_COMMAND, { query: SETTINGS_QUERY })
            }
          >
            {trans.__('Open settings')}
          </button>
        ) : null;
      case 'reload':
        return (
          <button
            key={action}
            className="jp-DataEngineer-reloadPage jp-mod-styled"
            onClick={() => window.location.reload()}
          >
            {trans.__('Reload page')}
          </button>
        );
      case 'new_chat':
        return (
          <button
            key={action}
            className="jp-DataEngineer-errorNewChat jp-mod-styled"
            onClick={() => void commands.execute(CommandIDs.newChat)}
            disabled={props.busy}
          >
            {trans.__('New chat')}
          </button>
        );
    }
  };
  return (
    <div className="jp-DataEngineer-error" role="alert" data-kind={error.kind}>
      <div className="jp-DataEngineer-errorMessage">{error.message}</div>
      {error.detail && error.detail !== error.message && (
        <div className="jp-DataEngineer-errorDetail">
          {error.status ? `${error.status}: ` : ''}
          {error.detail}
          {error.requestId ? ` (${error.requestId})` : ''}
        </div>
      )}
      {actions.length > 0 && (
        <div className="jp-DataEngineer-errorActions">
          {actions.map(button)}
        </div>
      )}
    </div>
  );
}

/** Seconds left of a wait that started when the view first showed (0 when over or none). */
function useCountdown(seconds: number | undefined, key: string): number {
  const [left, setLeft] = React.useState(seconds ?? 0);
  React.useEffect(() => {
    if (!seconds) {
      setLeft(0);
      return;
    }
    const end = Date.now() + seconds * 1000;
    setLeft(seconds);
    const timer = setInterval(() => {
      const now = Math.max(0, Math.ceil((end - Date.now()) / 1000));
      setLeft(now);
      if (!now) {
        clearInterval(timer);
      }
    }, 1000);
    return () => clearInterval(timer);
  }, [seconds, key]);
  return left;
}

/**
 * A reply that has not received anything yet: "Thinking…", and after
 * `WAITING_NOTICE_S` without a first byte, how long it has waited and that
 * Stop cancels (a slow or stuck endpoint is not an error until it says so).
 */
export function WaitingView(props: { trans: TranslationBundle }): JSX.Element {
  const { trans } = props;
  const [waited, setWaited] = React.useState(0);
  React.useEffect(() => {
    const started = Date.now();
    const timer = setInterval(
      () => setWaited(Math.floor((Date.now() - started) / 1000)),
      1000
    );
    return () => clearInterval(timer);
  }, []);
  return (
    <div
      className="jp-DataEngineer-waiting"
      data-waited={waited >= WAITING_NOTICE_S ? 'long' : 'short'}
    >
      {waited >= WAITING_NOTICE_S
        ? trans.__(
            'Waiting for the model endpoint to answer (%1 s so far). Stop cancels the request.',
            waited
          )
        : trans.__('Thinking…')}
    </div>
  );
}
