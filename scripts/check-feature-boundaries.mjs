#!/usr/bin/env node
// Fails (exit 1) when a module outside a feature folder imports that feature's internals.
// A feature is a folder src/<name>/ listed in FEATURES; its public entries are its `index.ts`
// (`import ... from '../query'` or `'../query/index'`) and, for a feature whose tools the
// chat builds itself, `tools/index.ts` (the tool family's entry: it pulls in JupyterLab's
// notebook and widget code, which the light `index.ts` must not). Everything else under the folder is
// internal: only the feature's own files may import it. Tests (`__tests__/`) are exempt.
// Static, type-only, side-effect and dynamic imports (and `require`) all count.
//
// Known violations of today are listed, one `importer -> imported` a line, in
// scripts/feature-boundaries.allow; they pass, new ones fail. The list should only shrink:
// entries that no longer occur are reported so they can be deleted (with --strict they fail).
// Usage: node scripts/check-feature-boundaries.mjs [--strict] [--list]
//   --list  print every violation (allowed or not) in the allow-list format, and exit 0.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const FEATURES = [
  'reproduce',
  'query',
  'etl',
  'mcp',
  'terminal',
  'files',
  'notebook',
  'kernel',
  'completion',
  'codetools'
];

const args = process.argv.slice(2);
const strict = args.includes('--strict');
const listOnly = args.includes('--list');
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(ROOT, 'src');
const ALLOW = join(ROOT, 'scripts', 'feature-boundaries.allow');
const EXTENSIONS = ['.ts', '.tsx'];

const posix = path => relative(ROOT, path).split(sep).join('/');

function sourceFiles(dir) {
  return readdirSync(dir).flatMap(name => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      return name === 'node_modules' || name === '__tests__'
        ? []
        : sourceFiles(path);
    }
    return EXTENSIONS.some(ext => name.endsWith(ext)) && !name.endsWith('.d.ts')
      ? [path]
      : [];
  });
}

// import/export [type] ... from '...', import '...'; then import('...') and require('...').
const STATIC =
  /\b(?:import|export)\s+(?:type\s+)?(?:[\w*{}\s,$]+?\s+from\s*)?['"]([^'"]+)['"]/g;
const DYNAMIC = /\b(?:import|require)\s*\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Comments removed, so commented-out imports do not count. */
function code(text) {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

/** The file a relative specifier resolves to (any extension: `.py` and `.md` are bundled too). */
function resolveImport(from, specifier) {
  if (!specifier.startsWith('.')) {
    return null;
  }
  const base = resolve(dirname(from), specifier);
  const candidates = [
    base,
    ...EXTENSIONS.map(ext => base + ext),
    ...EXTENSIONS.map(ext => join(base, `index${ext}`))
  ];
  return (
    candidates.find(path => existsSync(path) && statSync(path).isFile()) ?? null
  );
}

/** The feature a path belongs to, or null. */
function featureOf(path) {
  const [top] = relative(SRC, path).split(sep);
  return FEATURES.includes(top) && !relative(SRC, path).startsWith('..')
    ? top
    : null;
}

const violations = new Set();
for (const file of sourceFiles(SRC)) {
  const text = code(readFileSync(file, 'utf8'));
  const specifiers = [...text.matchAll(STATIC), ...text.matchAll(DYNAMIC)].map(
    match => match[1]
  );
  for (const specifier of specifiers) {
    const target = resolveImport(file, specifier);
    const feature = target && featureOf(target);
    if (!feature || featureOf(file) === feature) {
      continue;
    }
    if (
      target === join(SRC, feature, 'index.ts') ||
      target === join(SRC, feature, 'tools', 'index.ts')
    ) {
      continue;
    }
    violations.add(`${posix(file)} -> ${posix(target)}`);
  }
}

const sorted = [...violations].sort();
if (listOnly) {
  console.log(sorted.join('\n'));
  process.exit(0);
}

const allowed = existsSync(ALLOW)
  ? readFileSync(ALLOW, 'utf8')
      .split('\n')
      .map(line => line.replace(/#.*$/, '').trim())
      .filter(Boolean)
  : [];
const allowSet = new Set(allowed);
const fresh = sorted.filter(entry => !allowSet.has(entry));
const stale = allowed.filter(entry => !violations.has(entry));

if (stale.length) {
  const head = strict
    ? 'Allow-list entries that no longer occur'
    : 'Note: allow-list entries that no longer occur (delete them)';
  console.log(
    `${head}, in ${posix(ALLOW)}:\n${stale.map(entry => `  ${entry}`).join('\n')}`
  );
}
if (fresh.length) {
  console.error(
    `A module outside a feature imports the feature's internals (import its index.ts instead, ` +
      `or move the code):\n${fresh.map(entry => `  ${entry}`).join('\n')}`
  );
}
const failed = fresh.length > 0 || (strict && stale.length > 0);
console.log(
  `Feature boundaries (${FEATURES.join(', ')}): ${sorted.length} crossing(s), ${sorted.length - fresh.length} allowed, ` +
    `${fresh.length} new${failed ? ': FAIL' : ''}.`
);
process.exit(failed ? 1 : 0);
