import '@testing-library/jest-dom';
import {
  fireEvent,
  render,
  screen,
  waitFor,
  within
} from '@testing-library/react';
import * as React from 'react';
import { McpStatusList } from '../ui/statusList';
import { server, setUp, tool, trans } from './memoryBridge';

describe('MCP servers status list', () => {
  it('shows a failed server open, with its stderr tail and a Restart that brings it back', async () => {
    const { bridge, registry, service } = setUp({
      servers: [
        server('db'),
        server('ws', {
          source: 'workspace',
          file: '.vscode/mcp.json',
          trusted: false
        })
      ],
      tools: { db: [tool('q')] },
      trust: false
    });
    bridge.failStart.set('db', 'exited during the handshake');
    await registry.prepareSources();
    const { container } = render(
      <McpStatusList service={service} trans={trans} />
    );
    expect(
      screen.getByRole('button', { name: 'MCP servers (2, 1 failed)' })
    ).toBeInTheDocument();
    const db = container.querySelector<HTMLElement>('[data-server="db"]')!;
    expect(db).toHaveAttribute('data-state', 'failed');
    expect(db).toHaveTextContent('exited during the handshake');
    expect(db.querySelector('.jp-DataEngineer-mcpStderr')!.textContent).toBe(
      'boom on stderr'
    );
    const ws = container.querySelector('[data-server="ws"]')!;
    expect(ws).toHaveAttribute('data-state', 'untrusted');
    expect(ws.querySelector('.jp-DataEngineer-mcpTrustButton')).not.toBeNull();

    bridge.failStart.clear();
    bridge.servers[0].status = 'stopped';
    delete bridge.servers[0].error;
    fireEvent.click(within(db).getByRole('button', { name: 'Restart' }));
    await waitFor(() =>
      expect(container.querySelector('[data-server="db"]')).toHaveAttribute(
        'data-state',
        'running'
      )
    );
    expect(
      container.querySelector(
        '[data-server="db"] .jp-DataEngineer-mcpServerTools'
      )!.textContent
    ).toBe('1 tools');
    expect(registry.names).toEqual(['mcp__db__q']);
  });

  it('renders nothing without MCP servers', async () => {
    const { service } = setUp({ servers: [], tools: {} });
    await service.refresh();
    const { container } = render(
      <McpStatusList service={service} trans={trans} />
    );
    expect(container).toBeEmptyDOMElement();
  });
});
