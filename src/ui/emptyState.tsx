import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import type { Assistant } from '../agent/assistant';
import type { ISuggestedPrompt } from '../chats/suggestions';

export interface IEmptyStateProps {
  assistant: Assistant;
  trans: TranslationBundle;
  /** Suggested prompts for what is open (loaded when the empty chat shows). */
  suggestions: () => Promise<ISuggestedPrompt[]>;
  /** Send a suggested prompt (one click). */
  onSend: (prompt: string) => void;
  /** Changes when the chat, the persona or the active document change: suggestions are reloaded. */
  refreshKey: string;
}

/**
 * What an empty chat shows: who answers (the persona and where it can hand
 * off), which instruction files are in effect, and three prompts built from
 * what is open, each sent with one click.
 */
export function EmptyState(props: IEmptyStateProps): JSX.Element {
  const { assistant, trans } = props;
  const persona = assistant.persona;
  const [suggestions, setSuggestions] = React.useState<
    ISuggestedPrompt[] | null
  >(null);
  React.useEffect(() => {
    let live = true;
    props
      .suggestions()
      .then(found => live && setSuggestions(found))
      .catch(() => live && setSuggestions([]));
    return () => {
      live = false;
    };
  }, [props.refreshKey]);
  const files = assistant.instructions?.files ?? [];
  const handoffs = persona?.handoffs ?? [];
  return (
    <div className="jp-DataEngineer-emptyState">
      {persona && (
        <div className="jp-DataEngineer-emptyPersona">
          <div className="jp-DataEngineer-emptyPersonaName">{persona.name}</div>
          {persona.description && (
            <div className="jp-DataEngineer-emptyPersonaDescription">
              {persona.description}
            </div>
          )}
          {handoffs.length > 0 && (
            <div className="jp-DataEngineer-emptyHandoffs">
              <span className="jp-DataEngineer-emptyLabel">
                {trans.__('Hands off to:')}
              </span>{' '}
              {handoffs.map(h => (
                <span
                  key={`${h.agent}:${h.label}`}
                  className="jp-DataEngineer-emptyHandoff"
                  title={
                    assistant.personas.get(h.agent)?.description ?? h.agent
                  }
                >
                  {assistant.personas.get(h.agent)?.name ?? h.agent}
                </span>
              ))}
            </div>
          )}
        </div>
      )}
      <div className="jp-DataEngineer-emptyInstructions">
        {files.length
          ? trans.__(
              'Instructions in effect: %1',
              files.map(f => f.path).join(', ')
            )
          : trans.__(
              'No project instructions yet (copilot.instructions.md at the server root).'
            )}
      </div>
      <div
        className="jp-DataEngineer-suggestions"
        role="list"
        aria-label={trans.__('Suggested prompts')}
      >
        {suggestions === null && (
          <span className="jp-DataEngineer-emptyLabel">
            {trans.__('Looking at what is open…')}
          </span>
        )}
        {suggestions?.map(s => (
          <button
            key={s.prompt}
            role="listitem"
            className="jp-DataEngineer-suggestion"
            data-kind={s.kind}
            title={s.prompt}
            onClick={() => props.onSend(s.prompt)}
          >
            {s.label}
          </button>
        ))}
      </div>
    </div>
  );
}
