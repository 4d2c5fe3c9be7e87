// The chat's styles load with the chat (start-up has only the shell's: style/base.css).
import '../../style/chat.css';
import type Anthropic from '@anthropic-ai/sdk';
import { PathExt } from '@jupyterlab/coreutils';
import type { IDocumentManager } from '@jupyterlab/docmanager';
import type { INotebookTracker } from '@jupyterlab/notebook';
import type { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import type {
  Contents,
  ServerConnection,
  Terminal
} from '@jupyterlab/services';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { CommandRegistry } from '@lumino/commands';
import { ISignal, Signal } from '@lumino/signaling';
import type { Widget } from '@lumino/widgets';
import instructionsTemplate from '../../personas/templates/copilot.instructions.md';
import { Assistant } from '../agent/assistant';
import { PromptFileCommands } from '../agent/promptCommands';
import {
  createClient,
  fetchServerConfig,
  IServerConfig
} from '../agent/client';
import { ChatModel } from '../chats/chatModel';
import { ChatStore, ISavedChat } from '../chats/store';
import {
  chatToMarkdown,
  chatToNotebook,
  exportFileName
} from '../chats/export';
import {
  isDataFile,
  ISuggestedPrompt,
  ISuggestionFacts,
  suggestPrompts
} from '../chats/suggestions';
import { ChatThreads } from '../chats/threads';
import { ChatLock } from '../chats/lock';
import { isNotFound } from '../contents/contents';
import { serverRootCheck } from '../contents/rootCheck';
import {
  IWorkspaceFileGuard,
  WORKSPACE_FILES_SERVICE
} from '../contents/workspaceFiles';
import {
  DEFAULT_INSTRUCTIONS_BUDGET_TOKENS,
  InstructionsLoader,
  PROJECT_INSTRUCTIONS
} from '../instructions/instructions';
import { buildNotebookView } from '../notebook';
import { notebookViewInput } from '../notebook';
import type { IInspectorKernel } from '../kernel';
import { BUNDLED_PERSONAS } from '../personas/bundled';
import { ModelCatalog } from '../personas/modelCatalog';
import type { IModelInfo } from '../personas/modelResolution';
import { PersonaRegistry } from '../personas/registry';
import { readSettings, type IChatSettings } from '../settings';
import type { ISettingRegistry } from '@jupyterlab/settingregistry';
import type { CompletionUsage } from '../completion';
import type {
  IPersonaSources,
  IResultViews,
  IToolFamily,
  IToolFamilyContents,
  IToolFamilyHost,
  IToolRegistry
} from '../tokens';
import type * as React from 'react';
import type { ITool } from '../tools/types';
import { DisposableDelegate, IDisposable } from '@lumino/disposable';
import {
  ContentsSnapshotStore,
  contentsForFiles,
  createWorkspaceFileGuard,
  FILES_SERVICE,
  FilesService,
  openDocumentLookup
} from '../files';
import { KERNELS_SERVICE, KernelInspectors, variablesSummary } from '../kernel';
import { ToolRegistry } from '../tools/registry';
import { CellActions } from './cellActions';
import { ChatWidget } from '../ui/chatWidget';
import { ResultViews } from '../api/registries';
import { PersonaContents } from '../personas/workspaceContents';

/** A tool family as the chat holds it: what to undo when it goes, what it brought. */
interface ILoadedFamily {
  disposables: IDisposable[];
  contents: IToolFamilyContents | null;
}

/** What the chat needs from JupyterLab. */
export interface IChatOptions {
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
  commands: CommandRegistry;
  trans: TranslationBundle;
  /** JupyterLab's terminal sessions (the chat's terminal shows in its Running panel). */
  terminals?: Terminal.IManager | null;
  /** Tool families of features and other extensions (`IToolRegistry`). */
  toolFamilies?: IToolRegistry;
  /** Views of tool results (`IResultViews`); the families' views are added here. */
  resultViews?: IResultViews;
  /** Persona folders added by other extensions (`IPersonaSources`). */
  personaSources?: IPersonaSources;
  /** Inline completions' token use in this tab (the footer shows it). */
  completionUsage?: CompletionUsage | null;
}

/** The current chat's id is remembered per browser, so file changes stay undoable after a reload. */
const CHAT_ID_KEY = 'jupyterlab-data-engineer:chat-id';

/** The folder the chats were found in last time (hidden or fallback), to look there first. */
const CHAT_FOLDER_KEY = 'jupyterlab-data-engineer:chat-folder';

/**
 * The composition root of the chat: builds the services (SDK client,
 * personas, model catalog, instructions, the files service), the agent
 * (`Assistant` with its session), the saved chats (`ChatThreads`) and the
 * current `ChatModel`. Views get this object and render it; they construct
 * nothing. Loaded lazily the first time the panel opens; the tools (the
 * chat's own and the families') load later, on first need (`loadTools`),
 * and the SDK with the first request.
 */
export class ChatApp {
  constructor(options: IChatOptions) {
    this.options = options;
    const trans = options.trans;
    const rootCheck = serverRootCheck(options.serverSettings);
    // Workspace files read before any click (instructions, personas, prompt
    // files, tasks): the file tools' symlink and sensitive-path rules, 1 MiB.
    const workspaceFiles = createWorkspaceFileGuard({
      rootCheck,
      contents: options.contents,
      sensitive: () => this.files.sensitive
    });
    this.workspaceFiles = workspaceFiles;
    const personaContents = new PersonaContents(
      options.contents,
      () => this._serverConfig?.allow_hidden ?? null,
      workspaceFiles
    );
    const personas = new PersonaRegistry({
      bundled: BUNDLED_PERSONAS,
      contents: personaContents,
      extraFolders: () => [
        ...(options.settings().agentFilesLocations ?? []),
        ...(options.personaSources?.folders ?? [])
      ]
    });
    options.personaSources?.changed.connect(() => void personas.load());
    const catalog = new ModelCatalog(async () => {
      const models: IModelInfo[] = [];
      for await (const model of (await this.client()).models.list({
        limit: 100
      })) {
        models.push(model);
      }
      return models;
    });
    const tracker = options.notebookTracker;
    // The notebook and kernel tools act on open notebooks (they load with the tools, on first need).
    const withNotebooks = !!(tracker && options.docManager);
    const filesContents = contentsForFiles(options.contents);
    this.files = new FilesService({
      contents: filesContents,
      baseDir: () => {
        // Neighbouring files: relative to the active notebook's folder (else the root).
        const path = tracker?.currentWidget?.context.localPath ?? '';
        return path ? PathExt.dirname(path) : '';
      },
      openDocument: options.docManager
        ? openDocumentLookup(options.docManager)
        : undefined,
      snapshots: new ContentsSnapshotStore({
        contents: filesContents,
        retentionDays: () => options.settings().snapshotRetentionDays
      }),
      chatId: () => this.assistant.chatId,
      // Sensitive paths, the chat folders (never written by the file tools), the symlink check.
      sensitivePatterns: () => options.settings().sensitivePaths,
      chatFolders: () => [options.settings().chatFolder, 'data-engineer-chats'],
      rootCheck
    });
    // Empty until the tools load (`loadTools`): the chat's own, then the families'.
    const registry = new ToolRegistry();
    this._registry = registry;
    const inspectors = new KernelInspectors();
    this._inspectors = inspectors;
    const activeInspector = () => {
      const kernel = tracker?.currentWidget?.sessionContext.session?.kernel as
        IInspectorKernel | undefined;
      return kernel ? inspectors.for(kernel) : null;
    };
    this.assistant = new Assistant({
      client: () => this.client(),
      registry,
      loadTools: () => this.loadTools(),
      toolServices: () => ({
        ...this._coreServices,
        ...this._familyServices
      }),
      model: new ChatModel({ id: readStored(CHAT_ID_KEY) ?? undefined }),
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
          const listing = await inspector
            .listVariables({ timeoutMs: 2000 })
            .catch(() => null);
          const summary = listing ? variablesSummary(listing) : null;
          if (summary) {
            parts.push(summary);
          }
        }
        return parts.join('\n\n');
      },
      variables: {
        names: async () => {
          const listing = await activeInspector()?.listVariables({
            timeoutMs: 3000
          });
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
      instructions: new InstructionsLoader(
        options.contents,
        trans,
        workspaceFiles,
        {
          useAgentsMd: () => options.settings().useAgentsMdFile !== false,
          budgetTokens: () =>
            options.settings().instructionsBudgetTokens ??
            DEFAULT_INSTRUCTIONS_BUDGET_TOKENS
        }
      ),
      activePath: options.activePath,
      trans
    });
    // Prompt files (.github/prompts/*.prompt.md) as slash commands, read again with the personas.
    this.prompts = new PromptFileCommands({
      contents: personaContents,
      slashCommands: this.assistant.slashCommands,
      hasPersona: id => !!personas.get(id),
      context: () => {
        const panel = tracker?.currentWidget;
        const cell = panel?.content.activeCell;
        const editor = cell?.editor;
        let selection: string | null = null;
        if (editor && cell) {
          const range = editor.getSelection();
          const source = cell.model.sharedModel.getSource();
          const start = editor.getOffsetAt(range.start);
          const end = editor.getOffsetAt(range.end);
          selection =
            source.slice(Math.min(start, end), Math.max(start, end)) || null;
        }
        return {
          file: options.activePath(),
          selection,
          cell: cell ? cell.model.sharedModel.getSource() : null
        };
      }
    });
    personas.changed.connect(() => void this.prompts.load());
    this.prompts.changed.connect(() =>
      this.assistant.setPromptFiles({
        commands: [...this.prompts.commands],
        problems: [...this.prompts.problems]
      })
    );
    writeStored(CHAT_ID_KEY, this.assistant.chatId);
    this.assistant.session.modelChanged.connect((_, model) =>
      writeStored(CHAT_ID_KEY, model.id)
    );
    this.threads = new ChatThreads({
      session: this.assistant.session,
      store: new ChatStore({
        contents: options.contents,
        folder: options.settings().chatFolder,
        folderHint: readStored(CHAT_FOLDER_KEY)
      }),
      // One writer per chat across this browser's tabs (issue 12).
      lock: new ChatLock(),
      trans
    });
    this.threads.changed.connect(() => {
      const folder = this.threads.store.folder;
      if (folder) {
        writeStored(CHAT_FOLDER_KEY, folder);
      }
    });
    this.actions = new CellActions(options.notebookTracker, trans);
    this.resultViews = options.resultViews ?? new ResultViews();
    window.addEventListener('pagehide', this._onPageHide);
    // The core services the families' tools may use, by name (the notebooks' join with the tools).
    this._coreServices = {
      [FILES_SERVICE]: this.files,
      [WORKSPACE_FILES_SERVICE]: workspaceFiles,
      ...(withNotebooks ? { [KERNELS_SERVICE]: inspectors } : {})
    };
    options.toolFamilies?.changed.connect(this._onFamiliesChanged, this);
  }

  /**
   * Load the tools, once, on first need: the chat's own (notebook, kernel
   * and file tools, their chunk with minimatch), then the tool families
   * (features' and other extensions'). Drawing an empty chat loads none of
   * them; the first keystroke in the composer, a send (which waits for
   * them), the persona details, a tool card to draw or a family asking to
   * load at start (`loadAtStart`) does. Later calls share the promise; after
   * a failed load (a chunk that did not arrive) the next call tries again.
   */
  loadTools(): Promise<void> {
    if (!this._tools) {
      const loading = (async () => {
        const { createCoreTools } = await import('./coreTools');
        const core = await createCoreTools({
          notebookTracker: this.options.notebookTracker,
          docManager: this.options.docManager,
          activate: this.options.activate,
          files: () => this.files
        });
        if (this._disposed) {
          return;
        }
        for (const tool of core.tools) {
          if (!this._registry.get(tool.name)) {
            this._registry.add(tool);
          }
        }
        Object.assign(this._coreServices, core.services);
        this._toolsLoaded = true;
        await this._loadFamilies();
      })();
      this._tools = loading;
      loading.catch(error => {
        console.error(
          'jupyterlab-data-engineer: the tools could not be loaded',
          error
        );
        if (this._tools === loading) {
          this._tools = null;
        }
      });
    }
    return this._tools;
  }

  /** Whether the tools have loaded (see `loadTools`). */
  get toolsLoaded(): boolean {
    return this._toolsLoaded;
  }

  private _onFamiliesChanged(): void {
    if (this._toolsLoaded) {
      // Added to (or removed from) a chat whose tools are loaded: now.
      void this._loadFamilies();
    } else {
      void this._loadIfAsked();
    }
  }

  /** Load the tools now when a family asks to (`loadAtStart`: it has a status to show). */
  private async _loadIfAsked(): Promise<void> {
    const families = (this.options.toolFamilies?.families ?? []).filter(
      family => family.loadAtStart && !this._asked.has(family)
    );
    families.forEach(family => this._asked.add(family));
    const answers = await Promise.all(
      families.map(async family => {
        try {
          return !!(await family.loadAtStart!());
        } catch {
          return false;
        }
      })
    );
    if (answers.some(Boolean) && !this._disposed) {
      await this.loadTools().catch(() => undefined);
    }
  }

  /**
   * Load the tool families not loaded yet (features' and other extensions'),
   * add their tools, services, slash commands and result views; take out
   * those of families that were removed. A family that fails to load is
   * reported in the console and leaves the others working.
   */
  private async _loadFamilies(): Promise<void> {
    const families = this.options.toolFamilies?.families ?? [];
    for (const [family, loaded] of [...this._families]) {
      if (!families.includes(family)) {
        loaded.disposables.forEach(d => d.dispose());
        this._families.delete(family);
      }
    }
    const host: IToolFamilyHost = {
      services: this._coreServices,
      settings: () => this.options.settings() as any,
      activePath: () => this.options.activePath(),
      chatId: () => this.assistant.chatId,
      serverConfig: () =>
        this._serverConfig as Readonly<Record<string, unknown>> | null,
      trans: this.options.trans,
      registry: this._registry
    };
    await Promise.all(
      families
        .filter(family => !this._families.has(family))
        .map(async family => {
          const loaded: ILoadedFamily = { disposables: [], contents: null };
          this._families.set(family, loaded);
          try {
            const contents = await family.load(host);
            if (this._families.get(family) !== loaded) {
              return; // removed while loading
            }
            loaded.contents = contents;
            await this._addFamily(family, contents, loaded.disposables);
          } catch (error) {
            console.error(
              `jupyterlab-data-engineer: the tool family "${family.id}" could not be loaded`,
              error
            );
          }
        })
    );
    this._stateChanged.emit();
  }

  private async _addFamily(
    family: IToolFamily,
    contents: Awaited<ReturnType<IToolFamily['load']>>,
    disposables: IDisposable[]
  ): Promise<void> {
    const registry = this._registry;
    for (const group of contents.groups ?? []) {
      registry.addGroup(group.name, group.description);
    }
    const added: ITool[] = [];
    for (const tool of contents.tools) {
      if (registry.get(tool.name)) {
        console.warn(
          `jupyterlab-data-engineer: tool "${tool.name}" of family "${family.id}" is defined already; ignored`
        );
        continue;
      }
      registry.add(tool);
      added.push(tool);
    }
    const services = contents.services ?? {};
    Object.assign(this._familyServices, services);
    for (const command of contents.slashCommands ?? []) {
      disposables.push(this.assistant.slashCommands.add(command));
    }
    for (const source of contents.mentionSources ?? []) {
      disposables.push(this.assistant.mentionSources.add(source));
    }
    for (const view of contents.resultViews ?? []) {
      disposables.push(this.resultViews.add(view));
    }
    disposables.push(
      new DisposableDelegate(() => {
        added.forEach(tool => registry.remove(tool.name));
        Object.keys(services).forEach(
          name => delete this._familyServices[name]
        );
        contents.dispose?.();
      })
    );
    if (this._serverAsked) {
      // Loaded after the chat asked the server about its setup: ask the family now.
      void contents.refresh?.().catch(() => undefined);
    }
    // Known before the chat says it is ready, so the persona details list what is not offered.
    const withheld = await contents.withheld?.catch(() => null);
    if (withheld) {
      registry.withhold(withheld.names, withheld.reason);
    }
  }

  readonly options: IChatOptions;
  /** The agent around the current chat: persona, model, instructions, the loop. */
  readonly assistant: Assistant;
  /** The saved chats: autosave, reopen after a reload, switch, rename, delete, search. */
  readonly threads: ChatThreads;
  /** File tools' service: change log, snapshots, conflict tracking. */
  readonly files: FilesService;
  /** The rules for workspace files read before any click (contents/workspaceFiles.ts). */
  readonly workspaceFiles: IWorkspaceFileGuard;
  /** Insert / replace actions of code blocks in replies. */
  readonly actions: CellActions;
  /** Lines under the instructions line, from the tool families (MCP servers' status...). */
  get statusViews(): ReadonlyArray<
    React.ComponentType<{ trans: TranslationBundle }>
  > {
    return [...this._families.values()].flatMap(
      family => family.contents?.statusViews ?? []
    );
  }
  /** The workspace's prompt files, registered as slash commands. */
  readonly prompts: PromptFileCommands;
  /** Views of tool results, drawn in the tool cards. */
  readonly resultViews: IResultViews;

  /** The current chat. */
  get model(): ChatModel {
    return this.assistant.model;
  }

  /** What the server reported about its setup; null while unknown. */
  get serverConfig(): IServerConfig | null {
    return this._serverConfig;
  }

  /** Whether the last chat has been reopened (or there was none). */
  get restored(): boolean {
    return this._restored;
  }

  /** Emitted when the server config or `restored` change. */
  get stateChanged(): ISignal<this, void> {
    return this._stateChanged;
  }

  /**
   * Reopen the last chat, then ask the server about its setup and load the
   * personas and instructions. The saved chat is read first, alone: a long
   * chat is most of what the panel waits for.
   */
  start(): Promise<void> {
    if (!this._started) {
      // A family with a status to show (MCP servers configured) loads the tools now.
      void this._loadIfAsked();
      this._started = (async () => {
        await this.threads.restore(readStored(CHAT_ID_KEY));
        await this.refresh();
        this._restored = true;
        this._stateChanged.emit();
      })();
    }
    return this._started;
  }

  /**
   * Resolves once the chat has started: the last chat reopened, the server
   * asked. The tools load on first need; a send waits for them itself (so
   * `/optimize` from the palette is known when it expands).
   */
  get ready(): Promise<void> {
    return this.start();
  }

  /** Ask the server again about its setup, then reload personas and instructions. */
  async refresh(): Promise<void> {
    this._serverConfig = await fetchServerConfig(this.options.serverSettings);
    this._stateChanged.emit();
    // Families loaded from now on are asked when they load (`_addFamily`); these now, once.
    this._serverAsked = true;
    await Promise.all([
      this.assistant.personas.load(),
      this.assistant.refreshInstructions(),
      ...[...this._families.values()].map(family =>
        family.contents?.refresh?.().catch(() => undefined)
      )
    ]);
  }

  /** The active document's path (the empty chat's suggestions follow it). */
  activePath(): string | null {
    return this.options.activePath();
  }

  /**
   * Suggested first prompts for what is open: the active notebook's data
   * (the variable listing the chat makes anyway, only on an idle kernel), a
   * query cell, data files next to the notebook (one folder listing).
   */
  async suggestions(): Promise<ISuggestedPrompt[]> {
    const panel = this.options.notebookTracker?.currentWidget ?? null;
    const facts: ISuggestionFacts = {
      notebook: panel?.context.path ?? null,
      frames: [],
      cells: [],
      dataFiles: []
    };
    if (panel) {
      const cells = panel.content.model?.cells;
      for (let i = 0; cells && i < cells.length; i++) {
        const cell = cells.get(i);
        if (cell.type === 'code') {
          facts.cells.push({ index: i, source: cell.sharedModel.getSource() });
        }
      }
      const kernel = panel.sessionContext.session?.kernel as
        IInspectorKernel | undefined;
      if (kernel && kernel.status === 'idle') {
        const listing = await this._inspectors
          .for(kernel)
          .listVariables({ timeoutMs: 1500 })
          .catch(() => null);
        facts.frames = (listing?.variables ?? []).map((v: any) => ({
          name: String(v.name),
          kind: String(v.kind)
        }));
      }
    }
    const folder = panel ? PathExt.dirname(panel.context.localPath) : '';
    for (const dir of [folder, PathExt.join(folder, 'data')]) {
      try {
        const listing = await this.options.contents.get(dir, {
          content: true,
          type: 'directory'
        });
        for (const item of (listing.content ?? []) as Contents.IModel[]) {
          if (item.type !== 'directory' && isDataFile(item.name)) {
            facts.dataFiles.push(item.path);
          }
        }
      } catch {
        // no such folder
      }
      if (facts.dataFiles.length) {
        break;
      }
    }
    return suggestPrompts(facts, this.options.trans);
  }

  /** Create copilot.instructions.md from the template (never overwriting) and open it. */
  async createInstructions(): Promise<void> {
    const { contents } = this.options;
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
    this.options.openFile(PROJECT_INSTRUCTIONS);
    await this.assistant.refreshInstructions();
  }

  /**
   * Export a chat (the current one by default) next to the active notebook
   * (or at the root) under a free name, and open the file. Returns its path.
   */
  async exportChat(format: 'md' | 'ipynb', id?: string): Promise<string> {
    const { contents, trans } = this.options;
    let chat: ISavedChat | null;
    if (!id || id === this.model.id) {
      chat = this.model.isEmpty ? null : this.model.toJSON();
    } else {
      chat = await this.threads.store.load(id);
    }
    if (!chat) {
      throw new Error(
        trans.__('This chat is empty: there is nothing to export yet.')
      );
    }
    const personaName = (pid: string) =>
      this.assistant.personas.get(pid)?.name ?? pid;
    // Each call described by its tool (a tool this build no longer has gets a generic line).
    await this.loadTools().catch(() => undefined);
    const tools = this.assistant.registry;
    const options = {
      personaName,
      describe: tools.describe.bind(tools),
      inputMarkdown: tools.inputMarkdown.bind(tools)
    };
    const active =
      this.options.notebookTracker?.currentWidget?.context.localPath ?? '';
    const folder = active ? PathExt.dirname(active) : '';
    const name = exportFileName(chat, format);
    const stem = name.slice(0, name.length - format.length - 1);
    let path = '';
    for (let n = 0; n < 1000; n++) {
      const candidate = PathExt.join(
        folder,
        n ? `${stem}-${n}.${format}` : name
      );
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
      throw new Error(
        trans.__('No free file name for the export in "%1".', folder || '/')
      );
    }
    if (format === 'md') {
      await contents.save(path, {
        type: 'file',
        format: 'text',
        content: chatToMarkdown(chat, options)
      });
    } else {
      await contents.save(path, {
        type: 'notebook',
        format: 'json',
        content: chatToNotebook(chat, options) as any
      });
    }
    this.options.openFile(path);
    return path;
  }

  /** One SDK client per distinct connection setting. */
  client(): Promise<Anthropic> {
    const s = this.options.settings();
    const key = JSON.stringify([s.directMode, s.directApiKey, s.directBaseUrl]);
    if (!this._client || this._clientKey !== key) {
      // The SDK loads with the first client (on the first request), not to draw the chat.
      this._client = createClient(
        {
          directMode: s.directMode,
          directApiKey: s.directApiKey,
          directBaseUrl: s.directBaseUrl
        },
        this.options.serverSettings
      );
      this._client.catch(() => (this._client = null));
      this._clientKey = key;
    }
    return this._client;
  }

  dispose(): void {
    this._disposed = true;
    window.removeEventListener('pagehide', this._onPageHide);
    this._families.forEach(loaded =>
      loaded.disposables.forEach(d => d.dispose())
    );
    this._families.clear();
    this._coreDisposables.forEach(d => d.dispose());
    Signal.disconnectReceiver(this);
    void this.threads.flush().finally(() => this.threads.dispose());
    this.prompts.dispose();
    this.assistant.dispose();
  }

  private _onPageHide = () => {
    // Best effort: the page may be gone before the request completes.
    void this.threads.flush();
  };

  private _inspectors: KernelInspectors;
  private _registry: ToolRegistry;
  private _coreDisposables: IDisposable[] = [];
  private _coreServices: Record<string, unknown> = {};
  private _familyServices: Record<string, unknown> = {};
  private _families = new Map<IToolFamily, ILoadedFamily>();
  private _tools: Promise<void> | null = null;
  private _toolsLoaded = false;
  /** Families whose `loadAtStart` was asked. */
  private _asked = new Set<IToolFamily>();
  private _serverAsked = false;
  private _disposed = false;
  private _serverConfig: IServerConfig | null = null;
  private _restored = false;
  private _started: Promise<void> | null = null;
  private _client: Promise<Anthropic> | null = null;
  private _clientKey = '';
  private _stateChanged = new Signal<this, void>(this);
}

/** Build the chat and its widget (what the sidebar shell shows once loaded). */
export function createChat(
  options: Omit<IChatOptions, 'settings'> & {
    /** The chat plugin's settings, read on each use (they change while the chat lives). */
    settingsObject: ISettingRegistry.ISettings;
  }
): ChatWidget {
  // Read here, not at start-up: `readSettings` is part of the chat's bundle.
  const app = new ChatApp({
    ...options,
    settings: () => readSettings(options.settingsObject)
  });
  const widget = new ChatWidget({
    app,
    rendermime: options.rendermime,
    trans: options.trans,
    commands: options.commands
  });
  void app.start();
  return widget;
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
