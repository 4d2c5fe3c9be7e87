import type { Tool } from '@anthropic-ai/sdk/resources/messages';
import Ajv, { ValidateFunction } from 'ajv';
import { toolsOfGroups, resolveTools } from '../personas/toolMapping';
import type { ITool } from './types';

/**
 * All tools of the extension, by name: offers a persona the tools its
 * `tools:` list maps to, and validates model input against each schema.
 */
export class ToolRegistry {
  constructor(tools: ITool[] = []) {
    tools.forEach(tool => this.add(tool));
  }

  add(tool: ITool): void {
    this._tools.set(tool.name, tool);
    this._validators.delete(tool.name);
  }

  get(name: string): ITool | undefined {
    return this._tools.get(name);
  }

  get names(): string[] {
    return [...this._tools.keys()];
  }

  /** The tools a persona's `tools:` list allows (null: every tool). */
  forPersona(toolNames: readonly string[] | null | undefined): ITool[] {
    const allowed = toolsOfGroups(resolveTools(toolNames ?? null).groups);
    // Tool names listed directly (e.g. `run_cell`) count too.
    for (const name of toolNames ?? []) {
      if (this._tools.has(name)) {
        allowed.add(name);
      }
    }
    return [...this._tools.values()]
      .filter(tool => toolNames === null || toolNames === undefined || allowed.has(tool.name))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Null when the input fits the tool's schema, else a message for the model. */
  validate(tool: ITool, input: unknown): string | null {
    let validate = this._validators.get(tool.name);
    if (!validate) {
      validate = this._ajv.compile(tool.inputSchema);
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

  private _tools = new Map<string, ITool>();
  private _validators = new Map<string, ValidateFunction>();
  private _ajv = new Ajv({ allErrors: true, strict: false });
}
