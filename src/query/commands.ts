import type { JupyterFrontEnd } from '@jupyterlab/application';
import type { ICommandPalette } from '@jupyterlab/apputils';
import type { INotebookTracker } from '@jupyterlab/notebook';
import type { TranslationBundle } from '@jupyterlab/translation';
import { bugIcon, fastForwardIcon, infoIcon } from '@jupyterlab/ui-components';
import { CommandIDs } from '../commands';

/**
 * Explain query / Optimize query / Diagnose error: palette, shortcuts, the
 * cell toolbar, the cell context menu and the .sql editor toolbar all run
 * these. Each opens the chat and sends `/explain`, `/optimize` or
 * `/diagnose`, the same path as typing it. Kept free of the chat's code:
 * this module is part of the start-up bundle.
 */

/** A cheap look at a cell's text, for showing the buttons (the kernel does the real detection). */
const QUERY_HINT =
  /%%?sql\b|\.(?:sql|execute|query)\s*\(|read_sql|read_database|\btext\s*\(|\.lazy\s*\(|LazyFrame|scan_\w+\s*\(|\.explain\s*\(/;

export function looksLikeQuery(source: string): boolean {
  return QUERY_HINT.test(source);
}

/** The verdict card's "Install sqlglot": asks the agent to install through install_packages, then verify again. */
export const INSTALL_VERIFIER_PACKAGE_COMMAND =
  'data-engineer:query-install-package';

export interface IQueryCommandsOptions {
  app: JupyterFrontEnd;
  tracker: INotebookTracker | null;
  palette: ICommandPalette | null;
  trans: TranslationBundle;
  /** Send text to the chat (loading and showing it first). */
  send: (text: string) => Promise<void>;
}

export function addQueryCommands(options: IQueryCommandsOptions): void {
  const { app, tracker, trans } = options;
  const activeCell = () =>
    sqlEditorActive() ? null : (tracker?.activeCell?.model ?? null);
  const sqlEditorActive = () => {
    const path = (app.shell.currentWidget as any)?.context?.path;
    return typeof path === 'string' && path.toLowerCase().endsWith('.sql');
  };
  const queryTarget = () => {
    const cell = activeCell();
    return (
      (cell?.type === 'code' && looksLikeQuery(cell.sharedModel.getSource())) ||
      sqlEditorActive()
    );
  };
  const hasError = () => {
    const cell = activeCell() as any;
    if (cell?.type !== 'code') {
      return false;
    }
    const outputs = cell.outputs;
    for (let i = 0; i < (outputs?.length ?? 0); i++) {
      if (outputs.get(i).type === 'error') {
        return true;
      }
    }
    return false;
  };
  const commands: [
    string,
    string,
    string,
    typeof infoIcon,
    () => boolean,
    string
  ][] = [
    [
      CommandIDs.explainQuery,
      trans.__('Explain Query'),
      trans.__(
        'Explain what the active query cell computes and its plan (the query is not run)'
      ),
      infoIcon,
      queryTarget,
      '/explain'
    ],
    [
      CommandIDs.optimizeQuery,
      trans.__('Optimize Query'),
      trans.__(
        'Ask for a faster rewrite of the active query cell, verified to return the same rows'
      ),
      fastForwardIcon,
      queryTarget,
      '/optimize'
    ],
    [
      CommandIDs.diagnoseError,
      trans.__('Diagnose Error'),
      trans.__(
        "Ask the assistant about the active cell's error, with its traceback"
      ),
      bugIcon,
      hasError,
      '/diagnose'
    ]
  ];
  for (const [id, label, caption, icon, applies, text] of commands) {
    app.commands.addCommand(id, {
      label,
      caption,
      icon,
      isEnabled: applies,
      isVisible: applies,
      execute: () => options.send(text)
    });
    options.palette?.addItem({
      command: id,
      category: trans.__('Data Engineer')
    });
  }
  app.commands.addCommand(INSTALL_VERIFIER_PACKAGE_COMMAND, {
    label: args => trans.__('Install %1', String(args.package ?? 'sqlglot')),
    caption: trans.__(
      "Install the verifier's missing package in the kernel (asks first), then verify again"
    ),
    execute: args => {
      const name = String(args.package ?? '');
      // A pip name only: the text goes into the chat as the user's request.
      if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(name)) {
        return;
      }
      const notebook =
        typeof args.notebook === 'string' && args.notebook
          ? args.notebook
          : undefined;
      // The message's text loads with the command's first use (not at start-up).
      return import('./installRequest').then(({ installPackageRequest }) =>
        options.send(installPackageRequest(name, notebook))
      );
    }
  });
  // The buttons follow the active cell, its text and its outputs (debounced: typing
  // must not re-render every toolbar per keystroke).
  let timer: ReturnType<typeof setTimeout> | undefined;
  const changed = () => {
    clearTimeout(timer);
    // By id: a toolbar button widget updates its own hidden state only for its id.
    timer = setTimeout(
      () => commands.forEach(([id]) => app.commands.notifyCommandChanged(id)),
      200
    );
  };
  tracker?.activeCellChanged.connect(changed);
  tracker?.currentChanged.connect(changed);
  app.shell.currentChanged?.connect(changed);
  tracker?.widgetAdded.connect((_, panel) => {
    panel.sessionContext.iopubMessage.connect((_, msg) => {
      if (
        msg.header.msg_type === 'error' ||
        msg.header.msg_type === 'execute_input'
      ) {
        changed();
      }
    });
    panel.content.modelContentChanged.connect(changed);
  });
}
