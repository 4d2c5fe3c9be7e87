import type Anthropic from '@anthropic-ai/sdk';
import { ReactWidget, showErrorMessage } from '@jupyterlab/apputils';
import type { IDocumentManager } from '@jupyterlab/docmanager';
import type { INotebookTracker } from '@jupyterlab/notebook';
import type { Widget } from '@lumino/widgets';
import type { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import type { Contents, ServerConnection } from '@jupyterlab/services';
import * as React from 'react';
import instructionsTemplate from '../../personas/templates/copilot.instructions.md';
import { Assistant } from '../agent/assistant';
import { savedChatOf } from '../agent/chatAutosave';
import { ChatStore, ISavedChat } from '../agent/chatStore';
import { chatToMarkdown, chatToNotebook, exportFileName } from '../agent/export';
import { ChatThreads } from '../agent/threads';
import { createClient, fetchServerConfig, IServerConfig } from '../agent/client';
import { isNotFound } from '../contents/contents';
import { InstructionsLoader, PROJECT_INSTRUCTIONS } from '../context/instructions';
import { BUNDLED_PERSONAS } from '../personas/bundled';
import { ModelCatalog } from '../personas/modelCatalog';
import type { IModelInfo } from '../personas/modelResolution';
import { PersonaRegistry } from '../personas/registry';
import { buildNotebookView } from '../notebook/view';
import { notebookViewInput } from '../notebook/viewInput';
import { createNotebookTools, NotebookAccess, NOTEBOOKS_SERVICE } from '../tools/notebook';
import { ToolRegistry } from '../tools/registry';
import { createKernelTools, KERNELS_SERVICE, KernelInspectors, variablesSummary } from '../tools/kernel';
import type { IInspectorKernel } from '../kernel/kernelInspector';
import { PathExt } from '@jupyterlab/coreutils';
import {
  ContentsSnapshotStore,
  contentsForFiles,
  createFileTools,
  FILES_SERVICE,
  FilesService,
  openDocumentLookup
} from '../tools/files';
import type { IChatSettings } from '../settings';
import { CellActions } from './cellActions';
import { ChatView } from './chatView';
import { PersonaContents } from './workspaceContents';

type Translate = (text: string, ...args: any[]) => string;

/** What the chat needs from JupyterLab. */
export interface IChatWidgetOptions {
  rendermime: IRenderMimeRegistry;
  notebookTracker: INotebookTracker | null;
  docManager: IDocumentManager | null;
  /** Bring a widget to the front (a notebook the assistant created or opened). */
  activate: (widget: Widget) => void;
  serverSettings: ServerConnection.ISettings;
  contents: Contents.IManager;
  settings: () => IChatSettings;
  /** Path of the active notebook or document, if any. */
  activePath: () => string | null;
  /** Open a file of the server root in JupyterLab. */
  openFile: (path: string) => void;
  trans: Translate;
}

/**
 * The chat's widget: owns one assistant (conversation, persona, model) and
 * renders it. Loaded lazily, with the SDK, the first time the panel opens.
 */
export class ChatWidget extends ReactWidget {
  constructor(options: IChatWidgetOptions) {
    super();
    this._options = options;
    this.addClass('jp-DataEngineer-chatWidget');
    const personas = new PersonaRegistry({
      bundled: BUNDLED_PERSONAS,
      contents: new PersonaContents(options.contents, () => this._serverConfig?.allow_hidden ?? null)
    });
    const catalog = new ModelCatalog(async () => {
      const models: IModelInfo[] = [];
      for await (const model of this._client().models.list({ limit: 100 })) {
        models.push(model);
      }
      return models;
    });
    const tracker = options.notebookTracker;
    const notebooks =
      tracker && options.docManager
        ? new NotebookAccess({ tracker, docManager: options.docManager, shell: options.activate })
        : null;
    const filesContents = contentsForFiles(options.contents);
    this.files = new FilesService({
      contents: filesContents,
      baseDir: () => {
        // Neighbouring files: relative to the active notebook's folder (else the root).
        const path = tracker?.currentWidget?.context.localPath ?? '';
        return path ? PathExt.dirname(path) : '';
      },
      openDocument: options.docManager ? openDocumentLookup(options.docManager) : undefined,
      snapshots: new ContentsSnapshotStore({ contents: filesContents }),
      chatId: () => this.assistant.chatId
    });
    const registry = new ToolRegistry([
      ...(notebooks ? [...createNotebookTools({ notebooks }), ...createKernelTools()] : []),
      ...createFileTools()
    ]);
    const inspectors = new KernelInspectors();
    const activeInspector = () => {
      const kernel = tracker?.currentWidget?.sessionContext.session?.kernel as IInspectorKernel | undefined;
      return kernel ? inspectors.for(kernel) : null;
    };
    this.assistant = new Assistant({
      client: () => this._client(),
      registry,
      toolServices: () => ({
        [FILES_SERVICE]: this.files,
        ...(notebooks ? { [NOTEBOOKS_SERVICE]: notebooks, [KERNELS_SERVICE]: inspectors } : {})
      }),
      chatId: readChatId(),
      onChatId: writeChatId,
      context: async ({ step }) => {
        const panel = tracker?.currentWidget;
        if (!panel) {
          return null;
        }
        const parts = [buildNotebookView(notebookViewInput(panel))];
        const inspector = activeInspector();
        // The kernel's frames at the start of a turn; inside the tool loop the
        // model asks list_variables itself, so no kernel round trip per step.
        if (
          step === 1 &&
          inspector &&
          options.settings().variablesContext &&
          panel.sessionContext.session?.kernel?.status === 'idle'
        ) {
          const listing = await inspector.listVariables({ timeoutMs: 2000 }).catch(() => null);
          const summary = listing ? variablesSummary(listing) : null;
          if (summary) {
            parts.push(summary);
          }
        }
        return parts.join('\n\n');
      },
      variables: {
        names: async () => {
          const listing = await activeInspector()?.listVariables({ timeoutMs: 3000 });
          return (listing?.variables ?? []).map((v: any) => String(v.name));
        },
        summary: async name => {
          const inspector = activeInspector();
          if (!inspector) {
            throw new Error('no kernel');
          }
          return JSON.stringify(await inspector.inspectVariable(name));
        }
      },
      settings: options.settings,
      personas,
      catalog,
      instructions: new InstructionsLoader(options.contents, options.trans),
      activePath: options.activePath,
      trans: options.trans
    });
    this.threads = new ChatThreads({
      host: this.assistant,
      store: new ChatStore({
        contents: options.contents,
        folder: options.settings().chatFolder,
        folderHint: readStored(CHAT_FOLDER_KEY)
      }),
      trans: options.trans
    });
    this.threads.changed.connect(() => {
      const folder = this.threads.store.folder;
      if (folder) {
        writeStored(CHAT_FOLDER_KEY, folder);
      }
      this.update();
    });
    this._actions = new CellActions(options.notebookTracker, options.trans);
    this.assistant.stateChanged.connect(() => this.update());
    window.addEventListener('pagehide', this._onPageHide);
    void this._start();
  }

  /** The saved chats: autosave, reopen after a reload, switch, rename, delete, search. */
  readonly threads: ChatThreads;

  readonly assistant: Assistant;
  /** File tools' service: change log, snapshots, conflict tracking. */
  readonly files: FilesService;

  /** The conversation's session (send, stop, retry). */
  get session() {
    return this.assistant.session;
  }

  /** Ask the server again about its setup, then reload personas and instructions. */
  async refresh(): Promise<void> {
    this._serverConfig = await fetchServerConfig(this._options.serverSettings);
    this.update();
    await Promise.all([this.assistant.personas.load(), this.assistant.refreshInstructions()]);
  }

  /** Create copilot.instructions.md from the template (never overwriting) and open it. */
  async createInstructions(): Promise<void> {
    const { contents } = this._options;
    try {
      await contents.get(PROJECT_INSTRUCTIONS, { content: false });
    } catch (error) {
      if (!isNotFound(error)) {
        throw error;
      }
      await contents.save(PROJECT_INSTRUCTIONS, {
        type: 'file',
        format: 'text',
        content: instructionsTemplate
      });
    }
    this._options.openFile(PROJECT_INSTRUCTIONS);
    await this.assistant.refreshInstructions();
  }

  /**
   * Export a chat (the current one by default) next to the active notebook
   * (or at the root) under a free name, and open the file. Returns its path.
   */
  async exportChat(format: 'md' | 'ipynb', id?: string): Promise<string> {
    const { contents } = this._options;
    let chat: ISavedChat | null;
    if (!id || id === this.assistant.chatId) {
      chat = savedChatOf(this.assistant);
    } else {
      chat = await this.threads.store.load(id);
    }
    if (!chat) {
      throw new Error(this._options.trans('This chat is empty: there is nothing to export yet.'));
    }
    const personaName = (pid: string) => this.assistant.personas.get(pid)?.name ?? pid;
    const active = this._options.notebookTracker?.currentWidget?.context.localPath ?? '';
    const folder = active ? PathExt.dirname(active) : '';
    const name = exportFileName(chat, format);
    const stem = name.slice(0, name.length - format.length - 1);
    let path = '';
    for (let n = 0; n < 1000; n++) {
      const candidate = PathExt.join(folder, n ? `${stem}-${n}.${format}` : name);
      try {
        await contents.get(candidate, { content: false });
      } catch (error) {
        if (isNotFound(error)) {
          path = candidate;
          break;
        }
        throw error;
      }
    }
    if (!path) {
      throw new Error(this._options.trans('No free file name for the export in "%1".', folder || '/'));
    }
    if (format === 'md') {
      await contents.save(path, { type: 'file', format: 'text', content: chatToMarkdown(chat, { personaName }) });
    } else {
      await contents.save(path, {
        type: 'notebook',
        format: 'json',
        content: chatToNotebook(chat, { personaName }) as any
      });
    }
    this._options.openFile(path);
    return path;
  }

  /** Put the keyboard focus in the composer. */
  focusComposer(): void {
    this._composer.current?.focus();
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    window.removeEventListener('pagehide', this._onPageHide);
    void this.threads.flush().finally(() => this.threads.dispose());
    this.assistant.dispose();
    super.dispose();
  }

  protected render(): JSX.Element {
    return (
      <ChatView
        assistant={this.assistant}
        rendermime={this._options.rendermime}
        trans={this._options.trans}
        actions={this._actions}
        serverConfig={this._serverConfig}
        directMode={this._options.settings().directMode}
        composerRef={this._composer}
        onOpenFile={path => this._options.openFile(path)}
        onCreateInstructions={() => void this.createInstructions()}
        onReloadPersonas={() => void this.assistant.personas.load()}
        changeLog={this.files.changeLog}
        threads={this.threads}
        restored={this._restored}
        settings={this._options.settings}
        onExport={(id, format) => void this._export(format, id)}
      />
    );
  }

  private async _start(): Promise<void> {
    // The saved chat is read first, alone (a long chat is most of what the
    // panel waits for); the server config, personas and instructions follow.
    let refreshed: Promise<void> | null = null;
    const refresh = () => (refreshed ??= this.refresh());
    await this.threads.restore(readChatId(), refresh);
    await refresh();
    this._restored = true;
    this.update();
  }

  /** Whether the last chat has been reopened (or there was none). */
  get restored(): boolean {
    return this._restored;
  }

  private async _export(format: 'md' | 'ipynb', id?: string): Promise<void> {
    try {
      await this.exportChat(format, id);
    } catch (error) {
      void showErrorMessage(this._options.trans('Export failed'), (error as Error)?.message ?? String(error));
    }
  }

  private _onPageHide = () => {
    // Best effort: the page may be gone before the request completes.
    void this.threads.flush();
  };

  /** One SDK client per distinct connection setting. */
  private _client(): Anthropic {
    const s = this._options.settings();
    const key = JSON.stringify([s.directMode, s.directApiKey, s.directBaseUrl]);
    if (!this._cachedClient || this._cachedKey !== key) {
      this._cachedClient = createClient(
        {
          directMode: s.directMode,
          directApiKey: s.directApiKey,
          directBaseUrl: s.directBaseUrl
        },
        this._options.serverSettings
      );
      this._cachedKey = key;
    }
    return this._cachedClient;
  }

  private _options: IChatWidgetOptions;
  private _actions: CellActions;
  private _serverConfig: IServerConfig | null = null;
  private _composer = React.createRef<HTMLTextAreaElement>();
  private _cachedClient: Anthropic | null = null;
  private _cachedKey = '';
  private _restored = false;
}

/** The current chat's id is remembered per browser, so file changes stay undoable after a reload. */
const CHAT_ID_KEY = 'jupyterlab-data-engineer:chat-id';

/** The folder the chats were found in last time (hidden or fallback), to look there first. */
const CHAT_FOLDER_KEY = 'jupyterlab-data-engineer:chat-folder';

function readChatId(): string | null {
  return readStored(CHAT_ID_KEY);
}

function writeChatId(id: string): void {
  writeStored(CHAT_ID_KEY, id);
}

function readStored(key: string): string | null {
  try {
    return window.localStorage.getItem(key);
  } catch {
    return null;
  }
}

function writeStored(key: string, value: string): void {
  try {
    window.localStorage.setItem(key, value);
  } catch {
    // Storage may be disabled; the value then lives for this page only.
  }
}
