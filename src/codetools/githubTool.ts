import { guardFor } from '../tools/guard';
import { framedResult } from '../tools/results';
import { defineTool } from '../tools/schema';
import { CodeToolError, CodeToolsServer } from './serverRoute';

/**
 * `search_github_repo` (VS Code's `githubRepo`): the server downloads a
 * repository's archive once (the user is asked first: the card names the
 * host, repository and ref), then searches its cached copy without asking.
 */

export const GITHUB_GROUP = 'github';

const DEFAULT_MAX = 10;
const MAX_MAX = 30;

/** The server's answer about a repository's cache (jupyterlab_data_engineer/github_repo.py). */
export interface IRepoStatus {
  host: string;
  repo: string;
  ref: string | null;
  cached: boolean;
  max_bytes: number;
  files?: number;
  downloaded?: number;
}

interface ISnippet {
  path: string;
  start_line: number;
  end_line: number;
  match_line: number;
  text: string;
}

interface ISearchAnswer {
  snippets: ISnippet[];
  matching_files: number;
  searched_files: number;
  terms: string[];
  host: string;
  repo: string;
  ref: string;
  path: string;
  downloaded: boolean;
  downloaded_at?: number;
}

const guard = guardFor(CodeToolError);

function refLabel(ref: string | null | undefined): string {
  return ref ? ref : 'its default branch';
}

/** Why the first search of a repository asks: what will be downloaded, from where. */
export function downloadRisk(status: IRepoStatus): string | null {
  if (status.cached) {
    return null;
  }
  const mb = Math.round(status.max_bytes / (1024 * 1024));
  return `First search of ${status.repo}: the Jupyter server downloads its archive (${refLabel(status.ref)}) from ${status.host} (at most ${mb} MB) and keeps it in its cache; later searches of it do not ask.`;
}

function snippetText(snippet: ISnippet): string {
  const width = String(snippet.end_line).length;
  const lines = snippet.text
    .split('\n')
    .map(
      (line, index) =>
        `${String(snippet.start_line + index).padStart(width)}${snippet.start_line + index === snippet.match_line ? '>' : ' '} ${line}`
    );
  return [
    `${snippet.path}:${snippet.start_line}-${snippet.end_line}`,
    ...lines
  ].join('\n');
}

export function searchGithubRepoTool(server: () => CodeToolsServer) {
  return defineTool({
    name: 'search_github_repo',
    group: GITHUB_GROUP,
    description:
      "Search a GitHub repository's code for snippets relevant to a query (like VS Code's githubRepo): e.g. how a library " +
      'implements or uses something. The Jupyter server downloads the repository archive for the ref once (the user is asked ' +
      'before the first download) and searches its cached copy. Returns the best-matching files with a few lines of context ' +
      '(path:start-end, numbered lines, > marks the best line). Query with words or identifiers, "quoted phrases" for exact text.',
    inputSchema: {
      type: 'object',
      properties: {
        repo: {
          type: 'string',
          pattern: '^[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+$',
          description: 'The repository as owner/name, e.g. "duckdb/duckdb".'
        },
        query: {
          type: 'string',
          minLength: 1,
          description: 'Words, identifiers or "quoted phrases" to look for.'
        },
        ref: {
          type: 'string',
          description: 'Branch, tag or commit (default: the default branch).'
        },
        path: {
          type: 'string',
          description:
            'Only files under this folder of the repository, e.g. "src/".'
        },
        max: {
          type: 'integer',
          minimum: 1,
          maximum: MAX_MAX,
          description: `At most this many snippets (default ${DEFAULT_MAX}).`
        }
      },
      required: ['repo', 'query'],
      additionalProperties: false
    },
    effect: 'read',
    defaultApproval: 'auto',
    describe: input =>
      `Search GitHub repository ${input.repo ?? '?'}${input.ref ? `@${input.ref}` : ''} for "${input.query ?? '?'}"`,
    // What the card shows and the approval binds: the host, and whether the repository is cached.
    bind: async (input, context) => {
      try {
        return await server().get<IRepoStatus>(
          'github/status',
          { repo: input.repo, ref: input.ref },
          context.signal
        );
      } catch (error) {
        throw new Error(error instanceof Error ? error.message : String(error));
      }
    },
    riskOf: (_input, context) => {
      const status = context?.binding as IRepoStatus | undefined;
      return status ? downloadRisk(status) : null;
    },
    preview: (input, context) => {
      const status = context.binding as IRepoStatus | undefined;
      const where = status
        ? `${status.host}/${status.repo} (${refLabel(status.ref ?? input.ref)})`
        : input.repo;
      return {
        summary: status?.cached
          ? `Search the cached copy of ${where} for "${input.query}"`
          : `Download ${where} to the Jupyter server's cache, then search it for "${input.query}"`
      };
    },
    run: (input, context) =>
      guard(async () => {
        const answer = await server().post<ISearchAnswer>(
          'github/search',
          {
            repo: input.repo,
            ref: input.ref,
            path: input.path,
            query: input.query,
            max: Math.min(input.max ?? DEFAULT_MAX, MAX_MAX)
          },
          context.signal
        );
        const where = `${answer.repo}@${answer.ref} (${answer.host})${answer.path ? `, under ${answer.path}` : ''}`;
        const when = answer.downloaded
          ? 'downloaded now'
          : answer.downloaded_at
            ? `cached copy of ${new Date(answer.downloaded_at * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC`
            : 'cached copy';
        const data = {
          githubRepo: {
            host: answer.host,
            repo: answer.repo,
            ref: answer.ref,
            downloaded: answer.downloaded
          }
        };
        if (!answer.snippets.length) {
          return {
            content: `No file of ${where} matches ${answer.terms.join(', ')}; ${answer.searched_files} files searched (${when}). Try other words or a wider path.`,
            data
          };
        }
        const more = answer.matching_files - answer.snippets.length;
        return {
          content: framedResult(
            `${answer.snippets.length} snippet${answer.snippets.length === 1 ? '' : 's'} from ${where} for "${input.query}"; ${answer.matching_files} matching of ${answer.searched_files} files searched (${when}).`,
            `github ${answer.repo}@${answer.ref}`,
            answer.snippets.map(snippetText).join('\n\n'),
            more > 0
              ? [
                  `${more} more matching files not shown; raise max or narrow path.`
                ]
              : []
          ),
          data
        };
      })
  });
}
