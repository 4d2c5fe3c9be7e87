/** @jest-environment node */
import type { ITool } from '../types';

/** Ajv is a chunk of its own: it loads on the first validation, not with the registry. */
describe('ToolRegistry.validate with a lazily loaded Ajv', () => {
  const tool = {
    name: 'echo',
    description: 'Echo',
    inputSchema: {
      type: 'object',
      properties: { text: { type: 'string' } },
      required: ['text']
    },
    run: async () => ({ content: 'ok' })
  } as unknown as ITool;

  it('loads Ajv once, on the first validation', async () => {
    await jest.isolateModulesAsync(async () => {
      const loaded = jest.fn();
      jest.doMock('ajv', () => {
        loaded();
        return jest.requireActual('ajv');
      });
      const { ToolRegistry } = require('../registry');
      const registry = new ToolRegistry();
      registry.add(tool);
      expect(loaded).not.toHaveBeenCalled();
      const [first, second] = await Promise.all([
        registry.validate(tool, { text: 'hi' }),
        registry.validate(tool, {})
      ]);
      expect(first).toBeNull();
      expect(second).toMatch(/^Invalid input for echo: .*required/);
      expect(await registry.validate(tool, { text: 1 })).toMatch(
        /must be string/
      );
      expect(loaded).toHaveBeenCalledTimes(1);
      jest.dontMock('ajv');
    });
  });
});
