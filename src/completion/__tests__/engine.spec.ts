/** @jest-environment node */
import Anthropic from '@anthropic-ai/sdk';
import { CompletionEngine, defaultCompletionModel } from '../engine';
import { SchemaCache } from '../schemaCache';
import { CompletionUsage } from '../usage';
import { usageTotals } from '../../agent/usage';
import { fakeFetch, type IFakeReply } from '../../__tests__/fakeStream';

const MODELS = [
  { id: 'claude-opus-4-6', created_at: '2026-02-01T00:00:00Z' },
  { id: 'claude-3-5-haiku-20241022', created_at: '2024-10-22T00:00:00Z' },
  { id: 'claude-haiku-4-5-20251001', created_at: '2025-10-01T00:00:00Z' }
];

function make(replies: IFakeReply[]) {
  const fake = fakeFetch(replies);
  const client = new Anthropic({
    apiKey: 'k',
    baseURL: 'http://mock',
    fetch: fake.fetch,
    maxRetries: 0
  });
  const usage = new CompletionUsage();
  const engine = new CompletionEngine({
    client: () => client,
    models: async () => MODELS,
    instructions: async () => 'Use polars.',
    usage
  });
  return { engine, requests: fake.requests, usage };
}

const request = (prefix: string, suffix = '', signal?: AbortSignal) => ({
  prefix,
  suffix,
  language: 'python' as const,
  previousCells: [],
  schemas: [
    {
      name: 'orders',
      kind: 'pandas.DataFrame',
      columns: [{ name: 'customer_id', dtype: 'int64' }]
    }
  ],
  signal
});

async function drain(
  engine: CompletionEngine,
  token?: string
): Promise<string[]> {
  const seen: string[] = [];
  if (token) {
    for await (const update of engine.stream(token)) {
      seen.push(update.text);
    }
  }
  return seen;
}

describe('CompletionEngine', () => {
  it('picks the newest Haiku the endpoint lists unless a model is set', async () => {
    expect(defaultCompletionModel(MODELS)).toBe('claude-haiku-4-5-20251001');
    expect(defaultCompletionModel([{ id: 'only-one' }])).toBe('only-one');
    expect(defaultCompletionModel([])).toBeNull();
    const { engine } = make([]);
    expect(await engine.model()).toBe('claude-haiku-4-5-20251001');
    engine.config = { ...engine.config, model: 'claude-opus-4-6' };
    expect(await engine.model()).toBe('claude-opus-4-6');
  });

  it('streams a suggestion: the first text at once, the rest through stream(), trimmed of the suffix at the end', async () => {
    const { engine, requests, usage } = make([
      { text: 'customer_id")', chunk: 3, delayMs: 5 }
    ]);
    const start = await engine.complete(request('orders.groupby("', '")'));
    expect(start.token).toBeTruthy();
    expect(start.text).toBe('cus');
    const updates = await drain(engine, start.token);
    expect(updates[updates.length - 1]).toBe('customer_id');
    expect(updates.length).toBeGreaterThan(1);
    const body = requests[0].body;
    expect(body.model).toBe('claude-haiku-4-5-20251001');
    expect(body.max_tokens).toBe(96);
    expect(body.stream).toBe(true);
    expect(body.system[0].cache_control).toEqual({ type: 'ephemeral' });
    expect(body.system[0].text).toContain('customer_id: int64');
    expect(body.system[0].text).toContain('Use polars.');
    expect(body.messages[0].content).toContain('orders.groupby("<CURSOR>")');
    expect(body.stop_sequences).toContain('<CURSOR>');
    expect(usage.requests).toBe(1);
    expect(usageTotals(usage.usages, {}, usage.requests).output).toBe(5);
  });

  it('answers from the cache, also after the user typed part of the suggestion', async () => {
    const { engine, requests } = make([{ text: 'customer_id' }]);
    const first = await engine.complete(request('orders.groupby("'));
    await drain(engine, first.token);
    expect((await engine.complete(request('orders.groupby("'))).text).toBe(
      'customer_id'
    );
    expect((await engine.complete(request('orders.groupby("cust'))).text).toBe(
      'omer_id'
    );
    expect(requests).toHaveLength(1);
    // A different suffix is a different spot.
    expect(engine.cached('orders.groupby("', ')', 'python')).toBeNull();
  });

  it('cancels the request in flight on the next keystroke and when a new one starts', async () => {
    const { engine, usage } = make([
      { text: 'a'.repeat(40), chunk: 1, delayMs: 20 },
      { text: 'b'.repeat(40), chunk: 1, delayMs: 20 },
      { text: 'done' }
    ]);
    const typing = new AbortController();
    const first = await engine.complete(request('x = ', '', typing.signal));
    expect(first.token).toBeTruthy();
    const draining = drain(engine, first.token);
    typing.abort();
    const seen = await draining;
    expect(seen[seen.length - 1].length).toBeLessThan(40);
    await new Promise(resolve => setTimeout(resolve, 10));
    expect(usage.aborted).toBe(1);
    const second = await engine.complete(request('y = '));
    const third = await engine.complete(request('z = '));
    await drain(engine, second.token);
    await drain(engine, third.token);
    expect(usage.aborted).toBe(2);
    expect(usage.requests).toBe(3);
  });

  it('reports an upstream error instead of hanging', async () => {
    const { engine } = make([
      {
        status: 401,
        errorBody: {
          type: 'error',
          error: { type: 'authentication_error', message: 'invalid x-api-key' }
        }
      }
    ]);
    await expect(engine.complete(request('q = '))).rejects.toThrow(
      /invalid x-api-key/
    );
  });
});

describe('SchemaCache', () => {
  it('lists, inspects only the referenced data, keeps columns between refreshes and coalesces', async () => {
    const calls: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>(resolve => (release = resolve));
    const source = {
      listVariables: async () => {
        calls.push('list');
        await gate;
        return {
          variables: [
            { name: 'orders', kind: 'pandas.DataFrame', shape: [3, 2] },
            { name: 'other', kind: 'pandas.DataFrame', shape: [1, 1] },
            { name: 'n', kind: 'int' }
          ]
        };
      },
      inspectVariable: async (name: string) => {
        calls.push(`inspect ${name}`);
        return {
          columns: [
            { name: 'order_id', dtype: 'int64' },
            { name: 'amount', dtype: 'float64' }
          ],
          shape: [3, 2]
        };
      }
    };
    const cache = new SchemaCache();
    expect(cache.get('k')).toEqual([]);
    const one = cache.refresh('k', source, new Set(['orders']));
    const two = cache.refresh('k', source, new Set(['orders']));
    const three = cache.refresh('k', source, new Set(['orders']));
    release();
    await Promise.all([one, two, three]);
    // The first run, then one more for the two asked during it.
    expect(calls).toEqual(['list', 'inspect orders', 'list', 'inspect orders']);
    const entries = cache.get('k');
    expect(entries.map(e => e.name)).toEqual(['orders', 'other']);
    expect(entries[0].columns?.map(c => c.name)).toEqual([
      'order_id',
      'amount'
    ]);
    expect(entries[0].rows).toBe(3);
    expect(entries[1].columns).toBeUndefined();
  });
});
