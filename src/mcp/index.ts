/**
 * The public entry of the MCP feature: its plugin. The service, its tools,
 * its dialogs and status line load on the chat's first need of tools, or
 * when it starts if servers are configured (`./family`, `./probe`).
 */
export { mcpPlugin } from './plugin';
