import { FileToolError } from './common';
import { normalizeServerPath } from './paths';
import {
  DEFAULT_SENSITIVE_PATHS,
  describeSensitive,
  ISensitiveMatch,
  refusalText,
  SensitiveAction
} from './sensitive';
import type { FilesService } from './service';

/**
 * What the file tools may touch: sensitive paths (ask or refuse, see
 * sensitive.ts) and paths that leave the server root through a symlink
 * (refused; the server says which, see contents/rootCheck.ts).
 *
 * `riskOf` runs before the call (it decides whether the user is asked) and
 * sees only the model's input, so it resolves the path through the
 * service the tools were created with; `run` checks the resolved path again.
 */

/** Where the tools find the service outside a run (for `riskOf`). */
export type ServiceLookup = () => FilesService | null | undefined;

function lookup(service: ServiceLookup | undefined): FilesService | null {
  try {
    return service?.() ?? null;
  } catch {
    return null;
  }
}

/** The sensitive match of a path from the model, resolved as the run will resolve it. */
function matchOfInput(
  service: FilesService | null,
  input: string | undefined,
  action: SensitiveAction
): ISensitiveMatch | null {
  if (typeof input !== 'string' || !input.trim()) {
    return null;
  }
  if (service) {
    let path: string;
    try {
      path = service.resolve(input);
    } catch {
      return null; // the run refuses the path itself
    }
    return service.sensitive.check(path, action);
  }
  return DEFAULT_SENSITIVE_PATHS.check(normalizeServerPath(input), action);
}

/** For `riskOf` of reading tools: why reading this path needs the user's eyes, or null. */
export function readRisk(
  service: ServiceLookup | undefined,
  ...inputs: Array<string | undefined>
): string | null {
  const files = lookup(service);
  for (const input of inputs) {
    const match = matchOfInput(files, input, 'read');
    if (match?.level === 'ask') {
      return describeSensitive(match, 'read');
    }
  }
  return null;
}

/** For `riskOf` of writing tools. */
export function writeRisk(
  service: ServiceLookup | undefined,
  verb: 'write' | 'rename' | 'delete',
  ...inputs: Array<string | undefined>
): string | null {
  const files = lookup(service);
  for (const input of inputs) {
    const match = matchOfInput(files, input, 'write');
    if (match?.level === 'ask') {
      return describeSensitive(match, verb);
    }
  }
  return null;
}

/**
 * For `riskOf` of writing tools when the paths were resolved already (bound
 * when the approval card was built): the rules on exactly those server paths.
 */
export function writeRiskOfPaths(
  service: ServiceLookup | undefined,
  verb: 'write' | 'rename' | 'delete',
  ...paths: Array<string | undefined>
): string | null {
  const files = lookup(service);
  for (const path of paths) {
    if (typeof path !== 'string' || !path) {
      continue;
    }
    const match = files
      ? files.sensitive.check(path, 'write')
      : DEFAULT_SENSITIVE_PATHS.check(path, 'write');
    if (match?.level === 'ask') {
      return describeSensitive(match, verb);
    }
  }
  return null;
}

/**
 * In `run`, on the resolved path: refuse `refuse` paths, and `ask` paths
 * the approval step did not see as sensitive (`asked`: the risk `riskOf`
 * gave for this input).
 */
export function assertAllowed(
  service: FilesService,
  path: string,
  action: SensitiveAction,
  asked: string | null
): void {
  const match = service.sensitive.check(path, action);
  if (!match) {
    return;
  }
  const shown = service.display(path);
  if (match.level === 'refuse') {
    throw new FileToolError(refusalText(match, shown, action));
  }
  if (!asked) {
    throw new FileToolError(
      `${shown} is sensitive (${match.what}) and this call was not shown to the user for approval, so nothing was ${action === 'read' ? 'read' : 'written'}. ` +
        'Ask the user before touching it.'
    );
  }
}

/** Refuse when any of the paths resolves outside the server root through a symlink. */
export async function assertInsideRoot(
  service: FilesService,
  paths: readonly string[],
  action: string
): Promise<void> {
  const check = service.rootCheck;
  const wanted = paths.filter(Boolean);
  if (!check || !wanted.length) {
    return;
  }
  let outside: Set<string>;
  try {
    outside = await check.outside(wanted);
  } catch (error) {
    throw new FileToolError(
      `Could not check that ${wanted.map(p => service.display(p)).join(', ')} stays inside the server root (${error instanceof Error ? error.message : String(error)}), so nothing was ${action === 'read' ? 'read' : 'changed'}. Try again.`
    );
  }
  const bad = wanted.find(path => outside.has(path));
  if (bad) {
    throw new FileToolError(
      `${service.display(bad)} leads outside the server root through a symbolic link; the file tools only ${action} files inside the root. Nothing was ${action === 'read' ? 'read' : 'changed'}.`
    );
  }
}

/** The entries whose paths stay inside the root, and how many did not (checked in one request). */
export async function keepInsideRoot<T extends { path: string }>(
  service: FilesService,
  entries: readonly T[]
): Promise<{ kept: T[]; outside: number }> {
  const check = service.rootCheck;
  if (!check || !entries.length) {
    return { kept: [...entries], outside: 0 };
  }
  const outside = await check.outside(entries.map(entry => entry.path));
  const kept = entries.filter(entry => !outside.has(entry.path));
  return { kept, outside: entries.length - kept.length };
}
