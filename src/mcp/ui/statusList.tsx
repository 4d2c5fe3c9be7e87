import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import type { IMcpServerView, McpDisplayState, McpService } from '../service';

/** Re-render when the service changes (kept here: src/ui imports this folder, not the reverse). */
function useChanged(service: McpService): void {
  const [, setTick] = React.useState(0);
  React.useEffect(() => {
    const handler = () => setTick(tick => tick + 1);
    service.changed.connect(handler);
    return () => {
      service.changed.disconnect(handler);
    };
  }, [service]);
}

function stateLabel(state: McpDisplayState, trans: TranslationBundle): string {
  switch (state) {
    case 'running':
      return trans.__('running');
    case 'stopped':
      return trans.__('starts on use');
    case 'starting':
      return trans.__('starting…');
    case 'failed':
      return trans.__('failed');
    case 'untrusted':
      return trans.__('not trusted');
    case 'needs_inputs':
      return trans.__('needs values');
    case 'invalid':
      return trans.__('invalid definition');
    case 'disabled':
      return trans.__('workspace servers off');
  }
}

function ServerRow(props: {
  view: IMcpServerView;
  service: McpService;
  trans: TranslationBundle;
}): JSX.Element {
  const { view, service, trans } = props;
  const { info, state, failure } = view;
  const [busy, setBusy] = React.useState(false);
  const act = (action: () => Promise<unknown>) => {
    setBusy(true);
    void action().finally(() => setBusy(false));
  };
  return (
    <li
      className={`jp-DataEngineer-mcpServer jp-mod-${state}`}
      data-server={info.name}
      data-state={state}
    >
      <div className="jp-DataEngineer-mcpServerHeader">
        <span className="jp-DataEngineer-mcpServerName">{info.name}</span>
        <span className="jp-DataEngineer-mcpServerSource">
          {info.source === 'admin'
            ? trans.__('administrator')
            : (info.file ?? trans.__('workspace'))}
        </span>
        <span className="jp-DataEngineer-mcpServerState">
          {stateLabel(state, trans)}
        </span>
        {view.toolCount > 0 && (
          <span className="jp-DataEngineer-mcpServerTools">
            {trans.__('%1 tools', view.toolCount)}
          </span>
        )}
        {(state === 'failed' || state === 'running' || state === 'stopped') && (
          <button
            className="jp-mod-styled jp-DataEngineer-mcpRestart"
            disabled={busy}
            onClick={() => act(() => service.restart(info.name))}
          >
            {trans.__('Restart')}
          </button>
        )}
        {state === 'untrusted' && (
          <button
            className="jp-mod-styled jp-DataEngineer-mcpTrustButton"
            disabled={busy}
            onClick={() => act(() => service.trustWorkspace())}
          >
            {trans.__('Trust…')}
          </button>
        )}
        {state === 'needs_inputs' && (
          <button
            className="jp-mod-styled jp-DataEngineer-mcpInputsButton"
            disabled={busy}
            onClick={() => act(() => service.restart(info.name))}
          >
            {trans.__('Enter values…')}
          </button>
        )}
      </div>
      {info.definitionError && (
        <div className="jp-DataEngineer-mcpError">{info.definitionError}</div>
      )}
      {failure && state === 'failed' && (
        <div className="jp-DataEngineer-mcpError" role="alert">
          {failure.message}
          {failure.stderrTail && (
            <details>
              <summary>{trans.__('Server output (stderr)')}</summary>
              <pre className="jp-DataEngineer-mcpStderr">
                {failure.stderrTail}
              </pre>
            </details>
          )}
        </div>
      )}
    </li>
  );
}

export interface IMcpStatusListProps {
  service: McpService;
  trans: TranslationBundle;
}

/** The small "MCP servers" list of the panel: status, stderr tail of failures, Restart, Trust. */
export function McpStatusList(props: IMcpStatusListProps): JSX.Element | null {
  const { service, trans } = props;
  useChanged(service);
  const [open, setOpen] = React.useState(false);
  const views = service.servers;
  const problems = service.list?.problems ?? [];
  const failed = views.filter(v => v.state === 'failed').length;
  // A failure opens the list, and it stays open after a Restart fixed it.
  React.useEffect(() => {
    if (failed > 0) {
      setOpen(true);
    }
  }, [failed]);
  if (!views.length && !problems.length) {
    return null;
  }
  const expanded = open || failed > 0;
  return (
    <div className="jp-DataEngineer-mcpBlock">
      <button
        className="jp-DataEngineer-mcpToggle jp-mod-styled"
        aria-expanded={expanded}
        onClick={() => setOpen(!expanded)}
      >
        {failed
          ? trans.__('MCP servers (%1, %2 failed)', views.length, failed)
          : trans.__('MCP servers (%1)', views.length)}
      </button>
      {expanded && (
        <ul className="jp-DataEngineer-mcpList">
          {problems.map(problem => (
            <li key={problem} className="jp-DataEngineer-mcpError">
              {problem}
            </li>
          ))}
          {views.map(view => (
            <ServerRow
              key={view.info.name}
              view={view}
              service={service}
              trans={trans}
            />
          ))}
        </ul>
      )}
    </div>
  );
}
