/** The public entry of this feature: other folders import from here only. */
export { queryPlugin } from './plugin';
