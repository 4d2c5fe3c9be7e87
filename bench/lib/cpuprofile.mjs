// Summarise a Chromium CPU profile (CDP Profiler.stop) for the bench reports:
// self and inclusive time per function, per script, optionally only inside
// time windows, with our own chunks mapped back to src/ through their source
// maps when the build has them (jupyter-builder build --source-map True).
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { REPO } from './lab.mjs';

const require = createRequire(import.meta.url);
let SourceMapConsumer = null;
try {
  ({ SourceMapConsumer } = require(path.join(REPO, 'node_modules', 'source-map')));
} catch {
  /* no mapping then */
}

const OUR_URL = '/lab/extensions/jupyterlab-data-engineer/';
const LAB_STATIC = '/static/lab/';
const META = new Set(['(root)', '(program)', '(idle)', '(garbage collector)']);

/** What a JupyterLab core chunk holds, guessed from a few strings (its names are numbers). */
function guessCoreChunk(file, labStaticDir) {
  if (!labStaticDir) return '';
  const p = path.join(labStaticDir, file);
  if (!fs.existsSync(p)) return '';
  const text = fs.readFileSync(p, 'utf8');
  const hints = [
    ['react-dom', /__SECRET_INTERNALS_DO_NOT_USE_OR_YOU_WILL_BE_FIRED/],
    ['marked', /marked|gfm/],
    ['sanitize-html', /allowedTags|sanitizeHtml/],
    ['lumino', /@lumino|MessageLoop/],
    ['rendermime', /RenderedMarkdown|renderMarkdown/],
    ['codemirror', /cm-content|EditorView/],
    ['yjs', /Y\.Doc|ydoc/i],
    ['notebook', /jp-Notebook/],
    ['services', /api\/kernels/]
  ];
  return hints.filter(([, re]) => re.test(text)).map(([n]) => n).slice(0, 3).join(', ');
}

/** Maps positions in our chunks to src/ lines (when `<chunk>.map` exists in `labextDir`). */
class OurMapper {
  constructor(labextDir) {
    this.dir = labextDir;
    this.consumers = new Map();
  }

  consumer(file) {
    if (!this.consumers.has(file)) {
      let c = null;
      const mapFile = path.join(this.dir ?? '', 'static', file + '.map');
      if (SourceMapConsumer && this.dir && fs.existsSync(mapFile)) {
        try {
          c = new SourceMapConsumer(JSON.parse(fs.readFileSync(mapFile, 'utf8')));
        } catch {
          c = null;
        }
      }
      this.consumers.set(file, c);
    }
    return this.consumers.get(file);
  }

