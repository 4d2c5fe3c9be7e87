// Extra bundler rules (an Rspack config under @jupyter/builder).
module.exports = {
  module: {
    rules: [
      // Bundled personas and the kernel helper ship as text in the build.
      { test: /\.(md|py)$/, type: 'asset/source' }
    ]
  },
  resolve: {
    // gray-matter requires fs for files it never reads in the browser.
    fallback: { fs: false }
  }
};
