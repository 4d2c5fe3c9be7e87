/** @jest-environment node */
/**
 * The mock Messages API (ui-tests/mock/mock_anthropic.py) driven by the real
 * @anthropic-ai/sdk: if the SDK accepts the mock's streams and errors, code
 * tested against the mock sees what it would see from the real API.
 */
import Anthropic from '@anthropic-ai/sdk';
import { ChildProcess, spawn } from 'child_process';
import * as path from 'path';

// Not 'claude-sonnet-4-5-20250929': SDK 1.14 warns that it is deprecated.
const MODEL = 'claude-sonnet-4-6';
const SYSTEM = 'You are a senior data engineer.';
const MESSAGES: Anthropic.MessageParam[] = [
  { role: 'user', content: 'Summarise df' }
];

let mock: ChildProcess;
let baseURL = '';

/** Start the mock on a free port and resolve its URL from the READY line. */
function startMock(): Promise<string> {
  const script = path.join(__dirname, '../../ui-tests/mock/mock_anthropic.py');
  mock = spawn('python3', [script, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'inherit']
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(
      () => reject(new Error('mock did not start')),
      15000
    );
    mock.on('exit', code => reject(new Error(`mock exited with ${code}`)));
    mock.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /MOCK READY (http:\/\/\S+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
  });
}

async function control(route: string, body?: unknown): Promise<any> {
  const response = await fetch(`${baseURL}/_mock/${route}`, {
    method: body === undefined ? 'GET' : 'POST',
    body: body === undefined ? undefined : JSON.stringify(body)
  });
  return response.json();
}

const script = (...responses: unknown[]) => control('script', { responses });
const recorded = async () => (await control('requests')).requests as any[];

function client(maxRetries = 0): Anthropic {
  return new Anthropic({ apiKey: 'sk-test', baseURL, maxRetries });
}

function stream(c = client()) {
  return c.messages.stream({
    model: MODEL,
    max_tokens: 1024,
    system: SYSTEM,
    messages: MESSAGES
  });
}

