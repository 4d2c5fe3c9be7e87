import type { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import type { Assistant } from '../agent/assistant';
import type { ChangeLog } from '../files';
import type { IAssistantTurn, IToolCall } from '../chats/conversation';
import { SUBAGENT_TOOL, type ISubagentRun } from '../agent/subagent';
import { MarkdownView } from './markdownView';
import { ToolCard } from './toolCard';
import { useSignals, useTurns } from './useSignal';

export { SUBAGENT_TOOL };

/** The subagent's tool calls and answer so far, live from its own conversation. */
/** What the card needs from the chat view. */
export interface ISubagentCardProps {
  call: IToolCall;
  assistant: Assistant;
  rendermime: IRenderMimeRegistry;
  trans: TranslationBundle;
  changeLog: ChangeLog | null;
}

function LiveRun(props: {
  run: ISubagentRun;
  ctx: ISubagentCardProps;
  onWaiting: (waiting: boolean) => void;
}): JSX.Element {
  const ctx = props.ctx;
  const turns = useTurns(props.run.model);
  const replies = turns.filter(
    (turn): turn is IAssistantTurn => turn.role === 'assistant'
  );
  const calls = replies.flatMap(turn =>
    turn.blocks
      .filter((b): b is { type: 'tool'; call: IToolCall } => b.type === 'tool')
      .map(b => b.call)
  );
  const waiting = calls.some(call => call.state === 'waiting_approval');
  React.useEffect(() => props.onWaiting(waiting), [waiting]);
  const last = replies[replies.length - 1];
  const text = last?.blocks
    .filter((b): b is { type: 'text'; text: string } => b.type === 'text')
    .map(b => b.text)
    .join('\n\n');
  return (
    <>
      {calls.map(call => (
        <ToolCard
          key={call.id}
          call={call}
          rendermime={ctx.rendermime}
          trans={ctx.trans}
          changeLog={ctx.changeLog}
          onAnswer={(id, answer) =>
            props.run.session.answerApproval(id, answer)
          }
        />
      ))}
      {text && last?.status !== 'waiting' && (
        <div className="jp-DataEngineer-subagentAnswer">
          <MarkdownView
            source={text}
            rendermime={ctx.rendermime}
            trans={ctx.trans}
          />
        </div>
      )}
    </>
  );
}

/**
 * One collapsible card for a whole subagent run in the parent chat: who
 * works on it, its tool calls inside (approval cards included: they open the
 * card), and its final answer. After a reload, what the tool result saved.
 */
export function SubagentCard(props: ISubagentCardProps): JSX.Element {
  const { call, assistant, trans } = props;
  const ctx = props;
  const input = (call.input ?? {}) as { agent?: unknown; task?: unknown };
  useSignals([assistant.subagents.changed]);
  const run = assistant.subagents.get(call.id);
  const saved = call.result?.data?.subagent;
  const [open, setOpen] = React.useState(false);
  const [waiting, setWaiting] = React.useState(false);
  const agent = typeof input.agent === 'string' ? input.agent : '';
  const name =
    run?.persona.name ??
    saved?.personaName ??
    assistant.personas.get(agent)?.name ??
    agent;
  const state =
    call.state === 'running'
      ? trans.__('working')
      : call.state === 'done'
        ? trans.__('done')
        : call.state === 'waiting_approval'
          ? trans.__('waiting for approval')
          : call.state;
  return (
    <details
      className={`jp-DataEngineer-subagentCard jp-mod-${call.state}`}
      data-tool={call.name}
      data-state={call.state}
      data-agent={agent}
      open={open || waiting}
      onToggle={event =>
        setOpen((event.currentTarget as HTMLDetailsElement).open)
      }
    >
      <summary className="jp-DataEngineer-subagentHeader">
        <span className="jp-DataEngineer-subagentName">
          {trans.__('Subagent: %1', name)}
        </span>
        <span className="jp-DataEngineer-toolState">{state}</span>
      </summary>
      <div className="jp-DataEngineer-subagentTask">
        {typeof input.task === 'string' ? input.task : ''}
      </div>
      {run ? (
        <LiveRun run={run} ctx={ctx} onWaiting={setWaiting} />
      ) : saved ? (
        <>
          <ul className="jp-DataEngineer-subagentCalls">
            {saved.calls.map((c, index) => (
              <li key={index} data-state={c.state}>
                <code>{c.name}</code> {c.summary ?? ''} ({c.state})
              </li>
            ))}
          </ul>
          {saved.answer && (
            <div className="jp-DataEngineer-subagentAnswer">
              <MarkdownView
                source={saved.answer}
                rendermime={ctx.rendermime}
                trans={trans}
              />
            </div>
          )}
        </>
      ) : call.result ? (
        <pre className="jp-DataEngineer-toolResult">
          {typeof call.result.content === 'string' ? call.result.content : ''}
        </pre>
      ) : null}
    </details>
  );
}
