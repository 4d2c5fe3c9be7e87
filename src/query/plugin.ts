import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { IDataEngineerChat, IToolRegistry } from '../tokens';
import { addQueryCommands } from './commands';

/**
 * Query cells: the Explain / Optimize / Diagnose commands (start-up: they only
 * send slash commands to the chat), and the query tools, slash commands and
 * result cards, loaded on the chat's first need of tools (`./family`).
 */
export const queryPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyterlab-data-engineer:query',
  description: 'Explain, optimize and diagnose query cells.',
  autoStart: true,
  requires: [IDataEngineerChat, IToolRegistry],
  optional: [INotebookTracker, IDocumentManager, ICommandPalette, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    chat: IDataEngineerChat,
    tools: IToolRegistry,
    tracker: INotebookTracker | null,
    docManager: IDocumentManager | null,
    palette: ICommandPalette | null,
    translator: ITranslator | null
  ) => {
    const trans = (translator ?? nullTranslator).load(
      'jupyterlab_data_engineer'
    );
    addQueryCommands({
      app,
      tracker,
      palette,
      trans,
      send: text => chat.send(text)
    });
    tools.addFamily({
      id: 'query',
      load: async host =>
        (await import('./family')).createQueryFamily(host, {
          tracker,
          docManager
        })
    });
  }
};
