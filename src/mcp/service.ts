import type { TranslationBundle } from '@jupyterlab/translation';
import { ISignal, Signal } from '@lumino/signaling';
import type { IToolSource, ToolRegistry } from '../tools/registry';
import { McpBridge, McpRouteError } from './bridge';
import { McpInputValues } from './inputs';
import { assignToolNames, IMcpToolRef } from './names';
import { mcpToolsNamed } from './personaTools';
import { createMcpTool, IMcpSettings } from './tools';
import type {
  IMcpFailure,
  IMcpInputSpec,
  IMcpList,
  IMcpServerInfo,
  IMcpToolInfo
} from './types';

/** Questions the service asks the user (the UI implements them with dialogs). */
export interface IMcpPrompter {
  /** Show the workspace's stdio servers (command, args, file); true when the user trusts them. */
  confirmTrust(request: {
    file: string;
    servers: IMcpServerInfo[];
  }): Promise<boolean>;
  /** Ask for `${input:...}` values; null when the user cancels. */
  askInputs(
    server: string,
    specs: IMcpInputSpec[]
  ): Promise<Record<string, string> | null>;
}

/** How the status list shows a server. */
export type McpDisplayState =
  | 'running'
  | 'stopped'
  | 'starting'
  | 'failed'
  | 'untrusted'
  | 'needs_inputs'
  | 'invalid'
  | 'disabled';

export interface IMcpServerView {
  info: IMcpServerInfo;
  state: McpDisplayState;
  /** Number of tools offered to the model. */
  toolCount: number;
  failure?: IMcpFailure;
}

export interface IMcpServiceOptions {
  bridge: McpBridge;
  registry: ToolRegistry;
  settings: () => IMcpSettings;
  trans: TranslationBundle;
  prompter?: IMcpPrompter | null;
  inputs?: McpInputValues;
  /** Where "trust declined for this file version" is remembered for the tab. */
  storage?: Storage | null;
  /**
   * How long a turn waits for servers that are starting (ms); slower ones keep starting
   * and their tools join from the turn's next request.
   */
  prepareWaitMs?: number;
}

const DECLINED_KEY = 'jupyterlab-data-engineer:mcp-trust-declined';

/**
 * The chat's MCP tool source: lists the servers the Jupyter server knows, asks for trust
 * and inputs once, starts servers on first use (a turn that could offer their tools),
 * and keeps their tools in the registry as `mcp__<server>__<tool>`.
 */
export class McpService implements IToolSource {
  constructor(options: IMcpServiceOptions) {
    this._options = options;
    this.inputs = options.inputs ?? new McpInputValues();
    this._storage =
      options.storage !== undefined ? options.storage : safeSessionStorage();
  }

  readonly inputs: McpInputValues;

