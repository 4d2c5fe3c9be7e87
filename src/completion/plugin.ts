import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICompletionProviderManager } from '@jupyterlab/completer';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { dataEngineerIcon } from '../icon';
import { DataEngineerInlineProvider } from './provider';
import { CompletionUsage, ICompletionUsage } from './usage';

const CHAT_PLUGIN_ID = 'jupyterlab-data-engineer:plugin';

/** Registers the provider with JupyterLab's completion manager (when there is one). */
export const inlineCompletionPlugin: JupyterFrontEndPlugin<CompletionUsage> = {
  id: 'jupyterlab-data-engineer:inline-completion',
  description: 'Inline completions with the kernel’s real schemas.',
  autoStart: true,
  provides: ICompletionUsage,
  optional: [ICompletionProviderManager, ISettingRegistry, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    manager: ICompletionProviderManager | null,
    settingRegistry: ISettingRegistry | null,
    translator: ITranslator | null
  ): CompletionUsage => {
    const usage = new CompletionUsage();
    if (!manager) {
      return usage;
    }
    const trans = (translator ?? nullTranslator).load(
      'jupyterlab_data_engineer'
    );
    // Read (with `readSettings`) by the session, which loads on first use: not at start-up.
    let chatSettings: ISettingRegistry.ISettings | null = null;
    settingRegistry
      ?.load(CHAT_PLUGIN_ID)
      .then(loaded => (chatSettings = loaded))
      .catch(() => undefined);
    const provider: DataEngineerInlineProvider = new DataEngineerInlineProvider(
      {
        trans,
        icon: dataEngineerIcon,
        load: () =>
          import('./session').then(
            ({ CompletionSession }) =>
              new CompletionSession({
                serverSettings: app.serviceManager.serverSettings,
                contents: app.serviceManager.contents,
                chatSettings: () => chatSettings,
                config: () => provider.config,
                enabled: () => provider.enabled,
                usage
              })
          )
      }
    );
    manager.registerInlineProvider(provider);
    return usage;
  }
};
