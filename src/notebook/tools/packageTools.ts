import { defineTool } from '../../tools/schema';
import { destructiveReason } from '../../tools/risk';
import {
  CANCELLED,
  guard,
  INotebookToolEnv,
  NOTEBOOK_PATH_PROPERTY,
  peekTarget,
  resolveTarget
} from './common';
import { stripAnsi, truncateMiddle } from '../outputs';
import { executeSilently } from './silentExecute';
import { bindingOf, bindNotebook, notebookWords, targetFor } from './binding';
import { INotebookTarget, ISilentKernel, NotebookToolError } from './types';

/**
 * Python packages in the kernel's environment: install with `%pip` (so the
 * package lands where the kernel imports from) and list silently.
 */

const INSTALL_TIMEOUT_S = 600;
const LIST_TIMEOUT_MS = 30000;
const MAX_LISTED = 500;
const PACKAGES_MARKER = '__DATA_ENGINEER_PACKAGES__';

/**
 * A requirement as pip takes it on the command line: name, optional extras,
 * optional version specifiers. No URLs, paths, options or markers, hence
 * nothing a shell or IPython's `$var`/`{expr}` expansion would interpret.
 */
const VERSION = String.raw`(?:===|~=|==|!=|<=|>=|<|>)[A-Za-z0-9.*+!_-]+`;
const REQUIREMENT = new RegExp(
  String.raw`^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?(?:\[[A-Za-z0-9._-]+(?:,[A-Za-z0-9._-]+)*\])?(?:${VERSION}(?:,${VERSION})*)?$`
);

/** Drop the spaces people put around operators ("numpy >= 1.26"); other whitespace stays and is refused. */
function tidySpec(spec: string): string {
  return spec
    .trim()
    .replace(/[ \t]*(===|~=|==|!=|<=|>=|<|>|,|\[|\])[ \t]*/g, '$1');
}

/** pip installs a bare argument ending like this as a local file, not an index name. */
const LOCAL_ARCHIVE =
  /\.(?:whl|zip|tar|tgz|tbz|txz|tlz|tar\.(?:gz|bz2|xz|lz|lzma))$/i;
/** Paths (relative, absolute, home, Windows drive) and file: URLs. */
const LOCAL_PATH = /^(?:[.~]|[A-Za-z]:|file:)|[/\\]/i;

/** Null when every spec is a plain requirement, else why not (for the model). */
export function invalidPackageSpec(specs: readonly string[]): string | null {
  if (!specs.length) {
    return 'No packages given.';
  }
  for (const raw of specs) {
    const spec = tidySpec(raw);
    const name = spec.split(/[[=<>!~;@\s]/, 1)[0];
    if (LOCAL_PATH.test(spec) || LOCAL_ARCHIVE.test(name)) {
      return (
        `Refused package spec "${raw}": local files, archives and paths are not installed; ` +
        'name a package from the package index (e.g. "pandas>=2.1").'
      );
    }
    if (!REQUIREMENT.test(spec)) {
      return (
        `Refused package spec "${raw}": only names with optional extras and versions are accepted ` +
        '(e.g. "pandas", "pandas>=2.1,<3", "dask[dataframe]==2024.8.0"); no URLs, paths, pip options or shell characters.'
      );
    }
  }
  return null;
}

/** The `%pip` line for valid specs (each quoted for the shell pip runs in). */
export function pipInstallCommand(
  specs: readonly string[],
  upgrade = false
): string {
  const quoted = specs.map(spec => `'${tidySpec(spec)}'`);
  return `%pip install ${upgrade ? '--upgrade ' : ''}${quoted.join(' ')}`;
}

/** The kernel, after checking it is a Python kernel; a tool error otherwise. */
async function pythonKernel(target: INotebookTarget): Promise<ISilentKernel> {
  const blocker = target.runBlocker();
  if (blocker) {
    throw new NotebookToolError(blocker);
  }
  const kernel = target.kernelConnection();
  if (!kernel) {
    throw new NotebookToolError(`${target.path} has no kernel.`);
  }
  let language = target.kernel()?.language ?? '';
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const info = await Promise.race([
      kernel.info,
      new Promise<null>(resolve => {
        timer = setTimeout(() => resolve(null), 5000);
      })
    ]);
    language = info?.language_info?.name ?? language;
  } catch {
    // Keep the language from the notebook metadata.
  } finally {
    clearTimeout(timer);
  }
  if (language && language.toLowerCase() !== 'python') {
    throw new NotebookToolError(
      `The kernel of ${target.path} runs ${language}; installing and listing packages works with Python kernels only.`
    );
  }
  return kernel;
}

