// The page's own view of each tool round trip in tool_roundtrip.mjs, from the
// probe's timestamps (bench/lib/page_probe.mjs): stream end in the page, the
// kernel messages on the WebSocket, the next Messages request leaving the page.
import { median, percentile } from './lab.mjs';
import { profileMarkdown, summariseProfile } from './cpuprofile.mjs';

const f1 = v => (v === null || v === undefined || Number.isNaN(v) ? 'n/a' : v.toFixed(1));

/** Name of the function the clock sync runs in the page, found again in the CPU profile. */
export const CLOCK_SYNC = '__deBenchClockSync';

/** In the page: spin ~10 ms in a named function; returns performance.now() at its start. */
export function pageClockSync(name) {
  const t = performance.now();
  const spin = new Function('t', `return function ${name}() { while (performance.now() - t < 10) {} }`)(t);
  spin();
  return t;
}

/** Profile clock (µs) minus page clock (µs), from the samples inside the clock-sync function. */
export function profileOffsetUs(profile, pageMs) {
  const byId = new Map(profile.nodes.map(n => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inSync = id => {
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) if (byId.get(cur).callFrame.functionName === CLOCK_SYNC) return true;
    return false;
  };
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    if (inSync(profile.samples[i])) return t - pageMs * 1000;
  }
  return null;
}

/**
 * Annotate `runs` (tool_roundtrip's, with `kernel` ms set) with page-side times.
 * posts[2 + i] carries run i's tool_use, posts[3 + i] its tool_result.
 */
export function pageRoundTrips(probe, runs) {
  for (const run of runs) {
    const reply = probe.posts[2 + run.i];
    const next = probe.posts[3 + run.i];
    if (!reply || !next || reply.stopAt === null) {
      run.page = null;
      continue;
    }
    const t0 = reply.stopAt;
    const t1 = next.sentAt;
    const ws = probe.ws.filter(m => m.t > t0 && m.t < t1);
    const exec = ws.find(m => m.dir === 'out' && m.msgType === 'execute_request');
    const reply_ = exec ? ws.find(m => m.dir === 'in' && m.msgType === 'execute_reply' && m.t > exec.t) : null;
    const idle = reply_ ? ws.find(m => m.dir === 'in' && m.msgType === 'status' && m.t >= exec.t) : null;
    const outTypes = {};
    for (const m of ws.filter(x => x.dir === 'out')) outTypes[m.msgType] = (outTypes[m.msgType] ?? 0) + 1;
    // Wall clock of the page (timeOrigin + performance.now()) against the kernel's own header
    // dates (same machine): which side of the execute_request -> execute_reply wait is slow.
    const wall = t => (probe.timeOrigin + t) / 1000;
    const toKernel = exec && run.inputAt ? (run.inputAt - wall(exec.t)) * 1000 : null;
    const fromKernel = reply_ && run.replyAt ? (wall(reply_.t) - run.replyAt) * 1000 : null;
    run.page = {
      toKernel,
      fromKernel,
      t0,
      t1,
      total: t1 - t0,
      overhead: t1 - t0 - run.kernel,
      stopToDone: reply.doneAt !== null ? reply.doneAt - t0 : null,
      toExecute: exec ? exec.t - t0 : null,
      wsRoundTrip: exec && reply_ ? reply_.t - exec.t : null,
      messaging: exec && reply_ ? reply_.t - exec.t - run.kernel : null,
      afterReply: reply_ ? t1 - reply_.t : null,
      firstStatus: idle ? idle.t - exec.t : null,
      kernelOut: outTypes,
      kernelIn: ws.filter(x => x.dir === 'in').length
    };
  }
}

export function stat(values) {
  const v = values.filter(x => x !== null && x !== undefined && !Number.isNaN(x));
  return v.length ? { median: median(v), p90: percentile(v, 90), min: Math.min(...v), max: Math.max(...v) } : null;
}

/** The report section on the page's timeline (and, with a profile, where the page's time goes). */
export function pageSection(measured, { profile = null, offsetUs = null, labextDir = null, labStaticDir = null } = {}) {
  const md = [];
  const rows = [
    ['**in the page: stream end (message_stop read) → next request sent, minus kernel**', p => p.overhead],
    ['in the page: stream end → next request sent', p => p.total],
    ['message_stop read → body done (SDK sees the end)', p => p.stopToDone],
    ['stream end → execute_request sent on the kernel WebSocket', p => p.toExecute],
    ['execute_request sent → execute_reply received', p => p.wsRoundTrip],
    ['… of which not kernel time (server, ZMQ, WebSocket)', p => p.messaging],
    ['… execute_request sent → kernel stamps execute_input (wall clocks)', p => p.toKernel],
    ['… kernel stamps execute_reply → the page reads it (wall clocks; includes a busy main thread)', p => p.fromKernel],
    ['execute_reply received → next request sent', p => p.afterReply]
  ];
  md.push('| page clock, ms | median | p90 | min | max |');
  md.push('|---|---:|---:|---:|---:|');
  for (const [label, get] of rows) {
    const s = stat(measured.map(r => (r.page ? get(r.page) : null)));
    md.push(`| ${label} | ${f1(s?.median)} | ${f1(s?.p90)} | ${f1(s?.min)} | ${f1(s?.max)} |`);
  }
  const outs = {};
  for (const r of measured) for (const [k, n] of Object.entries(r.page?.kernelOut ?? {})) outs[k] = (outs[k] ?? 0) + n;
  md.push('');
  md.push(
    `Kernel messages the page sent inside the measured round trips: ${Object.entries(outs).map(([k, n]) => `\`${k}\` ×${n}`).join(', ') || 'none'} ` +
      `(${measured.length} round trips); messages received per round trip: median ${median(measured.map(r => r.page?.kernelIn ?? 0))}.`
  );
  md.push('');
  if (profile && offsetUs !== null) {
    const windows = measured.filter(r => r.page).map(r => [r.page.t0 * 1000 + offsetUs, r.page.t1 * 1000 + offsetUs]);
    const summary = summariseProfile(profile, { windows, labextDir, labStaticDir });
    md.push(`### CPU profile inside the ${windows.length} measured round trips (stream end → next request, page clock)`);
    md.push('');
    md.push(profileMarkdown(summary, { n: 25, per: windows.length, perLabel: 'per round trip' }));
  } else if (profile) {
    md.push('(The CPU profile could not be aligned with the page clock: no clock-sync samples.)');
    md.push('');
  }
  return md.join('\n');
}
