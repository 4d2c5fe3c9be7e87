import type {
  ImageBlockParam,
  TextBlockParam
} from '@anthropic-ai/sdk/resources/messages';
import { DATA_FRAME_NOTE, frameData } from '../tools/results';
import type { IToolResult } from '../tools/types';
import type { IMcpCallResult, IMcpFailure, McpContentBlock } from './types';

/** What a card and the export read about an MCP call (the model reads `content`). */
export interface IResultMcp {
  server: string;
  tool: string;
  source: 'admin' | 'workspace';
  /** One entry per content block, without image data (the content holds that). */
  blocks: Array<
    | { type: 'text'; chars: number }
    | { type: 'image'; mimeType: string; sent: boolean }
    | { type: 'resource'; uri: string; mimeType?: string }
    | { type: 'resource_link'; uri: string; name?: string }
    | { type: 'omitted'; kind: string; mimeType: string; size: number }
  >;
  structuredContent?: unknown;
  durationMs?: number;
  /** Set when the server failed (did not start, crashed, timed out), not the tool. */
  failure?: IMcpFailure;
}

// The typed data bag of tool results gains an `mcp` entry (declaration merging keeps
// src/tools/results.ts untouched).
declare module '../tools/results' {
  interface IToolResultData {
    mcp?: IResultMcp;
  }
}

/** Image types the Messages API takes as image blocks; others are described in text. */
const API_IMAGE_TYPES = new Set([
  'image/jpeg',
  'image/png',
  'image/gif',
  'image/webp'
]);

/** Render a resource link or embedded resource as the text the model reads. */
function resourceText(
  block: Extract<McpContentBlock, { type: 'resource' | 'resource_link' }>
): string {
  if (block.type === 'resource_link') {
    const label = block.name ? `${block.name} ` : '';
    return `[resource link ${label}<${block.uri}>${block.description ? `: ${block.description}` : ''}]`;
  }
  if (block.text !== undefined) {
    return `[resource <${block.uri}>${block.mimeType ? ` (${block.mimeType})` : ''}]\n${block.text}`;
  }
  return `[binary resource <${block.uri}>${block.mimeType ? ` (${block.mimeType})` : ''}, ${block.size ?? 0} bytes, not shown]`;
}

/** An MCP tool result as the chat's tool result: text and image blocks, typed data. */
export function toToolResult(
  ref: { server: string; tool: string; source: 'admin' | 'workspace' },
  result: IMcpCallResult
): IToolResult {
  const content: Array<TextBlockParam | ImageBlockParam> = [];
  const blocks: IResultMcp['blocks'] = [];
  // Everything the server sent is data: a server (or what it fetched) can say anything.
  const source = `mcp ${ref.server}/${ref.tool}`;
  const framed = (text: string): TextBlockParam => ({
    type: 'text',
    text: frameData(source, text)
  });
  for (const block of result.content) {
    switch (block.type) {
      case 'text':
        content.push(framed(block.text));
        blocks.push({ type: 'text', chars: block.text.length });
        break;
      case 'image': {
        const sent = API_IMAGE_TYPES.has(block.mimeType);
        if (sent) {
          content.push({
            type: 'image',
            source: {
              type: 'base64',
              media_type: block.mimeType as 'image/png',
              data: block.data
            }
          });
        } else {
          content.push(
            framed(
              `[an image of type ${block.mimeType || 'unknown'}, which cannot be shown to you]`
            )
          );
        }
        blocks.push({ type: 'image', mimeType: block.mimeType, sent });
        break;
      }
      case 'resource':
      case 'resource_link':
        content.push(framed(resourceText(block)));
        blocks.push(
          block.type === 'resource'
            ? { type: 'resource', uri: block.uri, mimeType: block.mimeType }
            : { type: 'resource_link', uri: block.uri, name: block.name }
        );
        break;
      case 'omitted':
        content.push(
          framed(
            `[${block.kind} content (${block.mimeType || 'unknown type'}, ${block.size} bytes) left out]`
          )
        );
        blocks.push(block);
        break;
    }
  }
  if (!content.length && result.structuredContent !== undefined) {
    content.push(framed(JSON.stringify(result.structuredContent)));
  }
  if (content.length) {
    content.unshift({ type: 'text', text: DATA_FRAME_NOTE });
  }
  if (!content.length) {
    content.push({
      type: 'text',
      text: result.isError
        ? 'The tool failed without a message.'
        : '(no content)'
    });
  }
  if (result.truncated) {
    content.push({
      type: 'text',
      text: '[The result was longer than the limit and was shortened.]'
    });
  }
  const onlyText = content.every(block => block.type === 'text');
  return {
    content: onlyText
      ? content.map(block => (block as TextBlockParam).text).join('\n')
      : content,
    isError: result.isError || undefined,
    data: {
      truncated: result.truncated || undefined,
      mcp: {
        ...ref,
        blocks,
        ...(result.structuredContent !== undefined
          ? { structuredContent: result.structuredContent }
          : {}),
        ...(result.durationMs !== undefined
          ? { durationMs: result.durationMs }
          : {})
      }
    }
  };
}

/** Plain words for a server-level failure, for the model and the card. */
export function failureText(server: string, failure: IMcpFailure): string {
  switch (failure.kind) {
    case 'timeout':
      return `The MCP server "${server}" timed out: ${failure.message}. It is still running; try a smaller request or ask the user.`;
    case 'crashed':
      return `The MCP server "${server}" stopped unexpectedly (${failure.message}). The user can restart it from the MCP servers list in the chat panel.`;
    case 'start_failed':
      return `The MCP server "${server}" could not be started: ${failure.message}. The user can check its configuration and restart it from the MCP servers list.`;
    case 'not_trusted':
      return `The MCP server "${server}" is not trusted yet, so it was not started. The user can trust it from the MCP servers list.`;
    case 'needs_inputs':
      return `The MCP server "${server}" needs values from the user before it can start (${failure.message}).`;
    default:
      return `The MCP server "${server}" could not run the tool: ${failure.message}`;
  }
}

/** A failed call (server did not start, crashed, timed out) as an error result. */
export function failureResult(
  ref: { server: string; tool: string; source: 'admin' | 'workspace' },
  failure: IMcpFailure
): IToolResult {
  return {
    content: failureText(ref.server, failure),
    isError: true,
    data: { mcp: { ...ref, blocks: [], failure } }
  };
}