/** pip's output without download progress, capped. */
function pipSummary(output: string): string {
  const lines = stripAnsi(output)
    .split(/\r?\n|\r/)
    .filter(
      line =>
        line.trim() &&
        !/^\s*(?:Downloading|Using cached|Collecting|━|\|)/.test(line) &&
        !/\d+(?:\.\d+)?\s*[kM]B\/s/.test(line)
    );
  return truncateMiddle(lines.join('\n'), 4000);
}

export function installPackagesTool(env: INotebookToolEnv) {
  return defineTool({
    name: 'install_packages',
    group: 'packages',
    description:
      "Install Python packages into the notebook kernel's environment with %pip (so they can be imported there). " +
      'Use it when a cell fails with ModuleNotFoundError; give pip names (scikit-learn, not sklearn). Returns ' +
      "pip's summary. A package that was already imported needs restart_kernel to load the new version. " +
      'Python kernels only.',
    inputSchema: {
      type: 'object',
      properties: {
        notebook_path: NOTEBOOK_PATH_PROPERTY,
        packages: {
          type: 'array',
          minItems: 1,
          maxItems: 30,
          items: { type: 'string', minLength: 1, maxLength: 200 },
          description:
            'Requirement specs: name, optional [extras], optional versions, e.g. "polars>=1.0".'
        },
        upgrade: {
          type: 'boolean',
          description:
            'Upgrade packages that are already installed (default false).'
        },
        timeout_seconds: {
          type: 'number',
          minimum: 10,
          maximum: 3600,
          description: `Seconds before giving up (default ${INSTALL_TIMEOUT_S}).`
        }
      },
      required: ['packages'],
      additionalProperties: false
    },
    describe: input =>
      `Install ${Array.isArray(input.packages) ? input.packages.map(String).join(', ') : 'packages'}`,
    effect: 'execute',
    defaultApproval: 'ask',
    riskKind: 'destructive',
    riskOf: input => {
      if (
        !Array.isArray(input?.packages) ||
        invalidPackageSpec(input.packages)
      ) {
        return null; // refused by run() without touching the kernel
      }
      return destructiveReason(
        pipInstallCommand(input.packages, input.upgrade)
      );
    },
    // The card names the notebook (and kernel) the packages go to; the install goes exactly there.
    bind: (input, context) =>
      bindNotebook(env, context, input.notebook_path, () => []),
    preview: (input, context) => {
      const bound = bindingOf(context);
      const target = bound
        ? null
        : peekTarget(env, input.notebook_path, context);
      const where = bound
        ? `${bound.kernelName ? `${bound.kernelName} ` : ''}kernel of ${notebookWords(bound)}`
        : `kernel of ${target?.path ?? input.notebook_path ?? 'the active notebook'}`;
      const valid =
        Array.isArray(input.packages) && !invalidPackageSpec(input.packages);
      return {
        summary: `Install ${(input.packages ?? []).join(', ')} in the ${where}`,
        ...(valid
          ? {
              code: {
                source: pipInstallCommand(input.packages, input.upgrade),
                language: 'python'
              }
            }
          : {})
      };
    },
    run: (input, context) =>
      guard(async () => {
        const invalid = invalidPackageSpec(input.packages);
        if (invalid) {
          throw new NotebookToolError(invalid);
        }
        const target = await targetFor(env, context, input.notebook_path);
        const kernel = await pythonKernel(target);
        const command = pipInstallCommand(input.packages, input.upgrade);
        const result = await executeSilently(kernel, command, {
          signal: context.signal,
          timeoutMs: (input.timeout_seconds ?? INSTALL_TIMEOUT_S) * 1000,
          userExpressions: { exit_code: '_exit_code' }
        });
        const output = pipSummary(`${result.stdout}\n${result.stderr}`);
        if (result.status === 'cancelled') {
          return {
            content: `${CANCELLED} The installation was interrupted.\n${output}`,
            isError: true
          };
        }
        if (result.status === 'timeout') {
          return {
            content: `pip did not finish in time; the kernel was interrupted.\n${output}`,
            isError: true
          };
        }
        if (result.error) {
          return {
            content: `${command} failed: ${result.error.ename}: ${result.error.evalue}\n${output}`,
            isError: true
          };
        }
        const exitCode = Number.parseInt(
          result.expressions.exit_code ?? '',
          10
        );
        const failed = Number.isNaN(exitCode)
          ? /^ERROR:/m.test(output)
          : exitCode !== 0;
        if (failed) {
          return {
            content: `pip failed${Number.isNaN(exitCode) ? '' : ` (exit code ${exitCode})`}:\n${output}`,
            isError: true
          };
        }
        return {
          content:
            `Installed with ${command}:\n${output}\n` +
            'If one of these packages was already imported in this kernel, restart_kernel before using the new version.'
        };
      })
  });
}

