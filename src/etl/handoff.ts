import type { TranslationBundle } from '@jupyterlab/translation';

/** What the proof card's hand-off asks the Deployment Engineer for a proven notebook at `path`. */
export function handoffRequest(trans: TranslationBundle, path: string): string {
  return trans.__(
    'Schedule %1: it was proven idempotent (two headless runs in fresh kernels, same target checksum). It runs with `papermill %2 out.ipynb -p run_date YYYY-MM-DD`; connections come from environment variables.',
    path,
    path.split('/').pop() ?? path
  );
}
