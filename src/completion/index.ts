/** The public entry of this feature: other folders import from here only. */
export { inlineCompletionPlugin } from './plugin';
export { CompletionUsage, ICompletionUsage } from './usage';
