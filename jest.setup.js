// JupyterLab's shim patches `window`; tests of the DOM-free core run in the
// node environment (real fetch, streams and sockets), where there is none.
if (typeof window !== 'undefined') {
  require('@jupyterlab/testing/lib/jest-shim.js');
}

// Production code awaits loadFrontMatterParser() (gray-matter is a lazy chunk)
// before parsing; tests parse synchronously, so the parser is set up front.
// frontMatter.spec.ts checks the lazy path itself with a fresh module.
require('./src/personas/frontMatter').setFrontMatterParser(
  require('gray-matter')
);
// Likewise jsdiff (loaded where a diff is drawn): component tests render diffs
// at once; diff.spec.ts checks the lazy path.
require('./src/markdown/diff').setDiffModule(require('diff'));
// Likewise minimatch (loaded before globs are matched: sensitive paths,
// find_files, scoped instructions); globs.spec.ts checks the lazy path.
require('./src/contents/globs').setMinimatch(require('minimatch'));
