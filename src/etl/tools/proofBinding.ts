import { destructiveReasonChecked } from '../../tools/risk';
import { sha256Hex } from '../../tools/contentHash';
import { NOTEBOOKS_SERVICE } from '../../notebook';
import type { INotebookAccess, INotebookTarget } from '../../notebook';
import type { IToolContext, IToolPreview } from '../../tools/types';
import { IProofCell, proofPlan } from './proof';

/**
 * What a proof run's approval binds to. When the card is built, the tool
 * resolves the notebook (the one named, else the active one), reads its
 * code cells from the live model, injects the parameters, checks that code
 * for risks and hashes exactly what the card shows: the path, the kernel,
 * every cell that will run, the parameters. After Allow the run proves that
 * notebook (not whichever tab is active then) with the cells shown, and is
 * refused when the hash of what is there now differs.
 */

export type ProofParameters = Record<string, string | number | boolean>;

/** A proof run as its approval card showed it. */
export interface IProofBinding {
  kind: 'etl-proof';
  target: INotebookTarget;
  /** The live model the card was read from (a reopened notebook has another). */
  model: INotebookTarget['model'];
  path: string;
  /** True when the call named the notebook; false when it meant the active one. */
  explicit: boolean;
  kernelName: string;
  language: string;
  /** The notebook's code cells as shown. */
  cells: IProofCell[];
  parameters?: ProofParameters;
  /** What runs, in order: the cells and the injected parameters. */
  plan: IProofCell[];
  /** Cell ids the assistant inserted or edited in this chat, and those of them not run since. */
  edited: string[];
  notRunSince: string[];
  /** The risk of that code (null: nothing found). */
  risk: string | null;
  /** SHA-256 of what the card shows (see `proofHash`). */
  hash: string;
}

/** The notebook's code cells with their sections and tags (from the live model: unsaved edits count). */
export function proofCells(target: INotebookTarget): IProofCell[] {
  const cells: IProofCell[] = [];
  for (const cell of target.model.sharedModel.cells) {
    if (cell.cell_type !== 'code') {
      continue;
    }
    const metadata = cell.getMetadata() as {
      tags?: string[];
      etl?: { section?: string };
    };
    cells.push({
      id: cell.id,
      source: cell.getSource(),
      section: metadata.etl?.section,
      tags: metadata.tags ?? []
    });
  }
  return cells;
}

/** The kernel a proof of this notebook starts (the notebook's, else its kernelspec's). */
export function proofKernelName(target: INotebookTarget): string {
  const kernelspec = target.model.getMetadata('kernelspec') as
    { name?: string } | undefined;
  return target.kernel()?.name ?? kernelspec?.name ?? 'python3';
}

/** The parameters as given, checked: strings, numbers, booleans. Throws with a message for the model. */
export function proofParameters(raw: unknown): ProofParameters | undefined {
  const parameters: ProofParameters = {};
  for (const [name, value] of Object.entries(
    (raw ?? {}) as Record<string, unknown>
  )) {
    if (!['string', 'number', 'boolean'].includes(typeof value)) {
      throw new Error(
        `Parameter "${name}" must be a string, number or boolean.`
      );
    }
    parameters[name] = value as string | number | boolean;
  }
  return Object.keys(parameters).length ? parameters : undefined;
}

/** The hash the approval binds to: path, kernel, every cell of the plan (id, tags, code), parameters. */
export function proofHash(
  path: string,
  kernelName: string,
  plan: IProofCell[],
  parameters?: ProofParameters
): string {
  return sha256Hex(
    JSON.stringify({
      path,
      kernelName,
      plan: plan.map(cell => [cell.id, cell.tags, cell.source]),
      parameters: parameters ?? null
    })
  );
}

/** Resolve the notebook and everything the card shows; throws (no card) for a call that cannot run. */
export async function bindProof(
  input: { notebook_path?: string; parameters?: unknown },
  context: IToolContext,
  failedRounds: (path: string) => number,
  maxRounds: number
): Promise<IProofBinding> {
  const notebooks = context.services[NOTEBOOKS_SERVICE] as
    INotebookAccess | undefined;
  if (!notebooks) {
    throw new Error(
      'Proof runs need an open notebook and the Jupyter server: neither is available here.'
    );
  }
  const parameters = proofParameters(input.parameters);
  const target = await notebooks.resolve(
    input.notebook_path || undefined,
    context.signal
  );
  if (failedRounds(target.path) >= maxRounds) {
    throw new Error(
      `${maxRounds} proof rounds of ${target.path} failed already: do not try again; tell the user what fails.`
    );
  }
  const cells = proofCells(target);
  if (!cells.length) {
    throw new Error(`${target.path} has no code cells to prove.`);
  }
  // Throws for a parameter name that is not an identifier.
  const plan = proofPlan(cells, parameters);
  const kernelName = proofKernelName(target);
  // The notebook tools' entry pulls in JupyterLab's notebook code: loaded
  // here, when a card is built (it is loaded by then in the page anyway).
  const { agentChangedCells, existsFor, languageOf } =
    await import('../../notebook/tools');
  const language = languageOf(target);
  const exists = existsFor(notebooks, target.path);
  let risk: string | null = null;
  try {
    for (const cell of plan) {
      const reason = await destructiveReasonChecked(
        cell.source,
        exists,
        language
      );
      if (reason) {
        risk = `cell ${cell.id}: ${reason}`;
        break;
      }
    }
  } catch (error) {
    // Fails closed: the user is asked.
    risk = `The safety check of this call failed (${error instanceof Error ? error.message : String(error)}), so it needs your approval.`;
  }
  const history = context.history?.() ?? [];
  return {
    kind: 'etl-proof',
    target,
    model: target.model,
    path: target.path,
    explicit: !!input.notebook_path,
    kernelName,
    language,
    cells,
    parameters,
    plan,
    edited: agentChangedCells(history, target.path, cells, false).map(
      c => c.id
    ),
    notRunSince: agentChangedCells(history, target.path, cells).map(c => c.id),
    risk,
    hash: proofHash(target.path, kernelName, plan, parameters)
  };
}

