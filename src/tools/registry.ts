import type { Tool } from '@anthropic-ai/sdk/resources/messages';
import type Ajv from 'ajv';
import type { ValidateFunction } from 'ajv';
import { genericLine } from './describe';
import { ALL_TOOL_GROUPS, TOOL_GROUP_DESCRIPTIONS, ToolGroup } from './groups';
import type {
  IShownSoFar,
  ITool,
  IToolContext,
  IToolPreview,
  IToolResult
} from './types';

/**
 * Turns the names in a persona's `tools:` list into the groups and tool
 * names they grant. The persona side provides it (`personas/toolMapping`
 * knows the VS Code names, and asks the registry what each group holds);
 * the registry only applies it.
 */
export type ToolNameResolver = (names: readonly string[]) => {
  groups: Iterable<ToolGroup>;
  tools: Iterable<string>;
};

/**
 * Tools that come and go (MCP servers): asked to bring their tools up to date
 * before the first request of a turn (`prepareSources`), then `add`/`remove` them.
 */
export interface IToolSource {
  prepare(): Promise<void>;
  /**
   * The tools a persona `tools:` entry names from this source (MCP:
   * `<server>/*`, `<server>/<tool>`); undefined when the entry is not one of
   * this source's names.
   */
  toolsNamed?(entry: string): readonly string[] | undefined;
  /** The tools a persona with no `tools:` key gets (MCP: all of them); a `tools:` list gets only what it names. */
  toolsByDefault?(): readonly string[];
}

/** Without a resolver, names are this extension's own group and tool names. */
const ownNames: ToolNameResolver = names => ({
  groups: names as ToolGroup[],
  tools: names
});

/** A tool's `describe`, or (when it throws on an odd saved input) a line from the input's path or name. */
function describeSafely(
  tool: ITool,
  input: unknown,
  result?: IToolResult
): string | null {
  try {
    return tool.describe(input ?? {}, result);
  } catch {
    return genericLine(input);
  }
}

/**
 * All tools of the extension, by name: offers a persona the tools its
 * `tools:` list grants, and validates model input against each schema.
 */
export class ToolRegistry {
  constructor(tools: ITool[] = []) {
    tools.forEach(tool => this.add(tool));
  }

  add(tool: ITool): void {
    this._tools.set(tool.name, tool);
    this._held.delete(tool.name);
    this._validators.delete(tool.name);
  }

