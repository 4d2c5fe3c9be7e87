import type { TranslationBundle } from '@jupyterlab/translation';
import type { IOutputJSON } from '../notebook';
import type { ISlashCommand, ISlashExpansion } from '../agent/slashCommands';

/** What the query commands act on: the active cell, or the active .sql file. */
export type ActiveQuery =
  | {
      kind: 'cell';
      notebookPath: string;
      cellId: string;
      source: string;
      outputs: IOutputJSON[];
    }
  | { kind: 'file'; path: string; text: string };

/** ANSI colour codes out of a traceback. */
function plain(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}

/** The error output of a cell's last run (ename, evalue, traceback), or null. */
export function errorOf(outputs: IOutputJSON[]): string | null {
  for (const output of outputs) {
    if (output.output_type === 'error') {
      const o = output as any;
      const traceback = Array.isArray(o.traceback)
        ? o.traceback.join('\n')
        : '';
      return plain(`${o.ename}: ${o.evalue}\n${traceback}`).slice(0, 20000);
    }
  }
  return null;
}

function where(q: ActiveQuery): string {
  return q.kind === 'cell'
    ? `cell ${q.cellId} of ${q.notebookPath}`
    : `the file ${q.path}`;
}

function attachment(q: ActiveQuery): { label: string; text: string } {
  return q.kind === 'cell'
    ? { label: `Source of ${where(q)}`, text: q.source }
    : { label: `SQL in ${q.path}`, text: q.text };
}

function target(q: ActiveQuery): string {
  return q.kind === 'cell'
    ? `notebook_path "${q.notebookPath}" and cell_id "${q.cellId}"`
    : "sql (the file's text) with notebook_path of the notebook whose kernel holds the connection (ask the user which one if it is not clear)";
}

/** The prompts of Explain / Optimize / Diagnose for a query (what the slash commands send). */
export function queryPrompt(
  action: 'explain' | 'optimize' | 'diagnose',
  q: ActiveQuery,
  extra = ''
): ISlashExpansion {
  const more = extra ? `\n\n${extra}` : '';
  if (action === 'explain') {
    return {
      prompt: `Explain the query in ${where(q)}: call explain_query with ${target(q)}. Say what it computes in business terms first, then the plan's expensive steps, with the plan in a collapsed <details> block. Do not run EXPLAIN ANALYZE unless I agree.${more}`,
      attachments: [attachment(q)]
    };
  }
  if (action === 'optimize') {
    return {
      prompt: `Optimize the query in ${where(q)}: call explain_query with ${target(q)}, propose one rewrite with propose_query_rewrite, then verify it with verify_query_rewrite. Report the verifier's verdict as it is; claim a speed-up only if the verifier measured one.${more}`,
      attachments: [attachment(q)]
    };
  }
  const error = q.kind === 'cell' ? errorOf(q.outputs) : null;
  return {
    prompt: `Diagnose the error of ${where(q)}: find the cause from the traceback and the code, check the data or connection in the kernel if needed, and propose a fix.${more}`,
    attachments: [
      attachment(q),
      ...(error ? [{ label: `Traceback of ${where(q)}`, text: error }] : [])
    ]
  };
}

/** `/explain`, `/optimize`, `/diagnose` on the active cell (or .sql file). */
export function createQuerySlashCommands(
  active: () => ActiveQuery | null,
  trans: TranslationBundle
): ISlashCommand[] {
  const make = (
    name: 'explain' | 'optimize' | 'diagnose',
    description: string
  ): ISlashCommand => ({
    name,
    description,
    argumentHint: trans.__('[what to focus on]'),
    expand: async (args: string) => {
      const q = active();
      if (!q) {
        throw new Error(
          trans.__(
            'Select a query cell in a notebook (or open a .sql file) first.'
          )
        );
      }
      if (name === 'diagnose' && (q.kind !== 'cell' || !errorOf(q.outputs))) {
        throw new Error(
          trans.__(
            'The active cell has no error output to diagnose: run it first.'
          )
        );
      }
      return queryPrompt(name, q, args);
    }
  });
  return [
    make(
      'explain',
      trans.__('Explain the active query cell: what it computes and its plan')
    ),
    make(
      'optimize',
      trans.__('Optimize the active query cell with a verified rewrite')
    ),
    make(
      'diagnose',
      trans.__("Diagnose the active cell's error from its traceback")
    )
  ];
}
