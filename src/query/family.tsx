import type { IDocumentManager } from '@jupyterlab/docmanager';
import type { INotebookTracker } from '@jupyterlab/notebook';
import * as React from 'react';
import { outputsOf } from '../notebook';
import { INotebookAccess, NOTEBOOKS_SERVICE } from '../notebook';
import type {
  IResultViewProps,
  IToolFamilyContents,
  IToolFamilyHost
} from '../tokens';
import type { IQueryKernel } from './kernelQuery';
import { QUERY_SERVICE, QueryService } from './service';
import { ActiveQuery, createQuerySlashCommands } from './slashCommands';
import { createTableMentions } from './tableMentions';
import { createQueryTools } from './tools';
import type { IQueryResultData } from './types';
import { QueryCard } from './ui/queryCard';

/**
 * The query family as the chat loads it: tools, their service, `/explain` `/optimize` `/diagnose`,
 * the card, and the `@` menu's tables (the active notebook kernel's catalog, through the tools' cache).
 */
export function createQueryFamily(
  host: IToolFamilyHost,
  options: {
    tracker: INotebookTracker | null;
    docManager: IDocumentManager | null;
  }
): IToolFamilyContents {
  const notebooks =
    (host.services[NOTEBOOKS_SERVICE] as INotebookAccess | undefined) ?? null;
  const service = new QueryService({
    notebooks,
    settings: () => ({
      tolerance: host.settings().queryTolerance,
      timeBudgetS: host.settings().queryTimeBudget,
      budget: host.settings().queryBudget,
      readOnlyQueries: host.settings().readOnlyQueries
    })
  });
  const { tracker, docManager } = options;
  // /explain, /optimize, /diagnose act on the active cell (or the active .sql file).
  const activeQuery = (): ActiveQuery | null => {
    const path = host.activePath();
    if (path && path.toLowerCase().endsWith('.sql')) {
      const editor = docManager?.findWidget(path) as any;
      const text = editor?.content?.model?.sharedModel?.getSource?.();
      if (typeof text === 'string') {
        return { kind: 'file', path, text };
      }
    }
    const panel = tracker?.currentWidget;
    const cell = panel?.content.activeCell?.model;
    if (!panel || !cell || cell.type !== 'code') {
      return null;
    }
    return {
      kind: 'cell',
      notebookPath: panel.context.path,
      cellId: cell.id,
      source: cell.sharedModel.getSource(),
      outputs: outputsOf(cell)
    };
  };
  const QueryResult = (props: IResultViewProps) => (
    <QueryCard
      data={props.call.result!.data!.query as unknown as IQueryResultData}
      trans={props.trans}
      service={service}
      onCommand={props.onCommand}
    />
  );
  return {
    // The tools act on open notebooks: without notebook access there is nothing to act on.
    tools: notebooks ? createQueryTools() : [],
    services: { [QUERY_SERVICE]: service },
    slashCommands: createQuerySlashCommands(activeQuery, host.trans),
    mentionSources: notebooks
      ? [
          createTableMentions(
            service,
            () =>
              (tracker?.currentWidget?.sessionContext.session?.kernel ??
                null) as IQueryKernel | null
          )
        ]
      : [],
    resultViews: [
      {
        id: 'query',
        matches: call => call.state === 'done' && !!call.result?.data?.query,
        component: QueryResult
      }
    ]
  };
}
