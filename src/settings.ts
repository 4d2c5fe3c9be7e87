import type { ApprovalMode } from './tools/types';
import type { ISettingRegistry } from '@jupyterlab/settingregistry';

/** The user's settings for the chat (see schema/plugin.json). */
export interface IChatSettings {
  model: string;
  maxTokens: number;
  directMode: boolean;
  directApiKey: string;
  directBaseUrl: string;
  /** True when the user set `model` themselves: it then wins over personas. */
  modelExplicit: boolean;
  maxSteps: number;
  notebookContext: boolean;
  variablesContext: boolean;
  toolApprovals: Record<string, ApprovalMode>;
  chatFolder: string;
  /** 0: the model's known window. */
  contextWindow: number;
  compactionThreshold: number;
  prices: Record<string, IPrice>;
}

/** USD per million tokens. */
export interface IPrice {
  input: number;
  output: number;
  cacheWrite?: number;
  cacheRead?: number;
}

/** Used before the settings load and when a setting is missing. */
export const DEFAULT_SETTINGS: IChatSettings = {
  model: 'claude-sonnet-5',
  maxTokens: 8192,
  directMode: false,
  directApiKey: '',
  directBaseUrl: 'https://api.anthropic.com',
  modelExplicit: false,
  maxSteps: 25,
  notebookContext: true,
  variablesContext: true,
  toolApprovals: {},
  chatFolder: '.jupyter/chats',
  contextWindow: 0,
  compactionThreshold: 0.8,
  prices: {
    'claude-opus-4-1': { input: 15, output: 75, cacheWrite: 18.75, cacheRead: 1.5 },
    'claude-opus': { input: 5, output: 25, cacheWrite: 6.25, cacheRead: 0.5 },
    'claude-sonnet': { input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3 },
    'claude-haiku': { input: 1, output: 5, cacheWrite: 1.25, cacheRead: 0.1 }
  }
};

/** Read the composite settings, falling back to the defaults field by field. */
export function readSettings(settings: ISettingRegistry.ISettings | null): IChatSettings {
  if (!settings) {
    return { ...DEFAULT_SETTINGS };
  }
  const get = <K extends keyof IChatSettings>(key: K): IChatSettings[K] => {
    const value = settings.get(key).composite as IChatSettings[K] | undefined;
    return value === undefined || value === null ? DEFAULT_SETTINGS[key] : value;
  };
  return {
    model: (get('model') || DEFAULT_SETTINGS.model).trim(),
    maxTokens: Math.max(1, Math.floor(Number(get('maxTokens')) || DEFAULT_SETTINGS.maxTokens)),
    directMode: Boolean(get('directMode')),
    directApiKey: get('directApiKey'),
    directBaseUrl: get('directBaseUrl'),
    modelExplicit: typeof settings.user.model === 'string' && settings.user.model.trim() !== '',
    maxSteps: Math.max(1, Math.floor(Number(get('maxSteps')) || DEFAULT_SETTINGS.maxSteps)),
    notebookContext: get('notebookContext') !== false,
    variablesContext: get('variablesContext') !== false,
    toolApprovals: { ...(get('toolApprovals') ?? {}) },
    chatFolder: String(get('chatFolder') || DEFAULT_SETTINGS.chatFolder).trim() || DEFAULT_SETTINGS.chatFolder,
    contextWindow: Math.max(0, Math.floor(Number(get('contextWindow')) || 0)),
    compactionThreshold: Math.min(0.98, Math.max(0.3, Number(get('compactionThreshold')) || DEFAULT_SETTINGS.compactionThreshold)),
    prices: { ...(get('prices') ?? DEFAULT_SETTINGS.prices) }
  };
}
