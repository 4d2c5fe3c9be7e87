import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { INotebookTracker } from '@jupyterlab/notebook';
import { IToolRegistry } from '../tokens';

/** `get_problems` and the symbol-aware `find_usages`: a tool family loaded with the chat. */
export const codeToolsPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyterlab-data-engineer:code-tools',
  description: 'Problems and symbol usages for the chat.',
  autoStart: true,
  requires: [IToolRegistry],
  optional: [INotebookTracker],
  activate: (
    app: JupyterFrontEnd,
    tools: IToolRegistry,
    tracker: INotebookTracker | null
  ) => {
    tools.addFamily({
      id: 'code-tools',
      load: async host =>
        (await import('./family')).createCodeToolsFamily(host, {
          serverSettings: app.serviceManager.serverSettings,
          tracker
        })
    });
  }
};
