import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import type { IMcpServerInfo } from '../types';

/** The command line of a stdio server as the user should read it before trusting it. */
export function commandLine(info: IMcpServerInfo): string {
  const quote = (part: string) =>
    /^[A-Za-z0-9_./:=@%+-]+$/.test(part) ? part : JSON.stringify(part);
  return [info.command ?? '', ...(info.args ?? [])].map(quote).join(' ');
}

/** NAME=value lines, as the trust dialog lists env variables and headers. */
function Variables(props: {
  entries: Record<string, string>;
  kind: string;
  separator: string;
}): JSX.Element {
  return (
    <pre className="jp-DataEngineer-mcpTrustVars" data-kind={props.kind}>
      {Object.entries(props.entries)
        .map(([name, value]) => `${name}${props.separator}${value}`)
        .join('\n')}
    </pre>
  );
}

/** One server as the user should read it before trusting it: everything trust binds to. */
function TrustServer(props: {
  server: IMcpServerInfo;
  file: string;
  trans: TranslationBundle;
}): JSX.Element {
  const { server, trans } = props;
  const env = server.env ?? {};
  const headers = server.headers ?? {};
  return (
    <div className="jp-DataEngineer-mcpTrustServer" data-server={server.name}>
      <div>
        <strong>{server.name}</strong> ·{' '}
        {trans.__('from %1', server.file ?? props.file)}
      </div>
      {server.type === 'stdio' ? (
        <>
          <pre className="jp-DataEngineer-mcpCommand" data-kind="command">
            {commandLine(server)}
          </pre>
          <div data-kind="cwd">
            {server.cwd
              ? trans.__('Runs in: %1', server.cwd)
              : trans.__('Runs in: the server root')}
          </div>
          {Object.keys(env).length > 0 && (
            <>
              <div>{trans.__('Environment:')}</div>
              <Variables entries={env} kind="env" separator="=" />
            </>
          )}
          {server.envFile && (
            <>
              <div data-kind="envFile">
                {trans.__('Environment file: %1', server.envFile)}
                {server.envFileDigest && !server.envFileProblem
                  ? ` (sha256 ${server.envFileDigest.slice(0, 12)}…)`
                  : ''}
                {server.envFileOutside
                  ? ` — ${trans.__('outside the workspace: values not shown')}`
                  : ''}
              </div>
              {server.envFileProblem ? (
                <div className="jp-DataEngineer-mcpTrustProblem">
                  {trans.__('cannot be read: %1', server.envFileProblem)}
                </div>
              ) : (
                <Variables
                  entries={server.envFileEntries ?? {}}
                  kind="envFileEntries"
                  separator="="
                />
              )}
            </>
          )}
        </>
      ) : (
        <>
          <pre className="jp-DataEngineer-mcpCommand" data-kind="url">
            {server.url}
          </pre>
          {Object.keys(headers).length > 0 && (
            <>
              <div data-kind="host">
                {server.host
                  ? trans.__('Headers, sent to %1:', server.host)
                  : trans.__(
                      'Headers, sent to the host the URL gives when the server starts:'
                    )}
              </div>
              <Variables entries={headers} kind="headers" separator=": " />
            </>
          )}
        </>
      )}
    </div>
  );
}

/** The body of the trust question (exported for tests). */
export function TrustBody(props: {
  file: string;
  servers: IMcpServerInfo[];
  trans: TranslationBundle;
}): JSX.Element {
  const { trans } = props;
  return (
    <div className="jp-DataEngineer-mcpTrust">
      <p>
        {trans.__(
          '%1 in this workspace defines MCP servers: commands the Jupyter server would run, or addresses it would connect to. A file that came with a cloned repository can run anything: trust it only if you know what these servers do.',
          props.file
        )}
      </p>
      {props.servers.map(server => (
        <TrustServer
          key={server.name}
          server={server}
          file={props.file}
          trans={trans}
        />
      ))}
      <p>
        {trans.__(
          'Values of secret-looking names are masked; ${...} templates are shown as written and filled in when a server starts. Your answer is remembered for exactly this version of the file and of the environment files it names; any change asks again.'
        )}
      </p>
    </div>
  );
}
