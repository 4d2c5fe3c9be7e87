import type { TranslationBundle } from '@jupyterlab/translation';
import type { IOutputJSON } from '../notebook';
import { framedResult } from '../tools/results';
import type { IVerification } from './types';

/**
 * What the model reads of a verification: the verdict line, then the facts as
 * JSON, framed as data (they quote rows of the user's tables).
 */
export function verificationText(v: IVerification): string {
  const facts: Record<string, unknown> = {
    verdict: v.verdict,
    engine: v.engine,
    rows: v.rows,
    method: v.method,
    ordered: v.ordered,
    message: v.message,
    diff: v.diff,
    probe: v.probe && {
      verdict: v.probe.verdict,
      reason: v.probe.reason,
      constraints_relied_on: v.probe.constraints,
      counterexample: v.probe.counterexample
    },
    timing: v.timing && {
      verdict: v.timing.verdict,
      runs: v.timing.runs,
      original_median_s: v.timing.original.median_s,
      rewrite_median_s: v.timing.rewrite.median_s,
      original_spread_s: v.timing.original.spread_s,
      rewrite_spread_s: v.timing.rewrite.spread_s,
      speedup: v.timing.speedup
    },
    applicable: v.applicable
  };
  const note = v.applicable
    ? 'The user can apply it with the Apply button of the verdict card.'
    : 'Not applicable: do not present this rewrite as equivalent or faster.';
  return framedResult(
    `${v.summary}\n${note}\nThe facts (JSON):`,
    'verify_query_rewrite',
    JSON.stringify(facts)
  );
}

function secs(t: number): string {
  return t < 0.1 ? `${Math.round(t * 1000)} ms` : `${t.toFixed(2)} s`;
}

/** The verdict card's headline, e.g. "Same rows (12,345) and same on the edge probe — 3.1× faster (median of 7, 0.42 s → 0.14 s)". */
export function verdictHeadline(
  v: IVerification,
  trans: TranslationBundle
): string {
  const count = (n: number) => n.toLocaleString('en-US');
  switch (v.verdict) {
    case 'same': {
      const n = v.rows?.original ?? 0;
      const head =
        v.probe?.verdict === 'same'
          ? trans.__('Same rows (%1) and same on the edge probe', count(n))
          : trans.__(
              'Same rows (%1) (edge probe skipped: %2)',
              count(n),
              v.probe?.reason ?? ''
            );
      const t = v.timing;
      if (!t) {
        return trans.__('%1 — not timed', head);
      }
      const medians = [
        t.runs,
        secs(t.original.median_s),
        secs(t.rewrite.median_s)
      ] as const;
      if (t.verdict === 'faster' && t.speedup) {
        return trans.__(
          '%1 — %2× faster (median of %3, %4 → %5)',
          head,
          t.speedup.toFixed(1),
          ...medians
        );
      }
      if (t.verdict === 'inconclusive') {
        return trans.__(
          '%1 — timing inconclusive (%2 runs each, %3 → %4; raise the time budget)',
          head,
          ...medians
        );
      }
      if (t.verdict === 'slower') {
        return trans.__(
          '%1 — slower (median of %2, %3 → %4)',
          head,
          ...medians
        );
      }
      return trans.__(
        '%1 — no measurable speed-up (median of %2, %3 → %4)',
        head,
        ...medians
      );
    }
    case 'different':
    case 'different_on_probe': {
      const d = v.verdict === 'different' ? v.diff : v.probe?.counterexample;
      const where =
        v.verdict === 'different' ? '' : trans.__(' on the edge probe');
      if (v.reason === 'columns' || v.reason === 'column_names') {
        return trans.__('Different results: %1 — not applied', v.message ?? '');
      }
      const parts: string[] = [];
      if (d?.only_in_original) {
        parts.push(
          trans._n(
            '%1 row only in the original',
            '%1 rows only in the original',
            d.only_in_original
          )
        );
      }
      if (d?.only_in_rewrite) {
        parts.push(
          trans._n(
            '%1 row only in the rewrite',
            '%1 rows only in the rewrite',
            d.only_in_rewrite
          )
        );
      }
      if (!parts.length) {
        return trans.__(
          'Different results%1: same rows in a different order — not applied',
          where
        );
      }
      return trans.__(
        'Different results%1: %2 (shown) — not applied',
        where,
        parts.join(', ')
      );
    }
    case 'not_comparable':
      return trans.__('Not comparable: %1', v.message ?? '');
    case 'refused':
      return trans.__('Refused: %1', v.message ?? '');
    case 'cancelled':
      return trans.__('Verification cancelled; nothing was changed.');
    default:
      return trans.__('Verification failed: %1', v.message ?? v.summary ?? '');
  }
}

/** The cell's last run: duration (from JupyterLab's `execution` metadata, when recorded) and output shape. */
export function lastRunFacts(
  cell: { metadata?: Record<string, any>; execution_count?: number | null },
  outputs: IOutputJSON[]
): {
  duration_s?: number;
  output_shape?: [number, number];
  status?: string;
} | null {
  const out: {
    duration_s?: number;
    output_shape?: [number, number];
    status?: string;
  } = {};
  const timing = cell.metadata?.execution;
  const start = Date.parse(timing?.['iopub.execute_input'] ?? '');
  const end = Date.parse(timing?.['shell.execute_reply'] ?? '');
  if (Number.isFinite(start) && Number.isFinite(end) && end >= start) {
    out.duration_s = (end - start) / 1000;
  }
  for (const output of outputs) {
    if (output.output_type === 'error') {
      out.status = 'error';
    }
    const data = (output as any).data ?? {};
    const text = [data['text/plain'], data['text/html'], (output as any).text]
      .map(v =>
        Array.isArray(v) ? v.join('') : typeof v === 'string' ? v : ''
      )
      .join('\n');
    // pandas: "[5 rows x 3 columns]" / "5 rows × 3 columns"; polars: "shape: (5, 3)".
    const m =
      /(\d[\d,]*) rows [x×] (\d+) columns/.exec(text) ??
      /shape: \((\d+), (\d+)\)/.exec(text);
    if (m) {
      out.output_shape = [Number(m[1].replace(/,/g, '')), Number(m[2])];
    }
  }
  return Object.keys(out).length ? out : null;
}
