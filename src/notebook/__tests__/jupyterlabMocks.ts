/**
 * Import first in specs that load @jupyterlab/notebook or @jupyterlab/cells.
 * Those pull in @jupyter/web-components and @jupyter/react-components, ES
 * modules that jest.config.js does not transform; the model code under test
 * never uses them, so stand-ins are enough. Also quiets known warnings of
 * yjs and apputils under jsdom.
 */
jest.mock('@jupyter/web-components', () => ({
  provideJupyterDesignSystem: () => ({ register: () => undefined }),
  addJupyterLabThemeChangeListener: () => undefined,
  jpButton: () => ({}),
  jpToolbar: () => ({})
}));
jest.mock('@jupyter/react-components', () => ({
  Button: () => null,
  Search: () => null,
  TreeItem: () => null,
  TreeView: () => null
}));

const QUIET =
  /Invalid access: Add Yjs type|Not same Y\.Doc|Clipboard API not available|without any cell executor defined/;
const warn = console.warn.bind(console);
console.warn = (...args: unknown[]) => {
  if (typeof args[0] === 'string' && QUIET.test(args[0])) {
    return;
  }
  warn(...args);
};

export {};
