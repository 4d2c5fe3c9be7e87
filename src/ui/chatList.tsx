import type { TranslationBundle } from '@jupyterlab/translation';
import { Dialog, showDialog } from '@jupyterlab/apputils';
import * as React from 'react';
import type { IThreadEntry, ChatThreads } from '../chats/threads';

export interface IChatListProps {
  threads: ChatThreads;
  trans: TranslationBundle;
  /** A persona's display name. */
  personaName: (id: string | null) => string;
  /** Called after a chat was opened (or a new one started). */
  onClose: () => void;
  /** Export a chat; absent when exporting is not available. */
  onExport?: (id: string, format: 'md' | 'ipynb') => void;
}

/** The saved chats: search, open, rename, export, delete. */
export function ChatList(props: IChatListProps): JSX.Element {
  const { threads, trans } = props;
  const [query, setQuery] = React.useState('');
  const [entries, setEntries] = React.useState<IThreadEntry[] | null>(null);
  const [error, setError] = React.useState<string | null>(null);
  const [editing, setEditing] = React.useState<string | null>(null);
  const [version, setVersion] = React.useState(0);

  React.useEffect(() => {
    const bump = () => setVersion(v => v + 1);
    threads.changed.connect(bump);
    return () => {
      threads.changed.disconnect(bump);
    };
  }, [threads]);

  React.useEffect(() => {
    let cancelled = false;
    const timer = setTimeout(
      () => {
        threads
          .list(query)
          .then(list => {
            if (!cancelled) {
              setEntries(list);
              setError(null);
            }
          })
          .catch(
            reason => !cancelled && setError(String(reason?.message ?? reason))
          );
      },
      query ? 200 : 0
    );
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [threads, query, version]);

  const open = async (entry: IThreadEntry) => {
    if (entry.current || (await threads.open(entry.id))) {
      props.onClose();
    }
  };

  const remove = async (entry: IThreadEntry) => {
    const result = await showDialog({
      title: trans.__('Delete chat'),
      body: trans.__(
        'Delete "%1"? Its saved file is removed; this cannot be undone here.',
        entry.title || entry.id
      ),
      buttons: [
        Dialog.cancelButton({ label: trans.__('Cancel') }),
        Dialog.warnButton({ label: trans.__('Delete') })
      ]
    });
    if (result.button.accept) {
      await threads
        .remove(entry.id)
        .catch(reason => setError(String(reason?.message ?? reason)));
    }
  };

  const rename = async (entry: IThreadEntry, title: string) => {
    setEditing(null);
    if (title.trim() && title.trim() !== entry.title) {
      await threads
        .rename(entry.id, title)
        .catch(reason => setError(String(reason?.message ?? reason)));
    }
  };

  return (
    <div
      className="jp-DataEngineer-chatList"
      role="region"
      aria-label={trans.__('Chats')}
    >
      <div className="jp-DataEngineer-chatListBar">
        <input
          className="jp-DataEngineer-chatSearch jp-mod-styled"
          type="search"
          placeholder={trans.__('Search chats')}
          aria-label={trans.__('Search chats')}
          value={query}
          onChange={event => setQuery(event.target.value)}
        />
        <button
          className="jp-DataEngineer-chatListNew jp-mod-styled"
          onClick={() => void threads.newChat().then(props.onClose)}
        >
          {trans.__('New chat')}
        </button>
      </div>
      {error && (
        <div
          className="jp-DataEngineer-notice jp-DataEngineer-notice-error"
          role="alert"
        >
          {error}
        </div>
      )}
      {entries === null ? (
        <div className="jp-DataEngineer-empty">
          {trans.__('Loading chats…')}
        </div>
      ) : entries.length === 0 ? (
        <div className="jp-DataEngineer-empty">
          {query
            ? trans.__('No chat contains "%1".', query)
            : trans.__('No saved chats yet.')}
        </div>
      ) : (
        <ul className="jp-DataEngineer-chatRows">
          {entries.map(entry => (
            <li
              key={entry.id}
              className={`jp-DataEngineer-chatRow${entry.current ? ' jp-mod-current' : ''}${entry.problem ? ' jp-mod-problem' : ''}`}
              data-chat-id={entry.id}
            >
              {editing === entry.id ? (
                <RenameInput
                  entry={entry}
                  trans={trans}
                  onDone={title => void rename(entry, title)}
                />
              ) : (
                <button
                  className="jp-DataEngineer-chatOpen"
                  disabled={!!entry.problem}
                  title={entry.problem ?? trans.__('Open this chat')}
                  onClick={() => void open(entry)}
                >
                  <span className="jp-DataEngineer-chatTitle">
                    {entry.title || trans.__('(untitled)')}
                  </span>
                  <span className="jp-DataEngineer-chatMeta">
                    {entry.updatedAt
                      ? new Date(entry.updatedAt).toLocaleString()
                      : ''}
                    {entry.personaId
                      ? ` · ${props.personaName(entry.personaId)}`
                      : ''}
                    {entry.current ? ` · ${trans.__('current')}` : ''}
                  </span>
                  {entry.problem && (
                    <span className="jp-DataEngineer-chatProblem">
                      {entry.problem}
                    </span>
                  )}
                </button>
              )}
              <span className="jp-DataEngineer-chatActions">
                {!entry.problem && (
                  <button
                    className="jp-DataEngineer-chatRename jp-mod-styled"
                    title={trans.__('Rename')}
                    onClick={() => setEditing(entry.id)}
                  >
                    {trans.__('Rename')}
                  </button>
                )}
                {!entry.problem && props.onExport && (
                  <>
                    <button
                      className="jp-DataEngineer-chatExportMd jp-mod-styled"
                      title={trans.__('Export to Markdown')}
                      onClick={() => props.onExport!(entry.id, 'md')}
                    >
                      {trans.__('.md')}
                    </button>
                    <button
                      className="jp-DataEngineer-chatExportNb jp-mod-styled"
                      title={trans.__('Export to a notebook')}
                      onClick={() => props.onExport!(entry.id, 'ipynb')}
                    >
                      {trans.__('.ipynb')}
                    </button>
                  </>
                )}
                <button
                  className="jp-DataEngineer-chatDelete jp-mod-styled"
                  title={trans.__('Delete')}
                  onClick={() => void remove(entry)}
                >
                  {trans.__('Delete')}
                </button>
              </span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function RenameInput(props: {
  entry: IThreadEntry;
  trans: TranslationBundle;
  onDone: (title: string) => void;
}): JSX.Element {
  const [value, setValue] = React.useState(props.entry.title);
  const done = React.useRef(false);
  const finish = (title: string) => {
    if (!done.current) {
      done.current = true;
      props.onDone(title);
    }
  };
  return (
    <input
      className="jp-DataEngineer-chatRenameInput jp-mod-styled"
      aria-label={props.trans.__('Chat title')}
      autoFocus
      value={value}
      onChange={event => setValue(event.target.value)}
      onKeyDown={event => {
        if (event.key === 'Enter') {
          finish(value);
        } else if (event.key === 'Escape') {
          finish(props.entry.title);
        }
      }}
      onBlur={() => finish(value)}
    />
  );
}
