import type {
  CompletionHandler,
  IInlineCompletionContext,
  IInlineCompletionItem,
  IInlineCompletionList,
  IInlineCompletionProvider
} from '@jupyterlab/completer';
import type { ISettingRegistry } from '@jupyterlab/settingregistry';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { LabIcon } from '@jupyterlab/ui-components';
import type { ICompletionConfig } from './engine';
import type { CompletionSession } from './session';

/** A performance mark set when JupyterLab asks for a completion (after its debounce). */
export const FETCH_MARK = 'data-engineer:completion-fetch';

/** The provider's id in JupyterLab's inline completer settings. */
export const INLINE_PROVIDER_ID = 'jupyterlab-data-engineer:inline';

/** Our provider's settings and their defaults (shown in JupyterLab's Inline Completer settings). */
export function providerSchema(
  trans: TranslationBundle
): ISettingRegistry.IProperty {
  return {
    properties: {
      model: {
        title: trans.__('Model'),
        description: trans.__(
          'Model id for completions; empty: the newest Haiku the endpoint lists.'
        ),
        type: 'string'
      },
      maxTokens: {
        title: trans.__('Maximum tokens per suggestion'),
        type: 'number',
        minimum: 8,
        maximum: 1024
      },
      contextTokens: {
        title: trans.__('Context tokens per request'),
        description: trans.__(
          'Budget for the cell around the cursor, the cells above, the project instructions and the kernel schemas.'
        ),
        type: 'number',
        minimum: 200,
        maximum: 8000
      },
      languages: {
        title: trans.__('Languages'),
        description: trans.__(
          'Languages completed: python (code cells, files, consoles) and sql (%%sql cells, .sql files).'
        ),
        type: 'array',
        items: { type: 'string', enum: ['python', 'sql'] }
      }
    },
    default: {
      // Opt-in: every suggestion is a request to the model.
      enabled: false,
      debouncerDelay: 250,
      timeout: 10000,
      autoFillInMiddle: false,
      model: '',
      maxTokens: 96,
      contextTokens: 1500,
      languages: ['python', 'sql']
    }
  };
}

/** The provider's settings as the engine takes them (bad values fall back to the defaults). */
export function completionConfigOf(
  settings: Record<string, unknown> | undefined
): ICompletionConfig {
  const number = (
    value: unknown,
    fallback: number,
    min: number,
    max: number
  ) =>
    typeof value === 'number' && Number.isFinite(value)
      ? Math.min(max, Math.max(min, Math.floor(value)))
      : fallback;
  const languages = Array.isArray(settings?.languages)
    ? settings!.languages.filter((l): l is string => typeof l === 'string')
    : ['python', 'sql'];
  return {
    model: typeof settings?.model === 'string' ? settings.model : '',
    maxTokens: number(settings?.maxTokens, 96, 8, 1024),
    contextTokens: number(settings?.contextTokens, 1500, 200, 8000),
    languages
  };
}

/**
 * The inline completion provider registered at start-up. It holds only its
 * settings; the engine, the SDK and the kernel schema cache load the first
 * time completions are enabled.
 */
export class DataEngineerInlineProvider implements IInlineCompletionProvider {
  constructor(options: {
    trans: TranslationBundle;
    load: () => Promise<CompletionSession>;
    icon?: LabIcon.ILabIcon;
  }) {
    this._trans = options.trans;
    this._load = options.load;
    this.icon = options.icon;
  }

  readonly identifier = INLINE_PROVIDER_ID;
  readonly icon?: LabIcon.ILabIcon;

  get name(): string {
    return this._trans.__('Data Engineer');
  }

  get schema(): ISettingRegistry.IProperty {
    return providerSchema(this._trans);
  }

  /** Whether completions are on (JupyterLab's setting for this provider). */
  enabled = false;

  config: ICompletionConfig = completionConfigOf(undefined);

  configure(settings: { [property: string]: any }): void {
    this.enabled = settings?.enabled === true;
    this.config = completionConfigOf(settings);
    if (this.enabled) {
      void this.session(); // start watching executions so schemas are ready when typing starts
    }
  }

  fetch(
    request: CompletionHandler.IRequest,
    context: IInlineCompletionContext
  ): Promise<IInlineCompletionList> {
    // JupyterLab calls this when its debouncer fires: the benchmark measures from here.
    performance.mark(FETCH_MARK);
    return this.session().then(session => session.fetch(request, context));
  }

  async *stream(
    token: string
  ): AsyncGenerator<{ response: IInlineCompletionItem }> {
    const session = await this.session();
    yield* session.stream(token);
  }

  session(): Promise<CompletionSession> {
    this._session ??= this._load();
    this._session.catch(() => (this._session = null));
    return this._session;
  }

  private _trans: TranslationBundle;
  private _load: () => Promise<CompletionSession>;
  private _session: Promise<CompletionSession> | null = null;
}
