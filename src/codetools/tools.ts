import type { ITool } from '../tools/types';
import type { OpenNotebooks } from './openNotebooks';
import { searchGithubRepoTool } from './githubTool';
import { getProblemsTool } from './problemsTool';
import { CodeToolError, CodeToolsServer } from './serverRoute';

export interface ICodeToolsOptions {
  /** The server's routes; absent, the tools say the server is not reachable from here. */
  server?: () => CodeToolsServer;
  openNotebooks?: OpenNotebooks;
}

/** The code tools' definitions (the family gives them the server and the open notebooks). */
export function createCodeTools(options: ICodeToolsOptions = {}): ITool[] {
  const server =
    options.server ??
    (() => {
      throw new CodeToolError('The code tools have no Jupyter server to ask.');
    });
  return [
    getProblemsTool({
      server,
      openNotebooks: options.openNotebooks ?? (() => [])
    }),
    searchGithubRepoTool(server)
  ];
}
