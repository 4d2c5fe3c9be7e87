import { readSettings } from '../settings';
import type { ISettingRegistry } from '@jupyterlab/settingregistry';
import type { CompletionUsage } from './usage';
import type {
  CompletionHandler,
  IInlineCompletionContext,
  IInlineCompletionItem,
  IInlineCompletionList
} from '@jupyterlab/completer';
import type { Contents, ServerConnection } from '@jupyterlab/services';
import { NotebookActions } from '@jupyterlab/notebook';
import { createClient } from '../agent/client';
import { InstructionsLoader } from '../instructions/instructions';
import { serverRootCheck } from '../contents/rootCheck';
import { loadMinimatch } from '../contents/globs';
import { createWorkspaceFileGuard } from '../files';
import { KernelInspector, type IInspectorKernel } from '../kernel';
import { SensitivePaths } from '../files';
import {
  identifiers,
  sensitiveDocument,
  type CompletionLanguage
} from './context';
import { CompletionEngine, type ICompletionConfig } from './engine';
import { SchemaCache } from './schemaCache';

export interface ICompletionSessionOptions {
  serverSettings: ServerConnection.ISettings;
  contents: Contents.IManager;
  /** The chat's settings (connection: proxy or direct mode). */
  /** The chat plugin's settings (null until loaded or without a settings registry). */
  chatSettings: () => ISettingRegistry.ISettings | null;
  config: () => ICompletionConfig;
  /** Whether the provider is enabled (schemas are refreshed only then). */
  enabled: () => boolean;
  /** Where token use is counted (the chat's footer shows it). */
  usage?: CompletionUsage;
}

/** The language of the text at the cursor, from the editor's MIME type. */
export function languageOf(mimeType: string | undefined): CompletionLanguage {
  const mime = (mimeType ?? '').toLowerCase();
  if (/sql/.test(mime)) {
    return 'sql';
  }
  if (/python/.test(mime)) {
    return 'python';
  }
  return 'other';
}

/** The notebook of a widget (a NotebookPanel), if it is one. */
function notebookOf(widget: any): any | null {
  return widget?.content?.widgets && widget?.content?.activeCell !== undefined
    ? widget.content
    : null;
}

/** Sources of the code cells above the active one, nearest first. */
export function previousCellsOf(widget: any, max = 20): string[] {
  const notebook = notebookOf(widget);
  if (!notebook) {
    return [];
  }
  const cells: any[] = notebook.widgets;
  const active = notebook.activeCellIndex ?? cells.indexOf(notebook.activeCell);
  const out: string[] = [];
  for (let i = active - 1; i >= 0 && out.length < max; i--) {
    const model = cells[i]?.model;
    if (model?.type === 'code') {
      out.push(String(model.sharedModel.getSource()));
    }
  }
  return out;
}

/** The shared model of the text being edited (active cell, file, console prompt). */
function sourceModelOf(widget: any): any | null {
  return (
    notebookOf(widget)?.activeCell?.model?.sharedModel ??
    widget?.console?.promptCell?.model?.sharedModel ??
    widget?.content?.model?.sharedModel ??
    null
  );
}

/**
 * The completion provider's working part, loaded with the SDK the first time
 * completions are enabled or asked for: the engine, the schema cache kept
 * fresh after executions, the project instructions' text (re-read at most
 * once a minute).
 */
export class CompletionSession {
  constructor(options: ICompletionSessionOptions) {
    this._options = options;
    // The chat's rules for instruction files: symlinks, sensitive paths, 1 MiB.
    this._loader = new InstructionsLoader(
      options.contents,
      undefined,
      createWorkspaceFileGuard({
        rootCheck: serverRootCheck(options.serverSettings),
        contents: options.contents
      }),
      {
        useAgentsMd: () => {
          const settings = options.chatSettings();
          return settings
            ? readSettings(settings).useAgentsMdFile !== false
            : true;
        }
      }
    );
    this.engine = new CompletionEngine({
      client: () => this._client(),
      models: async () => {
        const models: { id: string; created_at?: string }[] = [];
        for await (const model of (await this._client()).models.list({
          limit: 100
        })) {
          models.push(model);
        }
        return models;
      },
      instructions: () => this._instructions(),
      usage: options.usage
    });
    NotebookActions.executed.connect(this._onExecuted, this);
  }

  readonly engine: CompletionEngine;
  readonly schemas = new SchemaCache();

