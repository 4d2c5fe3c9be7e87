/** @jest-environment node */
import { ServerConnection } from '@jupyterlab/services';
import { createClient, fetchServerConfig, proxyBaseUrl } from '../client';
import { fakeFetch } from '../../__tests__/fakeStream';

function settingsWith(fetchImpl: typeof fetch) {
  return ServerConnection.makeSettings({
    baseUrl: 'http://localhost:8888/user/alice/',
    wsUrl: 'ws://localhost:8888/user/alice/',
    token: 'jupyter-token',
    appendToken: false,
    fetch: fetchImpl,
    Request,
    Headers
  } as any);
}

describe('createClient through the proxy', () => {
  it('targets the proxy under the hub prefix and sends the Jupyter token, not a bearer key', async () => {
    const fake = fakeFetch([{ text: 'Hello' }]);
    const settings = settingsWith(fake.fetch);
    expect(proxyBaseUrl(settings)).toBe(
      'http://localhost:8888/user/alice/data-engineer/anthropic'
    );
    const client = await createClient(
      { directMode: false, directApiKey: '', directBaseUrl: '', maxRetries: 0 },
      settings
    );
    const message = await client.messages
      .stream({
        model: 'm',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'hi' }]
      })
      .finalMessage();
    expect(message.content[0]).toMatchObject({ type: 'text', text: 'Hello' });
    expect(fake.requests).toHaveLength(1);
    const request = fake.requests[0];
    expect(
      request.url.startsWith(
        'http://localhost:8888/user/alice/data-engineer/anthropic/v1/messages'
      )
    ).toBe(true);
    expect(request.method).toBe('POST');
    // Jupyter's own token header, and never the SDK's placeholder key.
    expect(request.headers['authorization']).toBe('token jupyter-token');
    expect(JSON.stringify(request.headers)).not.toContain(
      'set-on-the-jupyter-server'
    );
    expect(request.headers['x-api-key']).toBeUndefined();
    expect(request.headers['anthropic-version']).toBeTruthy();
    expect(request.body.stream).toBe(true);
    expect(request.body.messages).toEqual([{ role: 'user', content: 'hi' }]);
  });

  it('uses the user key and base URL in direct mode', async () => {
    const fake = fakeFetch([{ text: 'Hi' }]);
    const original = globalThis.fetch;
    globalThis.fetch = fake.fetch;
    try {
      const client = await createClient(
        {
          directMode: true,
          directApiKey: 'sk-user',
          directBaseUrl: 'http://127.0.0.1:9999',
          maxRetries: 0
        },
        settingsWith(fake.fetch)
      );
      await client.messages
        .stream({
          model: 'm',
          max_tokens: 10,
          messages: [{ role: 'user', content: 'hi' }]
        })
        .finalMessage();
    } finally {
      globalThis.fetch = original;
    }
    const request = fake.requests[0];
    expect(request.url.startsWith('http://127.0.0.1:9999/v1/messages')).toBe(
      true
    );
    expect(
      request.headers['authorization'] === 'Bearer sk-user' ||
        request.headers['x-api-key'] === 'sk-user'
    ).toBe(true);
    expect(request.headers['anthropic-dangerous-direct-browser-access']).toBe(
      'true'
    );
  });
});

describe('fetchServerConfig', () => {
  it('reports the server extension as unavailable when the route is missing', async () => {
    const settings = settingsWith(
      (async () => new Response('not found', { status: 404 })) as any
    );
    const config = await fetchServerConfig(settings);
    expect(config.available).toBe(false);
    expect(config.has_key).toBe(false);
  });

  it('passes on what the server says', async () => {
    let url = '';
    const settings = settingsWith((async (input: Request) => {
      url = input.url;
      return new Response(
        JSON.stringify({
          has_key: true,
          upstream: 'https://api.anthropic.com',
          upstream_is_default: true
        }),
        { status: 200, headers: { 'content-type': 'application/json' } }
      );
    }) as any);
    const config = await fetchServerConfig(settings);
    expect(
      url.startsWith('http://localhost:8888/user/alice/data-engineer/config')
    ).toBe(true);
    expect(config).toMatchObject({
      available: true,
      has_key: true,
      upstream_is_default: true
    });
  });
});
