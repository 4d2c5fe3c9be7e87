/**
 * search_github_repo against a real `jupyter server` with the extension and a
 * local stand-in for GitHub's REST API (jupyterlab_data_engineer/tests/github_fake.py,
 * run as its own process): the first search of a repository asks, a cached
 * one does not; 404 and the rate limit read plainly.
 *
 * @jest-environment node
 */
import { ChildProcess, spawn } from 'child_process';
import * as path from 'path';
import type { IToolContext, ITool } from '../../tools/types';
import { CodeToolsServer } from '../serverRoute';
import { createCodeTools } from '../tools';
import {
  IJupyterServer,
  startJupyterServer
} from '../../__tests__/jupyterServer';

jest.setTimeout(180000);

const PORT = 9132; // this suite's port (the helper's range is 9100-9149)
const REPO = path.resolve(__dirname, '..', '..', '..');

let fake: ChildProcess;
let fakeUrl: string;
let server: IJupyterServer;
let tool: ITool;

beforeAll(async () => {
  // The fake GitHub of the Python tests, serving one repository.
  fake = spawn(
    'python3',
    [
      '-c',
      [
        'import sys, time',
        'from jupyterlab_data_engineer.tests.github_fake import FakeGitHub',
        'f = FakeGitHub()',
        'f.repos["acme/etl"] = {"main": {"etl/loader.py": "def load_orders(con):\\n    return con.sql(\'SELECT * FROM orders\')\\n", "README.md": "# ETL\\n"}}',
        'print(f.url, flush=True)',
        'time.sleep(3600)'
      ].join('\n')
    ],
    {
      cwd: REPO,
      env: { ...process.env, PYTHONPATH: REPO },
      stdio: ['ignore', 'pipe', 'inherit']
    }
  );
  fakeUrl = await new Promise<string>((resolve, reject) => {
    fake.stdout!.once('data', chunk => resolve(String(chunk).trim()));
    fake.once('exit', code => reject(new Error(`fake GitHub exited ${code}`)));
  });
  server = await startJupyterServer(PORT, () => undefined, [
    `--DataEngineer.github_api_url=${fakeUrl}`,
    '--DataEngineer.github_cache_dir=github-cache'
  ]);
  const codeServer = new CodeToolsServer(server.base, server.request);
  tool = createCodeTools({ server: () => codeServer }).find(
    t => t.name === 'search_github_repo'
  )!;
});

afterAll(async () => {
  await server?.stop();
  fake?.kill('SIGTERM');
});

/** What the approval step does: bind, then ask riskOf (a risk makes an `auto` tool ask). */
async function approvalOf(input: Record<string, unknown>) {
  const context: IToolContext = {
    signal: new AbortController().signal,
    services: {}
  };
  context.binding = await tool.bind!(input, context);
  return {
    context,
    risk: tool.riskOf!(input, context),
    preview: await tool.preview!(input, context)
  };
}

describe('search_github_repo', () => {
  it('asks before the first download, naming host, repo and ref; not once cached', async () => {
    const input = { repo: 'acme/etl', query: 'load_orders' };
    const host = new URL(fakeUrl).host;
    expect(tool.defaultApproval).toBe('auto');
    const first = await approvalOf(input);
    expect(first.risk).toContain(
      `First search of acme/etl: the Jupyter server downloads its archive (its default branch) from ${host}`
    );
    expect(first.preview.summary).toBe(
      `Download ${host}/acme/etl (its default branch) to the Jupyter server's cache, then search it for "load_orders"`
    );
    const result = await tool.run(input, first.context);
    const text = String(result.content);
    expect(text).toContain(
      `1 snippet from acme/etl@main (${host}) for "load_orders"`
    );
    expect(text).toContain('(downloaded now)');
    expect(text).toContain('etl/loader.py:1-2');
    expect(text).toContain('1> def load_orders(con):');

    const second = await approvalOf(input);
    expect(second.risk).toBeNull();
    expect(second.preview.summary).toContain(
      `Search the cached copy of ${host}/acme/etl (main)`
    );
    expect(String((await tool.run(input, second.context)).content)).toContain(
      'cached copy of'
    );
  });

  it('reads a missing repository and the rate limit plainly', async () => {
    const missing = await tool.run(
      { repo: 'acme/nope', query: 'x y' },
      (await approvalOf({ repo: 'acme/nope', query: 'x y' })).context
    );
    expect(missing.isError).toBe(true);
    expect(missing.content).toBe(
      `acme/nope was not found on ${new URL(fakeUrl).host} (a private repository needs c.DataEngineer.github_token on the server).`
    );
    const limited = await tool.run(
      { repo: 'limited/repo', query: 'x y' },
      (await approvalOf({ repo: 'limited/repo', query: 'x y' })).context
    );
    expect(limited.isError).toBe(true);
    expect(String(limited.content)).toMatch(
      /GitHub's API rate limit on .* is used up\. It resets at \d\d:\d\d UTC\. An administrator can set c\.DataEngineer\.github_token/
    );
  });

  it('refuses a malformed repository name before asking', async () => {
    await expect(
      approvalOf({ repo: 'not a repo', query: 'x' })
    ).rejects.toThrow('repo must be "owner/name"');
  });
});