  async fetch(
    request: CompletionHandler.IRequest,
    context: IInlineCompletionContext
  ): Promise<IInlineCompletionList> {
    this.engine.config = this._options.config();
    const widget: any = context.widget;
    let language = languageOf(request.mimeType);
    const prefix = request.text.slice(0, request.offset);
    const suffix = request.text.slice(request.offset);
    if (/^\s*%%sql\b/.test(request.text)) {
      language = 'sql';
    }
    const enabledFor = this.engine.config.languages.map(l => l.toLowerCase());
    if (enabledFor.includes(language)) {
      await loadMinimatch(); // the sensitive-path rules match globs (a lazy chunk)
    }
    if (
      !enabledFor.includes(language) ||
      sensitiveDocument(widget, this._sensitive())
    ) {
      return { items: [] };
    }
    const kernel = (context.session?.kernel ?? null) as IInspectorKernel | null;
    if (kernel && !this._seen.has(kernel.id)) {
      this._refresh(widget, kernel); // first request for this kernel: schemas for the next one
    }
    // The next keystroke cancels this request (the upstream request too).
    const controller = new AbortController();
    const source = sourceModelOf(widget);
    const onChange = () => {
      if (source.getSource() !== request.text) {
        controller.abort();
        source.changed.disconnect(onChange);
      }
    };
    source?.changed.connect(onChange);
    const release = () => source?.changed.disconnect(onChange);
    try {
      const start = await this.engine.complete({
        prefix,
        suffix,
        language,
        previousCells: previousCellsOf(widget),
        schemas: kernel ? this.schemas.get(kernel.id) : [],
        signal: controller.signal
      });
      if (!start.token) {
        release();
        return { items: start.text ? [{ insertText: start.text }] : [] };
      }
      this._releases.set(start.token, release);
      return {
        items: [
          { insertText: start.text, isIncomplete: true, token: start.token }
        ]
      };
    } catch (error) {
      release();
      if (controller.signal.aborted) {
        return { items: [] };
      }
      throw error;
    }
  }

  async *stream(
    token: string
  ): AsyncGenerator<{ response: IInlineCompletionItem }> {
    try {
      for await (const update of this.engine.stream(token)) {
        yield {
          response: {
            insertText: update.text,
            ...(update.error ? { error: { message: update.error } } : {})
          }
        };
      }
    } finally {
      this._releases.get(token)?.();
      this._releases.delete(token);
    }
  }

  dispose(): void {
    NotebookActions.executed.disconnect(this._onExecuted, this);
    this.engine.abort();
  }

  private _onExecuted(_: unknown, args: { notebook: any }): void {
    if (!this._options.enabled()) {
      return;
    }
    const panel = args.notebook?.parent;
    const kernel = panel?.sessionContext?.session?.kernel as
      IInspectorKernel | undefined;
    if (kernel) {
      this._refresh(panel, kernel);
    }
  }

  /** Refresh the schemas of `kernel` in the background, for the names `widget`'s code uses. */
  private _refresh(widget: any, kernel: IInspectorKernel): void {
    this._seen.add(kernel.id);
    let inspector = this._inspectors.get(kernel.id);
    if (!inspector || inspector.kernel !== kernel) {
      inspector = { kernel, inspector: new KernelInspector(kernel) };
      this._inspectors.set(kernel.id, inspector);
    }
    const referenced = new Set<string>();
    const notebook = notebookOf(widget);
    const sources: string[] = notebook
      ? notebook.widgets.map((cell: any) =>
          String(cell.model?.sharedModel?.getSource() ?? '')
        )
      : [String(sourceModelOf(widget)?.getSource() ?? '')];
    for (const source of sources) {
      for (const name of identifiers(source)) {
        referenced.add(name);
      }
    }
    void this.schemas.refresh(kernel.id, inspector.inspector, referenced);
  }

  /** The file tools' sensitive-path rules, with the `sensitivePaths` setting. */
  private _sensitive(): SensitivePaths {
    const loaded = this._options.chatSettings();
    const extra = loaded ? readSettings(loaded).sensitivePaths : [];
    const key = JSON.stringify(extra);
    if (this._sensitivePaths?.key !== key) {
      this._sensitivePaths = { key, rules: new SensitivePaths({ extra }) };
    }
    return this._sensitivePaths.rules;
  }

  private _client() {
    const loaded = this._options.chatSettings();
    const settings = loaded ? readSettings(loaded) : null;
    return createClient(
      {
        directMode: settings?.directMode ?? false,
        directApiKey: settings?.directApiKey ?? '',
        directBaseUrl: settings?.directBaseUrl ?? '',
        maxRetries: 0 // a completion retried later is a stale one
      },
      this._options.serverSettings
    );
  }

  private async _instructions(): Promise<string | null> {
    if (
      this._instructionsCache &&
      Date.now() - this._instructionsCache.at < 60_000
    ) {
      return this._instructionsCache.text;
    }
    let text: string | null = null;
    try {
      // The loader caps the size and re-reads only what changed.
      const state = await this._loader.load(null);
      text =
        state.files.find(f => f.kind === 'project')?.text ??
        state.files[0]?.text ??
        null;
    } catch {
      text = null;
    }
    this._instructionsCache = { text, at: Date.now() };
    return text;
  }

  private _options: ICompletionSessionOptions;
  private _seen = new Set<string>();
  private _inspectors = new Map<
    string,
    { kernel: IInspectorKernel; inspector: KernelInspector }
  >();
  private _releases = new Map<string, () => void>();
  private _instructionsCache: { text: string | null; at: number } | null = null;
  private _loader: InstructionsLoader;
  private _sensitivePaths: { key: string; rules: SensitivePaths } | null = null;
}
