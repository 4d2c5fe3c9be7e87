import { Dialog, showDialog } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';
import * as React from 'react';
import type { IMcpPrompter } from '../service';
import type { IMcpInputSpec } from '../types';
import { TrustBody } from './trustBody';

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
