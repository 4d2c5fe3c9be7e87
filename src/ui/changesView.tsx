import type { TranslationBundle } from '@jupyterlab/translation';
import type { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import * as React from 'react';
import type { ChangeLog, IUndoResult } from '../files';
import type { IChangeRecord } from '../files';
import { DiffView } from './diffView';

export interface IChangesProps {
  changeLog: ChangeLog;
  chatId: string;
  rendermime: IRenderMimeRegistry;
  trans: TranslationBundle;
}

/** The changes of a chat, kept fresh from the change log. */
export function useChanges(
  changeLog: ChangeLog,
  chatId: string
): IChangeRecord[] {
  const [changes, setChanges] = React.useState<IChangeRecord[]>([]);
  React.useEffect(() => {
    let alive = true;
    const load = () => {
      void changeLog.changes(chatId).then(list => {
        if (alive) {
          setChanges(list);
        }
      });
    };
    load();
    changeLog.changed.connect(load);
    return () => {
      alive = false;
      changeLog.changed.disconnect(load);
    };
  }, [changeLog, chatId]);
  return changes;
}

/** An Undo button for one change, with "Undo anyway" after a conflict. */
export function UndoButton(props: {
  changeLog: ChangeLog;
  changeId: string;
  trans: TranslationBundle;
  undone?: boolean;
}): JSX.Element {
  const { trans } = props;
  const [result, setResult] = React.useState<IUndoResult | null>(null);
  const [busy, setBusy] = React.useState(false);
  const undo = async (force: boolean) => {
    setBusy(true);
    try {
      setResult(await props.changeLog.undo(props.changeId, { force }));
    } finally {
      setBusy(false);
    }
  };
  if (props.undone || result?.ok) {
    return (
      <span className="jp-DataEngineer-undone">
        {result?.message ?? trans.__('Undone.')}
      </span>
    );
  }
  return (
    <span className="jp-DataEngineer-undo">
      <button
        className="jp-DataEngineer-undoButton jp-mod-styled"
        disabled={busy}
        onClick={() => void undo(false)}
      >
        {trans.__('Undo')}
      </button>
      {result && !result.ok && (
        <>
          <span className="jp-DataEngineer-undoMessage">{result.message}</span>
          {result.conflict && (
            <button
              className="jp-DataEngineer-undoForce jp-mod-styled jp-mod-warn"
              disabled={busy}
              onClick={() => void undo(true)}
            >
              {trans.__('Undo anyway')}
            </button>
          )}
        </>
      )}
    </span>
  );
}

function kindLabel(change: IChangeRecord, trans: TranslationBundle): string {
  switch (change.kind) {
    case 'create':
      return trans.__('created');
    case 'delete':
      return trans.__('deleted');
    case 'rename':
      return trans.__('renamed from %1', change.oldPath ?? '?');
    default:
      return trans.__('edited');
  }
}

/** Every file the assistant changed in this chat, with its diff and Undo. */
export function ChangesView(props: IChangesProps): JSX.Element {
  const { changeLog, chatId, trans } = props;
  const changes = useChanges(changeLog, chatId);
  const [message, setMessage] = React.useState('');
  const pending = changes.filter(change => !change.undoneAt);
  return (
    <div className="jp-DataEngineer-changes">
      <div className="jp-DataEngineer-changesHeader">
        <span>{trans.__('%1 file changes in this chat', changes.length)}</span>
        {pending.length > 0 && (
          <button
            className="jp-DataEngineer-undoAll jp-mod-styled"
            onClick={() =>
              void changeLog.undoAll(chatId).then(results => {
                const failed = results.filter(r => !r.ok);
                setMessage(
                  failed.length
                    ? failed.map(r => `${r.path}: ${r.message}`).join('; ')
                    : trans.__('All changes undone.')
                );
              })
            }
          >
            {trans.__('Undo all')}
          </button>
        )}
      </div>
      {message && (
        <div className="jp-DataEngineer-changesMessage">{message}</div>
      )}
      {[...changes].reverse().map(change => (
        <details
          key={change.id}
          className="jp-DataEngineer-change"
          data-path={change.path}
        >
          <summary>
            <code>{change.path}</code> {kindLabel(change, trans)}
            {change.undoneAt ? ` · ${trans.__('undone')}` : ''}
          </summary>
          {change.encoding !== 'base64' && change.kind !== 'rename' && (
            <DiffView
              path={change.path}
              before={change.before ?? ''}
              after={change.after ?? ''}
              rendermime={props.rendermime}
              trans={trans}
            />
          )}
          <UndoButton
            changeLog={changeLog}
            changeId={change.id}
            trans={trans}
            undone={Boolean(change.undoneAt)}
          />
        </details>
      ))}
    </div>
  );
}
