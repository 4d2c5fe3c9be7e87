// JupyterLab's shim patches `window`; tests of the DOM-free core run in the
// node environment (real fetch, streams and sockets), where there is none.
if (typeof window !== 'undefined') {
  require('@jupyterlab/testing/lib/jest-shim.js');
}
