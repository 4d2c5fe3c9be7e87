import '@testing-library/jest-dom';
import { render } from '@testing-library/react';
import * as React from 'react';
import { TrustBody } from '../ui/trustBody';
import { server, setUp, tool, trans } from './memoryBridge';

/**
 * Trust binds to everything a workspace server runs with (issue 26, item 2): the dialog
 * shows cwd, env values, the envFile's content and header templates with their host, and a
 * changed envFile (a new binding from the server) asks again and starts the server again.
 */
describe('MCP trust: what it binds to and what the dialog shows', () => {
  const MASK = '\u2022'.repeat(6);

  it('shows the cwd, env values, envFile entries and header templates with their host', () => {
    const ws = server('ws', {
      source: 'workspace',
      file: '.vscode/mcp.json',
      trusted: false,
      command: 'python',
      args: ['-m', 'db_mcp'],
      cwd: 'tools',
      env: { GH: '${env:GITHUB_TOKEN}', API_TOKEN: MASK },
      envNames: ['API_TOKEN', 'GH'],
      envFile: '${workspaceFolder}/.env',
      envFileEntries: { PYTHONPATH: './evil', DB_PASSWORD: MASK },
      envFileDigest: 'abcdef0123456789'.repeat(4)
    });
    const web = server('api', {
      source: 'workspace',
      file: '.vscode/mcp.json',
      trusted: false,
      type: 'http',
      url: 'https://api.github.com/mcp',
      headerNames: ['Authorization'],
      headers: { Authorization: 'Bearer ${env:GITHUB_TOKEN}' },
      host: 'api.github.com'
    });
    const { container } = render(
      <TrustBody file=".vscode/mcp.json" servers={[ws, web]} trans={trans} />
    );
    const box = (name: string) =>
      container.querySelector<HTMLElement>(`[data-server="${name}"]`)!;
    const part = (name: string, kind: string) =>
      box(name).querySelector<HTMLElement>(`[data-kind="${kind}"]`)!
        .textContent;
    expect(part('ws', 'command')).toBe('python -m db_mcp');
    expect(part('ws', 'cwd')).toBe('Runs in: tools');
    expect(part('ws', 'env')).toBe(
      `GH=\${env:GITHUB_TOKEN}\nAPI_TOKEN=${MASK}`
    );
    expect(part('ws', 'envFile')).toBe(
      'Environment file: ${workspaceFolder}/.env (sha256 abcdef012345…)'
    );
    expect(part('ws', 'envFileEntries')).toBe(
      `PYTHONPATH=./evil\nDB_PASSWORD=${MASK}`
    );
    expect(part('api', 'url')).toBe('https://api.github.com/mcp');
    expect(part('api', 'host')).toBe('Headers, sent to api.github.com:');
    expect(part('api', 'headers')).toBe(
      'Authorization: Bearer ${env:GITHUB_TOKEN}'
    );
  });

  it('says when an envFile cannot be read and where a server without cwd runs', () => {
    const ws = server('ws', {
      source: 'workspace',
      file: '.vscode/mcp.json',
      trusted: false,
      envFile: '.env',
      envFileProblem: 'not found (/srv/.env)',
      envFileDigest: 'unreadable: not found'
    });
    const { container } = render(
      <TrustBody file=".vscode/mcp.json" servers={[ws]} trans={trans} />
    );
    expect(container).toHaveTextContent('Runs in: the server root');
    expect(container).toHaveTextContent(
      'cannot be read: not found (/srv/.env)'
    );
  });

  it('asks again after the envFile changed, and starts the server again once trusted', async () => {
    const ws = server('ws', {
      source: 'workspace',
      file: '.vscode/mcp.json',
      trusted: false,
      envFile: '.env',
      envFileEntries: { LOG_LEVEL: 'info' },
      envFileDigest: 'd1'
    });
    const { bridge, registry, asked } = setUp({
      servers: [ws],
      tools: { ws: [tool('echo')] }
    });
    await registry.prepareSources();
    expect(asked.trust).toEqual([['ws']]);
    expect(bridge.starts).toHaveLength(1);
    expect(registry.names).toEqual(['mcp__ws__echo']);

    // A git pull changed .env: the server reports a new binding, untrusted, and the
    // process it runs no longer matches the definition (stopped).
    bridge.hash = 'h2';
    Object.assign(bridge.servers[0], {
      trusted: false,
      status: 'stopped',
      tools: undefined,
      envFileEntries: { LOG_LEVEL: 'info', PYTHONPATH: './evil' },
      envFileDigest: 'd2'
    });
    await registry.prepareSources();
    expect(asked.trust).toEqual([['ws'], ['ws']]);
    expect(bridge.starts).toHaveLength(2);
    expect(registry.names).toEqual(['mcp__ws__echo']);
  });
});
