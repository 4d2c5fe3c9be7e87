import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import type { Assistant } from '../agent/assistant';
import { resolveTools, TOOL_GROUPS } from '../personas/toolMapping';


export interface IPersonaHeaderProps {
  assistant: Assistant;
  trans: TranslationBundle;
  onReloadPersonas: () => void;
  onSwitchPersona: (id: string) => void;
  onNewChat: () => void;
  /** Toggle the list of saved chats; absent when there is none. */
  onToggleChats?: () => void;
  chatsOpen?: boolean;
}

/** The chat header: persona picker, persona details, New chat. */
export function PersonaHeader(props: IPersonaHeaderProps): JSX.Element {
  const { assistant, trans } = props;
  const [showDetails, setShowDetails] = React.useState(false);
  const persona = assistant.persona;
  const personas = assistant.personas.all();
  const problems = assistant.personas.problems;
  return (
    <div className="jp-DataEngineer-headerBlock">
      <div className="jp-DataEngineer-header">
        <select
          className="jp-DataEngineer-personaPicker"
          aria-label={trans.__('Persona')}
          title={persona?.description ?? ''}
          value={persona?.id ?? ''}
          onFocus={props.onReloadPersonas}
          onChange={event => props.onSwitchPersona(event.target.value)}
        >
          {personas.map(p => (
            <option key={p.id} value={p.id} title={p.description}>
              {p.source === 'workspace' ? `${p.name} ${trans.__('(workspace)')}` : p.name}
            </option>
          ))}
        </select>
        <button
          className="jp-DataEngineer-detailsToggle jp-mod-styled"
          aria-expanded={showDetails}
          title={trans.__('Persona details')}
          onClick={() => setShowDetails(!showDetails)}
        >
          {problems.length ? trans.__('Details (%1)', problems.length) : trans.__('Details')}
        </button>
        {props.onToggleChats && (
          <button
            className="jp-DataEngineer-chatsToggle jp-mod-styled"
            aria-expanded={!!props.chatsOpen}
            title={trans.__('Saved chats: open, rename, export, delete, search')}
            onClick={props.onToggleChats}
          >
            {trans.__('Chats')}
          </button>
        )}
        <button
          className="jp-DataEngineer-newChat jp-mod-styled"
          title={trans.__('Start a new chat')}
          onClick={props.onNewChat}
        >
          {trans.__('New chat')}
        </button>
      </div>
      {showDetails && <PersonaDetails {...props} />}
    </div>
  );
}

/** The persona's tools the server cannot run (terminals disabled…), grouped by reason. */
function withheldNotes(assistant: IPersonaHeaderProps['assistant'], granted: Set<string> | undefined): Array<[string, string[]]> {
  const byReason = new Map<string, string[]>();
  for (const [name, reason] of assistant.registry.withheld) {
    if (!granted || granted.has(name)) {
      byReason.set(reason, [...(byReason.get(reason) ?? []), name]);
    }
  }
  return [...byReason];
}

function PersonaDetails(props: IPersonaHeaderProps): JSX.Element {
  const { assistant, trans } = props;
  const persona = assistant.persona;
  const problems = assistant.personas.problems;
  const resolution = assistant.resolution;
  const tools = persona ? resolveTools(persona.tools) : null;
  return (
    <div className="jp-DataEngineer-personaDetails">
      {persona && (
        <>
          <div className="jp-DataEngineer-personaDescription">{persona.description}</div>
          <dl>
            <dt>{trans.__('Source')}</dt>
            <dd>{persona.source === 'bundled' ? trans.__('bundled: %1', persona.path) : persona.path}</dd>
            <dt>{trans.__('Model')}</dt>
            <dd className="jp-DataEngineer-personaModel">
              {resolution
                ? `${resolution.model}${resolution.note ? ` (${resolution.note})` : ''}`
                : persona.model ?? trans.__('from the settings')}
            </dd>
            <dt>{trans.__('Tools')}</dt>
            <dd className="jp-DataEngineer-personaTools">
              {tools && tools.groups.size
                ? [...tools.groups].map(group => (
                    <span key={group} className="jp-DataEngineer-toolGroup" title={TOOL_GROUPS[group].description}>
                      {group}
                    </span>
                  ))
                : trans.__('none (chat only)')}
            </dd>
            {tools && tools.unavailable.length > 0 && (
              <>
                <dt>{trans.__('Not available in JupyterLab')}</dt>
                <dd className="jp-DataEngineer-personaUnavailable">{tools.unavailable.join(', ')}</dd>
              </>
            )}
            {withheldNotes(assistant, tools?.tools).map(([reason, names]) => (
              <React.Fragment key={reason}>
                <dt>{trans.__('Not offered on this server')}</dt>
                <dd className="jp-DataEngineer-personaWithheld">
                  {names.join(', ')}: {reason}
                </dd>
              </React.Fragment>
            ))}
          </dl>
        </>
      )}
      {problems.length > 0 && (
        <ul className="jp-DataEngineer-personaProblems">
          {problems.map(problem => (
            <li key={`${problem.kind}:${problem.path}`} data-kind={problem.kind}>
              <code>{problem.path}</code>: {problem.reason}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export interface IInstructionsBarProps {
  assistant: Assistant;
  trans: TranslationBundle;
  onOpenFile: (path: string) => void;
  onCreateInstructions: () => void;
}

/** Which instruction files are in effect; offers a template when there is none. */
export function InstructionsBar(props: IInstructionsBarProps): JSX.Element | null {
  const { assistant, trans } = props;
  const state = assistant.instructions;
  if (!state) {
    return null;
  }
  return (
    <div className="jp-DataEngineer-instructionsBar">
      <span className="jp-DataEngineer-instructionsLabel">{trans.__('Instructions:')}</span>
      {state.files.map(file => (
        <button
          key={file.path}
          className="jp-DataEngineer-instructionsFile"
          title={file.notice ? `${file.path}: ${file.notice}` : trans.__('Open %1', file.path)}
          onClick={() => props.onOpenFile(file.path)}
        >
          {file.path}
          {file.notice ? ' ⚠' : ''}
        </button>
      ))}
      {state.skipped.map(skipped => (
        <span key={skipped.path} className="jp-DataEngineer-instructionsSkipped" title={skipped.reason}>
          {skipped.path} ({skipped.reason})
        </span>
      ))}
      {state.missingProjectFile && (
        <>
          <span className="jp-DataEngineer-instructionsMissing">
            {trans.__('no copilot.instructions.md')}
          </span>
          <button
            className="jp-DataEngineer-createInstructions jp-mod-styled"
            title={trans.__(
              'Create copilot.instructions.md at the server root from a template with the sections the persona reads: databases, domains, processing, scale, compliance'
            )}
            onClick={props.onCreateInstructions}
          >
            {trans.__('Create from template')}
          </button>
        </>
      )}
    </div>
  );
}
