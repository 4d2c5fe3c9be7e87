import type Anthropic from '@anthropic-ai/sdk';
import { UUID } from '@lumino/coreutils';
import {
  buildCompletionPrompt,
  CURSOR,
  type CompletionLanguage,
  type ISchemaEntry,
  trimSuggestion
} from './context';
import { CompletionUsage } from './usage';

/** A performance mark set when a suggestion's first streamed text reaches the page. */
export const FIRST_TEXT_MARK = 'data-engineer:completion-first-text';

/** The provider's settings (JupyterLab's inline completer settings, our provider's entry). */
export interface ICompletionConfig {
  /** Model id; empty: the newest Haiku the endpoint lists. */
  model: string;
  maxTokens: number;
  /** Tokens of context per request (≈ 4 characters each). */
  contextTokens: number;
  /** Languages completed: `python`, `sql`. */
  languages: string[];
}

export const DEFAULT_COMPLETION_CONFIG: ICompletionConfig = {
  model: '',
  maxTokens: 96,
  contextTokens: 1500,
  languages: ['python', 'sql']
};

export interface ICompletionEngineOptions {
  client: () => Anthropic | Promise<Anthropic>;
  /** The endpoint's models (for the default: the newest Haiku). */
  models: () => Promise<readonly { id: string; created_at?: string }[]>;
  /** The project instructions' text (cached by the caller), or null. */
  instructions: () => Promise<string | null>;
  usage?: CompletionUsage;
  /** Completions remembered by prefix (default 64). */
  cacheSize?: number;
}

export interface ICompletionRequest {
  prefix: string;
  suffix: string;
  language: CompletionLanguage;
  previousCells: string[];
  schemas: ISchemaEntry[];
  /** Aborted when the user types on: the request to the model is cancelled. */
  signal?: AbortSignal;
}

/** What `complete` found: a whole suggestion, or the start of one still streaming (`token`). */
export interface ICompletionStart {
  text: string;
  /** Set while the rest streams: pass to `stream()`. */
  token?: string;
  /** The request sent (for tests and the bench); absent for a cache hit. */
  body?: any;
  cached?: boolean;
}

interface IStreaming {
  raw: string;
  done: boolean;
  suffix: string;
  wake: (() => void) | null;
  error?: string;
}

interface ICacheEntry {
  key: string;
  prefix: string;
  suffix: string;
  text: string;
}

/** What streamed so far, cleaned for the ghost text (fences and the marker dropped). */
function cleanPartial(raw: string): string {
  let text = raw;
  if (/^`{1,3}[\w-]*$/.test(text)) {
    return ''; // a fence still arriving
  }
  text = text.replace(/^```[\w-]*\n/, '');
  const marker = text.indexOf(CURSOR);
  return marker >= 0 ? text.slice(0, marker) : text;
}

/** The newest model whose id names Haiku (by `created_at`), else the first listed. */
export function defaultCompletionModel(
  models: readonly { id: string; created_at?: string }[]
): string | null {
  const haiku = models
    .filter(m => /haiku/i.test(m.id))
    .sort((a, b) =>
      String(b.created_at ?? '').localeCompare(String(a.created_at ?? ''))
    );
  return haiku[0]?.id ?? models[0]?.id ?? null;
}

/**
 * Talks to the model for inline completions: one request in flight (a new
 * one aborts the last), the first streamed text returned as soon as it
 * arrives and the rest through `stream(token)`, a small cache keyed by the
 * text around the cursor (typing what was suggested reuses the suggestion).
 */
export class CompletionEngine {
  constructor(options: ICompletionEngineOptions) {
    this._options = options;
  }

  config: ICompletionConfig = { ...DEFAULT_COMPLETION_CONFIG };

  /** The model the next request uses (resolved once per 10 minutes when not set). */
  async model(): Promise<string> {
    if (this.config.model.trim()) {
      return this.config.model.trim();
    }
    if (!this._model || Date.now() - this._model.at > 600_000) {
      const chosen = defaultCompletionModel(await this._options.models());
      if (!chosen) {
        throw new Error(
          'The endpoint lists no models: set a model for inline completion in the settings.'
        );
      }
      this._model = { id: chosen, at: Date.now() };
    }
    return this._model.id;
  }

  /** A cached suggestion for this spot, if any (also when the user typed part of one). */
  cached(prefix: string, suffix: string, language: string): string | null {
    const key = cacheKey(prefix, suffix, language);
    for (let i = this._cache.length - 1; i >= 0; i--) {
      const entry = this._cache[i];
      if (entry.key === key) {
        return entry.text || null;
      }
      if (
        entry.suffix === suffix &&
        prefix.length > entry.prefix.length &&
        prefix.startsWith(entry.prefix)
      ) {
        const whole = entry.prefix + entry.text;
        if (whole.startsWith(prefix) && whole.length > prefix.length) {
          return whole.slice(prefix.length);
        }
      }
    }
    return null;
  }

