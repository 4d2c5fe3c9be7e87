import type { Tool } from '@anthropic-ai/sdk/resources/messages';
import type Ajv from 'ajv';
import type { ValidateFunction } from 'ajv';
import type { ToolGroup } from './groups';
import type { ITool } from './types';

/**
 * Turns the names in a persona's `tools:` list into the groups and tool
 * names they grant. The persona side provides it (`personas/toolMapping`
 * knows the VS Code names); the registry only applies it.
 */
export type ToolNameResolver = (names: readonly string[]) => { groups: Iterable<ToolGroup>; tools: Iterable<string> };

/**
 * Tools that come and go (MCP servers): asked to bring their tools up to date
 * before the first request of a turn (`prepareSources`), then `add`/`remove` them.
 */
export interface IToolSource {
  prepare(): Promise<void>;
}

/** Without a resolver, names are this extension's own group and tool names. */
const ownNames: ToolNameResolver = names => ({ groups: names as ToolGroup[], tools: names });

/**
 * All tools of the extension, by name: offers a persona the tools its
 * `tools:` list grants, and validates model input against each schema.
 */
export class ToolRegistry {
  constructor(tools: ITool[] = []) {
    tools.forEach(tool => this.add(tool));
  }

  /** The resolver every registry uses for persona tool names (set once by the persona side). */
  static useNameResolver(resolver: ToolNameResolver): void {
    ToolRegistry._resolver = resolver;
  }

  add(tool: ITool): void {
    this._tools.set(tool.name, tool);
    this._validators.delete(tool.name);
  }

  /**
   * Take tools out because the server cannot run them (e.g. terminals
   * disabled); the reason is kept for the persona details.
   */
  withhold(names: readonly string[], reason: string): void {
    for (const name of names) {
      if (this._tools.delete(name) || !this._withheld.has(name)) {
        this._withheld.set(name, reason);
      }
    }
  }

  /** Tools not offered, by name, with the reason. */
  get withheld(): ReadonlyMap<string, string> {
    return this._withheld;
  }

  /** Take a tool out (a dynamic source's tool that went away). */
  remove(name: string): void {
    this._tools.delete(name);
    this._validators.delete(name);
  }

  /** Register a source of dynamic tools. */
  addSource(source: IToolSource): void {
    this._sources.push(source);
  }

  /** Let every dynamic source update its tools; a source that fails keeps what it had. */
  async prepareSources(): Promise<void> {
    await Promise.all(this._sources.map(source => source.prepare().catch(() => undefined)));
  }

  get(name: string): ITool | undefined {
    return this._tools.get(name);
  }

  get names(): string[] {
    return [...this._tools.keys()];
  }

  /** The tools a persona's `tools:` list allows (null: every tool), sorted by name. */
  forPersona(toolNames: readonly string[] | null | undefined, resolve: ToolNameResolver = ToolRegistry._resolver): ITool[] {
    const all = [...this._tools.values()].sort((a, b) => a.name.localeCompare(b.name));
    if (toolNames === null || toolNames === undefined) {
      return all;
    }
    const granted = resolve(toolNames);
    const groups = new Set<string>(granted.groups);
    const names = new Set<string>(granted.tools);
    // Tool names listed directly (e.g. `run_cell`) count too.
    toolNames.forEach(name => names.add(name));
    return all.filter(tool => names.has(tool.name) || (tool.group !== undefined && groups.has(tool.group)));
  }

  /**
   * Null when the input fits the tool's schema, else a message for the model.
   * Ajv (35 KB gzip) loads with the first validation, not to draw the chat.
   */
  async validate(tool: ITool, input: unknown): Promise<string | null> {
    let validate = this._validators.get(tool.name);
    if (!validate) {
      const ajv = await (this._ajv ??= loadAjv());
      validate = ajv.compile(tool.inputSchema);
      this._validators.set(tool.name, validate);
    }
    if (validate(input)) {
      return null;
    }
    const problems = (validate.errors ?? [])
      .slice(0, 5)
      .map(error => `${error.instancePath || '(input)'} ${error.message ?? 'is invalid'}`)
      .join('; ');
    return `Invalid input for ${tool.name}: ${problems}. Check the tool's input schema and call it again.`;
  }

  /** The API's tool definitions, in a stable order (part of the cached prefix). */
  static toApi(tools: ITool[]): Tool[] {
    return tools.map(tool => ({
      name: tool.name,
      description: tool.description,
      input_schema: tool.inputSchema as Tool['input_schema']
    }));
  }

  private static _resolver: ToolNameResolver = ownNames;
  private _tools = new Map<string, ITool>();
  private _withheld = new Map<string, string>();
  private _sources: IToolSource[] = [];
  private _validators = new Map<string, ValidateFunction>();
  private _ajv: Promise<Ajv> | null = null;
}

/** Ajv, in its own chunk. */
async function loadAjv(): Promise<Ajv> {
  const { default: Ajv } = await import(/* webpackChunkName: "ajv" */ 'ajv');
  return new Ajv({ allErrors: true, strict: false });
}
