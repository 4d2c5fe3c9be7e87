import type { TranslationBundle } from '@jupyterlab/translation';
import {
  addIcon,
  downloadIcon,
  historyIcon,
  infoIcon,
  ToolbarButtonComponent,
  undoIcon
} from '@jupyterlab/ui-components';
import * as React from 'react';
import type { Assistant } from '../agent/assistant';
import type { IModelResolution } from '../personas/modelResolution';
import { isForCodingAgent } from '../personas/persona';
import { resolveTools } from '../personas/toolMapping';

export interface IPersonaHeaderProps {
  assistant: Assistant;
  trans: TranslationBundle;
  onReloadPersonas: () => void;
  onSwitchPersona: (id: string) => void;
  onNewChat: () => void;
  /** Toggle the list of saved chats; absent when there is none. */
  onToggleChats?: () => void;
  chatsOpen?: boolean;
  /** Toggle the changes panel (files and notebooks this chat changed). */
  onToggleChanges?: () => void;
  changesOpen?: boolean;
  /** How many changes the chat made (the button says so). */
  changeCount?: number;
  /** Offer the export formats (a menu at `anchor`). */
  onExport?: (anchor: HTMLElement) => void;
  /** The details' open state, when the parent holds it (the instructions line opens them too). */
  detailsOpen?: boolean;
  onToggleDetails?: () => void;
}

/**
 * The chat header: a JupyterLab toolbar with the persona picker (the name
 * shown, cut with an ellipsis when narrow; name and description in the
 * tooltip) and icon buttons for persona details, saved chats, changes,
 * export and a new chat. One row at every width from 220 px up.
 */
export function PersonaHeader(props: IPersonaHeaderProps): JSX.Element {
  const { assistant, trans } = props;
  const [ownDetails, setOwnDetails] = React.useState(false);
  const showDetails = props.detailsOpen ?? ownDetails;
  const setShowDetails = (open: boolean) =>
    props.onToggleDetails ? props.onToggleDetails() : setOwnDetails(open);
  const persona = assistant.persona;
  const all = assistant.personas.all();
  // `user-invocable: false` ones are left out (unless speaking now, after a hand-off).
  const personas = all.filter(
    p =>
      (p.userInvocable !== false && !isForCodingAgent(p)) ||
      p.id === persona?.id
  );
  const codingAgent = all.filter(isForCodingAgent);
  const problems = assistant.personas.problems;
  const exportRef = React.useRef<HTMLDivElement>(null);
  return (
    <div className="jp-DataEngineer-headerBlock">
      <div
        className="jp-Toolbar jp-DataEngineer-header"
        role="toolbar"
        aria-label={trans.__('Data Engineer chat')}
      >
        <select
          className="jp-DataEngineer-personaPicker"
          aria-label={trans.__('Persona')}
          title={
            persona
              ? `${persona.name}${persona.description ? ` — ${persona.description}` : ''}`
              : ''
          }
          value={persona?.id ?? ''}
          onFocus={props.onReloadPersonas}
          onChange={event => props.onSwitchPersona(event.target.value)}
        >
          {personas.map(p => (
            <option key={p.id} value={p.id} title={p.description}>
              {p.source === 'workspace'
                ? `${p.name} ${trans.__('(workspace)')}`
                : p.name}
            </option>
          ))}
          {codingAgent.map(p => (
            <option
              key={p.id}
              value={p.id}
              disabled
              title={trans.__(
                "%1: written for GitHub's coding agent (target: github-copilot); not offered here",
                p.path
              )}
            >
              {trans.__("%1 (for GitHub's coding agent)", p.name)}
            </option>
          ))}
        </select>
        <div className="jp-DataEngineer-headerButtons">
          <ToolbarButtonComponent
            className="jp-DataEngineer-detailsToggle"
            icon={infoIcon}
            label={problems.length ? String(problems.length) : undefined}
            tooltip={
              problems.length
                ? trans.__(
                    'Persona details (%1 problems with persona files)',
                    problems.length
                  )
                : trans.__('Persona details: source, model, tools')
            }
            pressed={showDetails}
            aria-expanded={showDetails}
            onClick={() => setShowDetails(!showDetails)}
          />
          {props.onToggleChats && (
            <ToolbarButtonComponent
              className="jp-DataEngineer-chatsToggle"
              icon={historyIcon}
              tooltip={trans.__(
                'Saved chats: open, rename, export, delete, search'
              )}
              pressed={!!props.chatsOpen}
              aria-expanded={!!props.chatsOpen}
              onClick={props.onToggleChats}
            />
          )}
          {props.onToggleChanges && !!props.changeCount && (
            <ToolbarButtonComponent
              className="jp-DataEngineer-changesButton"
              icon={undoIcon}
              label={props.changeCount ? String(props.changeCount) : undefined}
              tooltip={trans.__(
                'Changes this chat made (%1), with Undo',
                props.changeCount
              )}
              pressed={!!props.changesOpen}
              aria-expanded={!!props.changesOpen}
              onClick={props.onToggleChanges}
            />
          )}
          {props.onExport && (
            <div ref={exportRef} className="jp-DataEngineer-exportAnchor">
              <ToolbarButtonComponent
                className="jp-DataEngineer-exportButton"
                icon={downloadIcon}
                tooltip={trans.__('Export this chat to Markdown or a notebook')}
                aria-haspopup={true}
                onClick={() =>
                  exportRef.current && props.onExport?.(exportRef.current)
                }
              />
            </div>
          )}
          <ToolbarButtonComponent
            className="jp-DataEngineer-newChat"
            icon={addIcon}
            tooltip={trans.__('Start a new chat (the current one is saved)')}
            onClick={props.onNewChat}
          />
        </div>
      </div>
      {showDetails && <PersonaDetails {...props} />}
    </div>
  );
}

