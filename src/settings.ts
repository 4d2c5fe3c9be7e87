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
  toolApprovals: {}
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
    toolApprovals: { ...(get('toolApprovals') ?? {}) }
  };
}
