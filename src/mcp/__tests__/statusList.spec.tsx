import * as React from 'react';
import { McpStatusList } from '../ui/statusList';
import { server, setUp, tool, trans } from './memoryBridge';

type Root = { render(node: React.ReactNode): void; unmount(): void };
const { createRoot } = require('react-dom/client') as { createRoot(host: HTMLElement): Root };
const act = (React as unknown as { act(body: () => unknown): Promise<void> | void }).act;
(globalThis as any).IS_REACT_ACT_ENVIRONMENT = true;

describe('MCP servers status list', () => {
  let host: HTMLElement;
  let root: Root;

  beforeEach(() => {
    host = document.createElement('div');
    document.body.appendChild(host);
    root = createRoot(host);
  });

  afterEach(() => {
    act(() => root.unmount());
    host.remove();
  });

  it('shows a failed server open, with its stderr tail and a Restart that brings it back', async () => {
    const { bridge, registry, service } = setUp({ servers: [server('db'), server('ws', { source: 'workspace', file: '.vscode/mcp.json', trusted: false })], tools: { db: [tool('q')] }, trust: false });
    bridge.failStart.set('db', 'exited during the handshake');
    await registry.prepareSources();
    await act(async () => root.render(<McpStatusList service={service} trans={trans} />));
    expect(host.querySelector('.jp-DataEngineer-mcpToggle')!.textContent).toBe('MCP servers (2, 1 failed)');
    const db = host.querySelector('[data-server="db"]')!;
    expect(db.getAttribute('data-state')).toBe('failed');
    expect(db.textContent).toContain('exited during the handshake');
    expect(db.querySelector('.jp-DataEngineer-mcpStderr')!.textContent).toBe('boom on stderr');
    const ws = host.querySelector('[data-server="ws"]')!;
    expect(ws.getAttribute('data-state')).toBe('untrusted');
    expect(ws.querySelector('.jp-DataEngineer-mcpTrustButton')).not.toBeNull();

    bridge.failStart.clear();
    bridge.servers[0].status = 'stopped';
    delete bridge.servers[0].error;
    await act(async () => {
      (db.querySelector('.jp-DataEngineer-mcpRestart') as HTMLButtonElement).click();
      await new Promise(resolve => setTimeout(resolve, 0));
    });
    expect(host.querySelector('[data-server="db"]')!.getAttribute('data-state')).toBe('running');
    expect(host.querySelector('[data-server="db"] .jp-DataEngineer-mcpServerTools')!.textContent).toBe('1 tools');
    expect(registry.names).toEqual(['mcp__db__q']);
  });

  it('renders nothing without MCP servers', async () => {
    const { service } = setUp({ servers: [], tools: {} });
    await service.refresh();
    await act(async () => root.render(<McpStatusList service={service} trans={trans} />));
    expect(host.innerHTML).toBe('');
  });
});
