import type { INotebookModel } from '@jupyterlab/notebook';
import { dirname, normalizeServerPath, segmentsOf } from '../../contents/paths';
import { destructiveReasonChecked, ExistsCheck } from '../../tools/risk';
import type { IToolCallRecord, IToolContext } from '../../tools/types';
import { locateCell, sourceOf } from './cells';
import { INotebookToolEnv, languageOf, resolveTarget } from './common';
import {
  INotebookAccess,
  INotebookTarget,
  NOTEBOOKS_SERVICE,
  NotebookToolError
} from './types';

/**
 * Approvals bound to what the card showed. When the card is built, a
 * notebook tool resolves its notebook (the panel's live model, not just a
 * path), the kernel (id and restarts) and the cells with their code; the
 * approved call acts on exactly those and is refused, with the reason, when
 * any of them changed before the user clicked (another notebook became
 * active, the notebook was closed or reopened, the kernel restarted or was
 * replaced, a cell was edited or deleted).
 */

/** A cell as the card showed it. */
export interface IBoundCell {
  id: string;
  source: string;
}

/** What a notebook tool call was approved for. */
export interface INotebookBinding {
  kind: 'notebook';
  target: INotebookTarget;
  /** The live model the card was built from (a reopened notebook has a new one). */
  model: INotebookModel;
  path: string;
  /** True when the call named the notebook; false when it meant the active one. */
  explicit: boolean;
  /** `INotebookTarget.kernelIdentity()` then (null: no kernel, or not known). */
  kernel: string | null;
  /** The kernel's name, for the card. */
  kernelName: string | null;
  language: string;
  /** The cells the call runs, with their code as shown. */
  cells: IBoundCell[];
  /** The risk of that code, with file checks done (null: nothing found). */
  risk: string | null;
}

/** The binding in a context, if the session made one for this tool. */
export function bindingOf(
  context: IToolContext | undefined
): INotebookBinding | null {
  const binding = context?.binding as INotebookBinding | undefined;
  return binding && binding.kind === 'notebook' ? binding : null;
}

/** The notebook a path names in words: "analysis.ipynb" or "the active notebook (analysis.ipynb)". */
export function notebookWords(binding: INotebookBinding): string {
  return binding.explicit
    ? binding.path
    : `the active notebook (${binding.path})`;
}

/**
 * Resolve the notebook (opening a named one, as the run would), its kernel
 * and the cells `pick` chooses, and check their code for risks (with the
 * files it writes looked up).
 */
export async function bindNotebook(
  env: INotebookToolEnv,
  context: IToolContext,
  path: string | undefined,
  pick: (target: INotebookTarget) => IBoundCell[]
): Promise<INotebookBinding> {
  const target = await resolveTarget(env, context, path);
  const cells = pick(target);
  const access = env.access(context);
  const exists = existsFor(access, target.path);
  const language = languageOf(target);
  let risk: string | null = null;
  try {
    for (const cell of cells) {
      const reason = await destructiveReasonChecked(
        cell.source,
        exists,
        language
      );
      if (reason) {
        risk = cells.length > 1 ? `cell ${cell.id}: ${reason}` : reason;
        break;
      }
    }
  } catch (error) {
    // Fails closed: the user is asked.
    risk = `The safety check of this call failed (${error instanceof Error ? error.message : String(error)}), so it needs your approval.`;
  }
  return {
    kind: 'notebook',
    target,
    model: target.model,
    path: target.path,
    explicit: !!path,
    kernel: target.kernelIdentity?.() ?? null,
    kernelName: target.kernel()?.name ?? null,
    language,
    cells,
    risk
  };
}

/** A file check for code run in this notebook: paths are relative to its folder. */
export function existsFor(
  access: INotebookAccess,
  notebookPath: string
): ExistsCheck | undefined {
  if (!access.exists) {
    return undefined;
  }
  const folder = dirname(notebookPath);
  return async (path: string) => {
    if (/^(?:[/~]|[A-Za-z]:)/.test(path)) {
      return null; // outside what the contents API shows: unknown
    }
    const joined = `${folder}/${path}`.replace(/\\/g, '/');
    let depth = 0;
    for (const segment of segmentsOf(joined)) {
      depth += segment === '..' ? -1 : 1;
      if (depth < 0) {
        return null; // above the server root: unknown
      }
    }
    return access.exists!(normalizeServerPath(joined));
  };
}

/**
 * The bound notebook, checked: still open as the same model, still the one
 * meant (the active one for a call without a path), same kernel. Throws a
 * `NotebookToolError` that says what changed; nothing has run then.
 */