/** The persona's tools the server cannot run (terminals disabled…), grouped by reason. */
function withheldNotes(
  assistant: IPersonaHeaderProps['assistant'],
  granted: Set<string> | undefined
): Array<[string, string[]]> {
  const byReason = new Map<string, string[]>();
  for (const [name, reason] of assistant.registry.withheld) {
    if (!granted || granted.has(name)) {
      byReason.set(reason, [...(byReason.get(reason) ?? []), name]);
    }
  }
  return [...byReason];
}

/** The details under the header (source, model, tools): opening them loads the tools. */
export function PersonaDetails(props: IPersonaHeaderProps): JSX.Element {
  const { assistant, trans } = props;
  const persona = assistant.persona;
  const problems = assistant.personas.problems;
  const [resolved, setResolved] = React.useState<IModelResolution | null>(null);
  React.useEffect(() => {
    // Which model of the persona's list this endpoint serves, and why, before the first request.
    let cancelled = false;
    if (!assistant.busy) {
      void assistant.resolveModel().then(
        r => !cancelled && setResolved(r),
        () => undefined
      );
    }
    return () => {
      cancelled = true;
    };
  }, [persona?.id]);
  const [, setToolsLoaded] = React.useState(false);
  React.useEffect(() => {
    // The tools load on first need: this list is one (it re-renders once they are in).
    let cancelled = false;
    void assistant.ensureTools().then(
      () => !cancelled && setToolsLoaded(true),
      () => undefined
    );
    return () => {
      cancelled = true;
    };
  }, [assistant]);
  const resolution = assistant.resolution ?? resolved;
  const tools = persona
    ? resolveTools(persona.tools, assistant.registry)
    : null;
  return (
    <div className="jp-DataEngineer-personaDetails">
      {persona && (
        <>
          <div className="jp-DataEngineer-personaDescription">
            {persona.description}
          </div>
          <dl>
            <dt>{trans.__('Source')}</dt>
            <dd>
              {persona.source === 'bundled'
                ? trans.__('bundled: %1', persona.path)
                : persona.path}
            </dd>
            <dt>{trans.__('Model')}</dt>
            <dd className="jp-DataEngineer-personaModel">
              {resolution
                ? `${resolution.model}${resolution.note ? ` (${resolution.note})` : ''}`
                : (persona.model ?? trans.__('from the settings'))}
            </dd>
            {(persona.models?.length ?? 0) > 1 && (
              <>
                <dt>{trans.__('Model list')}</dt>
                <dd
                  className="jp-DataEngineer-personaModels"
                  title={trans.__(
                    'Tried in order: the first model this endpoint serves is used'
                  )}
                >
                  {persona.models!.join(' → ')}
                </dd>
              </>
            )}
            {persona.format === 'claude' && (
              <>
                <dt>{trans.__('Format')}</dt>
                <dd>{trans.__('Claude Code subagent (tool names mapped)')}</dd>
              </>
            )}
            {persona.disallowedTools && persona.disallowedTools.length > 0 && (
              <>
                <dt>{trans.__('Not allowed')}</dt>
                <dd className="jp-DataEngineer-personaDisallowed">
                  {persona.disallowedTools.join(', ')}
                </dd>
              </>
            )}
            <dt>{trans.__('Tools')}</dt>
            <dd className="jp-DataEngineer-personaTools">
              {tools && tools.groups.size
                ? [...tools.groups].map(group => (
                    <span
                      key={group}
                      className="jp-DataEngineer-toolGroup"
                      title={props.assistant.registry.groupDescription(group)}
                    >
                      {group}
                    </span>
                  ))
                : trans.__('none (chat only)')}
            </dd>
            {tools && tools.unavailable.length > 0 && (
              <>
                <dt>{trans.__('Not available in JupyterLab')}</dt>
                <dd className="jp-DataEngineer-personaUnavailable">
                  {tools.unavailable.join(', ')}
                </dd>
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
      <InstructionsDetails assistant={assistant} trans={trans} />
      {assistant.promptFiles && assistant.promptFiles.commands.length > 0 && (
        <div className="jp-DataEngineer-promptFiles">
          {trans.__('Prompt files:')}{' '}
          {assistant.promptFiles.commands.map(command => (
            <code key={command.name} title={command.path}>
              /{command.name}{' '}
            </code>
          ))}
        </div>
      )}
      {(assistant.promptFiles?.problems.length ?? 0) > 0 && (
        <ul className="jp-DataEngineer-personaProblems jp-DataEngineer-promptProblems">
          {assistant.promptFiles!.problems.map(problem => (
            <li key={problem.path}>
              <code>{problem.path}</code>: {problem.reason}
            </li>
          ))}
        </ul>
      )}
      {problems.length > 0 && (
        <ul className="jp-DataEngineer-personaProblems">
          {problems.map(problem => (
            <li
              key={`${problem.kind}:${problem.path}`}
              data-kind={problem.kind}
            >
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
  /** Open the persona details (where every included and left-out file is listed). */
  onShowDetails?: () => void;
}

/** The instructions line shows at most this many files; the details list them all. */
export const MAX_INSTRUCTION_BUTTONS = 6;

/** "12 KiB" for the budget lines. */
function kib(bytes: number): string {
  return bytes >= 1024 * 1024
    ? `${(bytes / (1024 * 1024)).toFixed(1)} MB`
    : `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

/** In the persona details: the instruction files sent (with their estimated tokens) and those left out. */
function InstructionsDetails(props: {
  assistant: Assistant;
  trans: TranslationBundle;
}): JSX.Element | null {
  const { trans } = props;
  const state = props.assistant.instructions;
  if (!state || (!state.files.length && !state.overBudget?.length)) {
    return null;
  }
  const over = state.overBudget ?? [];
  return (
    <div className="jp-DataEngineer-instructionsDetails">
      <div>
        {trans.__(
          'Instructions sent: %1 files, about %2 of %3 tokens',
          state.files.length,
          state.budget?.used ?? 0,
          state.budget?.tokens ?? 0
        )}
      </div>
      <ul className="jp-DataEngineer-instructionsIncluded">
        {state.files.map(file => (
          <li key={file.path}>
            <code>{file.path}</code>
            {file.applyTo ? ` (${file.applyTo})` : ''}
          </li>
        ))}
      </ul>
      {over.length > 0 && (
        <>
          <div>
            {trans.__(
              'Not sent (over the budget of the instructionsBudgetTokens setting):'
            )}
          </div>
          <ul className="jp-DataEngineer-instructionsOverBudgetList">
            {over.map(file => (
              <li key={file.path}>
                <code>{file.path}</code> ({kib(file.bytes)})
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

/** Which instruction files are in effect; offers a template when there is none. */
export function InstructionsBar(
  props: IInstructionsBarProps
): JSX.Element | null {
  const { assistant, trans } = props;
  const state = assistant.instructions;
  if (!state) {
    return null;
  }
  return (
    <div className="jp-DataEngineer-instructionsBar">
      <span className="jp-DataEngineer-instructionsLabel">
        {trans.__('Instructions:')}
      </span>
      {state.files.slice(0, MAX_INSTRUCTION_BUTTONS).map(file => (
        <button
          key={file.path}
          className="jp-DataEngineer-instructionsFile"
          title={
            file.notice
              ? `${file.path}: ${file.notice}`
              : trans.__('Open %1', file.path)
          }
          onClick={() => props.onOpenFile(file.path)}
        >
          {file.path}
          {file.notice ? ' ⚠' : ''}
        </button>
      ))}
      {state.files.length > MAX_INSTRUCTION_BUTTONS && (
        <button
          className="jp-DataEngineer-instructionsMore"
          onClick={props.onShowDetails}
        >
          {trans.__('+%1 more', state.files.length - MAX_INSTRUCTION_BUTTONS)}
        </button>
      )}
      {(state.overBudget?.length ?? 0) > 0 && (
        <span className="jp-DataEngineer-instructionsOverBudget" role="status">
          {trans.__(
            '%1 instruction files (%2) not sent: over the budget',
            state.overBudget.length,
            kib(state.overBudget.reduce((sum, file) => sum + file.bytes, 0))
          )}
          {' — '}
          <button
            className="jp-DataEngineer-instructionsOverBudgetDetails"
            onClick={props.onShowDetails}
          >
            {trans.__('details')}
          </button>
        </span>
      )}
      {state.skipped.map(skipped => (
        <span
          key={skipped.path}
          className="jp-DataEngineer-instructionsSkipped"
          title={skipped.reason}
        >
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
