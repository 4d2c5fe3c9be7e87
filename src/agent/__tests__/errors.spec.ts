/** @jest-environment node */
import {
  AnthropicError,
  APIConnectionError,
  APIError,
  APIUserAbortError
} from '@anthropic-ai/sdk';
import {
  AbortedError,
  describeError,
  errorActions,
  IncompleteStreamError,
  isAbort,
  retryAfterSeconds,
  sdkErrorName
} from '../errors';

function apiError(
  status: number,
  body: unknown,
  headers: Record<string, string> = {}
) {
  return APIError.generate(
    status,
    body as any,
    undefined,
    new Headers(headers)
  );
}

const body = (type: string, message = 'm') => ({
  type: 'error',
  error: { type, message }
});

describe('describeError', () => {
  it('turns the proxy no-key answer into setup instructions', () => {
    const error = describeError(
      apiError(401, {
        ...body('authentication_error', 'no key'),
        data_engineer_error: 'no_api_key'
      })
    );
    expect(error.kind).toBe('no_key');
    expect(error.message).toContain('ANTHROPIC_API_KEY');
  });

  it('tells a wrong key from a missing one', () => {
    const error = describeError(
      apiError(401, body('authentication_error', 'invalid x-api-key'))
    );
    expect(error.kind).toBe('auth');
    expect(error.detail).toBe('invalid x-api-key');
    expect(error.retryable).toBe(false);
  });

  it('reads the retry time of a 429 from retry-after', () => {
    const error = describeError(
      apiError(429, body('rate_limit_error'), { 'retry-after': '7' })
    );
    expect(error.kind).toBe('rate_limit');
    expect(error.retryAfterSeconds).toBe(7);
    expect(error.message).toContain('7 s');
    expect(error.retryable).toBe(true);
  });

  it('prefers retry-after-ms', () => {
    expect(
      retryAfterSeconds(
        new Headers({ 'retry-after-ms': '2500', 'retry-after': '9' })
      )
    ).toBe(3);
    expect(retryAfterSeconds(new Headers({}))).toBeUndefined();
  });

  it('maps 529 and mid-stream overloaded errors', () => {
    expect(describeError(apiError(529, body('overloaded_error'))).kind).toBe(
      'overloaded'
    );
    const midStream = new APIError(
      undefined,
      body('overloaded_error') as any,
      undefined,
      undefined
    );
    expect(describeError(midStream).kind).toBe('overloaded');
    const other = new APIError(
      undefined,
      body('api_error') as any,
      undefined,
      undefined
    );
    expect(describeError(other).kind).toBe('stream');
  });

  it('maps connection failures and unreachable upstreams', () => {
    expect(
      describeError(new APIConnectionError({ message: 'fetch failed' })).kind
    ).toBe('network');
    expect(
      describeError(
        apiError(502, {
          ...body('api_error'),
          data_engineer_error: 'upstream_unreachable'
        })
      ).kind
    ).toBe('upstream_unreachable');
  });

  it('maps other statuses', () => {
    expect(describeError(apiError(403, body('permission_error'))).kind).toBe(
      'permission'
    );
    expect(describeError(apiError(404, body('not_found_error'))).kind).toBe(
      'not_found'
    );
    expect(describeError(apiError(500, body('api_error'))).kind).toBe('server');
    expect(
      describeError(apiError(400, body('invalid_request_error', 'bad'))).message
    ).toContain('bad');
    expect(
      describeError(
        apiError(
          400,
          body('invalid_request_error', 'prompt is too long: 300000 tokens')
        )
      ).kind
    ).toBe('context_too_long');
    expect(
      describeError(
        apiError(
          413,
          body('request_too_large', 'Request exceeds the maximum size')
        )
      ).kind
    ).toBe('too_long');
    expect(describeError(new Error('boom')).message).toContain('boom');
    expect(describeError(new Error('boom')).kind).toBe('unknown');
  });

  it('maps a prompt over the context window to context_too_long, with the way out', () => {
    const tooLong = describeError(
      apiError(
        400,
        body(
          'invalid_request_error',
          'prompt is too long: 210000 tokens > 200000 maximum'
        )
      )
    );
    expect(tooLong.kind).toBe('context_too_long');
    expect(tooLong.message).toBe(
      "This conversation no longer fits in the model's context window."
    );
    expect(tooLong.detail).toContain('Compact and retry');
    expect(tooLong.detail).toContain('new chat');
    expect(tooLong.detail).toContain('210000 tokens > 200000 maximum');
    expect(tooLong.retryable).toBe(false);
    expect(tooLong.status).toBe(400);
    const limit = describeError(
      apiError(
        400,
        body(
          'invalid_request_error',
          'input length and `max_tokens` exceed context limit: 195000 + 16000 > 200000, decrease input length or `max_tokens` and try again'
        )
      )
    );
    expect(limit.kind).toBe('context_too_long');
    // Other invalid requests stay bad requests.
    expect(
      describeError(
        apiError(
          400,
          body('invalid_request_error', 'max_tokens: must be positive')
        )
      ).kind
    ).toBe('bad_request');
    const trans = { __: (text: string) => `T:${text}` } as any;
    expect(
      describeError(
        apiError(
          400,
          body(
            'invalid_request_error',
            'prompt is too long: 1 tokens > 0 maximum'
          )
        ),
        trans
      ).message
    ).toBe("T:This conversation no longer fits in the model's context window.");
  });

  it('calls a stream that broke off a lost connection', () => {
    const dropped = describeError(new AnthropicError('terminated'));
    expect(dropped.kind).toBe('network');
    expect(dropped.retryable).toBe(true);
    expect(describeError(new TypeError('network error')).kind).toBe('network');
  });

  it("calls the proxy's end of a broken-off upstream stream a lost connection", () => {
    const broke = new APIError(
      undefined,
      {
        ...body(
          'api_error',
          'The connection to the Anthropic API at x broke off'
        ),
        data_engineer_error: 'upstream_broke_off'
      } as any,
      undefined,
      undefined
    );
    expect(describeError(broke).kind).toBe('network');
    expect(describeError(broke).message).toContain('connection was lost');
    expect(errorActions(describeError(broke))).toEqual(['retry']);
  });

  it('calls every way a connection is lost mid-reply the same: a lost connection, Retry', () => {
    const lost = [
      // The proxy's error event when its upstream dropped, with and without its code.
      new APIError(
        undefined,
        {
          ...body(
            'api_connection_error',
            'The connection between the Jupyter server and the Anthropic API was lost'
          ),
          data_engineer_error: 'upstream_broke_off'
        } as any,
        undefined,
        undefined
      ),
      new APIError(
        undefined,
        body('api_connection_error', 'lost') as any,
        undefined,
        undefined
      ),
      // The browser's own connection to the Jupyter server, as the SDK's MessageStream reports it.
      new AnthropicError('network error'),
      new TypeError('network error'),
      // A body that ended cleanly before message_stop.
      new IncompleteStreamError()
    ];
    for (const error of lost) {
      const described = describeError(error);
      expect(described.kind).toBe('network');
      expect(described.message).toContain('connection was lost');
      expect(described.message).not.toMatch(/overloaded/i);
      expect(described.retryable).toBe(true);
      expect(errorActions(described)).toEqual(['retry']);
    }
    expect(describeError(lost[0]).detail).toContain(
      'between the Jupyter server and the Anthropic API'
    );
    expect(describeError(lost[4]).detail).toContain('message_stop');
    // The page's own leg is named as such (MessageStream keeps the fetch error as the cause).
    const wrapped = Object.assign(new AnthropicError('network error'), {
      cause: new TypeError('network error')
    });
    expect(describeError(wrapped).detail).toBe(
      'The connection between this page and the Jupyter server broke off (network error).'
    );
    expect(describeError(new TypeError('terminated')).detail).toContain(
      'this page and the Jupyter server'
    );
    const ended = describeError(
      new AnthropicError(
        'stream ended without producing a Message with role=assistant'
      )
    );
    expect(ended.kind).toBe('network');
    expect(ended.detail).toContain(
      'The stream ended before the reply was complete'
    );
    // An `api_error` event from the model service is not a lost connection.
    expect(
      describeError(
        new APIError(undefined, body('api_error') as any, undefined, undefined)
      ).kind
    ).toBe('stream');
    // Nor is a refused connection before any reply (the SDK retried already).
    const refused = describeError(
      new APIConnectionError({ message: 'Connection error.' })
    );
    expect(refused.kind).toBe('network');
    expect(refused.message).toContain('Could not reach the Jupyter server');
  });

  it('recognises the user abort', () => {
    expect(isAbort(new APIUserAbortError())).toBe(true);
    expect(isAbort(new Error('x'))).toBe(false);
  });

  it("tells Jupyter's own refusal (expired session) from the endpoint's", () => {
    // The proxy marks Jupyter's 401/403 (token, cookie, XSRF) with data_engineer_error.
    const session = describeError(
      apiError(403, {
        ...body('permission_error', "'_xsrf' argument missing from POST"),
        data_engineer_error: 'jupyter_auth'
      })
    );
    expect(session.kind).toBe('session');
    expect(session.message).toContain('Reload the page');
    expect(errorActions(session)).toEqual(['reload', 'retry']);
    // A 403 body that is not in the API's shape comes from Jupyter too (no server extension route).
    expect(
      describeError(apiError(403, { message: 'Forbidden', reason: null })).kind
    ).toBe('session');
    // The endpoint's own 401/403 stay about the key.
    expect(describeError(apiError(403, body('permission_error'))).kind).toBe(
      'permission'
    );
    expect(
      describeError(apiError(401, body('authentication_error'))).kind
    ).toBe('auth');
  });

  it('offers the action that fits each cause', () => {
    const kinds = (
      status: number,
      type: string,
      message = 'm',
      headers: Record<string, string> = {}
    ) =>
      errorActions(
        describeError(apiError(status, body(type, message), headers))
      );
    expect(kinds(401, 'authentication_error')).toEqual(['retry']);
    expect(kinds(403, 'permission_error')).toEqual(['settings', 'retry']);
    expect(kinds(404, 'not_found_error', 'model: claude-x')).toEqual([
      'settings',
      'retry'
    ]);
    expect(
      kinds(
        400,
        'invalid_request_error',
        'prompt is too long: 2 tokens > 1 maximum'
      )
    ).toEqual(['compact', 'new_chat']);
    expect(kinds(413, 'request_too_large')).toEqual(['compact', 'new_chat']);
    expect(kinds(429, 'rate_limit_error', 'm', { 'retry-after': '3' })).toEqual(
      ['retry']
    );
    expect(kinds(500, 'api_error')).toEqual(['retry']);
    expect(kinds(529, 'overloaded_error')).toEqual(['retry']);
    expect(kinds(400, 'invalid_request_error', 'max_tokens: bad')).toEqual([
      'retry',
      'new_chat'
    ]);
    expect(
      errorActions(describeError(new AnthropicError('terminated')))
    ).toEqual(['retry']);
    // A 413 is about the request's size, and says what to do.
    expect(
      describeError(apiError(413, body('request_too_large'))).message
    ).toContain('Compact and retry');
  });
});

