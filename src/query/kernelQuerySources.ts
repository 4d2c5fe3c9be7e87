// The query helper's Python files as text, in a chunk of their own (loadQuerySources).
// Through src/ so that the compiled lib/ module finds the files too (as kernelInspector.ts does).
import enginesSource from '../../src/query/kernel/query_engines.py';
import gatewaySource from '../../src/query/kernel/query_gateway.py';
import probeSource from '../../src/query/kernel/query_probe.py';
import verifySource from '../../src/query/kernel/query_verify.py';
import runSource from '../../src/query/kernel/query_run.py';
import explainSource from '../../src/query/kernel/query_explain.py';

/** The helper's files, in the order they are concatenated (tests/kernel/query_helpers.py too). */
export const QUERY_SOURCES = [
  enginesSource,
  // The SQL gateway: right after the engines' adapters it uses; every other file calls it.
  gatewaySource,
  probeSource,
  verifySource,
  runSource,
  explainSource
];
