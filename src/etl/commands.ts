import type { JupyterFrontEnd } from '@jupyterlab/application';
import { showErrorMessage } from '@jupyterlab/apputils';
import type { ICommandPalette } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import { dataEngineerIcon } from '../icon';
import type { IDataEngineerChat } from '../tokens';

/**
 * The ETL notebook commands. Only this small module is loaded at start-up;
 * the dialog, the schema reader and the generator load on first use.
 */

export namespace EtlCommandIDs {
  export const newNotebook = 'data-engineer:new-etl-notebook';
  export const fromSelection = 'data-engineer:etl-from-selection';
  export const handoff = 'data-engineer:etl-handoff';
}

/** The persona the proof card hands a proven notebook to. */
export const DEPLOYMENT_PERSONA = 'deployment-engineer';

export interface IEtlCommandOptions {
  app: JupyterFrontEnd;
  trans: TranslationBundle;
  palette: ICommandPalette | null;
  /** The chat (calls load and show it first if needed). */
  chat: IDataEngineerChat;
}

/** Register the commands and the chat's `/etl` slash command. */
export function registerEtlCommands(options: IEtlCommandOptions): void {
  const { app, trans, chat } = options;
  const { commands } = app;
  /** Dialog → skeleton written and opened → the request for the agent (null when cancelled). */
  const start = async (paths: string[]) => {
    const { startEtlNotebook } = await import('./create');
    return startEtlNotebook(
      {
        contents: app.serviceManager.contents,
        serverSettings: app.serviceManager.serverSettings,
        trans,
        openFile: path => commands.execute('docmanager:open', { path })
      },
      paths
    );
  };
  const pathsOf = (args: Record<string, unknown>): string[] =>
    Array.isArray(args.paths)
      ? args.paths.map(String)
      : typeof args.path === 'string' && args.path
        ? [args.path]
        : [];

  commands.addCommand(EtlCommandIDs.newNotebook, {
    label: args =>
      args.isLauncher
        ? trans.__('ETL Notebook')
        : trans.__('New ETL Notebook…'),
    icon: dataEngineerIcon,
    caption: trans.__(
      'Generate a pipeline notebook (parameters, data contract, idempotent load, proof run) and let the Data Engineer fill it'
    ),
    execute: async args => {
      try {
        const request = await start(pathsOf(args));
        if (request) {
          await chat.send(request.prompt, request.attachments);
        }
        return request?.notebookPath ?? null;
      } catch (error) {
        void showErrorMessage(
          trans.__('New ETL notebook'),
          (error as Error)?.message ?? String(error)
        );
        return null;
      }
    }
  });
  commands.addCommand(EtlCommandIDs.handoff, {
    label: trans.__('Hand Off the ETL Notebook to the Deployment Engineer'),
    caption: trans.__(
      'Switch to the Deployment Engineer persona in this chat to schedule the proven notebook'
    ),
    execute: async args => {
      const path = typeof args.path === 'string' ? args.path : '';
      // The request's text loads with the hand-off (not at start-up).
      const { handoffRequest } = await import('./handoff');
      await chat.setPersona(DEPLOYMENT_PERSONA);
      await chat.send(handoffRequest(trans, path));
    }
  });
  options.palette?.addItem({
    command: EtlCommandIDs.newNotebook,
    category: trans.__('Data Engineer')
  });

  chat.addSlashCommand({
    name: 'etl',
    description: trans.__(
      'New ETL notebook from data files: a dialog, the skeleton, then the agent fills and proves it'
    ),
    argumentHint: trans.__('[data file or folder …]'),
    expand: async args => {
      const request = await start(args.split(/\s+/).filter(Boolean));
      return request
        ? { prompt: request.prompt, attachments: request.attachments }
        : null;
    }
  });
}
