// The diagnostic section of stream_render.md: where the main thread's time
// goes while a reply streams (CPU profile, React commits, layout reads, JSON).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cmdOut, median } from './lab.mjs';
import { profileMarkdown, summariseProfile } from './cpuprofile.mjs';

const f1 = v => (v === null || v === undefined || Number.isNaN(v) ? 'n/a' : v.toFixed(1));
const f2 = v => (v === null || v === undefined || Number.isNaN(v) ? 'n/a' : v.toFixed(2));

/** JupyterLab's own static directory (to guess what its numbered chunks hold). */
export function labStaticDir() {
  const m = /Application directory:\s*(\S+)/.exec(cmdOut('jupyter', ['lab', 'path']));
  return m ? path.join(m[1], 'static') : null;
}

/** React commits of our root: how many, and which components rendered how often. */
function reactTable(commits, deltas) {
  const md = [];
  const byLabel = new Map();
  for (const c of commits) for (const [k, n] of Object.entries(c.rendered)) byLabel.set(k, (byLabel.get(k) ?? 0) + n);
  const renders = commits.map(c => Object.values(c.rendered).reduce((a, b) => a + b, 0));
  md.push(
    `React commits in the chat's root during the stream: **${commits.length}** (${f2(commits.length / Math.max(1, deltas))} per text delta); ` +
      `components rendered per commit: median ${median(renders)}, max ${Math.max(0, ...renders)}; fibers in the tree: median ${median(commits.map(c => c.fibers))} ` +
      `(walking them cost the probe ${f1(commits.reduce((a, c) => a + c.walkMs, 0))} ms in all).`
  );
  md.push('');
  md.push('| component (first `jp-` class of its first DOM element; minified name) | renders | per commit |');
  md.push('|---|---:|---:|');
  for (const [k, n] of [...byLabel].sort((a, b) => b[1] - a[1]).slice(0, 18)) {
    md.push(`| ${k.replace(/\|/g, '/')} | ${n} | ${f2(n / Math.max(1, commits.length))} |`);
  }
  md.push('');
  return md.join('\n');
}

/** Layout reads (forced synchronous layouts when the DOM is dirty) by property and element. */
function layoutTable(reads, deltas) {
  const rows = Object.entries(reads).sort((a, b) => b[1].ms - a[1].ms);
  if (!rows.length) return 'No scrollHeight/clientHeight/offsetHeight/getBoundingClientRect reads during the stream.\n';
  const md = ['| read (element class) | calls | per text delta | total ms | max ms |', '|---|---:|---:|---:|---:|'];
  for (const [k, e] of rows.slice(0, 12)) md.push(`| \`${k}\` | ${e.calls} | ${f2(e.calls / Math.max(1, deltas))} | ${f1(e.ms)} | ${f1(e.max)} |`);
  md.push('');
  md.push('A read costs its time only when styles/layout are dirty (it forces them synchronously); the time above is that forced layout.');
  md.push('');
  return md.join('\n');
}

function jsonTable(json) {
  const s = json.stringify;
  const p = json.parse;
  const big = s.big;
  const md = [];
  md.push(
    `JSON during the stream and the 2 s after it: \`JSON.stringify\` ${s.calls} calls, ${f1(s.ms)} ms, ${(s.chars / 1e6).toFixed(2)} M chars; ` +
      `\`JSON.parse\` ${p.calls} calls, ${f1(p.ms)} ms, ${(p.chars / 1e6).toFixed(2)} M chars. ` +
      `Stringify results over 20,000 chars: ${big.length} (${f1(big.reduce((a, b) => a + b.ms, 0))} ms; sizes ${big.length ? `${Math.min(...big.map(b => b.chars))}–${Math.max(...big.map(b => b.chars))}` : 'n/a'} chars; ` +
      `${big.filter(b => b.indent !== null).length} of them indented, i.e. saved files).`
  );
  md.push('');
  return md.join('\n');
}

/** Markdown for the diagnostic stream `run` (streamOnce's result with diag data). */
export async function diagnosticSection(run, { labextDir, log = () => {} }) {
  const md = [];
  const d = run.diagData;
  md.push('## Where the time goes (diagnostic stream)');
  md.push('');
  md.push(
    `One more stream of the same reply with the CPU profiler (250 µs sampling) and the page probe's React, layout-read and JSON hooks on: ` +
      `busy ${f1(run.busyPct)} %, ${run.longTasks.length} long tasks (max ${f1(run.longestMs)} ms), first token painted ${f1(run.firstPaint)} ms, ` +
      `${run.deltas} text deltas in ${f1(run.streamMs / 1000)} s. The instrumentation inflates these; compare the shares, not the absolute figures, with the measured streams.`
  );
  md.push('');
  if (d.profile) {
    const summary = summariseProfile(d.profile, { labextDir, labStaticDir: labStaticDir() });
    if (!summary.mapped) log('source-map package not found: our functions stay minified');
    const file = path.join(os.tmpdir(), `stream_render-${Date.now()}.cpuprofile`);
    fs.writeFileSync(file, JSON.stringify(d.profile));
    md.push(`### CPU profile of the stream (saved to \`${file}\`; open in Chrome DevTools)`);
    md.push('');
    md.push(profileMarkdown(summary, { n: 25, per: run.deltas, perLabel: 'per delta' }));
  }
  md.push('### React');
  md.push('');
  md.push(reactTable(d.commits, run.deltas));
  md.push('### Layout reads');
  md.push('');
  md.push(layoutTable(d.layoutReads, run.deltas));
  md.push('### JSON and saves');
  md.push('');
  md.push(jsonTable(d.json));
  md.push(
    `Contents API writes during the stream and the 2 s after: ${run.contentsWrites.length}` +
      (run.contentsWrites.length ? ` (${[...new Set(run.contentsWrites.map(w => `${w.method} ${w.url}`))].slice(0, 4).join(', ')})` : '') +
      `. Markdown renders counted in the DOM: ${run.markdownRenders} for ${run.deltas} deltas.`
  );
  md.push('');
  return md.join('\n');
}
