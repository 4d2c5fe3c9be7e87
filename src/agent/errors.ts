import type { TranslationBundle } from '@jupyterlab/translation';
import { untranslated } from '../translation';
import type { ChatErrorKind, IChatError } from '../chats/conversation';
// Type-only: the SDK (88 KB gzip) loads with the first request, not to draw a
// chat. Its errors are recognised by shape (see `sdkErrorName`).
import type { APIError } from '@anthropic-ai/sdk';

export type { ChatErrorKind, IChatError };

/**
 * A stream that ended cleanly but before the reply did (no `message_stop`):
 * a connection closed by something between the page and the model endpoint
 * (a reverse proxy, a restarted server). The reply is as incomplete as after
 * a broken connection, and is treated the same way.
 */
export class IncompleteStreamError extends Error {
  constructor() {
    super(
      'The stream ended before the reply was complete (no message_stop event).'
    );
    this.name = 'IncompleteStreamError';
  }
}

/**
 * The user's own Stop, thrown by our code (the SDK throws its
 * `APIUserAbortError`); both are recognised by `isAbort`.
 */
export class AbortedError extends Error {
  constructor(message = 'Request was aborted.') {
    super(message);
    this.name = 'AbortError';
  }
}

/**
 * The SDK's name for an error of its own (every SDK error class carries a
 * static `_errorName`, which minification keeps), or undefined for any other
 * error. Lets errors be classified without importing the SDK's classes.
 */
export function sdkErrorName(error: unknown): string | undefined {
  if (!(error instanceof Error)) {
    return undefined;
  }
  const name = (error.constructor as { _errorName?: unknown } | undefined)
    ?._errorName;
  return typeof name === 'string' ? name : undefined;
}

/** An SDK `AnthropicError` (any of its subclasses) or our `IncompleteStreamError`. */
function isAnthropicError(error: unknown): error is Error {
  return (
    sdkErrorName(error) !== undefined || error instanceof IncompleteStreamError
  );
}

/** An SDK `APIError` (its constructor always sets status, headers and error). */
function isApiError(error: unknown): error is APIError {
  return (
    sdkErrorName(error) !== undefined &&
    'status' in (error as object) &&
    'headers' in (error as object) &&
    'error' in (error as object)
  );
}

/**
 * What the user can do about an error, offered as buttons: send again, compact
 * the chat and send again, open the settings (model name), reload the page
 * (Jupyter session), start a new chat.
 */
export type ChatErrorAction =
  'retry' | 'compact' | 'settings' | 'reload' | 'new_chat';

/**
 * The actions that fit an error, the one that helps most first. Read from the
 * kind (not stored), so chats saved before an action existed get it too.
 */
export function errorActions(
  error: Pick<IChatError, 'kind' | 'retryable'>
): ChatErrorAction[] {
  switch (error.kind) {
    case 'context_too_long':
    case 'too_long':
      return ['compact', 'new_chat'];
    case 'not_found':
    case 'permission':
      return ['settings', 'retry'];
    case 'session':
      // Retry when the session came back without a reload (logged in again in another tab).
      return ['reload', 'retry'];
    case 'bad_request':
      return ['retry', 'new_chat'];
    default:
      // auth and no_key: Retry once the server's key is fixed (the message says how).
      return ['retry'];
  }
}

/** Read `retry-after-ms` / `retry-after` (seconds or an HTTP date). */
export function retryAfterSeconds(
  headers: Headers | undefined | null
): number | undefined {
  if (!headers) {
    return undefined;
  }
  const ms = headers.get('retry-after-ms');
  if (ms && !isNaN(Number(ms))) {
    return Math.max(0, Math.ceil(Number(ms) / 1000));
  }
  const value = headers.get('retry-after');
  if (!value) {
    return undefined;
  }
  if (!isNaN(Number(value))) {
    return Math.max(0, Math.ceil(Number(value)));
  }
  const date = Date.parse(value);
  if (!isNaN(date)) {
    return Math.max(0, Math.ceil((date - Date.now()) / 1000));
  }
  return undefined;
}