describe('errors without the SDK module (it loads with the first request)', () => {
  it('describes errors and aborts with no value import of @anthropic-ai/sdk', () => {
    jest.isolateModules(() => {
      jest.doMock('@anthropic-ai/sdk', () => {
        throw new Error('the SDK was loaded');
      });
      const fresh = require('../errors');
      expect(fresh.describeError(new Error('boom'))).toMatchObject({
        kind: 'unknown'
      });
      expect(fresh.describeError(new TypeError('network error')).kind).toBe(
        'network'
      );
      expect(fresh.describeError(new fresh.IncompleteStreamError()).kind).toBe(
        'network'
      );
      expect(fresh.isAbort(new fresh.AbortedError())).toBe(true);
      expect(fresh.sdkErrorName(new Error('x'))).toBeUndefined();
      jest.dontMock('@anthropic-ai/sdk');
    });
  });

  it('recognises the SDK classes by shape once they exist', () => {
    expect(sdkErrorName(new APIUserAbortError())).toBe('APIUserAbortError');
    expect(sdkErrorName(new APIConnectionError({ message: 'x' }))).toBe(
      'APIConnectionError'
    );
    expect(sdkErrorName(new AnthropicError('terminated'))).toBe(
      'AnthropicError'
    );
    expect(isAbort(new AbortedError())).toBe(true);
  });
});
