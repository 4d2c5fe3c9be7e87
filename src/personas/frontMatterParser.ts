/**
 * gray-matter with the Buffer it needs, in a chunk of its own: loaded by
 * `loadFrontMatterParser` (frontMatter.ts) on the first parse.
 */
// The shim must run before gray-matter, which needs a global Buffer.
import './bufferShim';
import matter from 'gray-matter';

export { matter };
