import type { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import * as React from 'react';
import type { Assistant } from '../agent/assistant';
import type { ChatSession } from '../agent/chatSession';
import type { IAssistantTurn, Turn } from '../agent/conversation';
import type { ChatThreads } from '../agent/threads';
import type { IChatSettings } from '../settings';
import { ChatList } from './chatList';
import { RecapView } from './recapView';
import { ChatFooter, UsageView } from './usageView';
import type { IServerConfig } from '../agent/client';
import { ICodeBlockActions, MarkdownView } from './markdownView';
import { InstructionsBar, PersonaHeader } from './personaHeader';
import type { ChangeLog } from '../tools/files/changeLog';
import { ChangesView, useChanges } from './changesView';
import { Composer } from './composer';
import { ToolCard } from './toolCard';
import { useSignals } from './useSignal';

type Translate = (text: string, ...args: any[]) => string;

export interface IChatViewProps {
  assistant: Assistant;
  rendermime: IRenderMimeRegistry;
  trans: Translate;
  actions: ICodeBlockActions;
  /** What the server reported; null while unknown. */
  serverConfig: IServerConfig | null;
  directMode: boolean;
  /** Called once with the composer so the widget can focus it. */
  composerRef?: React.RefObject<HTMLTextAreaElement>;
  onOpenFile: (path: string) => void;
  onCreateInstructions: () => void;
  onReloadPersonas: () => void;
  changeLog?: ChangeLog | null;
  /** Saved chats; absent in tests that do not need them. */
  threads?: ChatThreads | null;
  /** False while the last chat is being reopened after a reload. */
  restored?: boolean;
  settings: () => IChatSettings;
  onExport?: (id: string, format: 'md' | 'ipynb') => void;
}

/** How many of a reopened chat's last turns are rendered at first. */
const INITIAL_TURNS = 40;

/** The whole chat: header, setup notice, conversation, composer. */
export function ChatView(props: IChatViewProps): JSX.Element {
  const { assistant, trans } = props;
  const session = assistant.session;
  const conversation = session.conversation;
  useSignals([conversation.changed, session.busyChanged, assistant.stateChanged]);
  const [chatsOpen, setChatsOpen] = React.useState(false);
  const threads = props.threads ?? null;
  const list = React.useRef<HTMLDivElement>(null);
  const stickToBottom = React.useRef(true);

  React.useLayoutEffect(() => {
    const node = list.current;
    if (node && stickToBottom.current) {
      node.scrollTop = node.scrollHeight;
    }
  });

  const onScroll = () => {
    const node = list.current;
    if (node) {
      stickToBottom.current = node.scrollHeight - node.scrollTop - node.clientHeight < 40;
    }
  };

  const turns = conversation.turns;
  // A long chat opens on its last turns: rendering hundreds of replies (each
  // markdown block through the renderer) at once would hold the page up.
  // Turns added later are always shown; the earlier ones on demand.
  const shownKey = `${assistant.chatId}:${turns[0]?.id ?? ''}`;
  const shown = React.useRef({ key: '', hidden: 0 });
  if (shown.current.key !== shownKey) {
    shown.current = { key: shownKey, hidden: Math.max(0, turns.length - INITIAL_TURNS) };
  }
  const [, setShowAll] = React.useState(0);
  const hidden = Math.min(shown.current.hidden, turns.length);
  return (
    <div className="jp-DataEngineer-chat">
      <PersonaHeader
        assistant={assistant}
        trans={trans}
        onReloadPersonas={props.onReloadPersonas}
        onNewChat={() => {
          setChatsOpen(false);
          void (threads ? threads.newChat() : Promise.resolve(assistant.newChat()));
        }}
        onToggleChats={threads ? () => setChatsOpen(!chatsOpen) : undefined}
        chatsOpen={chatsOpen}
      />
      {threads?.problem && (
        <div className="jp-DataEngineer-notice jp-DataEngineer-notice-error jp-DataEngineer-chatProblemNotice" role="alert">
          {threads.problem}
        </div>
      )}
      {threads && chatsOpen && (
        <ChatList
          threads={threads}
          trans={trans}
          personaName={id => (id && assistant.personas.get(id)?.name) || id || ''}
          onClose={() => setChatsOpen(false)}
          onExport={props.onExport}
        />
      )}
      {props.changeLog && (
        <ChangesToggle
          changeLog={props.changeLog}
          chatId={assistant.chatId}
          rendermime={props.rendermime}
          trans={trans}
        />
      )}
      <InstructionsBar
        assistant={assistant}
        trans={trans}
        onOpenFile={props.onOpenFile}
        onCreateInstructions={props.onCreateInstructions}
      />
      <SetupNotice config={props.serverConfig} directMode={props.directMode} trans={trans} />
      <div
        className="jp-DataEngineer-messages"
        ref={list}
        onScroll={onScroll}
        hidden={chatsOpen}
        data-chat-id={assistant.chatId}
      >
        {turns.length === 0 && (
          <div className="jp-DataEngineer-empty">
            {props.restored === false
              ? trans('Reopening the last chat…')
              : trans('Ask about your data, a query or a pipeline. Enter sends, Shift+Enter adds a line.')}
          </div>
        )}
        {hidden > 0 && (
          <button
            className="jp-DataEngineer-showEarlier jp-mod-styled"
            onClick={() => {
              shown.current.hidden = 0;
              stickToBottom.current = false;
              setShowAll(n => n + 1);
            }}
          >
            {trans('Show %1 earlier turns', hidden)}
          </button>
        )}
        {turns.slice(hidden).map((turn, index) => (
          <TurnView
            key={turn.id}
            turn={turn}
            isLast={hidden + index === turns.length - 1}
            {...props}
          />
        ))}
      </div>
      <ChatFooter assistant={assistant} settings={props.settings} trans={trans} />
      <Composer
        assistant={assistant}
        trans={trans}
        composerRef={props.composerRef}
        placeholder={assistant.persona?.argumentHint}
      />
    </div>
  );
}

function ChangesToggle(props: {
  changeLog: ChangeLog;
  chatId: string;
  rendermime: IRenderMimeRegistry;
  trans: Translate;
}): JSX.Element | null {
  const changes = useChanges(props.changeLog, props.chatId);
  const [open, setOpen] = React.useState(false);
  if (!changes.length) {
    return null;
  }
  return (
    <div className="jp-DataEngineer-changesBlock">
      <button
        className="jp-DataEngineer-changesToggle jp-mod-styled"
        aria-expanded={open}
        onClick={() => setOpen(!open)}
      >
        {props.trans('Changes (%1)', changes.length)}
      </button>
      {open && <ChangesView {...props} />}
    </div>
  );
}

function SetupNotice(props: {
  config: IServerConfig | null;
  directMode: boolean;
  trans: Translate;
}): JSX.Element | null {
  const { config, directMode, trans } = props;
  if (directMode) {
    return (
      <div className="jp-DataEngineer-notice jp-DataEngineer-notice-warn">
        {trans(
          'Direct mode is on: your API key is stored in your settings and sent from the browser. Prefer configuring the key on the Jupyter server.'
        )}
      </div>
    );
  }
  if (!config) {
    return null;
  }
  if (!config.available) {
    return (
      <div className="jp-DataEngineer-notice jp-DataEngineer-notice-error">
        {trans(
          'The jupyterlab_data_engineer server extension is not answering. Install the package with pip in the environment of the Jupyter server and restart it (check with: jupyter server extension list).'
        )}
      </div>
    );
  }
  if (!config.has_key && config.upstream_is_default) {
    return (
      <div className="jp-DataEngineer-notice jp-DataEngineer-notice-error">
        {trans(
          'No API key is configured on the Jupyter server. Set ANTHROPIC_API_KEY in the environment of the Jupyter server (or c.DataEngineer.anthropic_api_key in its configuration) and restart it. Under JupyterHub, ask your administrator to add it to the single-user environment.'
        )}
      </div>
    );
  }
  return null;
}

function TurnView(props: IChatViewProps & { turn: Turn; isLast: boolean }): JSX.Element {
  const { turn, trans } = props;
  if (turn.role === 'recap') {
    return <RecapView turn={turn} rendermime={props.rendermime} trans={trans} actions={props.actions} />;
  }
  if (turn.role === 'user') {
    return (
      <div className="jp-DataEngineer-turn jp-DataEngineer-user">
        <div className="jp-DataEngineer-userText">
          {turn.text}
          {turn.attachments?.map(a => (
            <span key={a.label} className="jp-DataEngineer-attachment" title={a.text}>
              {props.trans('attached %1', a.label)}
            </span>
          ))}
        </div>
      </div>
    );
  }
  return (
    <div
      className={`jp-DataEngineer-turn jp-DataEngineer-assistant jp-mod-${turn.status}`}
      data-status={turn.status}
    >
      {turn.status === 'waiting' && (
        <div className="jp-DataEngineer-waiting">{trans('Thinking…')}</div>
      )}
      {turn.blocks.map((block, index) =>
        block.type === 'text' ? (
          block.text ? (
            <MarkdownView
              key={`text-${index}`}
              source={block.text}
              rendermime={props.rendermime}
              trans={trans}
              actions={turn.status === 'streaming' ? undefined : props.actions}
            />
          ) : null
        ) : (
          <ToolCard
            key={block.call.id}
            call={block.call}
            rendermime={props.rendermime}
            trans={trans}
            onAnswer={(id, answer) => props.assistant.session.answerApproval(id, answer)}
            changeLog={props.changeLog}
          />
        )
      )}
      {turn.status === 'stopped' && (
        <div className="jp-DataEngineer-stopped">{trans('Stopped.')}</div>
      )}
      {turn.notice && <div className="jp-DataEngineer-notice-inline">{turn.notice}</div>}
      {turn.canContinue && props.isLast && (
        <button
          className="jp-DataEngineer-continue jp-mod-styled"
          disabled={props.assistant.session.busy}
          onClick={() => void props.assistant.session.continue()}
        >
          {trans('Continue')}
        </button>
      )}
      {turn.error && (
        <ErrorView turn={turn} session={props.assistant.session} trans={trans} isLast={props.isLast} />
      )}
      {turn.status === 'done' && <HandoffButtons turn={turn} assistant={props.assistant} trans={trans} />}
      {turn.usage && <UsageView turn={turn} settings={props.settings} trans={trans} />}
    </div>
  );
}

function HandoffButtons(props: {
  turn: IAssistantTurn;
  assistant: Assistant;
  trans: Translate;
}): JSX.Element | null {
  const { turn, assistant, trans } = props;
  const handoffs = assistant.handoffsFor(turn);
  if (!handoffs.length) {
    return null;
  }
  return (
    <div className="jp-DataEngineer-handoffs">
      {handoffs.map(handoff => {
        const target = assistant.personas.get(handoff.agent);
        return (
          <button
            key={handoff.agent}
            className="jp-DataEngineer-handoff jp-mod-styled"
            title={handoff.prompt ?? handoff.label}
            onClick={() => assistant.setPersona(handoff.agent)}
          >
            {trans('Switch to %1', target?.name ?? handoff.agent)}
          </button>
        );
      })}
    </div>
  );
}

function ErrorView(props: {
  turn: IAssistantTurn;
  session: ChatSession;
  trans: Translate;
  isLast: boolean;
}): JSX.Element | null {
  const { turn, session, trans } = props;
  const error = turn.error!;
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
      {props.isLast && error.kind === 'context_too_long' && (
        <button
          className="jp-DataEngineer-compactRetry jp-mod-styled"
          onClick={() => void session.compactAndRetry()}
          disabled={session.busy}
          title={trans('Summarise the older turns into a recap (the full history stays visible) and send again')}
        >
          {trans('Compact and retry')}
        </button>
      )}
      {props.isLast && (
        <button
          className="jp-DataEngineer-retry jp-mod-styled"
          onClick={() => void session.retry()}
          disabled={session.busy}
        >
          {trans('Retry')}
        </button>
      )}
    </div>
  );
}
