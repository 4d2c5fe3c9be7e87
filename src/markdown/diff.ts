import type * as Diff from 'diff';

/** The `diff` package (jsdiff), once loaded. */
export type DiffModule = typeof Diff;

let loaded: DiffModule | null = null;
let loading: Promise<DiffModule> | null = null;

/**
 * Load jsdiff (its own chunk) where a diff is drawn or counted: drawing an
 * empty chat needs none of it. Later calls share the same promise.
 */
export function loadDiff(): Promise<DiffModule> {
  if (loaded) {
    return Promise.resolve(loaded);
  }
  if (!loading) {
    loading = import(/* webpackChunkName: "diff" */ 'diff').then(
      module => (loaded = module)
    );
    loading.catch(() => (loading = null)); // a failed chunk load is tried again next time
  }
  return loading;
}

/** jsdiff if it has loaded, else null (then call `loadDiff`). */
export function loadedDiff(): DiffModule | null {
  return loaded;
}

/** Set jsdiff directly (jest.setup.js: component tests render diffs at once). */
export function setDiffModule(module: DiffModule | null): void {
  loaded = module;
  loading = null;
}