/**
 * What the API says when a request does not fit in the model's context
 * window ("prompt is too long: 210000 tokens > 200000 maximum", "input length
 * and `max_tokens` exceed context limit: …").
 */
const CONTEXT_TOO_LONG = [
  /prompt is too long/i,
  /input length and `?max_tokens`? exceed context limit/i,
  /exceeds? (the )?(model'?s? )?context (window|limit|length)/i
];

/** Whether an API error message says the request is over the context window. */
export function isContextTooLong(message: string | undefined | null): boolean {
  return !!message && CONTEXT_TOO_LONG.some(pattern => pattern.test(message));
}

/** True when the error is the user's own Stop. */
export function isAbort(error: unknown): boolean {
  return (
    sdkErrorName(error) === 'APIUserAbortError' ||
    (error instanceof Error && error.name === 'AbortError')
  );
}

/** Turn anything thrown by the SDK or the proxy into an actionable message. */
export function describeError(
  error: unknown,
  trans: TranslationBundle = untranslated
): IChatError {
  const sdkName = sdkErrorName(error);
  if (
    sdkName === 'APIConnectionError' ||
    sdkName === 'APIConnectionTimeoutError'
  ) {
    return {
      kind: 'network',
      message: trans.__(
        'Could not reach the Jupyter server or the model endpoint. Check your network connection and that the Jupyter server is running, then retry.'
      ),
      detail: (error as Error).message,
      retryable: true
    };
  }
  if (isApiError(error)) {
    const body = (error.error ?? {}) as any;
    const status = error.status;
    const type = error.type ?? body?.error?.type ?? undefined;
    const detail = error.apiMessage ?? body?.error?.message ?? undefined;
    const base = {
      status,
      detail,
      requestId: error.requestID ?? undefined
    };
    if (body?.data_engineer_error === 'no_api_key') {
      return {
        ...base,
        kind: 'no_key',
        message: trans.__(
          'No Anthropic API key is configured on the Jupyter server. Ask your administrator (or set it yourself) to define ANTHROPIC_API_KEY in the environment of the Jupyter server, or c.DataEngineer.anthropic_api_key in its configuration, then restart the server.'
        ),
        retryable: true
      };
    }
    if (
      body?.data_engineer_error === 'upstream_unreachable' ||
      status === 502 ||
      status === 504
    ) {
      return {
        ...base,
        kind: 'upstream_unreachable',
        message: trans.__(
          "The Jupyter server could not reach the model endpoint. Check ANTHROPIC_BASE_URL and the server's network access, then retry."
        ),
        retryable: true
      };
    }
    if (
      status === undefined &&
      (body?.data_engineer_error === 'upstream_broke_off' ||
        type === 'api_connection_error')
    ) {
      // The proxy's own end of a stream whose upstream connection broke off
      // (the partial reply before it arrived whole).
      return {
        ...base,
        kind: 'network',
        message: trans.__(
          'The connection was lost in the middle of the reply. Check your network and the Jupyter server, then retry.'
        ),
        retryable: true
      };
    }
    if (status === undefined) {
      // An `event: error` inside a stream that had already started.
      if (type === 'overloaded_error') {
        return {
          ...base,
          kind: 'overloaded',
          message: trans.__(
            'The model is overloaded and stopped mid-reply. Retry in a moment.'
          ),
          retryable: true
        };
      }
      return {
        ...base,
        kind: 'stream',
        message: trans.__(
          'The reply was interrupted by an error from the model service.'
        ),
        retryable: true
      };
    }
    if (
      body?.data_engineer_error === 'jupyter_auth' ||
      ((status === 401 || status === 403) && !body?.error)
    ) {
      // Refused by the Jupyter server itself (token, cookie or XSRF), not by the model endpoint.
      return {
        ...base,
        kind: 'session',
        message: trans.__(
          'The Jupyter server refused the request: your Jupyter session has probably expired or you were logged out. Reload the page (log in again if asked) and send your last message again: what was written after the session ended could not be saved. (If you logged in again in another tab, Retry is enough.)'
        ),
        retryable: false
      };
    }
    if (status === 401 || type === 'authentication_error') {
      return {
        ...base,
        kind: 'auth',
        message: trans.__(
          'The API key was refused by the model endpoint. Check that ANTHROPIC_API_KEY on the Jupyter server is a valid, active key for this endpoint.'
        ),
        retryable: false
      };
    }
    if (status === 403) {
      return {
        ...base,
        kind: 'permission',
        message: trans.__(
          "The model endpoint denied access: the API key lacks permission for this model or feature. Choose another model in the settings, or ask the key's administrator."
        ),
        retryable: true
      };
    }
    if (status === 404) {
      return {
        ...base,
        kind: 'not_found',
        message: trans.__(
          'The model endpoint does not know this model (or path). Check the model name in the settings, then retry.'
        ),
        retryable: false
      };
    }
    if (
      (status === 400 || status === 413 || type === 'invalid_request_error') &&
      isContextTooLong(detail ?? error.message)
    ) {
      // The remedy is a shorter conversation: "Compact and retry" (or a new chat).
      const advice = trans.__(
        'Choose "Compact and retry" to summarise the earlier part of the chat and send it again, or start a new chat.'
      );
      return {
        ...base,
        kind: 'context_too_long',
        message: trans.__(
          "This conversation no longer fits in the model's context window."
        ),
        detail: detail
          ? `${advice}\n\n${trans.__('The model endpoint said: %1', detail)}`
          : advice,
        retryable: false
      };
    }
    if (status === 413 || type === 'request_too_large') {
      // The request body is over the endpoint's size limit (large tool results or images).
      return {
        ...base,
        kind: 'too_long',
        message: trans.__(
          'The request is too large for the model endpoint (large tool results or images). Choose "Compact and retry" to shorten the chat and send it again, or start a new chat.'
        ),
        retryable: false
      };
    }
    if (status === 429) {
      const wait = retryAfterSeconds(error.headers);
      return {
        ...base,
        kind: 'rate_limit',
        retryAfterSeconds: wait,
        message:
          wait !== undefined
            ? trans.__(
                'Rate limited by the model endpoint. You can retry in %1 s.',
                wait
              )
            : trans.__(
                'Rate limited by the model endpoint. Wait a little, then retry.'
              ),
        retryable: true
      };
    }
    if (status === 529 || type === 'overloaded_error') {
      return {
        ...base,
        kind: 'overloaded',
        retryAfterSeconds: retryAfterSeconds(error.headers),
        message: trans.__(
          'The model is overloaded right now. Retry in a moment.'
        ),
        retryable: true
      };
    }
    if (status >= 500) {
      return {
        ...base,
        kind: 'server',
        message: trans.__(
          'The model endpoint had an internal error (%1). Retry in a moment.',
          status
        ),
        retryable: true
      };
    }
    if (status === 400) {
      return {
        ...base,
        kind: 'bad_request',
        message: trans.__(
          'The request was rejected: %1',
          detail ?? error.message
        ),
        retryable: false
      };
    }
    return {
      ...base,
      kind: 'unknown',
      message: trans.__('The request failed: %1', detail ?? error.message),
      retryable: true
    };
  }
  if (isAnthropicError(error) || error instanceof TypeError) {
    // A body that broke off: the SDK wraps the fetch's own error (a TypeError,
    // "network error" in Chromium, "terminated" in Node) in an AnthropicError.
    const cause =
      error instanceof TypeError ? error : (error as { cause?: unknown }).cause;
    return {
      kind: 'network',
      message: trans.__(
        'The connection was lost in the middle of the reply. Check your network and the Jupyter server, then retry.'
      ),
      detail:
        cause instanceof TypeError
          ? trans.__(
              'The connection between this page and the Jupyter server broke off (%1).',
              cause.message
            )
          : /^(stream|request) ended without/.test(error.message)
            ? // The SDK's words for a body that ended cleanly before message_stop.
              trans.__(
                'The stream ended before the reply was complete (%1).',
                error.message
              )
            : error.message,
      retryable: true
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return {
    kind: 'unknown',
    message: trans.__('Something went wrong: %1', message),
    retryable: true
  };
}
