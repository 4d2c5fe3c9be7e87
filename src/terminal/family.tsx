import { PathExt, PageConfig } from '@jupyterlab/coreutils';
import type { INotebookTracker } from '@jupyterlab/notebook';
import type {
  Contents,
  ServerConnection,
  Terminal
} from '@jupyterlab/services';
import type { CommandRegistry } from '@lumino/commands';
import * as React from 'react';
import type {
  IResultView,
  IToolFamilyContents,
  IToolFamilyHost
} from '../tokens';
import type { ITerminalSettings, ITerminalToolServices } from './runner';
import { TERMINAL_SERVICE, TerminalService } from './service';
import { createTaskTools } from './tasks/taskTools';
import { createTerminalTools } from './tools';
import { CommandResult } from './ui/commandResult';

/** The outcome of a shell command or task on its tool card, with a button back to its terminal. */
export const commandResultView: IResultView = {
  id: 'command',
  rank: 10,
  matches: call =>
    call.state !== 'waiting_approval' && !!call.result?.data?.command,
  component: props => (
    <CommandResult
      command={props.call.result!.data!.command!}
      trans={props.trans}
      onShowTerminal={props.onShowTerminal}
    />
  )
};

export interface ITerminalFamilyOptions {
  serverSettings: ServerConnection.ISettings;
  contents: Contents.IManager;
  /** JupyterLab's terminal sessions (the chat's terminal shows in its Running panel). */
  manager: Terminal.IManager | null;
  commands: CommandRegistry;
  tracker: INotebookTracker | null;
}

/**
 * Shell commands and workspace tasks in the chat's own Jupyter terminal:
 * the tools, their terminal service, and the command card. When the server
 * has no terminals, the tools are withheld with the reason.
 */
export function createTerminalFamily(
  host: IToolFamilyHost,
  options: ITerminalFamilyOptions
): IToolFamilyContents {
  const { trans } = host;
  const settings = (): ITerminalSettings => {
    const s = host.settings();
    return {
      timeoutSeconds: s.terminalTimeoutSeconds,
      allow: s.commandAllowPatterns,
      deny: s.commandDenyPatterns
    };
  };
  const tools = [
    ...createTerminalTools({ settings }),
    ...createTaskTools({ settings })
  ];
  const terminals = new TerminalService({
    serverSettings: options.serverSettings,
    manager: options.manager,
    pageSaysAvailable:
      String(PageConfig.getOption('terminalsAvailable')).toLowerCase() ===
      'true',
    serverRoot: PageConfig.getOption('serverRoot'),
    chatId: host.chatId,
    show: async name => {
      if (!options.commands.hasCommand('terminal:open')) {
        return;
      }
      // Show the terminal without taking the keyboard from the chat.
      const focused = document.activeElement as HTMLElement | null;
      await options.commands.execute('terminal:open', { name });
      focused?.focus?.();
    }
  });
  const services: ITerminalToolServices = {
    terminals,
    contents: options.contents,
    baseDir: () => {
      const path = options.tracker?.currentWidget?.context.localPath ?? '';
      return path ? PathExt.dirname(path) : '';
    },
    settings
  };
  return {
    tools,
    services: {
      [TERMINAL_SERVICE]: services,
      tasks: {
        allowHidden: () =>
          (host.serverConfig()?.allow_hidden as boolean | undefined) ?? null
      }
    },
    resultViews: [commandResultView],
    withheld: terminals.availability().then(state =>
      state.available
        ? null
        : {
            names: tools.map(tool => tool.name),
            reason: trans.__(
              'Terminal commands and tasks are not offered: %1.',
              state.reason
            )
          }
    ),
    dispose: () => terminals.dispose()
  };
}