/** Python that prints the installed distributions as JSON, leaving no names behind. */
const LIST_CODE =
  `print(${JSON.stringify(PACKAGES_MARKER)} + __import__("json").dumps(sorted({` +
  `(d.metadata.get("Name") or "") + "==" + (d.version or "") ` +
  `for d in __import__("importlib.metadata", fromlist=["_"]).distributions() if d.metadata.get("Name")}, key=str.lower)))`;

/** PEP 503 normalised name, for matching `scikit_learn` with `scikit-learn`. */
function normalize(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** Parse the listing printed by LIST_CODE; null when it is not there. */
export function parsePackageListing(stdout: string): string[] | null {
  const line = stdout.split('\n').find(l => l.startsWith(PACKAGES_MARKER));
  if (!line) {
    return null;
  }
  try {
    const parsed = JSON.parse(line.slice(PACKAGES_MARKER.length));
    return Array.isArray(parsed) ? parsed.map(String) : null;
  } catch {
    return null;
  }
}

/** Keep entries whose name contains the filter (normalised, case-insensitive). */
export function filterPackages(
  packages: readonly string[],
  filter?: string
): string[] {
  const wanted = filter?.trim() ? normalize(filter.trim()) : '';
  return wanted
    ? packages.filter(entry => normalize(entry.split('==')[0]).includes(wanted))
    : [...packages];
}

export function listPackagesTool(env: INotebookToolEnv) {
  return defineTool({
    name: 'list_packages',
    group: 'packages',
    description:
      "List the Python packages installed in the notebook kernel's environment as name==version, optionally " +
      'only those whose name contains filter. Runs silently (no cell, no output in the notebook). Use it to check ' +
      'whether a library is available, and which version, before writing code for it. Python kernels only.',
    inputSchema: {
      type: 'object',
      properties: {
        notebook_path: NOTEBOOK_PATH_PROPERTY,
        filter: {
          type: 'string',
          description:
            'Only packages whose name contains this text, e.g. "arrow".'
        }
      },
      additionalProperties: false
    },
    effect: 'read',
    defaultApproval: 'auto',
    describe: input =>
      `List installed packages${input.filter ? ` matching "${input.filter}"` : ''}`,
    run: (input, context) =>
      guard(async () => {
        const target = await resolveTarget(env, context, input.notebook_path);
        const kernel = await pythonKernel(target);
        const result = await executeSilently(kernel, LIST_CODE, {
          signal: context.signal,
          timeoutMs: LIST_TIMEOUT_MS
        });
        if (result.status === 'cancelled') {
          return { content: CANCELLED, isError: true };
        }
        const all = parsePackageListing(result.stdout);
        if (!all) {
          const why = result.error
            ? `${result.error.ename}: ${result.error.evalue}`
            : result.status === 'timeout'
              ? 'the kernel did not answer in time (it may be busy running a cell)'
              : 'no listing came back';
          return { content: `Could not list packages: ${why}.`, isError: true };
        }
        const matches = filterPackages(all, input.filter);
        const head = input.filter
          ? `${matches.length} of ${all.length} installed packages match "${input.filter}"`
          : `${all.length} installed packages`;
        if (!matches.length) {
          return { content: `${head}.` };
        }
        const shown = matches.slice(0, MAX_LISTED);
        const more = matches.length - shown.length;
        return {
          content: `${head}:\n${shown.join('\n')}${more > 0 ? `\n… ${more} more; pass a filter to narrow the list.` : ''}`
        };
      })
  });
}
