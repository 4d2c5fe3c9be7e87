import { FILES_SERVICE } from '../files';
import type { FilesService } from '../files';
import { guardFor } from '../tools/guard';
import { framedResult } from '../tools/results';
import { defineTool } from '../tools/schema';
import type { IToolContext } from '../tools/types';
import type { OpenNotebooks } from './openNotebooks';
import { CodeToolError, CodeToolsServer } from './serverRoute';

/** `get_problems`: the diagnostics VS Code's Problems view would show, from the server (ruff, sqlglot). */

export const PROBLEMS_GROUP = 'diagnostics';
export const PROBLEMS_ROUTE = 'problems';

const DEFAULT_MAX = 100;
const MAX_MAX = 500;
const SEVERITIES = ['error', 'warning', 'info'] as const;
type Severity = (typeof SEVERITIES)[number];

/** One problem as the server reports it (jupyterlab_data_engineer/problems.py). */
export interface IProblem {
  path: string;
  cell: string | null;
  cell_index: number | null;
  line: number;
  column: number;
  code: string;
  message: string;
  severity: Severity;
  source: string;
}

export interface IProblemsAnswer {
  problems: IProblem[];
  total: number;
  counts: Record<Severity, number>;
  truncated: boolean;
  checked: string[];
  notes: string[];
}

export interface IProblemsToolOptions {
  server: () => CodeToolsServer;
  openNotebooks: OpenNotebooks;
}

const guard = guardFor(CodeToolError);

function filesOf(context: IToolContext): FilesService | null {
  return (context.services[FILES_SERVICE] as FilesService | undefined) ?? null;
}

function count(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** One problem as the model reads it: where, severity, code, message. */
export function problemLine(
  problem: IProblem,
  display: (path: string) => string = p => p
): string {
  const where = `${display(problem.path)}${problem.cell ? `:cell ${problem.cell}` : ''}:${problem.line}:${problem.column}`;
  return `${where}: ${problem.severity} ${problem.code} ${problem.message} (${problem.source})`;
}

export function getProblemsTool(options: IProblemsToolOptions) {
  return defineTool({
    name: 'get_problems',
    group: PROBLEMS_GROUP,
    description:
      "Diagnostics as VS Code's Problems view shows them: ruff's lint findings for Python (undefined names, unused imports, syntax " +
      "errors, with the workspace's own ruff configuration) and SQL syntax errors (%%sql cells, %sql lines, SQL strings passed to " +
      '.sql()/.execute()/read_sql, .sql files), checked on the server. Without paths: every open notebook, as it is now (unsaved ' +
      'edits included). With paths: those .py, .sql and .ipynb files. Returns path[:cell <id>]:line:column: severity code message, ' +
      'errors first, bounded (says how many more). Use it after editing code and before running it.',
    inputSchema: {
      type: 'object',
      properties: {
        paths: {
          type: 'array',
          items: { type: 'string', minLength: 1 },
          maxItems: 30,
          description:
            "Files to check (.py, .sql, .ipynb), relative to the active notebook's folder; default: the open notebooks."
        },
        min_severity: {
          type: 'string',
          enum: [...SEVERITIES],
          description:
            'Only problems at least this severe (default: info, i.e. all).'
        },
        max: {
          type: 'integer',
          minimum: 1,
          maximum: MAX_MAX,
          description: `At most this many problems (default ${DEFAULT_MAX}).`
        }
      },
      additionalProperties: false
    },
    effect: 'read',
    defaultApproval: 'auto',
    describe: input =>
      input.paths?.length
        ? `Get the problems of ${input.paths.join(', ')}`
        : 'Get the problems of the open notebooks',
    run: (input, context) =>
      guard(async () => {
        const files = filesOf(context);
        const resolve = (p: string) => (files ? files.resolve(p) : p);
        const display = (p: string) => (files ? files.display(p) : p);
        const paths = (input.paths ?? []).map(resolve);
        const open = options.openNotebooks();
        // With paths, the open copies of those notebooks; without, every open notebook.
        const notebooks = paths.length
          ? open.filter(nb => paths.includes(nb.path))
          : open;
        if (!paths.length && !notebooks.length) {
          return {
            content:
              'No notebook is open. Name the files to check in paths (e.g. ["etl/load.py", "report.ipynb"]).'
          };
        }
        const minimum = SEVERITIES.indexOf(input.min_severity ?? 'info');
        const max = Math.min(input.max ?? DEFAULT_MAX, MAX_MAX);
        const answer = await options
          .server()
          .post<IProblemsAnswer>(
            PROBLEMS_ROUTE,
            { notebooks, paths, max: MAX_MAX },
            context.signal
          );
        const shown = answer.problems.filter(
          p => SEVERITIES.indexOf(p.severity) <= minimum
        );
        const kept = shown.slice(0, max);
        const counts = SEVERITIES.filter(
          (s, i) => i <= minimum && answer.counts[s]
        ).map(s => count(answer.counts[s], s));
        const checked = answer.checked.map(display);
        const where = checked.length
          ? `in ${checked.join(', ')}`
          : 'in no file that could be read';
        const footer = [...answer.notes];
        const hidden =
          SEVERITIES.filter((_s, i) => i <= minimum).reduce(
            (sum, s) => sum + (answer.counts[s] ?? 0),
            0
          ) - kept.length;
        if (hidden > 0) {
          footer.push(
            `… ${count(hidden, 'more problem')} not shown; raise max, narrow paths or set min_severity.`
          );
        }
        const data = {
          problems: { counts: answer.counts, checked: answer.checked },
          paths: answer.checked
        };
        if (!kept.length) {
          return {
            content: [`No problems ${where}.`, ...footer].join('\n'),
            data
          };
        }
        return {
          content: framedResult(
            `${counts.join(', ')} ${where} (ruff and sqlglot, checked on the server).`,
            'problems',
            kept.map(p => problemLine(p, display)).join('\n'),
            footer
          ),
          data
        };
      })
  });
}
