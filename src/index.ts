import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, showErrorMessage } from '@jupyterlab/apputils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { INotebookTracker } from '@jupyterlab/notebook';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { dataEngineerIcon } from './icon';
import { readSettings } from './settings';
import { ChatShell } from './ui/chatShell';

const PLUGIN_ID = 'jupyterlab-data-engineer:plugin';

/** Command ids. */
export namespace CommandIDs {
  export const open = 'data-engineer:open';
  export const newChat = 'data-engineer:new-chat';
  export const exportMarkdown = 'data-engineer:export-markdown';
  export const exportNotebook = 'data-engineer:export-notebook';
}

/** Wiring only: the chat itself is loaded the first time its panel opens. */
const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'A senior data engineer AI pair in the sidebar.',
  autoStart: true,
  requires: [IRenderMimeRegistry],
  optional: [
    ISettingRegistry,
    INotebookTracker,
    ICommandPalette,
    ILayoutRestorer,
    ITranslator,
    IDocumentManager
  ],
  activate: (
    app: JupyterFrontEnd,
    rendermime: IRenderMimeRegistry,
    settingRegistry: ISettingRegistry | null,
    notebookTracker: INotebookTracker | null,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    translator: ITranslator | null,
    docManager: IDocumentManager | null
  ) => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_data_engineer');
    let settings: ISettingRegistry.ISettings | null = null;

    const shell = new ChatShell({
      rendermime,
      notebookTracker,
      docManager,
      activate: widget => app.shell.activateById(widget.id),
      serverSettings: app.serviceManager.serverSettings,
      contents: app.serviceManager.contents,
      settings: () => readSettings(settings),
      activePath: () => {
        const widget = app.shell.currentWidget ?? notebookTracker?.currentWidget ?? null;
        const context = (widget as any)?.context;
        return typeof context?.path === 'string' ? context.path : null;
      },
      openFile: path => {
        void app.commands.execute('docmanager:open', { path });
      },
      trans: (text, ...args) => trans.__(text, ...args)
    });
    shell.title.icon = dataEngineerIcon;
    shell.title.caption = trans.__('Data Engineer Chat');
    app.shell.add(shell, 'right', { rank: 400 });
    restorer?.add(shell, shell.id);

    if (settingRegistry) {
      settingRegistry
        .load(PLUGIN_ID)
        .then(loaded => {
          settings = loaded;
          loaded.changed.connect(() => shell.settingsChanged());
          shell.settingsChanged();
        })
        .catch(reason => {
          console.error('jupyterlab-data-engineer: could not load settings', reason);
        });
    }

    app.commands.addCommand(CommandIDs.open, {
      label: trans.__('Open Data Engineer Chat'),
      caption: trans.__('Open the Data Engineer chat in the right sidebar and focus its input'),
      icon: dataEngineerIcon,
      execute: async () => {
        app.shell.activateById(shell.id);
        await shell.focusComposer();
      }
    });
    app.commands.addCommand(CommandIDs.newChat, {
      label: trans.__('New Data Engineer Chat'),
      caption: trans.__('Start a new conversation in the Data Engineer chat'),
      execute: async () => {
        app.shell.activateById(shell.id);
        const chat = await shell.load();
        await chat.threads.newChat();
        chat.focusComposer();
      }
    });
    for (const [id, format, label] of [
      [CommandIDs.exportMarkdown, 'md', trans.__('Export Data Engineer Chat to Markdown')],
      [CommandIDs.exportNotebook, 'ipynb', trans.__('Export Data Engineer Chat to a Notebook')]
    ] as const) {
      app.commands.addCommand(id, {
        label,
        caption: trans.__('Save the current chat as a file next to the active notebook and open it'),
        execute: async () => {
          const chat = await shell.load();
          try {
            return await chat.exportChat(format);
          } catch (error) {
            void showErrorMessage(trans.__('Export failed'), (error as Error)?.message ?? String(error));
            return null;
          }
        }
      });
    }
    const category = trans.__('Data Engineer');
    palette?.addItem({ command: CommandIDs.open, category });
    palette?.addItem({ command: CommandIDs.newChat, category });
    palette?.addItem({ command: CommandIDs.exportMarkdown, category });
    palette?.addItem({ command: CommandIDs.exportNotebook, category });
  }
};

export default plugin;
