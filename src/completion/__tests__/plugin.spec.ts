import {
  completionConfigOf,
  DataEngineerInlineProvider,
  providerSchema
} from '../provider';
import { untranslated } from '../../translation';

describe('the provider settings', () => {
  it('is off by default, debounced 250 ms, and falls back on bad values', () => {
    const schema = providerSchema(untranslated) as any;
    expect(schema.default.enabled).toBe(false);
    expect(schema.default.debouncerDelay).toBe(250);
    expect(
      completionConfigOf({ maxTokens: 'lots', languages: ['sql'], model: 'm' })
    ).toEqual({
      model: 'm',
      maxTokens: 96,
      contextTokens: 1500,
      languages: ['sql']
    });
    const provider = new DataEngineerInlineProvider({
      trans: untranslated,
      load: () => Promise.reject(new Error('not loaded'))
    });
    provider.configure({ enabled: false, maxTokens: 50 });
    expect(provider.enabled).toBe(false);
    expect(provider.config.maxTokens).toBe(50);
  });
});
