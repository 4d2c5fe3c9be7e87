/**
 * The public entry of the MCP feature: its plugin. The service, its tools,
 * its dialogs and status line load with the chat (`./family`).
 */
export { mcpPlugin } from './plugin';
