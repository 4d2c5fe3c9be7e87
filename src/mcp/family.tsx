import type { ServerConnection } from '@jupyterlab/services';
import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import type { IToolFamilyContents, IToolFamilyHost } from '../tokens';
import { McpBridge } from './bridge';
import { McpService } from './service';
import { dialogPrompter } from './ui/dialogs';
import { McpStatusList } from './ui/statusList';

/**
 * MCP servers as a tool source: their tools come and go with the servers
 * (in the chat's registry as `mcp__<server>__<tool>`), their status and
 * trust line is drawn under the instructions line.
 */
export function createMcpFamily(
  host: IToolFamilyHost,
  serverSettings: ServerConnection.ISettings
): IToolFamilyContents {
  const service = new McpService({
    bridge: new McpBridge(serverSettings),
    registry: host.registry,
    settings: () => {
      const s = host.settings();
      return {
        approvals: s.mcpApprovals ?? {},
        workspaceServers: s.mcpWorkspaceServers !== false
      };
    },
    trans: host.trans,
    prompter: dialogPrompter(host.trans)
  });
  host.registry.addSource(service);
  const Status = (props: { trans: TranslationBundle }) => (
    <McpStatusList service={service} trans={props.trans} />
  );
  return {
    tools: [],
    refresh: () => service.refresh(),
    statusViews: [Status]
  };
}
