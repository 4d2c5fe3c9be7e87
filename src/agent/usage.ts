import type { IPrice } from '../settings';
import type { IUsage, Turn } from '../chats/conversation';

/** A chat's (or a reply's) token use and estimated cost. */
export interface IUsageTotals {
  /** Input tokens billed at the full price. */
  input: number;
  cacheRead: number;
  cacheWrite: number;
  output: number;
  /** Requests counted. */
  requests: number;
  /** Estimated cost in USD; null when a model had no price. */
  cost: number | null;
}

/** The price of a model: the longest matching id prefix in the table. */
export function priceFor(
  model: string | undefined,
  prices: Record<string, IPrice>
): IPrice | null {
  if (!model) {
    return null;
  }
  let best: string | null = null;
  for (const prefix of Object.keys(prices)) {
    if (
      model.startsWith(prefix) &&
      (best === null || prefix.length > best.length)
    ) {
      best = prefix;
    }
  }
  return best === null ? null : prices[best];
}

/**
 * The cost of one reply's usage in USD. Cache writes default to 1.25 times
 * and cache reads to 0.1 times the input price when the table omits them.
 */
export function costOf(usage: IUsage, price: IPrice): number {
  const perToken = (perMillion: number) => perMillion / 1_000_000;
  return (
    usage.input_tokens * perToken(price.input) +
    usage.cache_creation_input_tokens *
      perToken(price.cacheWrite ?? price.input * 1.25) +
    usage.cache_read_input_tokens *
      perToken(price.cacheRead ?? price.input * 0.1) +
    usage.output_tokens * perToken(price.output)
  );
}

/** One reply's totals. */
export function replyUsage(
  usage: IUsage,
  model: string | undefined,
  prices: Record<string, IPrice>
): IUsageTotals {
  const price = priceFor(model, prices);
  return {
    input: usage.input_tokens,
    cacheRead: usage.cache_read_input_tokens,
    cacheWrite: usage.cache_creation_input_tokens,
    output: usage.output_tokens,
    requests: 1,
    cost: price ? costOf(usage, price) : null
  };
}

/** The totals of every reply in a chat that reported usage. */
export function chatUsage(
  turns: ReadonlyArray<Turn>,
  prices: Record<string, IPrice>
): IUsageTotals {
  const totals: IUsageTotals = {
    input: 0,
    cacheRead: 0,
    cacheWrite: 0,
    output: 0,
    requests: 0,
    cost: 0
  };
  for (const turn of turns) {
    if (turn.role !== 'assistant' || !turn.usage) {
      continue;
    }
    const reply = replyUsage(turn.usage, turn.model, prices);
    totals.input += reply.input;
    totals.cacheRead += reply.cacheRead;
    totals.cacheWrite += reply.cacheWrite;
    totals.output += reply.output;
    totals.requests += 1;
    totals.cost =
      totals.cost === null || reply.cost === null
        ? null
        : totals.cost + reply.cost;
  }
  return totals;
}

/** The share of input tokens read from the prompt cache (0 to 1). */
export function cachedShare(totals: IUsageTotals): number {
  const all = totals.input + totals.cacheRead + totals.cacheWrite;
  return all ? totals.cacheRead / all : 0;
}

/** "12,345" → "12.3k", for compact display. */
export function formatTokens(count: number): string {
  if (count < 1000) {
    return String(count);
  }
  if (count < 1_000_000) {
    return `${(count / 1000).toFixed(count < 10_000 ? 1 : 0)}k`;
  }
  return `${(count / 1_000_000).toFixed(2)}M`;
}

/** A cost in USD with enough digits to be useful for small amounts. */
export function formatCost(cost: number | null): string {
  if (cost === null) {
    return '';
  }
  if (cost === 0) {
    return '$0';
  }
  return cost < 0.01 ? `$${cost.toFixed(4)}` : `$${cost.toFixed(2)}`;
}

/** The totals of several replies' usages, priced with the chat's table (cost null when a model has no price). */
export function usageTotals(
  usages: Iterable<{ usage: IUsage; model: string }>,
  prices: Record<string, IPrice>,
  requests: number
): IUsageTotals {
  const totals: IUsageTotals = {
    input: 0,
    cacheRead: 0,
    cacheWrite: 0,
    output: 0,
    requests,
    cost: 0
  };
  for (const { usage, model } of usages) {
    const one = replyUsage(usage, model, prices);
    totals.input += one.input;
    totals.cacheRead += one.cacheRead;
    totals.cacheWrite += one.cacheWrite;
    totals.output += one.output;
    totals.cost =
      totals.cost === null || one.cost === null ? null : totals.cost + one.cost;
  }
  return totals;
}
