import type { TranslationBundle } from '@jupyterlab/translation';
import type { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import type { CommandRegistry } from '@lumino/commands';
import * as React from 'react';
import type { Assistant } from '../agent/assistant';
import type { ChatModel } from '../chats/chatModel';
import type { Turn } from '../chats/conversation';
import { CommandIDs } from '../commands';
import { ErrorView, WaitingView } from './errorView';
import type { IChatSettings } from '../settings';
import type { ChangeLog } from '../files';
import type { ICodeBlockActions } from './markdownView';
import { ReplyText } from './replyText';
import { RecapView } from './recapView';
import { HandoffBar } from './handoffs';
import { SUBAGENT_TOOL, SubagentCard } from './subagentCard';
import { ToolCard } from './toolCard';
import { UsageView } from './usageView';
import { useTurns } from './useSignal';

/** What every turn view needs and that changes rarely (given once through context, not per turn). */
export interface ITurnContext {
  assistant: Assistant;
  rendermime: IRenderMimeRegistry;
  trans: TranslationBundle;
  actions: ICodeBlockActions;
  changeLog: ChangeLog | null;
  settings: () => IChatSettings;
  commands: CommandRegistry;
  /** Give the keyboard back to the composer (after an approval is answered). */
  focusComposer?: () => void;
}

export const TurnContext = React.createContext<ITurnContext | null>(null);

/** How many of a reopened chat's last turns are rendered at first. */
const INITIAL_TURNS = 40;

/**
 * The chat's turns. Re-renders when the model's turns change, at most once
 * per animation frame (a burst of streamed tokens is one render), and each
 * turn view is memoised on its (immutable) turn: a streamed token renders
 * the streaming turn only. Sticks to the bottom while the user is there,
 * reading layout only on scroll events and once per frame, never per render.
 */
export function MessageList(props: {
  model: ChatModel;
  busy: boolean;
  personaId: string | null;
  hidden: boolean;
  emptyText: string;
  /** Shown under the text while the chat is empty (persona, instructions, suggested prompts). */
  empty?: React.ReactNode;
}): JSX.Element {
  const { model } = props;
  const context = React.useContext(TurnContext)!;
  const turns = useTurns(model);
  const list = React.useRef<HTMLDivElement>(null);
  const content = React.useRef<HTMLDivElement>(null);
  const follow = useFollowEnd(list, content, model);
  // A long chat opens on its last turns: rendering hundreds of replies (each
  // markdown block through the renderer) at once would hold the page up.
  // Turns added later are always shown; the earlier ones on demand.
  const shownKey = `${model.id}:${turns[0]?.id ?? ''}`;
  const shown = React.useRef({ key: '', hidden: 0 });
  if (shown.current.key !== shownKey) {
    shown.current = {
      key: shownKey,
      hidden: Math.max(0, turns.length - INITIAL_TURNS)
    };
  }
  const [, setShowAll] = React.useState(0);
  const hidden = Math.min(shown.current.hidden, turns.length);
  const last = turns.length - 1;
  return (
    <div
      className="jp-DataEngineer-messages"
      ref={list}
      onScroll={follow.onScroll}
      hidden={props.hidden}
      data-chat-id={model.id}
    >
      <div className="jp-DataEngineer-messagesContent" ref={content}>
        {turns.length === 0 && (
          <div className="jp-DataEngineer-empty">
            {props.emptyText}
            {props.empty}
          </div>
        )}
        {hidden > 0 && (
          <button
            className="jp-DataEngineer-showEarlier jp-mod-styled"
            onClick={() => {
              shown.current.hidden = 0;
              follow.release();
              setShowAll(n => n + 1);
            }}
          >
            {context.trans.__('Show %1 earlier turns', hidden)}
          </button>
        )}
        {turns.slice(hidden).map((turn, index) => {
          const isLast = hidden + index === last;
          return (
            <TurnView
              key={turn.id}
              turn={turn}
              isLast={isLast}
              busy={isLast && props.busy}
              personaId={props.personaId}
            />
          );
        })}
      </div>
    </div>
  );
}

/**
 * Keep a scrolled list at its end while the user is there: its content's
 * size changes (a ResizeObserver: replies render asynchronously) bring it
 * down, at most once per animation frame. Layout is read only then and on
 * scroll events, never per render. Only the user lets go of the end (a
 * wheel, touch, key or scrollbar scroll away from it; scrolls by the browser,
 * e.g. scroll anchoring as turns out of view are sized, do not count), and
 * scrolling back to the end takes it up again.
 */
function useFollowEnd(
  list: React.RefObject<HTMLDivElement>,
  content: React.RefObject<HTMLDivElement>,
  model: ChatModel
): { onScroll: () => void; release: () => void } {
  const state = React.useRef({
    stuck: true,
    frame: null as number | null,
    userUntil: 0
  });
  const s = state.current;
  // Another chat opens at its end.
  React.useMemo(() => {
    s.stuck = true;
  }, [model]);
  const bringDown = React.useCallback(() => {
    if (!s.stuck || s.frame !== null) {
      return;
    }
    s.frame = requestAnimationFrame(() => {
      s.frame = null;
      const node = list.current;
      if (node && s.stuck) {
        node.scrollTop = node.scrollHeight;
      }
    });
  }, []);
  React.useLayoutEffect(bringDown);
  React.useEffect(() => {
    const node = content.current;
    const scroller = list.current;
    const observer =
      node && typeof ResizeObserver !== 'undefined'
        ? new ResizeObserver(bringDown)
        : null;
    if (node && observer) {
      observer.observe(node);
    }
    // What the user does to scroll; a scroll within a moment of it is theirs.
    const intent = () => {
      s.userUntil = performance.now() + 600;
    };
    const events = ['wheel', 'touchmove', 'keydown', 'pointerdown'] as const;
    events.forEach(type =>
      scroller?.addEventListener(type, intent, { passive: true })
    );
    return () => {
      observer?.disconnect();
      events.forEach(type => scroller?.removeEventListener(type, intent));
      if (s.frame !== null) {
        cancelAnimationFrame(s.frame);
        s.frame = null;
      }
    };
  }, []);
  return {
    onScroll: () => {
      const node = list.current;
      if (!node) {
        return;
      }
      const atEnd = node.scrollHeight - node.scrollTop - node.clientHeight < 40;
      if (atEnd) {
        s.stuck = true;
      } else if (performance.now() < s.userUntil) {
        s.stuck = false; // the user scrolled away from the end
      }
    },
    release: () => {
      s.stuck = false;
    }
  };
}

interface ITurnViewProps {
  turn: Turn;
  isLast: boolean;
  /** A reply is running (only given to the last turn, so others never re-render for it). */
  busy: boolean;
  /** The persona speaking now (hand-offs to it are not offered). */
  personaId: string | null;
}

/** One turn; rendered again only when its turn object (or its place) changes. */
export const TurnView = React.memo(function TurnView(
  props: ITurnViewProps
): JSX.Element {
  const { turn } = props;
  const ctx = React.useContext(TurnContext)!;
  const { trans } = ctx;
  if (turn.role === 'recap') {
    return (
      <RecapView
        turn={turn}
        rendermime={ctx.rendermime}
        trans={trans}
        actions={ctx.actions}
      />
    );
  }
  if (turn.role === 'user') {
    return (
      <div className="jp-DataEngineer-turn jp-DataEngineer-user">
        <div className="jp-DataEngineer-userText">
          {turn.text}
          {turn.attachments?.map(a => (
            <span
              key={a.label}
              className="jp-DataEngineer-attachment"
              title={a.text}
            >
              {trans.__('attached %1', a.label)}
            </span>
          ))}
        </div>
      </div>
    );
  }
  const run = (command: string) => void ctx.commands.execute(command);
  return (
    <div
      className={`jp-DataEngineer-turn jp-DataEngineer-assistant jp-mod-${turn.status}`}
      data-status={turn.status}
    >
      {turn.status === 'waiting' && <WaitingView trans={trans} />}
      {turn.blocks.map((block, index) =>
        block.type === 'text' ? (
          block.text ? (
            <ReplyText
              key={`text-${index}`}
              source={block.text}
              rendermime={ctx.rendermime}
              trans={trans}
              actions={turn.status === 'streaming' ? undefined : ctx.actions}
            />
          ) : null
        ) : block.call.name === SUBAGENT_TOOL ? (
          <SubagentCard
            key={block.call.id}
            call={block.call}
            assistant={ctx.assistant}
            rendermime={ctx.rendermime}
            trans={trans}
            changeLog={ctx.changeLog}
          />
        ) : (
          <ToolCard
            key={block.call.id}
            call={block.call}
            rendermime={ctx.rendermime}
            trans={trans}
            onAnswer={(id, answer) => {
              ctx.assistant.answerApproval(id, answer);
              ctx.focusComposer?.();
            }}
            changeLog={ctx.changeLog}
            onShowTerminal={name =>
              void ctx.commands.execute('terminal:open', { name })
            }
            onCommand={(id, args) => void ctx.commands.execute(id, args)}
          />
        )
      )}
      {turn.status === 'stopped' && (
        <div className="jp-DataEngineer-stopped">{trans.__('Stopped.')}</div>
      )}
      {turn.notice && (
        <div className="jp-DataEngineer-notice-inline">{turn.notice}</div>
      )}
      {turn.canContinue && props.isLast && (
        <button
          className="jp-DataEngineer-continue jp-mod-styled"
          disabled={props.busy}
          onClick={() => run(CommandIDs.continueReply)}
        >
          {trans.__('Continue')}
        </button>
      )}
      {turn.error && (
        <ErrorView
          turn={turn}
          isLast={props.isLast}
          busy={props.busy}
          trans={trans}
          commands={ctx.commands}
        />
      )}
      {turn.status === 'done' && !turn.error && props.isLast && !props.busy && (
        <HandoffBar assistant={ctx.assistant} turn={turn} trans={trans} />
      )}
      {turn.usage && (
        <UsageView turn={turn} settings={ctx.settings} trans={trans} />
      )}
    </div>
  );
});
