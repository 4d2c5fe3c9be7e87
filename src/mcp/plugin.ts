import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { IToolRegistry } from '../tokens';

/** MCP servers (`.vscode/mcp.json`, the server's config) as tools of the chat: a family loaded on first need (at start when servers are configured). */
export const mcpPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyterlab-data-engineer:mcp',
  description: 'MCP servers as tools of the chat.',
  autoStart: true,
  requires: [IToolRegistry],
  activate: (app: JupyterFrontEnd, tools: IToolRegistry) => {
    const serverSettings = app.serviceManager.serverSettings;
    tools.addFamily({
      id: 'mcp',
      // The servers' status line shows at once when there is one to show.
      loadAtStart: async () =>
        (await import('./probe')).hasMcpStatus(serverSettings),
      load: async host =>
        (await import('./family')).createMcpFamily(host, serverSettings)
    });
  }
};
