/** Code intelligence computed by the server: `get_problems`, the symbol side of `find_usages`. */
export { codeToolsPlugin } from './plugin';
