import type * as MinimatchModule from 'minimatch';

/** The `minimatch` package, once loaded. */
export type Minimatch = typeof MinimatchModule;

let loaded: Minimatch | null = null;
let loading: Promise<Minimatch> | null = null;

/**
 * Load minimatch (its own chunk) before matching globs: sensitive-path rules,
 * `find_files` patterns, scoped instructions' `applyTo`. Drawing the chat
 * needs none of it. Later calls share the same promise.
 */
export function loadMinimatch(): Promise<Minimatch> {
  if (loaded) {
    return Promise.resolve(loaded);
  }
  if (!loading) {
    loading = import('minimatch').then(module => (loaded = module));
    loading.catch(() => (loading = null)); // a failed chunk load is tried again next time
  }
  return loading;
}

/**
 * Minimatch, loaded: throws when `loadMinimatch` has not resolved yet, so a
 * check that runs too early fails (and refuses) instead of matching nothing.
 */
export function minimatchNow(): Minimatch {
  if (!loaded) {
    throw new Error(
      'The glob matcher is not loaded yet (await loadMinimatch() first)'
    );
  }
  return loaded;
}

/** Set minimatch directly (jest.setup.js: tests match globs without awaiting the chunk). */
export function setMinimatch(module: Minimatch | null): void {
  loaded = module;
  loading = null;
}
