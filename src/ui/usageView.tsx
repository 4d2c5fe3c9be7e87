import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import type { ChatModel } from '../chats/chatModel';
import { contextWindowOf } from '../agent/compaction';
import type { IAssistantTurn, Turn } from '../chats/conversation';
import {
  cachedShare,
  chatUsage,
  formatCost,
  formatTokens,
  replyUsage,
  usageTotals
} from '../agent/usage';
import type { CompletionUsage } from '../completion';
import type { IChatSettings } from '../settings';
import { useTurns } from './useSignal';

/** One reply's tokens (input, cached, output) and estimated cost. */
export function UsageView(props: {
  turn: IAssistantTurn;
  settings: () => IChatSettings;
  trans: TranslationBundle;
}): JSX.Element {
  const { turn, trans } = props;
  const usage = replyUsage(turn.usage!, turn.model, props.settings().prices);
  const cost = formatCost(usage.cost);
  return (
    <div
      className="jp-DataEngineer-usage"
      title={trans.__(
        'Tokens of this request: %1 input at full price, %2 read from the prompt cache, %3 written to it, %4 output. Cost estimated from the price table in the settings.',
        usage.input,
        usage.cacheRead,
        usage.cacheWrite,
        usage.output
      )}
    >
      {trans.__(
        'in %1 · cached %2 · out %3',
        formatTokens(usage.input + usage.cacheWrite),
        formatTokens(usage.cacheRead),
        formatTokens(usage.output)
      )}
      {cost && ` · ~${cost}`}
    </div>
  );
}

/** The chat's token use, cache share and estimated cost so far. */
export function ChatFooter(props: {
  model: ChatModel;
  settings: () => IChatSettings;
  trans: TranslationBundle;
  /** Inline completions' usage in this tab (null without the completion plugin). */
  completions?: CompletionUsage | null;
}): JSX.Element | null {
  const { trans } = props;
  const turns = useTurns(props.model);
  const totals = chatUsage(turns, props.settings().prices);
  const completions = useCompletionUsage(
    props.completions ?? null,
    props.settings,
    trans
  );
  if (!totals.requests) {
    return completions ? (
      <div className="jp-DataEngineer-chatFooter">{completions}</div>
    ) : null;
  }
  const cost = formatCost(totals.cost);
  return (
    <div className="jp-DataEngineer-chatFooter">
      {completions}
      <span
        className="jp-DataEngineer-chatUsage"
        title={trans.__(
          'This chat: %1 requests, %2 input tokens at full price, %3 read from the prompt cache, %4 written to it, %5 output. Cost estimated from the price table in the settings.',
          totals.requests,
          totals.input,
          totals.cacheRead,
          totals.cacheWrite,
          totals.output
        )}
      >
        {trans.__(
          'Chat: in %1 (%2% cached) · out %3',
          formatTokens(totals.input + totals.cacheRead + totals.cacheWrite),
          Math.round(cachedShare(totals) * 100),
          formatTokens(totals.output)
        )}
        {cost && ` · ~${cost}`}
      </span>
      <ContextMeter turns={turns} settings={props.settings} trans={trans} />
    </div>
  );
}

/**
 * How full the context window was at the last request: that reply's input
 * (cached or not) plus its output, against the model's window.
 */
function ContextMeter(props: {
  turns: ReadonlyArray<Turn>;
  settings: () => IChatSettings;
  trans: TranslationBundle;
}): JSX.Element | null {
  const turns = props.turns;
  let last: IAssistantTurn | null = null;
  for (let i = turns.length - 1; i >= 0; i--) {
    const turn = turns[i];
    if (turn.role === 'recap' && turn.status === 'done') {
      break; // older figures predate the recap
    }
    if (turn.role === 'assistant' && turn.usage) {
      last = turn;
      break;
    }
  }
  if (!last?.usage || !last.model) {
    return null;
  }
  const u = last.usage;
  const tokens =
    u.input_tokens +
    u.cache_read_input_tokens +
    u.cache_creation_input_tokens +
    u.output_tokens;
  const window = contextWindowOf(last.model, props.settings().contextWindow);
  const share = Math.min(1, tokens / window);
  const level =
    share >= props.settings().compactionThreshold
      ? 'high'
      : share >= 0.5
        ? 'medium'
        : 'low';
  return (
    <span
      className="jp-DataEngineer-contextMeter"
      data-level={level}
      title={props.trans.__(
        "The last request used %1 of the %2 tokens of %3's context window. Near the limit, old tool results are shortened and older turns summarised.",
        tokens,
        window,
        last.model
      )}
    >
      <meter
        min={0}
        max={1}
        value={share}
        aria-label={props.trans.__('Context window used')}
      />
      {props.trans.__('Context %1%', Math.round(share * 100))}
    </span>
  );
}

/**
 * Inline completions' token use in this tab, apart from the chat's (they
 * belong to no chat): null until the first completion request.
 */
function useCompletionUsage(
  completionUsage: CompletionUsage | null,
  settings: () => IChatSettings,
  trans: TranslationBundle
): JSX.Element | null {
  const [, setVersion] = React.useState(0);
  React.useEffect(() => {
    const changed = () => setVersion(v => v + 1);
    completionUsage?.changed.connect(changed);
    return () => {
      completionUsage?.changed.disconnect(changed);
    };
  }, [completionUsage]);
  if (!completionUsage?.requests) {
    return null;
  }
  const totals = usageTotals(
    completionUsage.usages,
    settings().prices,
    completionUsage.requests
  );
  const cost = formatCost(totals.cost);
  return (
    <span
      className="jp-DataEngineer-completionUsage"
      title={trans.__(
        'Inline completions in this tab: %1 requests (%2 cancelled by typing), %3 input tokens at full price, %4 read from the prompt cache, %5 written to it, %6 output.',
        totals.requests,
        completionUsage.aborted,
        totals.input,
        totals.cacheRead,
        totals.cacheWrite,
        totals.output
      )}
    >
      {trans.__(
        'Completions: %1 · in %2 · out %3',
        totals.requests,
        formatTokens(totals.input + totals.cacheRead + totals.cacheWrite),
        formatTokens(totals.output)
      )}
      {cost && ` · ~${cost}`}
    </span>
  );
}
