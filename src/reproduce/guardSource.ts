// The guard's Python source as text, in a chunk of its own (GUARD_HELPER.source).
// Through src/ so that the compiled lib/ module finds the file too (as kernelInspector.ts does).
import guardSource from '../../src/reproduce/kernel/reproduce_guard.py';

export const GUARD_SOURCE: string = guardSource;
