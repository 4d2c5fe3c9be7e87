import type { TranslationBundle } from '@jupyterlab/translation';
import type { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import * as React from 'react';
import type { ApprovalAnswer } from '../agent/approval';
import type { IToolCall, ToolCallState } from '../chats/conversation';
import type { IToolResult } from '../tools/types';
import type { ChangeLog } from '../files';
import { fenced } from '../markdown/markdown';
import { DiffView } from './diffView';
import { UndoButton } from './changesView';
import { MarkdownView } from './markdownView';
import { allowChatMeaning, BoundCells, CallDetails } from './approvalDetails';
import type { IResultViews } from '../tokens';

/**
 * The registry that draws tool results below a card's header (query
 * verdicts, proof runs, command outcomes...): each feature registers its
 * views, so the card knows none of them.
 */
export const ResultViewsContext = React.createContext<IResultViews | null>(
  null
);

/**
 * Load the chat's tools (their families bring the result views): a card to
 * draw (a reopened chat's) is a need. Null in views without lazy tools.
 */
export const LoadToolsContext = React.createContext<
  (() => Promise<void>) | null
>(null);

/** Re-render when result views come or go (a family loaded after the card was drawn). */
function useResultViews(views: IResultViews | null): void {
  const [, setTick] = React.useState(0);
  React.useEffect(() => {
    if (!views) {
      return;
    }
    const changed = () => setTick(tick => tick + 1);
    views.changed.connect(changed);
    return () => {
      views.changed.disconnect(changed);
    };
  }, [views]);
}

export interface IToolCardProps {
  call: IToolCall;
  /** Where file changes can be undone; the card offers Undo for them. */
  changeLog?: ChangeLog | null;
  rendermime: IRenderMimeRegistry;
  trans: TranslationBundle;
  onAnswer: (callId: string, answer: ApprovalAnswer) => void;
  /** Reopen a terminal by name (cards of shell commands and tasks). */
  onShowTerminal?: (name: string) => void;
  /** Run a command from a card's action (the ETL proof card's hand-off). */
  onCommand?: (id: string, args: Record<string, string>) => void;
}

function stateLabel(state: ToolCallState, trans: TranslationBundle): string {
  switch (state) {
    case 'pending':
      return trans.__('queued');
    case 'waiting_approval':
      return trans.__('waiting for approval');
    case 'running':
      return trans.__('running');
    case 'done':
      return trans.__('done');
    case 'failed':
      return trans.__('failed');
    case 'denied':
      return trans.__('denied');
    case 'cancelled':
      return trans.__('cancelled');
  }
}

/** The result's text, for the expandable part of the card. */
function resultText(result: IToolResult | undefined): string {
  if (!result) {
    return '';
  }
  if (typeof result.content === 'string') {
    return result.content;
  }
  return result.content
    .map(block => (block.type === 'text' ? block.text : `[${block.type}]`))
    .join('\n');
}

/** One tool call: what it does, its state, its approval question, its result. */
export function ToolCard(props: IToolCardProps): JSX.Element {
  const { call, trans } = props;
  const views = React.useContext(ResultViewsContext);
  useResultViews(views);
  const loadTools = React.useContext(LoadToolsContext);
  React.useEffect(() => {
    void loadTools?.().catch(() => undefined);
  }, [loadTools]);
  const [reason, setReason] = React.useState('');
  const [denying, setDenying] = React.useState(false);
  const preview = call.preview;
  const waiting = call.state === 'waiting_approval';
  const summary = preview?.summary ?? call.name;
  const changeId =
    call.state === 'done' && props.changeLog
      ? call.result?.data?.change?.changeId
      : undefined;
  const images =
    call.result && typeof call.result.content !== 'string'
      ? call.result.content.filter(block => block.type === 'image')
      : [];
  return (
    <div
      className={`jp-DataEngineer-toolCard jp-mod-${call.state}`}
      data-tool={call.name}
      data-state={call.state}
    >
      <div className="jp-DataEngineer-toolHeader">
        <span className="jp-DataEngineer-toolName">{call.name}</span>
        <span className="jp-DataEngineer-toolSummary">{summary}</span>
        <span className="jp-DataEngineer-toolState">
          {stateLabel(call.state, trans)}
        </span>
      </div>
      {waiting && (
        <div
          className="jp-DataEngineer-approval"
          role="group"
          aria-label={trans.__('Approval')}
        >
          {call.approvalReason && (
            <div className="jp-DataEngineer-approvalReason">
              {call.approvalReasonKind === 'destructive'
                ? trans.__(
                    'Asking because this looks destructive: %1',
                    call.approvalReason
                  )
                : trans.__('Asking because: %1', call.approvalReason)}
            </div>
          )}
          {preview?.code && (
            <MarkdownView
              source={fenced(preview.code.source, preview.code.language)}
              rendermime={props.rendermime}
              trans={trans}
            />
          )}
          {preview?.diff && (
            <DiffView
              {...preview.diff}
              rendermime={props.rendermime}
              trans={trans}
            />
          )}
          {preview?.details && <CallDetails details={preview.details} />}
          {preview?.cells && <BoundCells cells={preview.cells} trans={trans} />}
          {!preview?.code && !preview?.diff && !preview?.cells && (
            <pre className="jp-DataEngineer-toolInput">
              {JSON.stringify(call.input, null, 2)}
            </pre>
          )}
          {denying ? (
            <div className="jp-DataEngineer-denyForm">
              <input
                className="jp-DataEngineer-denyReason"
                placeholder={trans.__('Why? (optional, sent to the assistant)')}
                value={reason}
                onChange={event => setReason(event.target.value)}
                onKeyDown={event => {
                  if (event.key === 'Enter') {
                    props.onAnswer(call.id, {
                      kind: 'deny',
                      reason: reason.trim() || undefined
                    });
                  }
                }}
                autoFocus
              />
              <button
                className="jp-DataEngineer-denyConfirm jp-mod-styled jp-mod-warn"
                onClick={() =>
                  props.onAnswer(call.id, {
                    kind: 'deny',
                    reason: reason.trim() || undefined
                  })
                }
              >
                {trans.__('Deny')}
              </button>
            </div>
          ) : (
            <div className="jp-DataEngineer-approvalButtons">
              <button
                className="jp-DataEngineer-allowOnce jp-mod-styled jp-mod-accept"
                onClick={() => props.onAnswer(call.id, { kind: 'allow_once' })}
              >
                {trans.__('Allow once')}
              </button>
              <button
                className="jp-DataEngineer-allowChat jp-mod-styled"
                title={allowChatMeaning(call, trans)}
                aria-describedby={`${call.id}-allowChatMeaning`}
                onClick={() => props.onAnswer(call.id, { kind: 'allow_chat' })}
              >
                {trans.__('Allow for this chat')}
              </button>
              <button
                className="jp-DataEngineer-deny jp-mod-styled jp-mod-reject"
                onClick={() => setDenying(true)}
              >
                {trans.__('Deny…')}
              </button>
              <div
                className="jp-DataEngineer-allowChatMeaning"
                id={`${call.id}-allowChatMeaning`}
              >
                {allowChatMeaning(call, trans)}
              </div>
            </div>
          )}
        </div>
      )}
      {changeId && props.changeLog && (
        <div className="jp-DataEngineer-toolUndo">
          {preview?.diff && (
            <details className="jp-DataEngineer-toolDiff">
              <summary>{trans.__('Diff')}</summary>
              <DiffView
                {...preview.diff}
                rendermime={props.rendermime}
                trans={trans}
              />
            </details>
          )}
          <UndoButton
            changeLog={props.changeLog}
            changeId={changeId}
            trans={trans}
          />
        </div>
      )}
      {views?.viewsFor(call).map(view => (
        <view.component
          key={view.id}
          call={call}
          rendermime={props.rendermime}
          trans={trans}
          onCommand={props.onCommand}
          onShowTerminal={props.onShowTerminal}
        />
      ))}
      {call.compacted && (
        <div
          className="jp-DataEngineer-toolCompacted"
          title={trans.__(
            'To keep the conversation within the context window, the model now sees only the start of this result. The full result is below.'
          )}
        >
          {trans.__('Result shortened for the model')}
        </div>
      )}
      {!waiting && (
        <details className="jp-DataEngineer-toolDetails">
          <summary>{trans.__('Input and result')}</summary>
          <div className="jp-DataEngineer-toolLabel">{trans.__('Input')}</div>
          <pre className="jp-DataEngineer-toolInput">
            {JSON.stringify(call.input, null, 2)}
          </pre>
          {call.denyReason && (
            <div className="jp-DataEngineer-toolDenyReason">
              {trans.__('Reason: %1', call.denyReason)}
            </div>
          )}
          {call.result && (
            <>
              <div className="jp-DataEngineer-toolLabel">
                {trans.__('Result')}
                {call.durationMs !== undefined
                  ? ` (${Math.round(call.durationMs)} ms)`
                  : ''}
              </div>
              <pre className="jp-DataEngineer-toolResult">
                {resultText(call.result)}
              </pre>
              {images.map((image, i) =>
                image.type === 'image' && image.source.type === 'base64' ? (
                  <img
                    key={i}
                    className="jp-DataEngineer-toolImage"
                    src={`data:${image.source.media_type};base64,${image.source.data}`}
                  />
                ) : null
              )}
            </>
          )}
        </details>
      )}
    </div>
  );
}
