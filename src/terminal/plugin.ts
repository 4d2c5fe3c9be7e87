import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { INotebookTracker } from '@jupyterlab/notebook';
import { IToolRegistry } from '../tokens';

/** Shell commands and workspace tasks (`run_command`, `run_task`...): a tool family loaded on the chat's first need of tools. */
export const terminalPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyterlab-data-engineer:terminal',
  description: 'Shell commands and workspace tasks for the chat.',
  autoStart: true,
  requires: [IToolRegistry],
  optional: [INotebookTracker],
  activate: (
    app: JupyterFrontEnd,
    tools: IToolRegistry,
    tracker: INotebookTracker | null
  ) => {
    const { serviceManager, commands } = app;
    tools.addFamily({
      id: 'terminal',
      load: async host =>
        (await import('./family')).createTerminalFamily(host, {
          serverSettings: serviceManager.serverSettings,
          contents: serviceManager.contents,
          manager: serviceManager.terminals,
          commands,
          tracker
        })
    });
  }
};
