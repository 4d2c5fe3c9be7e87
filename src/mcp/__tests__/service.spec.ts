/** @jest-environment node */
import { ApprovalPolicy } from '../../agent/approval';
import { resolveTools, toolsForPersona } from '../../personas/toolMapping';
import { registryOfAllTools } from '../../__tests__/allTools';
import { server, setUp, tool } from './memoryBridge';

describe('McpService', () => {
  it('starts servers on first use and offers their tools as mcp__server__tool', async () => {
    const { bridge, registry, service } = setUp({
      servers: [server('db'), server('git hub')],
      tools: { db: [tool('query')], 'git hub': [tool('issues.list')] }
    });
    await service.refresh();
    expect(bridge.starts).toEqual([]); // listing starts nothing
    await registry.prepareSources();
    expect(registry.names.sort()).toEqual([
      'mcp__db__query',
      'mcp__git_hub__issues_list'
    ]);
    const query = registry.get('mcp__db__query')!;
    expect(query.inputSchema).toEqual({
      type: 'object',
      properties: { q: { type: 'string' } },
      required: ['q']
    });
    expect(query.description).toContain('MCP server "db"');
    expect(await registry.validate(query, {})).toContain('required');
    const result = await query.run(
      { q: 'select 1' },
      { signal: new AbortController().signal, services: {} }
    );
    expect(result.content).toContain(
      '<untrusted-data source="mcp db/query">\nquery ok\n</untrusted-data>'
    );
    expect(bridge.calls[0]).toMatchObject({
      name: 'db',
      tool: 'query',
      args: { q: 'select 1' }
    });
    // A second turn does not start them again.
    await registry.prepareSources();
    expect(bridge.starts.map(s => s.name).sort()).toEqual(['db', 'git hub']);
  });

  it('asks for approval by default, per server and per tool settings win, destructive always asks', async () => {
    const { registry, settings } = setUp({
      servers: [server('db')],
      tools: {
        db: [
          tool('query', { annotations: { readOnlyHint: true } }),
          tool('drop', { annotations: { destructiveHint: true } })
        ]
      }
    });
    await registry.prepareSources();
    const policy = new ApprovalPolicy(() => ({}));
    const query = registry.get('mcp__db__query')!;
    const drop = registry.get('mcp__db__drop')!;
    expect(policy.decide(query, {}).mode).toBe('ask');
    settings.approvals = { db: 'auto' };
    expect(policy.decide(query, {}).mode).toBe('auto');
    expect(policy.decide(drop, {})).toMatchObject({
      mode: 'ask',
      reason: expect.stringContaining('destructive')
    });
    settings.approvals = { db: 'auto', 'db/query': 'never' };
    expect(policy.decide(query, {}).mode).toBe('never');
    expect(query.effect).toBe('read');
    expect(drop.effect).toBe('execute');
  });

  it('asks to trust a workspace file once; declining starts nothing and is remembered', async () => {
    const ws = server('ws', {
      source: 'workspace',
      file: '.vscode/mcp.json',
      trusted: false
    });
    const { bridge, registry, service, asked } = setUp({
      servers: [ws],
      tools: { ws: [tool('echo')] },
      trust: false
    });
    await registry.prepareSources();
    await registry.prepareSources();
    expect(asked.trust).toEqual([['ws']]);
    expect(bridge.starts).toEqual([]);
    expect(registry.names).toEqual([]);
    expect(service.servers[0].state).toBe('untrusted');
  });

  it('trusts, asks for inputs once and sends them with calls', async () => {
    const ws = server('ws', {
      source: 'workspace',
      file: '.vscode/mcp.json',
      trusted: false,
      inputIds: ['tok']
    });
    const { bridge, registry, asked, storage } = setUp({
      servers: [ws],
      tools: { ws: [tool('echo')] }
    });
    await registry.prepareSources();
    expect(asked.trust).toEqual([['ws']]);
    expect(asked.inputs).toEqual([['tok']]);
    expect(bridge.starts).toEqual([
      { name: 'ws', inputs: { tok: 'secret-typed' } }
    ]);
    await registry
      .get('mcp__ws__echo')!
      .run({ q: 'x' }, { signal: new AbortController().signal, services: {} });
    expect(bridge.calls[0].inputs).toEqual({ tok: 'secret-typed' });
    expect(storage.getItem('jupyterlab-data-engineer:mcp-inputs')).toContain(
      'secret-typed'
    );
    await registry.prepareSources();
    expect(asked.inputs).toHaveLength(1);
  });

  it('skips workspace servers when the setting is off', async () => {
    const ws = server('ws', {
      source: 'workspace',
      file: '.vscode/mcp.json',
      trusted: false
    });
    const { bridge, registry, service, asked } = setUp({
      servers: [ws, server('db')],
      tools: { ws: [tool('echo')], db: [tool('q')] },
      settings: { workspaceServers: false }
    });
    await registry.prepareSources();
    expect(asked.trust).toEqual([]);
    expect(bridge.starts.map(s => s.name)).toEqual(['db']);
    expect(registry.names).toEqual(['mcp__db__q']);
    expect(service.servers.find(v => v.info.name === 'ws')!.state).toBe(
      'disabled'
    );
  });

  it('shows a failed start with its stderr tail, and Restart brings the tools', async () => {
    const { bridge, registry, service } = setUp({
      servers: [server('db')],
      tools: { db: [tool('q')] }
    });
    bridge.failStart.set('db', 'exited during the handshake');
    await registry.prepareSources();
    const view = service.servers[0];
    expect(view.state).toBe('failed');
    expect(view.failure).toMatchObject({
      message: 'exited during the handshake',
      stderrTail: 'boom on stderr'
    });
    expect(registry.names).toEqual([]);
    // No restart loop: the next turn leaves it alone.
    await registry.prepareSources();
    expect(bridge.starts).toHaveLength(1);
    bridge.failStart.clear();
    bridge.servers[0].status = 'stopped';
    delete bridge.servers[0].error;
    await service.restart('db');
    expect(service.servers[0].state).toBe('running');
    expect(registry.names).toEqual(['mcp__db__q']);
  });

  it('a crash during a call becomes an error result and marks the server failed', async () => {
    const { bridge, registry, service } = setUp({
      servers: [server('db')],
      tools: { db: [tool('q')] }
    });
    await registry.prepareSources();
    bridge.callFailure = {
      kind: 'crashed',
      message: 'the connection closed',
      stderrTail: 'Traceback'
    };
    const result = await registry
      .get('mcp__db__q')!
      .run({ q: 'x' }, { signal: new AbortController().signal, services: {} });
    expect(result.isError).toBe(true);
    expect(result.content).toContain('stopped unexpectedly');
    expect(result.data?.mcp?.failure?.kind).toBe('crashed');
    expect(registry.names).toEqual([]);
    expect(service.servers[0].state).toBe('failed');
  });

  it('does not hold a turn for a slow server: its tools join when it is up', async () => {
    const { bridge, registry } = setUp({
      servers: [server('fast'), server('slow')],
      tools: { fast: [tool('a')], slow: [tool('b')] },
      prepareWaitMs: 50
    });
    let release!: () => void;
    bridge.holdStart.set(
      'slow',
      new Promise<void>(resolve => (release = resolve))
    );
    await registry.prepareSources();
    expect(registry.names).toEqual(['mcp__fast__a']);
    release();
    await new Promise(resolve => setTimeout(resolve, 0));
    expect(registry.names.sort()).toEqual(['mcp__fast__a', 'mcp__slow__b']);
  });

  it('grants persona tools named <server>/* and <server>/<tool>', async () => {
    const { registry, service } = setUp({
      servers: [server('db'), server('git')],
      tools: { db: [tool('query'), tool('schema')], git: [tool('log')] }
    });
    // The registry asks its sources: no module global tells persona names about MCP.
    await registry.prepareSources();
    const names = (list: string[]) =>
      toolsForPersona(registry, list).map(t => t.name);
    expect(names(['db/*'])).toEqual(['mcp__db__query', 'mcp__db__schema']);
    expect(names(['db/schema', 'git/*'])).toEqual([
      'mcp__db__schema',
      'mcp__git__log'
    ]);
    // A list naming no MCP server (a read-only persona's VS Code names) gets no MCP tool;
    // `tools: []` gets nothing at all; no `tools:` key gets them all.
    expect(names(['codebase']).filter(n => n.startsWith('mcp__'))).toEqual([]);
    expect(names([])).toEqual([]);
    expect(
      toolsForPersona(registry, undefined)
        .map(t => t.name)
        .filter(n => n.startsWith('mcp__'))
    ).toEqual(['mcp__db__query', 'mcp__db__schema', 'mcp__git__log']);
    expect(names(['codebase', 'git/log'])).toEqual(['mcp__git__log']);
    // A server by its name, a tool by its API name, every MCP tool by `mcp`.
    expect(names(['db'])).toEqual(['mcp__db__query', 'mcp__db__schema']);
    expect(names(['mcp__git__log'])).toEqual(['mcp__git__log']);
    expect(
      names(['codebase', 'mcp']).filter(n => n.startsWith('mcp__'))
    ).toEqual(['mcp__db__query', 'mcp__db__schema', 'mcp__git__log']);
    expect([...resolveTools(['db/*'], registry).tools]).toEqual([
      'mcp__db__query',
      'mcp__db__schema'
    ]);
    expect([...resolveTools(['#git/log'], registry).tools]).toEqual([
      'mcp__git__log'
    ]);
    // A deny list or a #tool: reference means what it names only.
    expect([...resolveTools(['codebase'], registry).tools]).toEqual([]);
    // Not an MCP server: VS Code's names go on as before; unknown ones are reported.
    const all = registryOfAllTools();
    all.addSource(service);
    expect([...resolveTools(['search/codebase'], all).groups].sort()).toEqual([
      'files-read',
      'files-search'
    ]);
    expect(resolveTools(['nosuch/*'], all).unavailable).toEqual(['nosuch/*']);
    expect(resolveTools(['db/*'], all).unavailable).toEqual([]);
    expect(resolveTools(['codebase'], all).tools).not.toContain(
      'mcp__git__log'
    );
    // No `tools:` key: every tool, MCP tools included.
    expect(toolsForPersona(registry, null).map(t => t.name)).toEqual([
      'mcp__db__query',
      'mcp__db__schema',
      'mcp__git__log'
    ]);
  });
});
