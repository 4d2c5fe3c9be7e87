import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { ILauncher } from '@jupyterlab/launcher';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { dataEngineerIcon } from '../icon';
import { EtlCommandIDs } from './commands';

/**
 * Where "New ETL notebook" appears besides the palette: a Launcher card and
 * the File Browser's context menu on data files and folders (the menu entry
 * itself is declared in schema/plugin.json). The command is registered by
 * the main plugin (src/etl/commands.ts).
 */
export const etlMenusPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyterlab-data-engineer:etl',
  description: 'New ETL notebook: Launcher card and File Browser entry.',
  autoStart: true,
  optional: [ILauncher, IDefaultFileBrowser, ITranslator],
  activate: (app: JupyterFrontEnd, launcher: ILauncher | null, browser: IDefaultFileBrowser | null, translator: ITranslator | null) => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_data_engineer');
    // File types for the context-menu selectors of data files JupyterLab does not know.
    for (const [name, extensions, label] of [
      ['de-parquet', ['.parquet'], trans.__('Parquet')],
      ['de-excel', ['.xlsx', '.xls'], trans.__('Excel workbook')]
    ] as const) {
      if (!app.docRegistry.getFileTypesForPath(`x${extensions[0]}`).length) {
        app.docRegistry.addFileType({ name, extensions: [...extensions], displayName: label, contentType: 'file', fileFormat: 'base64', mimeTypes: [] });
      }
    }
    launcher?.add({ command: EtlCommandIDs.newNotebook, category: 'Notebook', rank: 50, args: { isLauncher: true } });
    app.commands.addCommand(EtlCommandIDs.fromSelection, {
      label: trans.__('Build a Pipeline from This…'),
      caption: trans.__('New ETL notebook with the selected data files or folders as sources'),
      icon: dataEngineerIcon,
      isVisible: () => !!browser && [...browser.selectedItems()].length > 0,
      execute: () => {
        const paths = browser ? [...browser.selectedItems()].map(item => item.path) : [];
        return app.commands.execute(EtlCommandIDs.newNotebook, { paths });
      }
    });
  }
};