/** The binding in a context, if the session made one. */
export function proofBindingOf(
  context: IToolContext | undefined
): IProofBinding | null {
  const binding = context?.binding as IProofBinding | undefined;
  return binding && binding.kind === 'etl-proof' ? binding : null;
}

/** A parameter value as the injected cell writes it. */
function shownValue(value: string | number | boolean): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** The card: the notebook, every cell that runs (the assistant's edits marked), the parameters, the hash. */
export function proofPreview(bound: IProofBinding): IToolPreview {
  const edited = new Set(bound.edited);
  const notRun = new Set(bound.notRunSince);
  const where = bound.explicit
    ? bound.path
    : `the active notebook (${bound.path})`;
  const marked = bound.plan.filter(
    c => edited.has(c.id) || c.id === 'injected-parameters'
  ).length;
  return {
    summary: `Prove ${where}: run its ${bound.cells.length} code cells top to bottom twice, each time in a fresh ${bound.kernelName} kernel`,
    details: [
      {
        name: 'Parameters',
        value: bound.parameters
          ? Object.entries(bound.parameters)
              .map(([name, value]) => `${name} = ${shownValue(value)}`)
              .join(', ')
          : "the notebook's own (no overrides)"
      },
      { name: 'Approval bound to', value: `sha256 ${bound.hash.slice(0, 16)}` }
    ],
    cells: {
      title: `Every cell that will run (${bound.plan.length}${marked ? `, ${marked} marked` : ''}):`,
      items: bound.plan.map(cell => {
        const note =
          cell.id === 'injected-parameters'
            ? 'parameters injected by the proof run'
            : notRun.has(cell.id)
              ? 'edited by the assistant, not run since'
              : edited.has(cell.id)
                ? 'edited by the assistant in this chat'
                : undefined;
        return {
          id: cell.id,
          source: cell.source,
          language: bound.language,
          ...(note ? { note, open: true } : { open: false })
        };
      })
    }
  };
}

/**
 * The bound notebook, checked: still open as the same model, same kernel,
 * and the hash of its cells and the parameters as the card showed. Throws
 * with what changed; nothing has run then.
 */
export function checkProofBinding(
  context: IToolContext,
  bound: IProofBinding
): INotebookTarget {
  const refuse = (why: string): never => {
    throw new Error(
      `Nothing ran: ${why} after the approval card was shown. Call prove_etl_notebook again so the user can approve what is there now.`
    );
  };
  const notebooks = context.services[NOTEBOOKS_SERVICE] as
    INotebookAccess | undefined;
  let now: INotebookTarget | null = null;
  try {
    // By path: the notebook shown, whichever tab is active now.
    now = notebooks?.peek(bound.path) ?? null;
  } catch {
    now = null;
  }
  if (!now || now.model !== bound.model) {
    refuse(`${bound.path} was closed or reopened`);
  }
  const target = now!;
  const kernelName = proofKernelName(target);
  if (kernelName !== bound.kernelName) {
    refuse(
      `the kernel of ${bound.path} changed (${bound.kernelName} → ${kernelName})`
    );
  }
  const cells = proofCells(target);
  const plan = proofPlan(cells, bound.parameters);
  if (
    proofHash(bound.path, kernelName, plan, bound.parameters) !== bound.hash
  ) {
    refuse(`${bound.path} changed (${whatChanged(bound.cells, cells)})`);
  }
  return target;
}

/** In words: which cells were edited, added, deleted or moved. */
function whatChanged(shown: IProofCell[], now: IProofCell[]): string {
  const before = new Map(shown.map(c => [c.id, c]));
  const after = new Map(now.map(c => [c.id, c]));
  const edited = now
    .filter(c => before.has(c.id) && before.get(c.id)!.source !== c.source)
    .map(c => c.id);
  const retagged = now
    .filter(
      c =>
        before.has(c.id) &&
        before.get(c.id)!.tags.join(',') !== c.tags.join(',')
    )
    .map(c => c.id);
  const added = now.filter(c => !before.has(c.id)).map(c => c.id);
  const deleted = shown.filter(c => !after.has(c.id)).map(c => c.id);
  const parts = [
    edited.length ? `cell ${edited.join(', ')} edited` : '',
    retagged.length ? `tags of cell ${retagged.join(', ')} changed` : '',
    added.length ? `cell ${added.join(', ')} added` : '',
    deleted.length ? `cell ${deleted.join(', ')} deleted` : ''
  ].filter(Boolean);
  return parts.length
    ? parts.join('; ')
    : 'the order of its code cells changed';
}