export function checkBinding(
  env: INotebookToolEnv,
  context: IToolContext,
  binding: INotebookBinding
): INotebookTarget {
  const refuse = (why: string): never => {
    throw new NotebookToolError(
      `Nothing ran: ${why} after the approval card was shown. Call the tool again so the user can approve what is there now.`
    );
  };
  const access =
    (context.services[NOTEBOOKS_SERVICE] as INotebookAccess | undefined) ??
    env.peekAccess();
  let now: INotebookTarget | null = null;
  try {
    now = access?.peek(binding.explicit ? binding.path : undefined) ?? null;
  } catch {
    now = null;
  }
  let nowModel: INotebookModel | null = null;
  try {
    nowModel = now ? now.model : null;
  } catch {
    nowModel = null;
  }
  if (!binding.explicit && nowModel !== binding.model) {
    refuse(
      now
        ? `the active notebook changed (the card named ${binding.path}; ${now.path} is active now)`
        : `${binding.path} is no longer the active notebook`
    );
  }
  if (nowModel !== binding.model) {
    refuse(`${binding.path} was closed or reopened`);
  }
  const kernel = binding.target.kernelIdentity?.() ?? null;
  if (binding.kernel !== null && kernel !== binding.kernel) {
    refuse(`the kernel of ${binding.path} was restarted or replaced`);
  }
  return binding.target;
}

/**
 * The notebook to act on: the one the approval card showed, checked it is
 * still that (see binding.ts), else resolved from the input (a direct call).
 */
export async function targetFor(
  env: INotebookToolEnv,
  context: IToolContext,
  path: string | undefined
): Promise<INotebookTarget> {
  const bound = bindingOf(context);
  if (!bound) {
    return resolveTarget(env, context, path);
  }
  const target = checkBinding(env, context, bound);
  checkBoundCells(bound);
  return target;
}

/** Each bound cell is still there with the code shown; throws otherwise. */
export function checkBoundCells(binding: INotebookBinding): void {
  for (const bound of binding.cells) {
    const found = locateCell(binding.model, bound.id);
    if (!found) {
      throw new NotebookToolError(
        `Nothing ran: cell ${bound.id} was deleted after the approval card was shown. Call the tool again so the user can approve what is there now.`
      );
    }
    if (sourceOf(found.cell) !== bound.source) {
      throw new NotebookToolError(
        `Nothing ran: cell ${bound.id} was edited after the approval card was shown (the card showed other code). Call the tool again so the user can approve the code as it is now.`
      );
    }
  }
}

/** The notebook's non-empty code cells, in order. */
export function codeCellsOf(target: INotebookTarget): IBoundCell[] {
  const cells: IBoundCell[] = [];
  for (let i = 0; i < target.model.cells.length; i++) {
    const cell = target.model.cells.get(i);
    const source = sourceOf(cell);
    if (cell.type === 'code' && source.trim()) {
      cells.push({ id: cell.id, source });
    }
  }
  return cells;
}

/** Tools whose `data.cell` means the assistant changed that cell's code. */
const EDITING_TOOLS = new Set(['insert_cell', 'edit_cell', 'create_notebook']);

/**
 * The cells of this notebook the assistant inserted or edited in this chat
 * and did not run since (by `run_cell` or `run_all_cells`), per the chat's
 * history; only cells that are still there, in notebook order. With
 * `sinceRun` false: every cell it inserted or edited in this chat, run or not.
 */
export function agentChangedCells<C extends IBoundCell>(
  history: ReadonlyArray<IToolCallRecord>,
  notebookPath: string,
  cells: ReadonlyArray<C>,
  sinceRun = true
): C[] {
  const changed = new Set<string>();
  for (const call of history) {
    const data = call.result?.data;
    if (!data) {
      continue;
    }
    // A run that failed still ran the code (its data says so); an edit counts once done.
    if (
      call.state === 'done' &&
      EDITING_TOOLS.has(call.name) &&
      data.cell &&
      data.cell.notebookPath === notebookPath
    ) {
      changed.add(data.cell.cellId);
    }
    if (!sinceRun) {
      continue;
    }
    if (
      data.run?.kind === 'cell' &&
      data.run.notebookPath === notebookPath &&
      data.run.cellId
    ) {
      changed.delete(data.run.cellId);
    }
    if (data.ran && data.ran.notebookPath === notebookPath) {
      data.ran.cellIds.forEach(id => changed.delete(id));
    }
  }
  return cells.filter(cell => changed.has(cell.id));
}
