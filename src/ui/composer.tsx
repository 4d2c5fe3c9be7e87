import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import type { Assistant } from '../agent/assistant';


/**
 * The message box: Enter sends, Shift+Enter adds a line, `@` completes the
 * active kernel's variables; Send turns into Stop while a reply runs.
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
  const session = assistant.session;
  const [text, setText] = React.useState('');
  const [names, setNames] = React.useState<string[] | null>(null);
  const [selected, setSelected] = React.useState(0);
  const mention = /(^|[\s(,])@([A-Za-z0-9_]*)$/.exec(text);
  const query = mention ? mention[2] : null;
  React.useEffect(() => {
    if (query === null) {
      setNames(null);
      return;
    }
    let cancelled = false;
    void assistant.variableNames().then(all => {
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
    query !== null && names ? names.filter(name => name.startsWith(query)).slice(0, 8) : [];
  const complete = (name: string) => {
    setText(text.replace(/@([A-Za-z0-9_]*)$/, `@${name} `));
    setNames(null);
    props.composerRef?.current?.focus();
  };
  const send = () => {
    if (!text.trim() || session.busy) {
      return;
    }
    const value = text;
    setText('');
    void assistant.send(value);
  };
  const onKeyDown = (event: React.KeyboardEvent<HTMLTextAreaElement>) => {
    if (suggestions.length) {
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        event.preventDefault();
        const step = event.key === 'ArrowDown' ? 1 : suggestions.length - 1;
        setSelected((selected + step) % suggestions.length);
        return;
      }
      if (event.key === 'Tab' || (event.key === 'Enter' && !event.shiftKey)) {
        event.preventDefault();
        complete(suggestions[Math.min(selected, suggestions.length - 1)]);
        return;
      }
      if (event.key === 'Escape') {
        setNames(null);
        return;
      }
    }
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      send();
    }
  };
  return (
    <div className="jp-DataEngineer-composer">
      {suggestions.length > 0 && (
        <ul className="jp-DataEngineer-mentions" role="listbox" aria-label={trans.__('Kernel variables')}>
          {suggestions.map((name, index) => (
            <li
              key={name}
              role="option"
              aria-selected={index === selected}
              className={`jp-DataEngineer-mention${index === selected ? ' jp-mod-selected' : ''}`}
              onMouseDown={event => {
                event.preventDefault();
                complete(name);
              }}
            >
              @{name}
            </li>
          ))}
        </ul>
      )}
      <textarea
        ref={props.composerRef}
        className="jp-DataEngineer-input"
        placeholder={props.placeholder || trans.__('Ask the data engineer… (@ names a kernel variable)')}
        aria-label={trans.__('Message')}
        value={text}
        rows={3}
        onChange={event => setText(event.target.value)}
        onKeyDown={onKeyDown}
      />
      {session.busy ? (
        <button
          className="jp-DataEngineer-stop jp-mod-styled jp-mod-warn"
          onClick={() => (props.onStop ? props.onStop() : session.stop())}
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