  map(file, line, column) {
    const c = this.consumer(file);
    if (!c) return null;
    const pos = c.originalPositionFor({ line: line + 1, column });
    if (!pos.source) return null;
    // tsc's lib/x.js is src/x.ts(x) compiled without source maps: same names, lines shifted.
    const source = pos.source
      .replace(/^webpack:\/\/[^/]*\//, '')
      .replace(/^\.\//, '')
      .replace(/^(?:.*\/)?node_modules\//, 'node_modules/');
    let text = '';
    const content = c.sourceContentFor(pos.source, true);
    if (content) text = (content.split('\n')[pos.line - 1] ?? '').trim().slice(0, 70);
    return { source, line: pos.line, name: pos.name, text };
  }
}

/**
 * Summarise `profile`. `windows` (optional): [[fromUs, toUs], ...] in the
 * profile's clock; only samples inside them count. Returns totals and rows.
 */
export function summariseProfile(profile, { windows = null, labextDir = null, labStaticDir = null } = {}) {
  const byId = new Map(profile.nodes.map(n => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const mapper = new OurMapper(labextDir);
  const keyCache = new Map();
  const coreGuess = new Map();
  const describe = id => {
    if (keyCache.has(id)) return keyCache.get(id);
    const { functionName, url, lineNumber, columnNumber } = byId.get(id).callFrame;
    const name = functionName || '(anonymous)';
    let where = '';
    let script = '';
    let ours = false;
    if (url.includes(OUR_URL)) {
      ours = true;
      const file = url.slice(url.indexOf(OUR_URL) + OUR_URL.length).replace(/^static\//, '').split('?')[0];
      script = `ours: ${file}`;
      const m = mapper.map(file, lineNumber, columnNumber);
      where = m ? `${m.source}:${m.line}${m.text ? ` \`${m.text.replace(/`/g, "'")}\`` : ''}` : `${file}:${lineNumber + 1}:${columnNumber}`;
    } else if (url.includes(LAB_STATIC)) {
      const file = url.slice(url.indexOf(LAB_STATIC) + LAB_STATIC.length).split('?')[0];
      if (!coreGuess.has(file)) coreGuess.set(file, guessCoreChunk(file, labStaticDir));
      script = `lab: ${file}${coreGuess.get(file) ? ` (${coreGuess.get(file)})` : ''}`;
      where = `${file}:${lineNumber + 1}:${columnNumber}`;
    } else if (url) {
      script = url.replace(/^https?:\/\/[^/]+/, '').split('?')[0];
      where = `${script}:${lineNumber + 1}`;
    } else {
      script = META.has(name) ? name : '(native)';
    }
    const d = { key: `${name} @ ${where}`, name, where, script, ours, meta: META.has(name) };
    keyCache.set(id, d);
    return d;
  };

  const self = new Map();
  const incl = new Map();
  const scripts = new Map();
  let t = profile.startTime;
  let total = 0;
  let idle = 0;
  const inWindow = ts => !windows || windows.some(([a, b]) => ts >= a && ts <= b);
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    const dt = (profile.timeDeltas[i + 1] ?? 0) / 1000; // ms until the next sample
    if (!inWindow(t)) continue;
    const id = profile.samples[i];
    const d = describe(id);
    total += dt;
    if (d.name === '(idle)') {
      idle += dt;
      continue;
    }
    const s = self.get(d.key) ?? { ...d, ms: 0 };
    s.ms += dt;
    self.set(d.key, s);
    const sc = scripts.get(d.script) ?? { script: d.script, ms: 0 };
    sc.ms += dt;
    scripts.set(d.script, sc);
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const c = describe(cur);
      if (c.meta || seen.has(c.key)) continue;
      seen.add(c.key);
      const e = incl.get(c.key) ?? { ...c, ms: 0 };
      e.ms += dt;
      incl.set(c.key, e);
    }
  }
  const sorted = m => [...m.values()].sort((a, b) => b.ms - a.ms);
  return { totalMs: total, idleMs: idle, busyMs: total - idle, self: sorted(self), inclusive: sorted(incl), scripts: sorted(scripts), mapped: !!SourceMapConsumer };
}

/** Markdown tables of a summary (top `n` rows each), `per` = a divisor for a "per event" column. */
export function profileMarkdown(summary, { n = 20, per = null, perLabel = 'per event' } = {}) {
  const f = v => v.toFixed(1);
  const perCol = v => (per ? ` ${(v / per).toFixed(2)} |` : '');
  const head = per ? ` ms ${perLabel} |` : '';
  const sep = per ? '---:|' : '';
  const md = [];
  md.push(
    `Sampled ${f(summary.totalMs)} ms: busy ${f(summary.busyMs)} ms (${((100 * summary.busyMs) / Math.max(1, summary.totalMs)).toFixed(1)} %), idle ${f(summary.idleMs)} ms.`
  );
  md.push('');
  md.push(`| script | self ms | % of busy |${head}`);
  md.push(`|---|---:|---:|${sep}`);
  for (const s of summary.scripts.slice(0, 12)) {
    md.push(`| ${s.script} | ${f(s.ms)} | ${((100 * s.ms) / Math.max(1e-9, summary.busyMs)).toFixed(1)} |${perCol(s.ms)}`);
  }
  md.push('');
  md.push(`Top ${n} functions by self time:`);
  md.push('');
  md.push(`| function | where | self ms |${head}`);
  md.push(`|---|---|---:|${sep}`);
  for (const s of summary.self.slice(0, n)) md.push(`| \`${s.name}\` | ${s.where || s.script} | ${f(s.ms)} |${perCol(s.ms)}`);
  md.push('');
  md.push(`Top ${n} of our functions (src/) by inclusive time (callees included):`);
  md.push('');
  md.push(`| function | where | inclusive ms |${head}`);
  md.push(`|---|---|---:|${sep}`);
  for (const s of summary.inclusive.filter(x => x.ours).slice(0, n)) {
    md.push(`| \`${s.name}\` | ${s.where} | ${f(s.ms)} |${perCol(s.ms)}`);
  }
  md.push('');
  return md.join('\n');
}
