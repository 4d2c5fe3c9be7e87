/** @jest-environment node */
import { failureResult, toToolResult } from '../results';

const ref = { server: 'db', tool: 'query', source: 'workspace' as const };
const PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

describe('MCP results as tool results', () => {
  it('keep plain text as text, with typed data for the card', () => {
    const result = toToolResult(ref, {
      isError: false,
      truncated: false,
      content: [{ type: 'text', text: '3 rows' }],
      durationMs: 4
    });
    expect(result.content).toBe('3 rows');
    expect(result.isError).toBeUndefined();
    expect(result.data?.mcp).toEqual({
      ...ref,
      blocks: [{ type: 'text', chars: 6 }],
      durationMs: 4
    });
  });

  it('turn images into image blocks and describe types the API cannot take', () => {
    const result = toToolResult(ref, {
      isError: false,
      truncated: false,
      content: [
        { type: 'text', text: 'chart:' },
        { type: 'image', mimeType: 'image/png', data: PNG },
        { type: 'image', mimeType: 'image/svg+xml', data: 'PHN2Zy8+' }
      ]
    });
    expect(Array.isArray(result.content)).toBe(true);
    const blocks = result.content as any[];
    expect(blocks[0]).toEqual({ type: 'text', text: 'chart:' });
    expect(blocks[1]).toEqual({
      type: 'image',
      source: { type: 'base64', media_type: 'image/png', data: PNG }
    });
    expect(blocks[2].type).toBe('text');
    expect(blocks[2].text).toContain('image/svg+xml');
    // The data holds no image bytes (the content has them once).
    expect(JSON.stringify(result.data)).not.toContain(PNG);
    expect(result.data?.mcp?.blocks[1]).toEqual({
      type: 'image',
      mimeType: 'image/png',
      sent: true
    });
  });

  it('render resources, links and left-out content as text', () => {
    const result = toToolResult(ref, {
      isError: false,
      truncated: true,
      content: [
        {
          type: 'resource',
          uri: 'file:///r.txt',
          mimeType: 'text/plain',
          text: 'body'
        },
        {
          type: 'resource',
          uri: 'file:///r.bin',
          mimeType: 'application/octet-stream',
          size: 10
        },
        {
          type: 'resource_link',
          uri: 'https://x/y',
          name: 'y',
          description: 'a link'
        },
        { type: 'omitted', kind: 'audio', mimeType: 'audio/wav', size: 3000 }
      ],
      structuredContent: { rows: 1 }
    });
    const text = result.content as string;
    expect(text).toContain('[resource <file:///r.txt> (text/plain)]\nbody');
    expect(text).toContain('binary resource <file:///r.bin>');
    expect(text).toContain('[resource link y <https://x/y>: a link]');
    expect(text).toContain('audio content (audio/wav, 3000 bytes) left out');
    expect(text).toContain('shortened');
    expect(result.data?.truncated).toBe(true);
    expect(result.data?.mcp?.structuredContent).toEqual({ rows: 1 });
  });

  it('use structured content when a tool returns no blocks, and mark tool errors', () => {
    expect(
      toToolResult(ref, {
        isError: false,
        truncated: false,
        content: [],
        structuredContent: { n: 2 }
      }).content
    ).toBe('{"n":2}');
    const error = toToolResult(ref, {
      isError: true,
      truncated: false,
      content: []
    });
    expect(error.isError).toBe(true);
    expect(error.content).toBe('The tool failed without a message.');
  });

  it('explain server failures in plain words, keeping the stderr tail for the card only', () => {
    const crashed = failureResult(ref, {
      kind: 'crashed',
      message: 'the connection closed',
      stderrTail: 'Traceback...'
    });
    expect(crashed.isError).toBe(true);
    expect(crashed.content).toContain(
      'The MCP server "db" stopped unexpectedly'
    );
    expect(crashed.content).toContain('restart it from the MCP servers list');
    expect(crashed.content).not.toContain('Traceback');
    expect(crashed.data?.mcp?.failure?.stderrTail).toBe('Traceback...');
    expect(
      failureResult(ref, { kind: 'timeout', message: 'within 60 s' }).content
    ).toContain('timed out');
    expect(
      failureResult(ref, { kind: 'start_failed', message: 'No such file' })
        .content
    ).toContain('could not be started');
  });
});
