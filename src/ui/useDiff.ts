import * as React from 'react';
import { DiffModule, loadDiff, loadedDiff } from '../markdown/diff';

/** jsdiff for a view that draws a diff: null on the first render while its chunk loads. */
export function useDiff(): DiffModule | null {
  const [diff, setDiff] = React.useState<DiffModule | null>(loadedDiff);
  React.useEffect(() => {
    if (diff) {
      return;
    }
    let live = true;
    loadDiff().then(
      module => live && setDiff(module),
      error =>
        console.error(
          'jupyterlab-data-engineer: the diff module could not be loaded',
          error
        )
    );
    return () => {
      live = false;
    };
  }, [diff]);
  return diff;
}
