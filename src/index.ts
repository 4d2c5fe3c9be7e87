import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  ICommandPalette,
  InputDialog,
  showErrorMessage
} from '@jupyterlab/apputils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { INotebookTracker } from '@jupyterlab/notebook';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { ChatHandle } from './api/chatHandle';
import { PersonaSources, ResultViews, ToolFamilies } from './api/registries';
import { CommandIDs } from './commands';
import { inlineCompletionPlugin } from './completion';
import { CompletionUsage, ICompletionUsage } from './completion';
import { etlPlugin } from './etl';
import { exampleToolPlugin } from './examples/exampleToolPlugin';
import { dataEngineerIcon } from './icon';
import { queryPlugin } from './query';
import {
  IDataEngineerChat,
  IPersonaSources,
  IResultViews,
  IToolRegistry
} from './tokens';
import { mcpPlugin } from './mcp';
import { terminalPlugin } from './terminal';
import { codeToolsPlugin } from './codetools';
import { ChatShell } from './ui/chatShell';
import type { ChatWidget } from './ui/chatWidget';

export { CommandIDs };
export * from './tokens';

const PLUGIN_ID = 'jupyterlab-data-engineer:plugin';

/** Where tool families are registered (`IToolRegistry`): exists from start-up; the chat loads the families on its first need of tools. */
const toolRegistryPlugin: JupyterFrontEndPlugin<IToolRegistry> = {
  id: 'jupyterlab-data-engineer:tool-registry',
  description: 'The tool families of the Data Engineer chat.',
  autoStart: true,
  provides: IToolRegistry,
  activate: () => new ToolFamilies()
};

/** The views of tool results in the chat's tool cards (`IResultViews`). */
const resultViewsPlugin: JupyterFrontEndPlugin<IResultViews> = {
  id: 'jupyterlab-data-engineer:result-views',
  description: 'Views of tool results in the Data Engineer chat.',
  autoStart: true,
  provides: IResultViews,
  activate: () => new ResultViews()
};

/** Persona folders added by other extensions (`IPersonaSources`). */
const personaSourcesPlugin: JupyterFrontEndPlugin<IPersonaSources> = {
  id: 'jupyterlab-data-engineer:persona-sources',
  description: 'Extra folders the Data Engineer chat reads personas from.',
  autoStart: true,
  provides: IPersonaSources,
  activate: () => new PersonaSources()
};