  /** Start a completion; resolves with its first text (or the whole, when cached or short). */
  async complete(request: ICompletionRequest): Promise<ICompletionStart> {
    this._inflight?.abort();
    this._inflight = null;
    const hit = this.cached(request.prefix, request.suffix, request.language);
    if (hit) {
      return { text: hit, cached: true };
    }
    const model = await this.model();
    const instructions = await this._options.instructions().catch(() => null);
    const prompt = buildCompletionPrompt({
      prefix: request.prefix,
      suffix: request.suffix,
      language: request.language,
      previousCells: request.previousCells,
      schemas: request.schemas,
      instructions,
      budgetChars: this.config.contextTokens * 4
    });
    const body = {
      model,
      max_tokens: this.config.maxTokens,
      temperature: 0,
      stop_sequences: [CURSOR, '\n\n\n'],
      system: [
        {
          type: 'text' as const,
          text: prompt.stable,
          cache_control: { type: 'ephemeral' as const }
        }
      ],
      messages: [{ role: 'user' as const, content: prompt.dynamic }]
    };
    const controller = new AbortController();
    this._inflight = controller;
    const onAbort = () => controller.abort();
    request.signal?.addEventListener('abort', onAbort, { once: true });
    if (request.signal?.aborted) {
      controller.abort();
    }
    const usage = (this._options.usage ??= new CompletionUsage());
    const token = UUID.uuid4();
    const state: IStreaming = {
      raw: '',
      done: false,
      suffix: request.suffix,
      wake: null
    };
    this._streams.set(token, state);
    const wake = () => {
      const w = state.wake;
      state.wake = null;
      w?.();
    };
    usage.noteRequest();
    const stream = (await this._options.client()).messages.stream(body, {
      signal: controller.signal
    });
    stream.on('text', delta => {
      if (!state.raw) {
        // The first streamed text reached the page (the benchmark measures from here).
        performance.mark(FIRST_TEXT_MARK);
      }
      state.raw += delta;
      wake();
    });
    const finished = stream
      .finalMessage()
      .then(message => {
        usage.add(message.usage as any, model);
        const text = trimSuggestion(cleanPartial(state.raw), request.suffix);
        this._remember(request, text);
      })
      .catch(error => {
        if (controller.signal.aborted) {
          usage.noteAborted();
        } else {
          state.error = (error as Error)?.message ?? String(error);
        }
      })
      .finally(() => {
        state.done = true;
        request.signal?.removeEventListener('abort', onAbort);
        if (this._inflight === controller) {
          this._inflight = null;
        }
        wake();
      });
    // The first text (or the end) before answering, so the ghost is never empty.
    while (!state.done && !cleanPartial(state.raw)) {
      await new Promise<void>(resolve => (state.wake = resolve));
    }
    void finished;
    if (state.error && !state.raw) {
      this._streams.delete(token);
      throw new Error(state.error);
    }
    if (state.done) {
      this._streams.delete(token);
      return {
        text: trimSuggestion(cleanPartial(state.raw), request.suffix),
        body
      };
    }
    return { text: cleanPartial(state.raw), token, body };
  }

  /** The growing text of a streaming suggestion, then its final (trimmed) form. */
  async *stream(
    token: string
  ): AsyncGenerator<{ text: string; error?: string }> {
    const state = this._streams.get(token);
    if (!state) {
      return;
    }
    let sent = '';
    try {
      while (!state.done) {
        await new Promise<void>(resolve => (state.wake = resolve));
        const text = cleanPartial(state.raw);
        if (!state.done && text !== sent) {
          sent = text;
          yield { text };
        }
      }
      yield {
        text: trimSuggestion(cleanPartial(state.raw), state.suffix),
        ...(state.error ? { error: state.error } : {})
      };
    } finally {
      this._streams.delete(token);
    }
  }

  /** Cancel the request in flight (the next keystroke). */
  abort(): void {
    this._inflight?.abort();
    this._inflight = null;
  }

  private _remember(request: ICompletionRequest, text: string): void {
    const key = cacheKey(request.prefix, request.suffix, request.language);
    this._cache = this._cache.filter(e => e.key !== key);
    this._cache.push({
      key,
      prefix: request.prefix,
      suffix: request.suffix,
      text
    });
    const max = this._options.cacheSize ?? 64;
    if (this._cache.length > max) {
      this._cache.splice(0, this._cache.length - max);
    }
  }

  private _options: ICompletionEngineOptions;
  private _inflight: AbortController | null = null;
  private _streams = new Map<string, IStreaming>();
  private _cache: ICacheEntry[] = [];
  private _model: { id: string; at: number } | null = null;
}

function cacheKey(prefix: string, suffix: string, language: string): string {
  return `${language}\u0000${prefix.slice(-2000)}\u0000${suffix.slice(0, 400)}`;
}