/** The rejection of a promise (fails the test if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

beforeAll(async () => {
  baseURL = await startMock();
}, 20000);

afterAll(() => {
  mock?.kill();
});

beforeEach(async () => {
  await control('reset', {});
});

describe('mock Messages API with the real SDK', () => {
  it('streams text token by token and assembles the final message', async () => {
    const text = 'Hello **world**: `df.shape` is (3, 2).';
    await script({
      blocks: [{ type: 'text', text }],
      chunk_size: 4,
      usage: {
        input_tokens: 12,
        output_tokens: 7,
        cache_read_input_tokens: 5,
        cache_creation_input_tokens: 2
      }
    });
    const s = stream();
    const deltas: string[] = [];
    s.on('text', delta => deltas.push(delta));
    const message = await s.finalMessage();

    expect(deltas.length).toBe(Math.ceil(text.length / 4));
    expect(deltas.join('')).toBe(text);
    expect(message.content).toEqual([{ type: 'text', text }]);
    expect(message.id).toMatch(/^msg_/);
    expect(message.role).toBe('assistant');
    expect(message.model).toBe(MODEL);
    expect(message.stop_reason).toBe('end_turn');
    expect(message.stop_sequence).toBeNull();
    expect(message.usage).toMatchObject({
      input_tokens: 12,
      output_tokens: 7,
      cache_read_input_tokens: 5,
      cache_creation_input_tokens: 2
    });
  });

  it('streams a tool_use block whose JSON input parses to the script', async () => {
    const input = { source: 'df.groupby("k").sum()', index: 2, run: true };
    await script({
      blocks: [
        { type: 'text', text: 'Inserting a cell.' },
        { type: 'tool_use', id: 'toolu_01', name: 'insert_cell', input }
      ],
      stop_reason: 'tool_use',
      chunk_size: 5
    });
    const s = stream();
    const fragments: string[] = [];
    s.on('inputJson', fragment => fragments.push(fragment));
    const message = await s.finalMessage();

    expect(fragments.length).toBeGreaterThan(1);
    expect(JSON.parse(fragments.join(''))).toEqual(input);
    expect(message.stop_reason).toBe('tool_use');
    expect(message.content).toEqual([
      { type: 'text', text: 'Inserting a cell.' },
      { type: 'tool_use', id: 'toolu_01', name: 'insert_cell', input }
    ]);
  });

  it('records the system prompt, messages and headers the SDK sent', async () => {
    await stream().finalMessage();
    const [request] = await recorded();
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/v1/messages');
    expect(request.body).toMatchObject({
      model: MODEL,
      max_tokens: 1024,
      system: SYSTEM,
      messages: MESSAGES,
      stream: true
    });
    // SDK 1.14 sends the API key as a bearer token, not as x-api-key.
    expect(request.headers.authorization).toBe('Bearer sk-test');
    expect(request.headers['x-api-key']).toBeUndefined();
    expect(request.headers['anthropic-version']).toBeDefined();
    expect(request.headers.cookie).toBeUndefined();
    expect(request.finished).toBe(true);
    expect(request.client_disconnected).toBe(false);
  });

  it('gives the default markdown reply when nothing is scripted', async () => {
    const text = await stream().finalText();
    expect(text).toMatch(/^Mock reply to: Summarise df/);
    expect(text).toContain('```python');
  });

  it('surfaces a 429 as RateLimitError with its retry-after header', async () => {
    await script({
      type: 'http_error',
      status: 429,
      message: 'Number of requests has exceeded your rate limit',
      headers: { 'retry-after': '7' }
    });
    const error = await rejection(stream().finalMessage());
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    expect(error.status).toBe(429);
    expect(error.headers.get('retry-after')).toBe('7');
    expect(error.requestID).toMatch(/^req_/);
    expect(error.type).toBe('rate_limit_error');
    expect((await recorded()).length).toBe(1);
  });

  it('surfaces a 529 as OverloadedError', async () => {
    await script({ type: 'http_error', status: 529, message: 'Overloaded' });
    const error = await rejection(
      client().messages.create({
        model: MODEL,
        max_tokens: 10,
        messages: MESSAGES
      })
    );
    expect(error).toBeInstanceOf(Anthropic.OverloadedError);
    expect(error).toBeInstanceOf(Anthropic.InternalServerError);
    expect(error.status).toBe(529);
    expect(error.type).toBe('overloaded_error');
  });

  it('surfaces a 401 as AuthenticationError', async () => {
    await control('config', { expected_key: 'sk-other' });
    const error = await rejection(stream().finalMessage());
    expect(error).toBeInstanceOf(Anthropic.AuthenticationError);
    expect(error.error.error.message).toBe('invalid x-api-key');
  });

  it('retries a 529 by itself when retries are allowed', async () => {
    await script(
      {
        type: 'http_error',
        status: 529,
        headers: { 'retry-after-ms': '10' }
      },
      { blocks: [{ type: 'text', text: 'second try' }] }
    );
    expect(await stream(client(2)).finalText()).toBe('second try');
    const requests = await recorded();
    expect(requests.map(r => r.status)).toEqual([529, 200]);
    expect(requests[1].headers['x-stainless-retry-count']).toBe('1');
  });

  it('rejects on a mid-stream `event: error` with an APIError', async () => {
    await script({
      blocks: [{ type: 'text', text: 'partial answer that stops' }],
      chunk_size: 3,
      error_after_chars: 7
    });
    const s = stream();
    const deltas: string[] = [];
    s.on('text', delta => deltas.push(delta));
    const error = await rejection(s.finalMessage());
    expect(deltas.join('')).toBe('partial');
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect(error.status).toBeUndefined();
    expect(error.type).toBe('overloaded_error');
    expect(error.error).toMatchObject({
      type: 'error',
      error: { type: 'overloaded_error', message: 'Overloaded' }
    });
  });

  it('rejects when the connection drops mid-stream', async () => {
    await script({
      blocks: [{ type: 'text', text: 'this answer is cut short' }],
      chunk_size: 2,
      drop_after_chars: 4
    });
    const s = stream();
    const deltas: string[] = [];
    s.on('text', delta => deltas.push(delta));
    const error = await rejection(s.finalMessage());
    expect(deltas.join('')).toBe('this');
    // Not an APIError: the SDK wraps undici's `TypeError: terminated` in an AnthropicError.
    expect(error).toBeInstanceOf(Anthropic.AnthropicError);
    expect(error).not.toBeInstanceOf(Anthropic.APIError);
    const [request] = await recorded();
    expect(request.dropped).toBe(true);
    expect(request.finished).toBe(false);
  });

  it('rejects with APIConnectionError when dropped before any response', async () => {
    await script({
      blocks: [{ type: 'text', text: 'x' }],
      drop_after_chars: 0
    });
    const error = await rejection(
      client().messages.create({
        model: MODEL,
        max_tokens: 10,
        messages: MESSAGES
      })
    );
    expect(error).toBeInstanceOf(Anthropic.APIConnectionError);
  });

  it('records a client that aborts mid-stream', async () => {
    await script({
      blocks: [{ type: 'text', text: 'x'.repeat(100) }],
      chunk_size: 1,
      delay_ms: 20
    });
    const s = stream();
    await new Promise<void>(resolve => s.once('text', () => resolve()));
    s.abort();
    await rejection(s.finalMessage());
    let request: any;
    for (let i = 0; i < 100; i++) {
      [request] = await recorded();
      if (request.client_disconnected) {
        break;
      }
      await new Promise(r => setTimeout(r, 20));
    }
    expect(request.client_disconnected).toBe(true);
    expect(request.finished).toBe(false);
  });

  it('lists models and counts tokens', async () => {
    const c = client();
    const ids: string[] = [];
    for await (const model of c.models.list()) {
      ids.push(model.id);
    }
    expect(ids).toContain(MODEL);
    const count = await c.messages.countTokens({
      model: MODEL,
      system: SYSTEM,
      messages: MESSAGES
    });
    expect(count.input_tokens).toBeGreaterThan(0);
  });
});
