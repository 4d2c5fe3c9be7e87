import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { ICommandPalette } from '@jupyterlab/apputils';
import { ILauncher } from '@jupyterlab/launcher';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { dataEngineerIcon } from '../icon';
import { IDataEngineerChat, IToolRegistry } from '../tokens';
import { EtlCommandIDs, registerEtlCommands } from './commands';

/**
 * ETL notebooks: the "New ETL notebook" command (palette, a Launcher card,
 * the File Browser's context menu on data files and folders — the menu entry
 * itself is declared in schema/plugin.json), `/etl` in the chat, the proof
 * card's hand-off, and the proof tool with its card (loaded on the chat's
 * first need of tools, `./family`).
 */
export const etlPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyterlab-data-engineer:etl',
  description: 'ETL notebooks: New ETL notebook, /etl and the proof run.',
  autoStart: true,
  requires: [IDataEngineerChat, IToolRegistry],
  optional: [ILauncher, IDefaultFileBrowser, ICommandPalette, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    chat: IDataEngineerChat,
    tools: IToolRegistry,
    launcher: ILauncher | null,
    browser: IDefaultFileBrowser | null,
    palette: ICommandPalette | null,
    translator: ITranslator | null
  ) => {
    const trans = (translator ?? nullTranslator).load(
      'jupyterlab_data_engineer'
    );
    registerEtlCommands({ app, trans, palette, chat });
    const serverSettings = app.serviceManager.serverSettings;
    tools.addFamily({
      id: 'etl',
      load: async host =>
        (await import('./family')).createEtlFamily(host, serverSettings)
    });
    // File types for the context-menu selectors of data files JupyterLab does not know.
    for (const [name, extensions, label] of [
      ['de-parquet', ['.parquet'], trans.__('Parquet')],
      ['de-excel', ['.xlsx', '.xls'], trans.__('Excel workbook')]
    ] as const) {
      if (!app.docRegistry.getFileTypesForPath(`x${extensions[0]}`).length) {
        app.docRegistry.addFileType({
          name,
          extensions: [...extensions],
          displayName: label,
          contentType: 'file',
          fileFormat: 'base64',
          mimeTypes: []
        });
      }
    }
    launcher?.add({
      command: EtlCommandIDs.newNotebook,
      category: 'Notebook',
      rank: 50,
      args: { isLauncher: true }
    });
    app.commands.addCommand(EtlCommandIDs.fromSelection, {
      label: trans.__('Build a Pipeline from This…'),
      caption: trans.__(
        'New ETL notebook with the selected data files or folders as sources'
      ),
      icon: dataEngineerIcon,
      isVisible: () => !!browser && [...browser.selectedItems()].length > 0,
      execute: () => {
        const paths = browser
          ? [...browser.selectedItems()].map(item => item.path)
          : [];
        return app.commands.execute(EtlCommandIDs.newNotebook, { paths });
      }
    });
  }
};
