/**
 * Test helper: a fetch that answers like the Messages API, built from a small
 * script, so the SDK's real stream parser runs in unit tests.
 */

export interface IFakeReply {
  text?: string;
  /** Tool calls after the text, each streamed as input_json_delta fragments. */
  tools?: { id: string; name: string; input: unknown }[];
  chunk?: number;
  /** Throw an `event: error` after this many characters. */
  errorAfter?: number;
  errorType?: string;
  status?: number;
  headers?: Record<string, string>;
  errorBody?: unknown;
  usage?: {
    input_tokens: number;
    output_tokens: number;
    cache_read_input_tokens?: number;
  };
  /** Wait this long between deltas. */
  delayMs?: number;
  stopReason?: string;
  /**
   * The connection breaks after this many SSE events (and `cutBytes` bytes of
   * the next one): reading the body fails as a browser's fetch does.
   */
  dropAfterEvents?: number;
  /** The body ends cleanly after this many events (no message_stop). */
  endAfterEvents?: number;
  /** With `dropAfterEvents`: bytes of the next event sent before the break. */
  cutBytes?: number;
}

function sse(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** The SSE events of one scripted reply. */
export function sseEvents(reply: IFakeReply, model = 'claude-test'): string[] {
  const usage = {
    input_tokens: reply.usage?.input_tokens ?? 10,
    output_tokens: 1,
    cache_read_input_tokens: reply.usage?.cache_read_input_tokens ?? 0,
    cache_creation_input_tokens: 0
  };
  const events = [
    sse('message_start', {
      type: 'message_start',
      message: {
        id: 'msg_test',
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage
      }
    }),
    sse('content_block_start', {
      type: 'content_block_start',
      index: 0,
      content_block: { type: 'text', text: '' }
    })
  ];
  const text = reply.text ?? '';
  const size = reply.chunk ?? 4;
  for (let i = 0; i < text.length; i += size) {
    if (reply.errorAfter !== undefined && i >= reply.errorAfter) {
      events.push(
        sse('error', {
          type: 'error',
          error: {
            type: reply.errorType ?? 'overloaded_error',
            message: 'Overloaded'
          }
        })
      );
      return events;
    }
    events.push(
      sse('content_block_delta', {
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'text_delta', text: text.slice(i, i + size) }
      })
    );
  }
  events.push(
    sse('content_block_stop', { type: 'content_block_stop', index: 0 })
  );
  (reply.tools ?? []).forEach((tool, i) => {
    const index = i + 1;
    events.push(
      sse('content_block_start', {
        type: 'content_block_start',
        index,
        content_block: {
          type: 'tool_use',
          id: tool.id,
          name: tool.name,
          input: {}
        }
      })
    );
    const json = JSON.stringify(tool.input);
    for (let j = 0; j < json.length; j += 7) {
      events.push(
        sse('content_block_delta', {
          type: 'content_block_delta',
          index,
          delta: {
            type: 'input_json_delta',
            partial_json: json.slice(j, j + 7)
          }
        })
      );
    }
    events.push(
      sse('content_block_stop', { type: 'content_block_stop', index })
    );
  });
  const stopReason =
    reply.stopReason ?? (reply.tools?.length ? 'tool_use' : 'end_turn');
  events.push(
    sse('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: stopReason, stop_sequence: null },
      usage: { ...usage, output_tokens: reply.usage?.output_tokens ?? 5 }
    })
  );
  events.push(sse('message_stop', { type: 'message_stop' }));
  return events;
}

/** What the fake fetch saw. */
export interface IRecordedRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: any;
}

/** A fetch that plays the replies in order and records the requests. */
export function fakeFetch(replies: IFakeReply[]): {
  fetch: typeof fetch;
  requests: IRecordedRequest[];
} {
  const requests: IRecordedRequest[] = [];
  const queue = [...replies];
  const impl = async (
    input: RequestInfo | URL,
    init?: RequestInit
  ): Promise<Response> => {
    const request =
      input instanceof Request ? input : new Request(String(input), init);
    const headers: Record<string, string> = {};
    new Headers(init?.headers ?? request.headers).forEach((value, key) => {
      headers[key] = value;
    });
    request.headers.forEach((value, key) => {
      headers[key] = value;
    });
    const bodyText = init?.body ? String(init.body) : await request.text();
    requests.push({
      url: request.url,
      method: init?.method ?? request.method,
      headers,
      body: bodyText ? JSON.parse(bodyText) : null
    });
    const reply = queue.shift() ?? { text: 'default' };
    if (reply.status && reply.status >= 400) {
      return new Response(
        JSON.stringify(
          reply.errorBody ?? {
            type: 'error',
            error: { type: 'rate_limit_error', message: 'Too many requests' }
          }
        ),
        {
          status: reply.status,
          headers: {
            'content-type': 'application/json',
            'request-id': 'req_1',
            ...reply.headers
          }
        }
      );
    }
    const events = sseEvents(reply);
    const signal = init?.signal ?? request.signal;
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        // Like a real fetch: aborting errors the body that is being read.
        signal?.addEventListener('abort', () => {
          try {
            controller.error(
              new DOMException('The operation was aborted.', 'AbortError')
            );
          } catch {
            // already closed
          }
        });
        for (const [i, event] of events.entries()) {
          if (signal?.aborted) {
            return;
          }
          if (i === reply.dropAfterEvents) {
            if (reply.cutBytes) {
              controller.enqueue(
                encoder.encode(event.slice(0, reply.cutBytes))
              );
            }
            // An error discards what is queued and unread (as a browser drops
            // unread bytes of a broken connection): let the reader take it first.
            while ((controller.desiredSize ?? 1) < 1) {
              await new Promise(resolve => setTimeout(resolve, 1));
            }
            // What Chromium's fetch reports for a connection lost mid-body.
            controller.error(new TypeError('network error'));
            return;
          }
          if (i === reply.endAfterEvents) {
            break;
          }
          if (reply.delayMs) {
            await new Promise(resolve => setTimeout(resolve, reply.delayMs));
          }
          if (signal?.aborted) {
            return;
          }
          controller.enqueue(encoder.encode(event));
        }
        if (!signal?.aborted) {
          controller.close();
        }
      }
    });
    return new Response(body, {
      status: 200,
      headers: { 'content-type': 'text/event-stream', 'request-id': 'req_1' }
    });
  };
  return { fetch: impl as typeof fetch, requests };
}
