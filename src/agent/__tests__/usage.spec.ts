/** @jest-environment node */
import { ChatModel } from '../../chats/chatModel';
import {
  cachedShare,
  chatUsage,
  costOf,
  formatCost,
  formatTokens,
  priceFor
} from '../usage';
import { readSettings } from '../../settings';
import {
  fakeSettings,
  schemaDefault,
  testSettings
} from '../../__tests__/testSettings';

const prices = testSettings().prices;

describe('usage and cost', () => {
  it('takes the longest matching model prefix', () => {
    expect(priceFor('claude-opus-4-1-20250805', prices)).toEqual(
      prices['claude-opus-4-1']
    );
    expect(priceFor('claude-opus-4-6', prices)).toEqual(prices['claude-opus']);
    expect(priceFor('claude-sonnet-5', prices)).toEqual(
      prices['claude-sonnet']
    );
    expect(priceFor('gpt-oss', prices)).toBeNull();
    expect(priceFor(undefined, prices)).toBeNull();
  });

  it('prices input, cache writes, cache reads and output separately', () => {
    const usage = {
      input_tokens: 1000,
      cache_creation_input_tokens: 2000,
      cache_read_input_tokens: 10000,
      output_tokens: 500
    };
    // Sonnet: 3 / 3.75 / 0.3 / 15 per million.
    expect(costOf(usage, prices['claude-sonnet'])).toBeCloseTo(
      (1000 * 3 + 2000 * 3.75 + 10000 * 0.3 + 500 * 15) / 1e6,
      10
    );
    // Without cache prices: 1.25x and 0.1x the input price.
    expect(costOf(usage, { input: 2, output: 10 })).toBeCloseTo(
      (1000 * 2 + 2000 * 2.5 + 10000 * 0.2 + 500 * 10) / 1e6,
      10
    );
  });

  it('adds up a chat, and says unknown when a model has no price', () => {
    const conversation = new ChatModel();
    conversation.addUser('q');
    const a = conversation.addAssistant();
    conversation.updateAssistant(a.id, {
      status: 'done',
      model: 'claude-sonnet-5',
      usage: {
        input_tokens: 100,
        output_tokens: 50,
        cache_read_input_tokens: 900,
        cache_creation_input_tokens: 0
      }
    });
    const b = conversation.addAssistant();
    conversation.updateAssistant(b.id, {
      status: 'done',
      model: 'claude-sonnet-5',
      usage: {
        input_tokens: 10,
        output_tokens: 5,
        cache_read_input_tokens: 1000,
        cache_creation_input_tokens: 40
      }
    });
    const totals = chatUsage(conversation.turns, prices);
    expect(totals).toMatchObject({
      input: 110,
      output: 55,
      cacheRead: 1900,
      cacheWrite: 40,
      requests: 2
    });
    expect(totals.cost).toBeCloseTo(
      (110 * 3 + 55 * 15 + 1900 * 0.3 + 40 * 3.75) / 1e6,
      10
    );
    expect(cachedShare(totals)).toBeCloseTo(1900 / 2050, 10);

    const c = conversation.addAssistant();
    conversation.updateAssistant(c.id, {
      status: 'done',
      model: 'local-model',
      usage: {
        input_tokens: 1,
        output_tokens: 1,
        cache_read_input_tokens: 0,
        cache_creation_input_tokens: 0
      }
    });
    expect(chatUsage(conversation.turns, prices).cost).toBeNull();
  });

  it('formats tokens and costs compactly', () => {
    expect(formatTokens(999)).toBe('999');
    expect(formatTokens(1234)).toBe('1.2k');
    expect(formatTokens(123456)).toBe('123k');
    expect(formatTokens(2_500_000)).toBe('2.50M');
    expect(formatCost(0.004321)).toBe('$0.0043');
    expect(formatCost(1.5)).toBe('$1.50');
    expect(formatCost(null)).toBe('');
  });
});

describe('readSettings', () => {
  it('takes every default from schema/plugin.json and falls back to it for bad values', () => {
    const fresh: Record<string, unknown> = readSettings(fakeSettings()) as any;
    for (const key of Object.keys(fresh)) {
      if (key !== 'modelExplicit') {
        expect([key, fresh[key]]).toEqual([key, schemaDefault(key)]);
      }
    }
    expect(fresh.modelExplicit).toBe(false);
    const odd = readSettings(
      fakeSettings({
        maxTokens: 'lots',
        model: '  ',
        compactionThreshold: 5,
        maxSteps: 0,
        queryBudget: { rows: -1, bytes: 'a lot' },
        readOnlyQueries: 'never'
      })
    );
    expect(odd.queryBudget).toEqual(schemaDefault('queryBudget'));
    expect(odd.readOnlyQueries).toBe('auto');
    expect(
      readSettings(
        fakeSettings({
          queryBudget: { rows: 5, bytes: 7 },
          readOnlyQueries: 'ask'
        })
      )
    ).toMatchObject({
      queryBudget: { rows: 5, bytes: 7 },
      readOnlyQueries: 'ask'
    });
    expect(odd.maxTokens).toBe(schemaDefault('maxTokens'));
    expect(odd.model).toBe(schemaDefault('model'));
    expect(odd.compactionThreshold).toBe(0.98);
    expect(odd.maxSteps).toBe(schemaDefault('maxSteps'));
    expect(
      readSettings(fakeSettings({ model: 'claude-x' })).modelExplicit
    ).toBe(true);
  });
});
