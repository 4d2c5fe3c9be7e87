#!/usr/bin/env node
/**
 * Move source files (or whole folders) with `git mv` and rewrite every
 * relative import that points at them, in the moved files and in the files
 * that import them. Also rewrites `src/<old path>` mentions in scripts,
 * tests and benchmarks (not in Markdown: docs are edited by hand).
 *
 *   node scripts/dev/move.mjs MAPFILE          # lines "old new" (# comments)
 *   node scripts/dev/move.mjs --dry-run MAPFILE
 *
 * A folder is written with a trailing slash on both sides. Imports are
 * resolved the way TypeScript resolves them here (.ts, .tsx, .js, .d.ts,
 * folder/index.*, and files imported with their extension such as .py/.md).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const args = process.argv.slice(2);
const dryRun = args.includes('--dry-run');
const mapFile = args.find(a => !a.startsWith('--'));
if (!mapFile) {
  console.error('usage: node scripts/dev/move.mjs [--dry-run] MAPFILE');
  process.exit(2);
}
const ROOT = execFileSync('git', ['rev-parse', '--show-toplevel'], {
  encoding: 'utf8'
}).trim();
const rel = p => path.relative(ROOT, p).split(path.sep).join('/');
const tracked = execFileSync('git', ['ls-files'], {
  cwd: ROOT,
  encoding: 'utf8'
})
  .split('\n')
  .filter(Boolean);

// 1. Expand the map to file level: old file -> new file.
const moves = new Map();
for (const raw of fs.readFileSync(mapFile, 'utf8').split('\n')) {
  const line = raw.replace(/#.*/, '').trim();
  if (!line) {
    continue;
  }
  const [from, to] = line.split(/\s+/);
  if (from.endsWith('/')) {
    for (const file of tracked.filter(f => f.startsWith(from))) {
      if (!moves.has(file)) {
        moves.set(file, to + file.slice(from.length));
      }
    }
  } else {
    moves.set(from, to);
  }
}
// A more specific line wins over a folder line written earlier: re-apply file lines.
for (const raw of fs.readFileSync(mapFile, 'utf8').split('\n')) {
  const line = raw.replace(/#.*/, '').trim();
  const [from, to] = line.split(/\s+/);
  if (line && !from.endsWith('/')) {
    moves.set(from, to);
  }
}
const newPathOf = file => moves.get(file) ?? file;

// 2. Rewrite relative imports in every TS/JS file under src/ (and tests beside it).
const CODE = /\.(ts|tsx|js|mjs|cjs)$/;
const EXTS = [
  '',
  '.ts',
  '.tsx',
  '.js',
  '.d.ts',
  '/index.ts',
  '/index.tsx',
  '/index.js'
];
const trackedSet = new Set(tracked);
function resolveSpec(fromFile, spec) {
  const base = path.posix.normalize(
    path.posix.join(path.posix.dirname(fromFile), spec)
  );
  for (const ext of EXTS) {
    if (trackedSet.has(base + ext)) {
      return { target: base + ext, ext };
    }
  }
  return null;
}
function specFor(fromNew, targetNew, ext, original) {
  if (/(^|\/)src\//.test(original) && original.startsWith('..')) {
    // Written "through src/" so the compiled lib/ module finds non-TS files: keep that form.
    return `${path.posix.relative(path.posix.dirname(fromNew), '.') || '.'}/${targetNew}`;
  }
  let target = targetNew;
  if (ext.startsWith('/index')) {
    // keep pointing at the folder when the target is still a folder index
    if (path.posix.basename(target).startsWith('index.')) {
      target = path.posix.dirname(target);
    } else {
      target = target.replace(/\.(d\.ts|tsx|ts|js)$/, '');
    }
  } else if (ext) {
    target = target.slice(0, target.length - ext.length);
    if (
      path.posix.basename(target) === 'index' &&
      !original.endsWith('/index')
    ) {
      target = path.posix.dirname(target);
    }
  }
  let spec = path.posix.relative(path.posix.dirname(fromNew), target);
  if (!spec.startsWith('.')) {
    spec = './' + spec;
  }
  return spec;
}
const IMPORT_RE =
  /((?:from\s+|import\s*\(\s*|import\s+|require\s*\(\s*|jest\.(?:mock|requireActual|doMock|unmock)\s*\(\s*)['"])(\.{1,2}\/[^'"]+)(['"])/g;
let rewritten = 0;
const contents = new Map();
for (const file of tracked.filter(
  f =>
    CODE.test(f) &&
    (f.startsWith('src/') ||
      f.startsWith('bench/') ||
      f.startsWith('ui-tests/') ||
      f.startsWith('eval/'))
)) {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
  const fromNew = newPathOf(file);
  const out = text.replace(IMPORT_RE, (all, pre, spec, post) => {
    const resolved = resolveSpec(file, spec);
    if (!resolved) {
      return all;
    }
    const targetNew = newPathOf(resolved.target);
    if (targetNew === resolved.target && fromNew === file) {
      return all;
    }
    const next = specFor(fromNew, targetNew, resolved.ext, spec);
    if (next !== spec) {
      rewritten++;
    }
    return pre + next + post;
  });
  if (out !== text) {
    contents.set(file, out);
  }
}

// 3. `src/<old>` mentions (with or without extension) in code and scripts outside Markdown.
const MENTION_FILES = tracked.filter(
  f =>
    /\.(ts|tsx|js|mjs|cjs|py|sh|json|toml)$/.test(f) &&
    !f.endsWith('package-lock.json')
);
const mentionPairs = [...moves].flatMap(([from, to]) => {
  const pairs = [[from, to]];
  const stripped = from.replace(/\.(tsx?|py)$/, '');
  if (stripped !== from) {
    pairs.push([stripped, to.replace(/\.(tsx?|py)$/, '')]);
  }
  return pairs;
});
mentionPairs.sort((a, b) => b[0].length - a[0].length);
let mentions = 0;
for (const file of [...MENTION_FILES, '.ci/run']) {
  if (!fs.existsSync(path.join(ROOT, file))) {
    continue;
  }
  let text =
    contents.get(file) ?? fs.readFileSync(path.join(ROOT, file), 'utf8');
  const before = text;
  for (const [from, to] of mentionPairs) {
    const re = new RegExp(
      from.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + '(?![\\w.])',
      'g'
    );
    text = text.replace(re, () => {
      mentions++;
      return to;
    });
  }
  if (text !== before) {
    contents.set(file, text);
  }
}

console.log(
  `${moves.size} files to move, ${rewritten} imports and ${mentions} path mentions to rewrite in ${contents.size} files`
);
if (dryRun) {
  for (const [from, to] of moves) {
    console.log(`  ${from} -> ${to}`);
  }
  process.exit(0);
}
// 4. Write the rewritten texts at the old paths, then git mv.
for (const [file, text] of contents) {
  fs.writeFileSync(path.join(ROOT, file), text);
}
for (const [from, to] of moves) {
  fs.mkdirSync(path.dirname(path.join(ROOT, to)), { recursive: true });
  execFileSync('git', ['mv', from, to], { cwd: ROOT });
}
console.log(
  'done: review with `git status` and build (`npx tsc --noEmit -p tsconfig.test.json`)'
);
void rel;
