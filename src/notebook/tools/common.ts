import type { ICellModel } from '@jupyterlab/cells';
import type { IResultCell } from '../../tools/results';
import { CANCELLED, guardFor } from '../../tools/guard';
import type { IToolContext } from '../../tools/types';
import { fenced } from '../../markdown/markdown';
import {
  INotebookAccess,
  INotebookTarget,
  NOTEBOOKS_SERVICE,
  NotebookToolError
} from './types';

/** What every notebook tool shares: how to reach the notebooks, errors, cancellation. */

/** Where tools find the notebook service. */
export interface INotebookToolEnv {
  /** The service for a run (from the context, else the one given at creation). */
  access(context: IToolContext): INotebookAccess;
  /** The service outside a run (for `riskOf`), or null when none is known yet. */
  peekAccess(): INotebookAccess | null;
}

export type NotebookAccessSource =
  INotebookAccess | (() => INotebookAccess | null | undefined);

/** The env of a tool set: `notebooks` given at creation wins over the last one seen in a context. */
export function createEnv(notebooks?: NotebookAccessSource): INotebookToolEnv {
  let seen: INotebookAccess | null = null;
  const given = (): INotebookAccess | null =>
    (typeof notebooks === 'function' ? notebooks() : notebooks) ?? null;
  return {
    access(context) {
      const fromContext = context.services[NOTEBOOKS_SERVICE] as
        INotebookAccess | undefined;
      const access = fromContext ?? given();
      if (!access) {
        // A wiring bug, not something the model can fix.
        throw new Error(
          `Notebook tools need context.services.${NOTEBOOKS_SERVICE} (an INotebookAccess).`
        );
      }
      seen = access;
      return access;
    },
    peekAccess() {
      return given() ?? seen;
    }
  };
}

/** Run a tool body, turning expected failures into error results. */
export const guard = guardFor(NotebookToolError);

export { CANCELLED };

/** Throw the "cancelled" tool error if the user pressed Stop. */
export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) {
    throw new NotebookToolError(CANCELLED);
  }
}

/** How a wait ended. */
export type Outcome<T> =
  { kind: 'done'; value: T } | { kind: 'aborted' } | { kind: 'timeout' };

/**
 * Wait for a promise, the abort signal or a timeout, whichever comes first.
 * Rejections of the promise propagate. Listeners and timers are cleaned up.
 */
export function race<T>(
  promise: Promise<T>,
  signal: AbortSignal,
  timeoutMs?: number
): Promise<Outcome<T>> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.resolve({ kind: 'aborted' });
  }
  return new Promise<Outcome<T>>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const finish = (): void => {
      signal.removeEventListener('abort', onAbort);
      if (timer !== undefined) {
        clearTimeout(timer);
      }
    };
    const onAbort = (): void => {
      finish();
      resolve({ kind: 'aborted' });
    };
    signal.addEventListener('abort', onAbort, { once: true });
    if (timeoutMs !== undefined && Number.isFinite(timeoutMs)) {
      timer = setTimeout(() => {
        finish();
        resolve({ kind: 'timeout' });
      }, timeoutMs);
    }
    promise.then(
      value => {
        finish();
        resolve({ kind: 'done', value });
      },
      error => {
        finish();
        reject(error);
      }
    );
  });
}

/** Resolve the target notebook, honouring Stop. */
export async function resolveTarget(
  env: INotebookToolEnv,
  context: IToolContext,
  path: string | undefined
): Promise<INotebookTarget> {
  throwIfAborted(context.signal);
  const access = env.access(context);
  const outcome = await race(
    access.resolve(path || undefined, context.signal),
    context.signal
  );
  if (outcome.kind !== 'done') {
    throw new NotebookToolError(CANCELLED);
  }
  return outcome.value;
}

/** The notebook if already open, for synchronous look-ups (riskOf, previews). */
export function peekTarget(
  env: INotebookToolEnv,
  path: string | undefined,
  context?: IToolContext
): INotebookTarget | null {
  const access = context
    ? ((context.services[NOTEBOOKS_SERVICE] as INotebookAccess | undefined) ??
      env.peekAccess())
    : env.peekAccess();
  try {
    return access?.peek(path || undefined) ?? null;
  } catch {
    return null;
  }
}

/** The language of the notebook's code cells, for highlighting. */
export function languageOf(target: INotebookTarget | null): string {
  const fromKernel = target?.kernel()?.language;
  if (fromKernel) {
    return fromKernel;
  }
  const info = target?.model.getMetadata('language_info') as
    { name?: string } | undefined;
  return info?.name || 'python';
}

/** JSON schema of the `notebook_path` argument shared by the notebook tools. */
export const NOTEBOOK_PATH_PROPERTY = {
  type: 'string',
  description:
    'Path of the notebook, relative to the server root (e.g. "etl/load.ipynb"). Omit to use the notebook the user has active. A notebook that is not open is opened.'
} as const;

/** JSON schema of a `cell_id` argument. */
export function cellIdProperty(what: string): {
  type: 'string';
  minLength: 1;
  description: string;
} {
  return {
    type: 'string',
    minLength: 1,
    description: `The stable id of the cell ${what}, as shown by get_notebook_summary (not an index).`
  };
}

/** "in etl/load.ipynb" */
/** " in <path>" when the call names a notebook, else nothing (for one-line descriptions). */
export function inNotebook(path: unknown): string {
  return typeof path === 'string' && path ? ` in ${path}` : '';
}

/** The cell id a call names, "?" when a saved input lacks it. */
export function cellOf(input: { cell_id?: unknown }): string {
  return typeof input.cell_id === 'string' ? input.cell_id : '?';
}

/** A cell's source fenced for the export: markdown cells as markdown, else python. */
export function fencedCell(source: unknown, cellType: unknown): string | null {
  return typeof source === 'string'
    ? fenced(source, cellType === 'markdown' ? 'markdown' : 'python')
    : null;
}

export function where(target: INotebookTarget): string {
  return `in ${target.path}`;
}

/** Seconds with one decimal, e.g. "1.3 s". */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`;
}

/** A cell as result data; `source` only when the tool saw it whole. */
export function cellData(
  target: INotebookTarget,
  cell: ICellModel,
  source?: string
): IResultCell {
  return {
    notebookPath: target.path,
    cellId: cell.id,
    cellType: cell.type,
    ...(source !== undefined ? { source } : {})
  };
}
