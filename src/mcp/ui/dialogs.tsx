import { Dialog, showDialog } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';
import * as React from 'react';
import type { IMcpPrompter } from '../service';
import type { IMcpInputSpec, IMcpServerInfo } from '../types';

/** The command line of a stdio server as the user should read it before trusting it. */
export function commandLine(info: IMcpServerInfo): string {
  const quote = (part: string) =>
    /^[A-Za-z0-9_./:=@%+-]+$/.test(part) ? part : JSON.stringify(part);
  return [info.command ?? '', ...(info.args ?? [])].map(quote).join(' ');
}

function TrustBody(props: {
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
        <div
          key={server.name}
          className="jp-DataEngineer-mcpTrustServer"
          data-server={server.name}
        >
          <div>
            <strong>{server.name}</strong> ·{' '}
            {trans.__('from %1', server.file ?? props.file)}
          </div>
          {server.type === 'stdio' ? (
            <pre className="jp-DataEngineer-mcpCommand">
              {commandLine(server)}
            </pre>
          ) : (
            <pre className="jp-DataEngineer-mcpCommand">{server.url}</pre>
          )}
          {!!server.headerNames?.length && (
            <div>{trans.__('Headers: %1', server.headerNames.join(', '))}</div>
          )}
          {!!server.envNames?.length && (
            <div>{trans.__('Environment: %1', server.envNames.join(', '))}</div>
          )}
          {server.envFile && (
            <div>{trans.__('Environment file: %1', server.envFile)}</div>
          )}
        </div>
      ))}
      <p>
        {trans.__(
          'Your answer is remembered for this version of the file; any change asks again.'
        )}
      </p>
    </div>
  );
}

/** The form of `${input:...}` values; its value is what the user typed. */
class InputsBody
  extends Widget
  implements Dialog.IBodyWidget<Record<string, string>>
{
  constructor(
    server: string,
    specs: IMcpInputSpec[],
    trans: TranslationBundle
  ) {
    super();
    this.addClass('jp-DataEngineer-mcpInputs');
    const intro = document.createElement('p');
    intro.textContent = trans.__(
      'The MCP server "%1" needs these values. They are kept in this browser tab only and sent to the Jupyter server when the server starts.',
      server
    );
    this.node.appendChild(intro);
    for (const spec of specs) {
      const label = document.createElement('label');
      label.textContent = spec.description || spec.id;
      const input = document.createElement('input');
      input.type = spec.password ? 'password' : 'text';
      input.name = spec.id;
      input.className = 'jp-mod-styled';
      input.dataset.inputId = spec.id;
      input.autocomplete = 'off';
      if (spec.default !== undefined && !spec.password) {
        input.value = spec.default;
      }
      label.appendChild(input);
      this.node.appendChild(label);
      this._inputs.push(input);
    }
  }

  getValue(): Record<string, string> {
    return Object.fromEntries(
      this._inputs.map(input => [input.name, input.value])
    );
  }

  private _inputs: HTMLInputElement[] = [];
}

/** Trust and inputs questions as JupyterLab dialogs. */
export function dialogPrompter(trans: TranslationBundle): IMcpPrompter {
  return {
    async confirmTrust({ file, servers }) {
      const result = await showDialog({
        title: trans.__('Trust the MCP servers of this workspace?'),
        body: <TrustBody file={file} servers={servers} trans={trans} />,
        buttons: [
          Dialog.cancelButton({ label: trans.__('Do not start') }),
          Dialog.warnButton({ label: trans.__('Trust and start') })
        ]
      });
      return result.button.accept;
    },
    async askInputs(server, specs) {
      const result = await showDialog({
        title: trans.__('Values for the MCP server "%1"', server),
        body: new InputsBody(server, specs, trans),
        buttons: [
          Dialog.cancelButton({ label: trans.__('Cancel') }),
          Dialog.okButton({ label: trans.__('Start') })
        ]
      });
      return result.button.accept ? (result.value ?? {}) : null;
    }
  };
}
