import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { IToolRegistry } from '../tokens';

/** The example plugin's id (activate it with `app.activatePlugin(EXAMPLE_TOOL_PLUGIN_ID)`). */
export const EXAMPLE_TOOL_PLUGIN_ID = 'jupyterlab-data-engineer:example-tool';

/**
 * How another extension adds a tool to the chat, using only the public API
 * (`src/tokens.ts`): a tool family, loaded on the chat's first need of tools
 * (the dynamic import keeps it out of JupyterLab's start-up and out of
 * drawing the chat), with its own result view. Not
 * started by default (`autoStart: false`): the UI tests start it, and it is
 * the model to copy (see docs/architecture.md, "Adding a tool").
 */
export const exampleToolPlugin: JupyterFrontEndPlugin<void> = {
  id: EXAMPLE_TOOL_PLUGIN_ID,
  description: 'Example: a tool added through IToolRegistry.',
  autoStart: false,
  requires: [IToolRegistry],
  activate: (_app: JupyterFrontEnd, tools: IToolRegistry) => {
    tools.addFamily({
      id: 'example-text-stats',
      load: async () => (await import('./textStats')).textStatsFamily()
    });
  }
};
