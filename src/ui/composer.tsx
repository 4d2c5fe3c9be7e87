import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import type { Assistant } from '../agent/assistant';
import type { IMentionItem } from '../agent/mentions';
import type { ISlashCommand } from '../agent/slashCommands';
import { useSignals } from './useSignal';

/** `/na` being typed as the whole message so far: the command prefix, else null. */
export function slashQuery(text: string): string | null {
  const match = /^\/([A-Za-z0-9_.-]*)$/.exec(text);
  return match ? match[1] : null;
}

/**
 * The message box: Enter sends, Shift+Enter adds a line, `@` completes the
 * active kernel's variables and the families' mention sources (the catalog's
 * tables), `/` the slash commands (prompt files...); Send
 * turns into Stop while a reply runs. A hand-off's prompt lands here.
 */
export function Composer(props: {
  assistant: Assistant;
  trans: TranslationBundle;
  composerRef?: React.RefObject<HTMLTextAreaElement>;
  placeholder?: string;
  /** Stop the running reply (the Stop button). */
  onStop?: () => void;
}): JSX.Element {
  const { assistant, trans } = props;
  const [text, setText] = React.useState('');
  const [names, setNames] = React.useState<IMentionItem[] | null>(null);
  const [selected, setSelected] = React.useState(0);
  const [dismissed, setDismissed] = React.useState<string | null>(null);
  const [problem, setProblem] = React.useState<string | null>(null);
  useSignals([assistant.slashCommands.changed]);
  React.useEffect(() => {
    const onDraft = (_: unknown, draft: string) => {
      setText(draft);
      const input = props.composerRef?.current;
      if (input) {
        input.focus();
        // The cursor at the end, ready to edit or send.
        requestAnimationFrame(() =>
          input.setSelectionRange(draft.length, draft.length)
        );
      }
    };
    assistant.draftRequested.connect(onDraft);
    return () => {
      assistant.draftRequested.disconnect(onDraft);
    };
  }, [assistant]);
  const slash = dismissed === text ? null : slashQuery(text);
  const commands: ISlashCommand[] =
    slash !== null ? assistant.slashCommands.list(slash).slice(0, 10) : [];
  const mention = /(^|[\s(,])@([A-Za-z0-9_]*)$/.exec(text);
  const query = mention ? mention[2] : null;
  React.useEffect(() => {
    if (query === null) {
      setNames(null);
      return;
    }
    let cancelled = false;
    void assistant.mentionItems().then(all => {
      if (!cancelled) {
        setNames(all);
        setSelected(0);
      }
    });
    return () => {
      cancelled = true;
    };
  }, [query === null]);
  const suggestions =
    query !== null && names
      ? names.filter(item => item.name.startsWith(query)).slice(0, 8)
      : [];
  const complete = (name: string) => {
    setText(text.replace(/@([A-Za-z0-9_]*)$/, `@${name} `));
    setNames(null);
    props.composerRef?.current?.focus();
  };
  const send = () => {
    if (!text.trim() || assistant.busy) {
      return;
    }
    const value = text;
    setText('');
    setProblem(null);
    assistant.send(value).catch(error => {
      // A slash command that could not expand: its text comes back, with the reason.
      setText(current => current || value);
      setProblem(error instanceof Error ? error.message : String(error));
    });
  };
  const pick = (command: ISlashCommand) => {
    setText(`/${command.name} `);
    setSelected(0);
    props.composerRef?.current?.focus();
  };
  // The tools (and the families' slash commands) load on the first keystroke:
  // drawing the chat does not need them; typing a message soon will.
  const wantTools = () => void assistant.ensureTools().catch(() => undefined);
  const onKeyDown = (event: React.KeyboardEvent<HTMLTextAreaElement>) => {
    wantTools();
    if (commands.length) {
      const current = Math.min(selected, commands.length - 1);
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        event.preventDefault();
        const step = event.key === 'ArrowDown' ? 1 : commands.length - 1;
        setSelected((current + step) % commands.length);
        return;
      }
      if (
        event.key === 'Tab' ||
        (event.key === 'Enter' &&
          !event.shiftKey &&
          !event.nativeEvent.isComposing)
      ) {
        event.preventDefault();
        pick(commands[current]);
        return;
      }
      if (event.key === 'Escape') {
        event.preventDefault();
        setDismissed(text);
        return;
      }
    }
    if (suggestions.length) {
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        event.preventDefault();
        const step = event.key === 'ArrowDown' ? 1 : suggestions.length - 1;
        setSelected((selected + step) % suggestions.length);
        return;
      }
      if (event.key === 'Tab' || (event.key === 'Enter' && !event.shiftKey)) {
        event.preventDefault();
        complete(suggestions[Math.min(selected, suggestions.length - 1)].name);
        return;
      }
      if (event.key === 'Escape') {
        setNames(null);
        return;
      }
    }
    if (
      event.key === 'Enter' &&
      !event.shiftKey &&
      !event.nativeEvent.isComposing
    ) {
      event.preventDefault();
      send();
    }
  };
  const listId = 'jp-DataEngineer-slashList';
  const activeId = commands.length
    ? `${listId}-${Math.min(selected, commands.length - 1)}`
    : undefined;
  return (
    <div className="jp-DataEngineer-composer">
      {problem && (
        <div className="jp-DataEngineer-composerProblem" role="alert">
          {problem}
        </div>
      )}
      {commands.length > 0 && (
        <ul
          id={listId}
          className="jp-DataEngineer-slashCommands"
          role="listbox"
          aria-label={trans.__('Slash commands')}
        >
          {commands.map((command, index) => (
            <li
              key={command.name}
              id={`${listId}-${index}`}
              role="option"
              aria-selected={index === Math.min(selected, commands.length - 1)}
              className={`jp-DataEngineer-slashCommand${index === Math.min(selected, commands.length - 1) ? ' jp-mod-selected' : ''}`}
              onMouseDown={event => {
                event.preventDefault();
                pick(command);
              }}
            >
              <span className="jp-DataEngineer-slashName">/{command.name}</span>
              {command.argumentHint && (
                <span className="jp-DataEngineer-slashHint">
                  {' '}
                  {command.argumentHint}
                </span>
              )}
              {command.description && (
                <span className="jp-DataEngineer-slashDescription">
                  {command.description}
                </span>
              )}
            </li>
          ))}
        </ul>
      )}
      {suggestions.length > 0 && (
        <ul
          className="jp-DataEngineer-mentions"
          role="listbox"
          aria-label={trans.__('Kernel variables and tables')}
        >
          {suggestions.map((item, index) => (
            <li
              key={`${item.kind ?? ''}:${item.name}`}
              role="option"
              aria-selected={index === selected}
              className={`jp-DataEngineer-mention${index === selected ? ' jp-mod-selected' : ''}`}
              data-kind={item.kind}
              title={item.detail}
              onMouseDown={event => {
                event.preventDefault();
                complete(item.name);
              }}
            >
              @{item.name}
              {item.kind && (
                <span className="jp-DataEngineer-mentionKind">
                  {' '}
                  {item.kind}
                </span>
              )}
            </li>
          ))}
        </ul>
      )}
      <textarea
        ref={props.composerRef}
        className="jp-DataEngineer-input"
        placeholder={
          props.placeholder ||
          trans.__(
            'Ask the data engineer… (@ names a kernel variable or table)'
          )
        }
        aria-label={trans.__('Message')}
        role="combobox"
        aria-autocomplete="list"
        aria-expanded={commands.length > 0}
        aria-controls={commands.length ? listId : undefined}
        aria-activedescendant={activeId}
        value={text}
        rows={3}
        onChange={event => {
          wantTools();
          setText(event.target.value);
          setSelected(0);
        }}
        onKeyDown={onKeyDown}
      />
      {assistant.busy ? (
        <button
          className="jp-DataEngineer-stop jp-mod-styled jp-mod-warn"
          onClick={() => (props.onStop ? props.onStop() : assistant.stop())}
          title={trans.__('Stop the reply')}
        >
          {trans.__('Stop')}
        </button>
      ) : (
        <button
          className="jp-DataEngineer-send jp-mod-styled jp-mod-accept"
          onClick={send}
          disabled={!text.trim()}
          title={trans.__('Send (Enter)')}
        >
          {trans.__('Send')}
        </button>
      )}
    </div>
  );
}
