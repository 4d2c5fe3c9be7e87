#!/usr/bin/env node
// Fails (exit 1) when the TypeScript modules under src/ import each other in a
// cycle. Static, side-effect and dynamic imports count; `import type` and
// `export type` are erased by the compiler and count only with --types (a
// type cycle cannot break loading, but still ties two modules together).
// Usage: node scripts/check-cycles.mjs [--types] [root=src]
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const args = process.argv.slice(2);
const withTypes = args.includes('--types');
const root = resolve(args.find(arg => !arg.startsWith('--')) ?? 'src');
const EXTENSIONS = ['.ts', '.tsx'];

function sourceFiles(dir) {
  return readdirSync(dir).flatMap(name => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      return name === 'node_modules' ? [] : sourceFiles(path);
    }
    return EXTENSIONS.some(ext => name.endsWith(ext)) && !name.endsWith('.d.ts')
      ? [path]
      : [];
  });
}

// import/export [type] ... from '...', import '...'; then import('...') and require('...').
const STATIC =
  /\b(?:import|export)\s+(type\s+)?(?:[\w*{}\s,$]+?\s+from\s*)?['"]([^'"]+)['"]/g;
const DYNAMIC = /\b(?:import|require)\s*\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The relative specifiers a module imports (type-only ones with `types`). */
function specifiers(text, types = withTypes) {
  const found = [];
  for (const match of text.matchAll(STATIC)) {
    if (types || !match[1]) {
      found.push(match[2]);
    }
  }
  for (const match of text.matchAll(DYNAMIC)) {
    found.push(match[1]);
  }
  return found;
}

/** Comments removed, so commented-out imports do not count. */
function code(text) {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

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
    candidates.find(
      path =>
        existsSync(path) &&
        statSync(path).isFile() &&
        EXTENSIONS.some(ext => path.endsWith(ext))
    ) ?? null
  );
}

const files = sourceFiles(root);
const graph = new Map(files.map(file => [file, new Set()]));
for (const file of files) {
  for (const specifier of specifiers(code(readFileSync(file, 'utf8')))) {
    const target = resolveImport(file, specifier);
    if (target && graph.has(target) && target !== file) {
      graph.get(file).add(target);
    }
  }
}

/** Tarjan's strongly connected components of a graph: each one of more than one node is a cycle. */
function stronglyConnected(graph) {
  let counter = 0;
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const components = [];
  const visit = node => {
    index.set(node, counter);
    low.set(node, counter);
    counter++;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node)) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node), low.get(next)));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node), index.get(next)));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component = [];
      let member;
      do {
        member = stack.pop();
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) {
        components.push(component);
      }
    }
  };
  [...graph.keys()].forEach(node => index.has(node) || visit(node));
  return components;
}
const components = stronglyConnected(graph);

/** The shortest loop through a component's first module, for the message. */
function loopIn(graph, component) {
  const members = new Set(component);
  const start = component[0];
  const previous = new Map([[start, null]]);
  const queue = [start];
  while (queue.length) {
    const node = queue.shift();
    for (const next of graph.get(node)) {
      if (next === start) {
        const path = [start];
        for (let at = node; at !== start; at = previous.get(at)) {
          path.splice(1, 0, at);
        }
        return [...path, start];
      }
      if (members.has(next) && !previous.has(next)) {
        previous.set(next, node);
        queue.push(next);
      }
    }
  }
  return component;
}

const show = path => relative(process.cwd(), path);
let failed = false;
if (components.length) {
  failed = true;
  console.error(
    `Import cycles between modules in ${show(root)}: ${components.length}`
  );
  for (const component of components) {
    console.error(
      `- ${component.length} modules: ${loopIn(graph, component).map(show).join(' -> ')}`
    );
  }
}

// The folders directly under the root (tools/, agent/, ui/...) must import
// each other in one direction too: two modules each importing the other's
// folder is the kind of cycle that makes a folder impossible to move or test
// alone, even when no single module loop exists. Type imports count here.
// Tests (`__tests__/`) are left out of this check: they ship nowhere and an
// integration test may use several features without tying those together.
const folderOf = file => relative(root, file).split(/[\\/]/)[0];
const isTest = file =>
  relative(root, file).split(/[\\/]/).includes('__tests__');
const folderEdges = new Map();
for (const file of files.filter(f => !isTest(f))) {
  for (const specifier of specifiers(code(readFileSync(file, 'utf8')), true)) {
    const target = resolveImport(file, specifier);
    if (!target || !graph.has(target) || folderOf(target) === folderOf(file)) {
      continue;
    }
    const key = `${folderOf(file)} -> ${folderOf(target)}`;
    if (!folderEdges.has(key)) {
      folderEdges.set(key, `${show(file)} imports ${show(target)}`);
    }
  }
}
const folderGraph = new Map(files.map(file => [folderOf(file), new Set()]));
for (const key of folderEdges.keys()) {
  const [from, to] = key.split(' -> ');
  folderGraph.get(from).add(to);
}
for (const component of stronglyConnected(folderGraph)) {
  failed = true;
  const loop = loopIn(folderGraph, component);
  console.error(`Folders import each other in a cycle: ${loop.join(' -> ')}`);
  for (let i = 0; i + 1 < loop.length; i++) {
    console.error(`  ${folderEdges.get(`${loop[i]} -> ${loop[i + 1]}`)}`);
  }
}
if (failed) {
  process.exit(1);
}
console.log(
  `No import cycles among ${files.length} modules and ${new Set(files.map(folderOf)).size} folders in ${show(root) || '.'}.`
);
