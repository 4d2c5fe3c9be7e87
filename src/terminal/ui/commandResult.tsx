import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import type { IResultCommand } from '../../tools/results';

/** The outcome of a shell command or task on its tool card, with a button back to its terminal. */
export function CommandResult(props: {
  command: IResultCommand;
  trans: TranslationBundle;
  onShowTerminal?: (name: string) => void;
}): JSX.Element {
  const { command, trans } = props;
  const state =
    command.exitCode !== null && command.exitCode !== undefined
      ? trans.__('exit code %1', String(command.exitCode))
      : command.status === 'timeout'
        ? trans.__('stopped at the time limit')
        : command.status === 'aborted'
          ? trans.__('stopped')
          : command.status === 'background'
            ? trans.__('still running')
            : command.status;
  return (
    <div
      className="jp-DataEngineer-commandResult"
      data-status={command.status}
      data-exit-code={command.exitCode ?? ''}
      data-command-ms={command.commandMs ?? ''}
    >
      <div className="jp-DataEngineer-commandLine">
        {command.task && (
          <span className="jp-DataEngineer-commandTask">{command.task}</span>
        )}
        <code>{command.command}</code>
        <span className="jp-DataEngineer-commandState">{state}</span>
        {props.onShowTerminal && (
          <button
            className="jp-DataEngineer-showTerminal jp-mod-styled"
            title={trans.__(
              "Open the chat's terminal (%1) in the main area",
              command.terminal
            )}
            onClick={() => props.onShowTerminal!(command.terminal)}
          >
            {trans.__('Show terminal')}
          </button>
        )}
      </div>
      {command.outputTail && (
        <pre className="jp-DataEngineer-commandOutput">
          {command.outputTail}
        </pre>
      )}
    </div>
  );
}
