/**
 * Test helper: an `Assistant` on a scripted endpoint (see `fakeFetch`), with
 * the bundled personas, stub tools and a workspace without instruction files.
 */
import Anthropic from '@anthropic-ai/sdk';
import { Assistant, IAssistantOptions } from '../agent/assistant';
import type { IContentsLike } from '../contents/contents';
import { InstructionsLoader } from '../instructions/instructions';
import { BUNDLED_PERSONAS } from '../personas/bundled';
import { ModelCatalog } from '../personas/modelCatalog';
import type { IModelInfo } from '../personas/modelResolution';
import { PersonaRegistry } from '../personas/registry';
import type { IChatSettings } from '../settings';
import { ToolRegistry } from '../tools/registry';
import { fakeTool } from './allTools';
import type { ITool } from '../tools/types';
import { fakeFetch, IFakeReply } from './fakeStream';
import { testSettings } from './testSettings';

/** A workspace where every file is missing. */
export const noFiles: IContentsLike = {
  get: async () => {
    throw Object.assign(new Error('nope'), { response: { status: 404 } });
  }
};

/** What the scripted endpoint serves unless a test says otherwise. */
export const SERVED_MODELS: IModelInfo[] = [
  { id: 'claude-sonnet-4-6', created_at: '2026-02-01T00:00:00Z' },
  { id: 'claude-opus-4-6', created_at: '2026-02-01T00:00:00Z' },
  { id: 'claude-haiku-4-5-20251001', created_at: '2025-10-01T00:00:00Z' }
];

/** A read-only tool in the real tool's group (persona names resolve through the registry) that answers `content`. */
export function stubTool(name: string, content = 'ok'): ITool {
  return fakeTool(name, { run: async () => ({ content }) });
}

export interface ITestAssistantOptions extends Partial<
  Omit<IAssistantOptions, 'settings'>
> {
  /** The scripted replies, in order. */
  replies?: IFakeReply[];
  settings?: Partial<IChatSettings>;
  /** The models the endpoint serves (default `SERVED_MODELS`). */
  served?: IModelInfo[];
  /** Names of stub tools (ignored when `registry` is given). */
  tools?: string[];
  /** Persona files besides the bundled ones. */
  bundled?: typeof BUNDLED_PERSONAS;
}

/** An assistant and the requests its endpoint received. */
export function testAssistant(options: ITestAssistantOptions = {}) {
  const {
    replies = [],
    settings = {},
    served = SERVED_MODELS,
    tools = [],
    bundled = BUNDLED_PERSONAS,
    ...rest
  } = options;
  const fake = fakeFetch(replies);
  const client = new Anthropic({
    apiKey: 'k',
    baseURL: 'http://mock',
    fetch: fake.fetch,
    maxRetries: 0
  });
  const assistant = new Assistant({
    client: () => client,
    personas: new PersonaRegistry({ bundled }),
    catalog: new ModelCatalog(async () => served),
    instructions: new InstructionsLoader(noFiles),
    activePath: () => null,
    registry: new ToolRegistry(tools.map(name => stubTool(name))),
    ...rest,
    settings: () => testSettings(settings)
  });
  return { assistant, requests: fake.requests };
}
