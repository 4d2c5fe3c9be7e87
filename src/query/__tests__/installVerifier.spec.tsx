// jsdom: issue 32 item 3. The verifier reports sqlglot missing from the kernel; the real
// verdict card offers "Install sqlglot", whose command asks the chat for install_packages
// (the usual approval card) and a new verification.
import '../../notebook/__tests__/jupyterlabMocks';
import '@testing-library/jest-dom';
import { fireEvent, render, screen } from '@testing-library/react';
import { nullTranslator } from '@jupyterlab/translation';
import * as React from 'react';
import { INSTALL_VERIFIER_PACKAGE_COMMAND } from '../commands';
import type { IQueryResultData, IVerification } from '../types';
import { QueryCard } from '../ui/queryCard';

const trans = nullTranslator.load('test');

const MISSING: IVerification = {
  verdict: 'refused',
  summary: 'Refused',
  applicable: false,
  message:
    "The verifier needs sqlglot in the kernel's environment: install it, then verify again.",
  missing_package: 'sqlglot'
};

function verdict(
  verification: IVerification
): Extract<IQueryResultData, { kind: 'verification' }> {
  return {
    kind: 'verification',
    original: 'SELECT 1',
    rewrite: 'SELECT 1 AS x',
    verification,
    notebookPath: 'work/q.ipynb',
    cellId: 'c1'
  };
}

describe('verdict card: the verifier needs a package', () => {
  it('offers "Install sqlglot"; one click asks through the install command with the package and notebook', () => {
    const calls: [string, Record<string, string>][] = [];
    render(
      <QueryCard
        data={verdict(MISSING)}
        trans={trans}
        onCommand={(id, args) => calls.push([id, args])}
      />
    );
    const button = screen.getByRole('button', { name: 'Install sqlglot' });
    fireEvent.click(button);
    expect(calls).toEqual([
      [
        INSTALL_VERIFIER_PACKAGE_COMMAND,
        { package: 'sqlglot', notebook: 'work/q.ipynb' }
      ]
    ]);
    // Once asked, the button waits for the approval instead of asking twice.
    expect(button).toBeDisabled();
    expect(
      screen.getByText(/approve the install, then it verifies again/)
    ).toBeInTheDocument();
  });

  it('offers no install for other verdicts', () => {
    const other: IVerification = {
      verdict: 'refused',
      summary: 'Refused',
      applicable: false,
      message: 'INSERT is not a read-only query'
    };
    render(
      <QueryCard
        data={verdict(other)}
        trans={trans}
        onCommand={() => undefined}
      />
    );
    expect(screen.queryByRole('button', { name: /Install/ })).toBeNull();
  });
});

describe('the install command', () => {
  it('sends the chat a request for install_packages in that notebook, then a new verification', async () => {
    const { CommandRegistry } = await import('@lumino/commands');
    const { addQueryCommands } = await import('../commands');
    const commands = new CommandRegistry();
    const sent: string[] = [];
    addQueryCommands({
      app: { commands, shell: { currentWidget: null } } as any,
      tracker: null,
      palette: null,
      trans,
      send: async text => void sent.push(text)
    });
    await commands.execute(INSTALL_VERIFIER_PACKAGE_COMMAND, {
      package: 'sqlglot',
      notebook: 'work/q.ipynb'
    });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toContain(
      'install_packages (packages: ["sqlglot"], notebook_path: "work/q.ipynb")'
    );
    expect(sent[0]).toContain(
      'verify_query_rewrite again with the same rewrite'
    );
    // Only a pip name goes into the message.
    await commands.execute(INSTALL_VERIFIER_PACKAGE_COMMAND, {
      package: 'x"; rm -rf /'
    });
    expect(sent).toHaveLength(1);
  });
});
