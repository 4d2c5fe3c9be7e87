import type { ServerConnection } from '@jupyterlab/services';
import { McpBridge } from './bridge';

/**
 * Whether the MCP status line has something to show (servers configured, or
 * problems with their definitions): then the MCP family loads when the chat
 * starts, so the line is there at once; otherwise it loads with the other
 * tools, on first need. Asks the server's list (starts nothing).
 */
export async function hasMcpStatus(
  serverSettings: ServerConnection.ISettings
): Promise<boolean> {
  try {
    const list = await new McpBridge(serverSettings).list();
    return !!(list?.servers?.length || list?.problems?.length);
  } catch {
    return false; // no bridge (an older server extension) or the server is away
  }
}
