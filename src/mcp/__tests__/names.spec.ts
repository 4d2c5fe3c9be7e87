/** @jest-environment node */
import {
  API_TOOL_NAME,
  assignToolNames,
  mcpToolName,
  sanitizePart
} from '../names';

describe('MCP tool names', () => {
  it('are mcp__<server>__<tool> when both fit the API pattern', () => {
    expect(mcpToolName('db', 'run_query')).toBe('mcp__db__run_query');
  });

  it('replace characters the API refuses', () => {
    expect(sanitizePart('my.server')).toBe('my_server');
    expect(mcpToolName('git hub', 'issues/list')).toBe(
      'mcp__git_hub__issues_list'
    );
    expect(mcpToolName('x', '')).toBe('mcp__x___');
    for (const [server, tool] of [
      ['a.b-c', 'ü tool'],
      ['s', 'x'.repeat(200)],
      ['数据', '查询']
    ]) {
      expect(mcpToolName(server, tool)).toMatch(API_TOOL_NAME);
    }
  });

  it('cut long names to 64 characters, keeping different long names apart', () => {
    const a = mcpToolName('warehouse', 'get_' + 'a'.repeat(80) + '_one');
    const b = mcpToolName('warehouse', 'get_' + 'a'.repeat(80) + '_two');
    expect(a).toHaveLength(64);
    expect(b).toHaveLength(64);
    expect(a).not.toBe(b);
    expect(a.startsWith('mcp__warehouse__get_aaa')).toBe(true);
  });

  it('number names that collide after sanitising, and map back to the real pair', () => {
    const names = assignToolNames([
      { server: 'db', tool: 'a.b' },
      { server: 'db', tool: 'a_b' },
      { server: 'db', tool: 'a b' }
    ]);
    expect([...names.keys()]).toEqual([
      'mcp__db__a_b',
      'mcp__db__a_b_2',
      'mcp__db__a_b_3'
    ]);
    expect(names.get('mcp__db__a_b_2')).toEqual({ server: 'db', tool: 'a_b' });
    for (const name of names.keys()) {
      expect(name).toMatch(API_TOOL_NAME);
    }
  });
});
