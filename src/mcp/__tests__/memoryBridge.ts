/** The MCP routes' behaviour in memory, for the browser-side tests (the Python tests use real servers). */
import { McpRouteError } from '../bridge';
import { McpInputValues } from '../inputs';
import { IMcpPrompter, McpService } from '../service';
import type { IMcpSettings } from '../tools';
import type { IMcpList, IMcpServerInfo, IMcpToolInfo } from '../types';
import { ToolRegistry } from '../../tools/registry';

export const trans = {
  __: (text: string, ...args: unknown[]) =>
    args.reduce<string>((t, a, i) => t.replace(`%${i + 1}`, String(a)), text)
} as any;

export const tool = (
  name: string,
  extra: Partial<IMcpToolInfo> = {}
): IMcpToolInfo => ({
  name,
  description: `does ${name}`,
  inputSchema: {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    properties: { q: { type: 'string' } },
    required: ['q']
  },
  ...extra
});

export function server(
  name: string,
  extra: Partial<IMcpServerInfo> = {}
): IMcpServerInfo {
  return {
    name,
    source: 'admin',
    file: null,
    type: 'stdio',
    command: 'x',
    args: [],
    trusted: true,
    inputIds: [],
    status: 'stopped',
    ...extra
  };
}

/** The routes' behaviour, in memory: trust, inputs, start, call. */
export class MemoryBridge {
  constructor(
    public servers: IMcpServerInfo[],
    public tools: Record<string, IMcpToolInfo[]>
  ) {}
  hash = 'h1';
  starts: Array<{ name: string; inputs: Record<string, string> }> = [];
  calls: Array<{
    name: string;
    tool: string;
    args: unknown;
    inputs: Record<string, string>;
  }> = [];
  failStart = new Map<string, string>();
  /** Starts of these servers wait until released. */
  holdStart = new Map<string, Promise<void>>();
  callFailure: { kind: string; message: string; stderrTail?: string } | null =
    null;

  async list(): Promise<IMcpList> {
    return {
      servers: this.servers.map(s => ({ ...s })),
      inputs: [{ id: 'tok', description: 'Token', password: true }],
      workspaceEnabled: true,
      workspaceFile: '.vscode/mcp.json',
      workspaceHash: this.hash,
      problems: []
    };
  }
  async start(
    name: string,
    inputs: Record<string, string>
  ): Promise<IMcpServerInfo> {
    this.starts.push({ name, inputs });
    await this.holdStart.get(name);
    const s = this.servers.find(x => x.name === name)!;
    if (!s.trusted) {
      throw new McpRouteError(403, { kind: 'not_trusted', message: 'no' });
    }
    const failure = this.failStart.get(name);
    if (failure) {
      s.status = 'failed';
      s.error = { kind: 'start_failed', message: failure };
      s.stderrTail = 'boom on stderr';
      throw new McpRouteError(502, {
        kind: 'start_failed',
        message: failure,
        stderrTail: 'boom on stderr'
      });
    }
    s.status = 'running';
    s.tools = this.tools[name];
    return { ...s };
  }
  async call(
    name: string,
    toolName: string,
    args: unknown,
    inputs: Record<string, string>
  ) {
    this.calls.push({ name, tool: toolName, args, inputs });
    if (this.callFailure) {
      throw new McpRouteError(502, this.callFailure);
    }
    return {
      isError: false,
      truncated: false,
      content: [{ type: 'text' as const, text: `${toolName} ok` }]
    };
  }
  async trust(hash: string): Promise<IMcpList> {
    if (hash !== this.hash) {
      throw new McpRouteError(409, { kind: 'changed', message: 'changed' });
    }
    this.servers
      .filter(s => s.source === 'workspace')
      .forEach(s => (s.trusted = true));
    return this.list();
  }
}

export class MemoryStorage {
  data = new Map<string, string>();
  getItem(k: string) {
    return this.data.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.data.set(k, v);
  }
}

export function setUp(options: {
  servers: IMcpServerInfo[];
  tools: Record<string, IMcpToolInfo[]>;
  trust?: boolean;
  inputs?: Record<string, string> | null;
  settings?: Partial<IMcpSettings>;
  prepareWaitMs?: number;
}) {
  const bridge = new MemoryBridge(options.servers, options.tools);
  const registry = new ToolRegistry();
  const asked = { trust: [] as string[][], inputs: [] as string[][] };
  const prompter: IMcpPrompter = {
    confirmTrust: async ({ servers }) => {
      asked.trust.push(servers.map(s => s.name));
      return options.trust ?? true;
    },
    askInputs: async (_name, specs) => {
      asked.inputs.push(specs.map(s => s.id));
      return options.inputs === undefined
        ? { tok: 'secret-typed' }
        : options.inputs;
    }
  };
  const storage = new MemoryStorage() as unknown as Storage;
  const settings: IMcpSettings = {
    approvals: {},
    workspaceServers: true,
    ...options.settings
  };
  const service = new McpService({
    bridge: bridge as any,
    registry,
    settings: () => settings,
    trans,
    prompter,
    storage,
    inputs: new McpInputValues(storage),
    prepareWaitMs: options.prepareWaitMs
  });
  registry.addSource(service);
  return { bridge, registry, service, asked, settings, storage };
}