/** Wiring only: the chat itself (`src/app/createChat.ts`) is loaded the first time its panel opens. */
const plugin: JupyterFrontEndPlugin<IDataEngineerChat> = {
  id: PLUGIN_ID,
  description: 'A senior data engineer AI pair in the sidebar.',
  autoStart: true,
  provides: IDataEngineerChat,
  requires: [IRenderMimeRegistry, IToolRegistry, IResultViews, IPersonaSources],
  optional: [
    ISettingRegistry,
    INotebookTracker,
    ICommandPalette,
    ILayoutRestorer,
    ITranslator,
    IDocumentManager,
    ICompletionUsage
  ],
  activate: (
    app: JupyterFrontEnd,
    rendermime: IRenderMimeRegistry,
    toolFamilies: IToolRegistry,
    resultViews: IResultViews,
    personaSources: IPersonaSources,
    settingRegistry: ISettingRegistry | null,
    notebookTracker: INotebookTracker | null,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    translator: ITranslator | null,
    docManager: IDocumentManager | null,
    completionUsage: CompletionUsage | null
  ): IDataEngineerChat => {
    const trans = (translator ?? nullTranslator).load(
      'jupyterlab_data_engineer'
    );
    // The chat is built once its settings are known (their defaults live in the schema only).
    const settingsLoaded: Promise<ISettingRegistry.ISettings> = settingRegistry
      ? settingRegistry.load(PLUGIN_ID)
      : Promise.reject(
          new Error(trans.__('JupyterLab has no settings registry'))
        );
    const { commands } = app;
    const notify = () => commands.notifyCommandChanged();

    const shell = new ChatShell({
      loadingText: trans.__('Loading the Data Engineer chat…'),
      failedText: reason =>
        trans.__(
          'The chat could not be loaded: %1. Reload the page to try again.',
          reason
        ),
      load: () =>
        Promise.all([import('./app/createChat'), settingsLoaded]).then(
          ([module, settings]) => {
            const widget = module.createChat({
              rendermime,
              notebookTracker,
              docManager,
              activate: widget => app.shell.activateById(widget.id),
              serverSettings: app.serviceManager.serverSettings,
              contents: app.serviceManager.contents,
              settingsObject: settings,
              activePath: () => {
                const widget =
                  app.shell.currentWidget ??
                  notebookTracker?.currentWidget ??
                  null;
                const context = (widget as any)?.context;
                return typeof context?.path === 'string' ? context.path : null;
              },
              openFile: path =>
                void commands.execute('docmanager:open', { path }),
              commands,
              trans,
              terminals: app.serviceManager.terminals,
              toolFamilies,
              resultViews,
              personaSources,
              completionUsage
            });
            // Enabled states of the commands follow the chat's session and panels.
            widget.app.assistant.busyChanged.connect(notify);
            widget.panelsChanged.connect(notify);
            handle.chatLoaded(widget);
            return widget;
          }
        )
    });
    shell.title.icon = dataEngineerIcon;
    shell.title.caption = trans.__('Data Engineer Chat');
    app.shell.add(shell, 'right', { rank: 400 });
    restorer?.add(shell, shell.id);

    settingsLoaded.then(
      loaded => loaded.changed.connect(() => shell.settingsChanged()),
      reason =>
        console.error(
          'jupyterlab-data-engineer: could not load settings',
          reason
        )
    );

    /** The chat, loaded (and shown) first if needed. */
    const chat = async (): Promise<ChatWidget> => {
      app.shell.activateById(shell.id);
      return shell.load();
    };
    const handle = new ChatHandle({
      load: chat,
      open: async () => {
        app.shell.activateById(shell.id);
        await shell.focusComposer();
      },
      current: () => shell.chat
    });
    /** The loaded chat's state, for enabled states (nothing is loaded to answer them). */
    const session = () => shell.chat?.app.assistant ?? null;
    const lastTurn = () => shell.chat?.app.assistant.model.last;
    /** The last reply failed and nothing runs: Retry makes sense. */
    const lastFailed = () => {
      const last = lastTurn();
      return (
        !session()?.busy &&
        last?.role === 'assistant' &&
        last.status === 'error'
      );
    };

    commands.addCommand(CommandIDs.open, {
      label: trans.__('Open Data Engineer Chat'),
      caption: trans.__(
        'Open the Data Engineer chat in the right sidebar and focus its input'
      ),
      icon: dataEngineerIcon,
      execute: async () => {
        app.shell.activateById(shell.id);
        await shell.focusComposer();
      }
    });
    commands.addCommand(CommandIDs.newChat, {
      label: trans.__('New Data Engineer Chat'),
      caption: trans.__(
        'Start a new conversation in the Data Engineer chat (the current one is saved)'
      ),
      execute: async () => {
        const widget = await chat();
        widget.setPanel('chats', false);
        await widget.app.threads.newChat();
        widget.focusComposer();
      }
    });
    commands.addCommand(CommandIDs.stop, {
      label: trans.__('Stop the Data Engineer Reply'),
      caption: trans.__(
        'Stop the running reply, its tools and pending approvals'
      ),
      isEnabled: () => !!session()?.busy,
      execute: () => session()?.stop()
    });
    commands.addCommand(CommandIDs.retry, {
      label: trans.__('Retry the Failed Data Engineer Reply'),
      caption: trans.__('Send the last request again after an error'),
      isEnabled: lastFailed,
      execute: async () => (await chat()).app.assistant.retry()
    });
    commands.addCommand(CommandIDs.compactAndRetry, {
      label: trans.__('Compact the Data Engineer Chat and Retry'),
      caption: trans.__(
        'Summarise the older turns into a recap (the full history stays visible) and send again'
      ),
      isEnabled: lastFailed,
      execute: async () => (await chat()).app.assistant.compactAndRetry()
    });
    commands.addCommand(CommandIDs.continueReply, {
      label: trans.__('Continue the Data Engineer Reply'),
      caption: trans.__(
        'Let the assistant go on after a step limit, a cut reply or a reload'
      ),
      isEnabled: () => {
        const last = lastTurn();
        return (
          !session()?.busy && last?.role === 'assistant' && !!last.canContinue
        );
      },
      execute: async () => (await chat()).app.assistant.continue()
    });
    commands.addCommand(CommandIDs.switchPersona, {
      label: args =>
        args.id
          ? trans.__('Switch to Persona %1', String(args.id))
          : trans.__('Switch Data Engineer Persona…'),
      caption: trans.__(
        'Choose the persona that answers in the chat; the conversation is kept'
      ),
      execute: async args => {
        const widget = await chat();
        const assistant = widget.app.assistant;
        let id = typeof args.id === 'string' ? args.id : null;
        if (!id) {
          const personas = assistant.personas.all();
          const names = personas.map(p => p.name);
          const answer = await InputDialog.getItem({
            title: trans.__('Switch persona'),
            items: names,
            current: Math.max(
              0,
              personas.findIndex(p => p.id === assistant.persona?.id)
            )
          });
          if (!answer.button.accept || answer.value === null) {
            return;
          }
          id = personas[names.indexOf(answer.value)]?.id ?? null;
        }
        if (id) {
          assistant.setPersona(id);
        }
      }
    });
    commands.addCommand(CommandIDs.showChanges, {
      label: trans.__('Show the Data Engineer Chat Changes'),
      caption: trans.__(
        'Show the files and notebooks this chat changed, with Undo'
      ),
      isToggled: () => !!shell.chat?.panels.changes,
      execute: async () => (await chat()).setPanel('changes')
    });
    commands.addCommand(CommandIDs.showChats, {
      label: trans.__('Show Saved Data Engineer Chats'),
      caption: trans.__('Saved chats: open, rename, export, delete, search'),
      isToggled: () => !!shell.chat?.panels.chats,
      execute: async () => (await chat()).setPanel('chats')
    });
    for (const [id, format, label] of [
      [
        CommandIDs.exportMarkdown,
        'md',
        trans.__('Export Data Engineer Chat to Markdown')
      ],
      [
        CommandIDs.exportNotebook,
        'ipynb',
        trans.__('Export Data Engineer Chat to a Notebook')
      ]
    ] as const) {
      commands.addCommand(id, {
        label,
        caption: trans.__(
          'Save the chat as a file next to the active notebook and open it'
        ),
        execute: async args => {
          const widget = await shell.load();
          try {
            return await widget.app.exportChat(
              format,
              typeof args.id === 'string' ? args.id : undefined
            );
          } catch (error) {
            void showErrorMessage(
              trans.__('Export failed'),
              (error as Error)?.message ?? String(error)
            );
            return null;
          }
        }
      });
    }

    const category = trans.__('Data Engineer');
    for (const command of [
      CommandIDs.open,
      CommandIDs.newChat,
      CommandIDs.stop,
      CommandIDs.retry,
      CommandIDs.continueReply,
      CommandIDs.switchPersona,
      CommandIDs.showChats,
      CommandIDs.showChanges,
      CommandIDs.exportMarkdown,
      CommandIDs.exportNotebook
    ]) {
      palette?.addItem({ command, category });
    }
    return handle;
  }
};

export default [
  toolRegistryPlugin,
  resultViewsPlugin,
  personaSourcesPlugin,
  plugin,
  queryPlugin,
  etlPlugin,
  terminalPlugin,
  codeToolsPlugin,
  mcpPlugin,
  inlineCompletionPlugin,
  exampleToolPlugin
];