  /** The last listing; null before the first or when the server has no MCP bridge. */
  get list(): IMcpList | null {
    return this._list;
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** The servers as the status list shows them. */
  get servers(): IMcpServerView[] {
    const list = this._list;
    if (!list) {
      return [];
    }
    const workspaceOn = this._options.settings().workspaceServers;
    return list.servers.map(info => {
      const failure =
        info.status === 'failed' && info.error
          ? { ...info.error, stderrTail: info.stderrTail }
          : this._failures.get(info.name);
      const toolCount = [...this._names.values()].filter(
        ref => ref.server === info.name
      ).length;
      let state: McpDisplayState;
      if (info.source === 'workspace' && !workspaceOn) {
        state = 'disabled';
      } else if (info.status === 'invalid') {
        state = 'invalid';
      } else if (!info.trusted) {
        state = 'untrusted';
      } else if (this._starting.has(info.name)) {
        state = 'starting';
      } else if (
        info.status === 'failed' ||
        (failure && failure.kind !== 'needs_inputs')
      ) {
        state = 'failed';
      } else if (
        this.inputs.missing(info.inputIds).length &&
        info.status !== 'running'
      ) {
        state = 'needs_inputs';
      } else {
        state = info.status === 'running' ? 'running' : 'stopped';
      }
      return { info, state, toolCount, failure };
    });
  }

  /** The API names of the tools of `server` (for persona `server/*`), undefined for no such server. */
  toolNamesOf(server: string, tool?: string): string[] | undefined {
    if (!this._list?.servers.some(s => s.name === server)) {
      return undefined;
    }
    return [...this._names.entries()]
      .filter(
        ([, ref]) =>
          ref.server === server && (tool === undefined || ref.tool === tool)
      )
      .map(([name]) => name);
  }

  /** Every MCP tool offered now (API names). */
  allToolNames(): string[] {
    return [...this._names.keys()];
  }

  /** Persona entries `<server>/*`, `<server>/<tool>`, `<server>`, `mcp__<server>__<tool>`, `mcp` (see personaTools.ts). */
  toolsNamed(entry: string): string[] | undefined {
    return mcpToolsNamed(this, entry);
  }

  /** A persona with no `tools:` key gets every MCP tool (a list gets only those it names). */
  toolsByDefault(): string[] {
    return this.allToolNames();
  }

  /** Ask the server which MCP servers exist (starts nothing). */
  async refresh(): Promise<void> {
    try {
      this._list = await this._options.bridge.list();
    } catch (error) {
      // An older server extension without the bridge (404), or the server is away.
      if (!(error instanceof McpRouteError) || error.status === 404) {
        this._list = null;
      }
    }
    for (const info of this._list?.servers ?? []) {
      if (info.status === 'running' && info.tools) {
        this._tools.set(info.name, {
          key: definitionKey(info),
          tools: info.tools
        });
      }
    }
    this._sync();
  }

  /** Before a turn's first request: trust, inputs, start what is needed, offer the tools. */
  prepare(): Promise<void> {
    if (!this._preparing) {
      this._preparing = this._prepare().finally(() => (this._preparing = null));
    }
    return this._preparing;
  }

  /** Stop and start a server again (the Restart button); clears its failure. */
  async restart(name: string): Promise<void> {
    this._failures.delete(name);
    const info = this._list?.servers.find(s => s.name === name);
    if (info && !(await this._askInputs(info))) {
      return;
    }
    await this._start(name, true);
  }

  /** Show the trust question for the workspace file now (the Trust… button). */
  async trustWorkspace(): Promise<boolean> {
    const list = this._list;
    const prompter = this._options.prompter;
    if (!list?.workspaceHash || !prompter) {
      return false;
    }
    const servers = list.servers.filter(
      s => s.source === 'workspace' && !s.trusted
    );
    if (!servers.length) {
      return true;
    }
    const yes = await prompter.confirmTrust({
      file: list.workspaceFile,
      servers
    });
    if (!yes) {
      this._setDeclined(list.workspaceHash);
      this._changed.emit();
      return false;
    }
    try {
      this._list = await this._options.bridge.trust(list.workspaceHash);
    } catch (error) {
      if (error instanceof McpRouteError && error.failure.kind === 'changed') {
        // The file changed while the dialog was open: list again; the next turn asks again.
        await this.refresh();
        return false;
      }
      throw error;
    }
    this._sync();
    return true;
  }

  private async _prepare(): Promise<void> {
    await this.refresh();
    const list = this._list;
    if (!list) {
      return;
    }
    const settings = this._options.settings();
    const untrusted = list.servers.some(
      s => s.source === 'workspace' && !s.trusted && s.status !== 'invalid'
    );
    if (
      settings.workspaceServers &&
      untrusted &&
      list.workspaceHash &&
      this._declined() !== list.workspaceHash
    ) {
      await this.trustWorkspace().catch(() => false);
    }
    const wanted = (this._list?.servers ?? []).filter(
      info =>
        this._usable(info) &&
        !this._starting.has(info.name) &&
        !this._failures.has(info.name) &&
        info.status !== 'failed' &&
        this._tools.get(info.name)?.key !== definitionKey(info)
    );
    for (const info of wanted) {
      if (!(await this._askInputs(info))) {
        this._failures.set(info.name, {
          kind: 'needs_inputs',
          message: this._options.trans.__('values were not entered')
        });
      }
    }
    const starts = Promise.all(
      wanted
        .filter(info => !this.inputs.missing(info.inputIds).length)
        .map(info => this._start(info.name, false))
    );
    let timer: ReturnType<typeof setTimeout> | undefined;
    const waited = new Promise<void>(
      resolve =>
        (timer = setTimeout(resolve, this._options.prepareWaitMs ?? 15000))
    );
    await Promise.race([starts, waited]);
    clearTimeout(timer);
  }

  /** Ask for the missing inputs of a server once; false when the user cancelled. */
  private async _askInputs(info: IMcpServerInfo): Promise<boolean> {
    const missing = this.inputs.missing(info.inputIds);
    if (!missing.length) {
      return true;
    }
    const prompter = this._options.prompter;
    if (!prompter) {
      return false;
    }
    const specs = missing.map(
      id =>
        this._list?.inputs.find(spec => spec.id === id) ?? {
          id,
          description: id,
          password: true
        }
    );
    const values = await prompter.askInputs(info.name, specs);
    if (!values) {
      return false;
    }
    this.inputs.set(values);
    this._failures.delete(info.name);
    return true;
  }

  private async _start(name: string, restart: boolean): Promise<void> {
    const info = this._list?.servers.find(s => s.name === name);
    this._starting.add(name);
    this._changed.emit();
    try {
      const started = await this._options.bridge.start(
        name,
        this.inputs.valuesFor(info?.inputIds ?? []),
        restart
      );
      this._failures.delete(name);
      this._replaceInfo(started);
      this._tools.set(name, {
        key: definitionKey(started),
        tools: started.tools ?? []
      });
    } catch (error) {
      const failure: IMcpFailure =
        error instanceof McpRouteError
          ? error.failure
          : {
              kind: 'start_failed',
              message: error instanceof Error ? error.message : String(error)
            };
      this._failures.set(name, failure);
      if (failure.kind === 'needs_inputs' && info) {
        // The server wants values this tab no longer has: ask again next time.
        this.inputs.forget(info.inputIds);
      }
      this._tools.delete(name);
    } finally {
      this._starting.delete(name);
      this._sync();
    }
  }

  /** A failure seen during a tool call (crash, timeout): show it; crashed servers' tools go. */
  reportFailure(name: string, failure: IMcpFailure): void {
    if (failure.kind !== 'timeout') {
      this._failures.set(name, failure);
      this._tools.delete(name);
    }
    void this.refresh();
  }

  /** The host the tools call through. */
  private _host = {
    settings: () => this._options.settings(),
    call: (
      server: string,
      tool: string,
      args: unknown,
      signal: AbortSignal
    ) => {
      const info = this._list?.servers.find(s => s.name === server);
      return this._options.bridge.call(
        server,
        tool,
        args,
        this.inputs.valuesFor(info?.inputIds ?? []),
        signal
      );
    },
    reportFailure: (server: string, failure: IMcpFailure) =>
      this.reportFailure(server, failure)
  };

  private _usable(info: IMcpServerInfo): boolean {
    if (info.status === 'invalid' || !info.trusted) {
      return false;
    }
    return info.source === 'admin' || this._options.settings().workspaceServers;
  }

  private _replaceInfo(info: IMcpServerInfo): void {
    if (this._list) {
      this._list = {
        ...this._list,
        servers: this._list.servers.map(s => (s.name === info.name ? info : s))
      };
    }
  }

  /** Put exactly the usable servers' tools in the registry. */
  private _sync(): void {
    const registry = this._options.registry;
    const servers = new Map((this._list?.servers ?? []).map(s => [s.name, s]));
    const pairs: Array<IMcpToolRef & { info: IMcpToolInfo }> = [];
    for (const name of [...this._tools.keys()].sort()) {
      const server = servers.get(name);
      const entry = this._tools.get(name)!;
      if (
        !server ||
        !this._usable(server) ||
        entry.key !== definitionKey(server) ||
        this._failures.has(name)
      ) {
        continue;
      }
      entry.tools.forEach(info =>
        pairs.push({ server: name, tool: info.name, info })
      );
    }
    const names = assignToolNames(pairs);
    for (const old of this._names.keys()) {
      if (!names.has(old)) {
        registry.remove(old);
      }
    }
    let index = 0;
    for (const [apiName] of names) {
      const pair = pairs[index++];
      registry.add(
        createMcpTool(
          apiName,
          servers.get(pair.server)!,
          pair.info,
          this._host,
          this._options.trans
        )
      );
    }
    this._names = new Map(
      [...names].map(([apiName, ref]) => [
        apiName,
        { server: ref.server, tool: ref.tool }
      ])
    );
    this._changed.emit();
  }

  private _declined(): string | null {
    try {
      return this._storage?.getItem(DECLINED_KEY) ?? null;
    } catch {
      return null;
    }
  }

  private _setDeclined(hash: string): void {
    try {
      this._storage?.setItem(DECLINED_KEY, hash);
    } catch {
      // Then the question comes again next turn.
    }
  }

  private _options: IMcpServiceOptions;
  private _storage: Storage | null;
  private _list: IMcpList | null = null;
  private _tools = new Map<string, { key: string; tools: IMcpToolInfo[] }>();
  private _names = new Map<string, IMcpToolRef>();
  private _failures = new Map<string, IMcpFailure>();
  private _starting = new Set<string>();
  private _preparing: Promise<void> | null = null;
  private _changed = new Signal<this, void>(this);
}

/** What identifies a definition's version: cached tools of another version are stale. */
function definitionKey(info: IMcpServerInfo): string {
  return JSON.stringify([
    info.type,
    info.command,
    info.args,
    info.envNames,
    info.envFile,
    info.envFileDigest,
    info.cwd,
    info.env,
    info.url,
    info.headerNames,
    info.headers,
    info.file
  ]);
}

function safeSessionStorage(): Storage | null {
  try {
    return typeof window !== 'undefined' ? window.sessionStorage : null;
  } catch {
    return null;
  }
}
