/**
 * Gives the browser a global `Buffer` before gray-matter loads: gray-matter
 * calls `Buffer.from` on every parse, and browser bundles provide no Buffer
 * (`ReferenceError: Buffer is not defined`). Jest and Node already have one.
 *
 * This module exists for its side effect: it must be listed in package.json
 * `sideEffects` or the bundler drops the import.
 */
// The trailing slash makes bundlers and Node take the npm package, never Node's core module.
import { Buffer as BufferPolyfill } from 'buffer/';

const host = globalThis as { Buffer?: unknown };
if (typeof host.Buffer === 'undefined') {
  host.Buffer = BufferPolyfill;
}

export {};