  /**
   * Take tools out because the server cannot run them (e.g. terminals
   * disabled); the reason is kept for the persona details.
   */
  withhold(names: readonly string[], reason: string): void {
    for (const name of names) {
      const tool = this._tools.get(name);
      if (tool) {
        // Still in the catalogue: a persona granted it is told why it is missing.
        this._held.set(name, tool);
        this._tools.delete(name);
      }
      if (tool || !this._withheld.has(name)) {
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
    this._held.delete(name);
    this._validators.delete(name);
  }

  /** Sources of dynamic tools, for persona `tools:` entries that name their tools. */
  get sources(): readonly IToolSource[] {
    return this._sources;
  }

  /** Register a source of dynamic tools. */
  addSource(source: IToolSource): void {
    this._sources.push(source);
  }

  /** Let every dynamic source update its tools; a source that fails keeps what it had. */
  async prepareSources(): Promise<void> {
    await Promise.all(
      this._sources.map(source => source.prepare().catch(() => undefined))
    );
  }

  get(name: string): ITool | undefined {
    return this._tools.get(name);
  }

  get names(): string[] {
    return [...this._tools.keys()];
  }

  // -------------------------------------------------------------------------
  // The catalogue: read off the tools themselves, withheld ones included.

  /**
   * Add a group a tool family brings (persona files can then name it in
   * `tools:`); a built-in group's name is refused. Dispose-free: groups stay
   * known while the chat lives (a family's tools go; its group stays empty).
   */
  addGroup(name: string, description: string): void {
    const id = name.trim().toLowerCase();
    if (
      !/^[a-z0-9][a-z0-9_.-]*$/.test(id) ||
      (ALL_TOOL_GROUPS as string[]).includes(id)
    ) {
      throw new Error(`Invalid or built-in tool group name "${name}"`);
    }
    this._groups.set(id, description);
  }

  /** Every group: the built-in ones in display order, then the families' ones. */
  groups(): ToolGroup[] {
    return [...ALL_TOOL_GROUPS, ...this._groups.keys()];
  }

  /** Whether `name` is a group here. */
  hasGroup(name: string): boolean {
    return (
      (ALL_TOOL_GROUPS as string[]).includes(name) || this._groups.has(name)
    );
  }

  /** What a group is for (one line). */
  groupDescription(group: ToolGroup): string {
    return (
      (TOOL_GROUP_DESCRIPTIONS as Record<string, string>)[group] ??
      this._groups.get(group) ??
      ''
    );
  }

  /** The group of a tool registered or withheld here (undefined: no such tool, or it has no group). */
  groupOf(name: string): ToolGroup | undefined {
    return this._known(name)?.group;
  }

  /** The names of a group's tools, registered or withheld, in the order they were added. */
  toolsOfGroup(group: ToolGroup): string[] {
    return this.catalogue().get(group) ?? [];
  }

  /** The groups that have tools here, each with its tools' names. */
  catalogue(): Map<ToolGroup, string[]> {
    const byGroup = new Map<ToolGroup, string[]>();
    for (const tool of [...this._tools.values(), ...this._held.values()]) {
      if (tool.group) {
        byGroup.set(tool.group, [
          ...(byGroup.get(tool.group) ?? []),
          tool.name
        ]);
      }
    }
    return byGroup;
  }

  // -------------------------------------------------------------------------
  // Describing calls: what the approval card, the tool card and the export show.

  /**
   * A call in one line, from the tool's `describe` (null when no tool of
   * that name is known, e.g. a saved chat's MCP tool that is gone; a line
   * from the input's path or name when the tool's `describe` fails).
   */
  describe(name: string, input: unknown, result?: IToolResult): string | null {
    const tool = this._known(name);
    return tool ? describeSafely(tool, input, result) : null;
  }

  /** A call's input as Markdown for the export (`ITool.inputMarkdown`); null: show it as JSON. */
  inputMarkdown(
    name: string,
    input: unknown,
    shown: IShownSoFar
  ): string | null {
    const tool = this._known(name);
    try {
      return tool?.inputMarkdown?.(input ?? {}, shown) ?? null;
    } catch {
      return null;
    }
  }

  /**
   * What the approval card shows: the tool's preview, else (no preview, or
   * it failed: a preview is a nicety) its one-line `describe`; with what
   * "Allow for this chat" means for the tool.
   */
  static async previewOf(
    tool: ITool,
    input: unknown,
    context: IToolContext
  ): Promise<IToolPreview> {
    let preview: IToolPreview | undefined;
    try {
      preview = tool.preview ? await tool.preview(input, context) : undefined;
    } catch {
      preview = undefined;
    }
    preview ??= { summary: describeSafely(tool, input) ?? tool.name };
    return tool.allowChat ? { ...preview, allowChat: tool.allowChat } : preview;
  }

  /** The tools a persona's `tools:` list allows (null: every tool), sorted by name. */
  forPersona(
    toolNames: readonly string[] | null | undefined,
    resolve: ToolNameResolver = ownNames
  ): ITool[] {
    const all = [...this._tools.values()].sort((a, b) =>
      a.name.localeCompare(b.name)
    );
    if (toolNames === null || toolNames === undefined) {
      return all;
    }
    const granted = resolve(toolNames);
    const groups = new Set<string>(granted.groups);
    const names = new Set<string>(granted.tools);
    // Tool names listed directly (e.g. `run_cell`) count too.
    toolNames.forEach(name => names.add(name));
    return all.filter(
      tool =>
        names.has(tool.name) ||
        (tool.group !== undefined && groups.has(tool.group))
    );
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
      .map(
        error =>
          `${error.instancePath || '(input)'} ${error.message ?? 'is invalid'}`
      )
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

  /** A tool registered or withheld here. */
  private _known(name: string): ITool | undefined {
    return this._tools.get(name) ?? this._held.get(name);
  }

  private _tools = new Map<string, ITool>();
  /** Withheld tools, kept for the catalogue. */
  private _held = new Map<string, ITool>();
  private _withheld = new Map<string, string>();
  private _sources: IToolSource[] = [];
  private _validators = new Map<string, ValidateFunction>();
  private _groups = new Map<string, string>();
  private _ajv: Promise<Ajv> | null = null;
}

/** Ajv, in its own chunk. */
async function loadAjv(): Promise<Ajv> {
  const { default: Ajv } = await import(/* webpackChunkName: "ajv" */ 'ajv');
  return new Ajv({ allErrors: true, strict: false });
}
