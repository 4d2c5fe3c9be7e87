// In-page instrumentation shared by tool_roundtrip.mjs and stream_render.mjs.
// `probeScript(options)` returns source for `context.addInitScript`, so it runs
// before any of JupyterLab's code. Everything lands on `window.__deBench`,
// timestamped with performance.now().
//
// Relies on: the chat's Messages API posts going through `window.fetch` to a
// path ending in `/data-engineer/anthropic/v1/messages` (the server proxy),
// the SDK reading the response body through `body[Symbol.asyncIterator]` or
// `body.getReader()`, React 18's DevTools hook protocol (optional), and
// JupyterLab's kernel WebSocket (`/api/kernels/<id>/channels`, JSON or the
// v1 binary protocol; optional).

/** The probe itself; `opts` is inlined as JSON. Runs in the page. */
function probe(opts) {
  const P = (window.__deBench = {
    opts,
    // Runtime switches: the costly hooks are installed always (some must exist before
    // React loads) but record only while switched on, in a diagnostic pass.
    on: { layoutReads: !!opts.layoutReads, json: !!opts.json, react: !!opts.react },
    posts: [],
    longTasks: [],
    ws: [],
    commits: [],
    layoutReads: {},
    json: { stringify: { calls: 0, ms: 0, chars: 0, big: [] }, parse: { calls: 0, ms: 0, chars: 0 } }
  });
  const now = () => performance.now();
  const MSG_PATH = '/data-engineer/anthropic/v1/messages';

  try {
    new PerformanceObserver(list => {
      for (const e of list.getEntries()) P.longTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  } catch {
    P.longTaskUnsupported = true;
  }

  // ---- Messages API posts and their SSE bodies
  const hookBody = (body, rec) => {
    const decoder = new TextDecoder();
    let buf = '';
    const onEvent = (raw, t) => {
      rec.events++;
      const line = raw.split('\n').find(l => l.startsWith('data:'));
      if (!line) return;
      if (line.includes('"message_stop"')) rec.stopAt = t;
      if (!line.includes('"text_delta"')) return;
      let text = '';
      try {
        text = JSON.parse(line.slice(5)).delta.text ?? '';
      } catch {
        return;
      }
      if (rec.firstTextAt === null) {
        rec.firstTextAt = t;
        rec.firstText = text;
      }
      rec.textDeltas++;
      // Headings (`\n### `) arriving: the stream bench matches them with h3 elements in the DOM.
      const from = Math.max(0, rec.text.length - 5);
      rec.text += text;
      let i = rec.text.indexOf('\n### ', from);
      while (i >= 0) {
        rec.headingsAt.push(t);
        i = rec.text.indexOf('\n### ', i + 1);
      }
    };
    const onRead = (r, t) => {
      if (r.done) {
        rec.doneAt = t;
        return;
      }
      rec.chunks++;
      rec.bytes += r.value.byteLength;
      if (rec.firstByteAt === null) rec.firstByteAt = t;
      rec.lastChunkAt = t;
      buf += decoder.decode(r.value, { stream: true });
      let i;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        onEvent(buf.slice(0, i), t);
        buf = buf.slice(i + 2);
      }
    };
    const wrapNext = it => {
      const next = it.next.bind(it);
      it.next = (...a) =>
        next(...a).then(r => {
          onRead(r, now());
          return r;
        });
      return it;
    };
    const iter = body[Symbol.asyncIterator];
    if (typeof iter === 'function') {
      body[Symbol.asyncIterator] = function (...a) {
        rec.readVia = 'asyncIterator';
        return wrapNext(iter.apply(this, a));
      };
    }
    const getReader = body.getReader;
    body.getReader = function (...a) {
      const reader = getReader.apply(this, a);
      if (a[0] && a[0].mode === 'byob') return reader;
      rec.readVia = rec.readVia ?? 'getReader';
      const read = reader.read.bind(reader);
      reader.read = (...b) =>
        read(...b).then(r => {
          onRead(r, now());
          return r;
        });
      return reader;
    };
  };
  const origFetch = window.fetch;
  window.fetch = function (input, init) {
    let url = '';
    let method = 'GET';
    try {
      url = typeof input === 'string' ? input : input.url;
      method = String((init && init.method) || (typeof input === 'object' && input.method) || 'GET').toUpperCase();
    } catch {
      /* not ours */
    }
    if (method !== 'POST' || !new URL(url, location.href).pathname.endsWith(MSG_PATH)) {
      return origFetch.apply(this, arguments);
    }
    const rec = {
      sentAt: now(),
      headersAt: null,
      firstByteAt: null,
      firstTextAt: null,
      firstText: null,
      lastChunkAt: null,
      stopAt: null,
      doneAt: null,
      chunks: 0,
      bytes: 0,
      events: 0,
      textDeltas: 0,
      text: '',
      headingsAt: [],
      readVia: null,
      status: null
    };
    P.posts.push(rec);
    return origFetch.apply(this, arguments).then(res => {
      rec.headersAt = now();
      rec.status = res.status;
      if (res.body) hookBody(res.body, rec);
      return res;
    });
  };

  // ---- kernel WebSocket messages (msg_type, channel, time)
  if (opts.ws) {
    const decodeV1 = buf => {
      // v1.kernel.websocket.jupyter.org: uint64 count, uint64 offsets, then channel, header, ...
      const view = new DataView(buf);
      const n = Number(view.getBigUint64(0, true));
      const off = k => Number(view.getBigUint64(8 * (k + 1), true));
      const part = k => new TextDecoder().decode(new Uint8Array(buf, off(k), off(k + 1) - off(k)));
      const header = JSON.parse(part(1));
      return { channel: part(0), msgType: header.msg_type, msgId: header.msg_id, parts: n };
    };
    const describe = data => {
      if (typeof data === 'string') {
        const m = JSON.parse(data);
        return { channel: m.channel, msgType: m.header?.msg_type ?? m.msg_type, msgId: m.header?.msg_id };
      }
      if (data instanceof ArrayBuffer) return decodeV1(data);
      if (ArrayBuffer.isView(data)) return decodeV1(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
      return { channel: '?', msgType: '?' };
    };
    const OrigWS = window.WebSocket;
    const isKernel = url => /\/api\/kernels\/[^/]+\/channels/.test(String(url));
    class ProbeWS extends OrigWS {
      constructor(url, protocols) {
        super(url, protocols);
        if (isKernel(url)) {
          this.addEventListener('message', e => {
            const t = now();
            try {
              P.ws.push({ t, dir: 'in', ...describe(e.data) });
            } catch {
              P.ws.push({ t, dir: 'in', msgType: '?' });
            }
          });
        }
      }
      send(data) {
        if (isKernel(this.url)) {
          try {
            P.ws.push({ t: now(), dir: 'out', ...describe(data) });
          } catch {
            P.ws.push({ t: now(), dir: 'out', msgType: '?' });
          }
        }
        return super.send(data);
      }
    }
    window.WebSocket = ProbeWS;
  }

  // ---- layout reads: who reads scrollHeight/offsetHeight/getBoundingClientRect, and what a read costs
  {
    const key = el => {
      const cls = el && el.classList ? [...el.classList].find(c => c.startsWith('jp-DataEngineer-')) ?? el.classList[0] : null;
      return cls ?? (el && el.tagName ? el.tagName.toLowerCase() : '?');
    };
    const count = (what, el, ms) => {
      const k = `${what} ${key(el)}`;
      const e = (P.layoutReads[k] = P.layoutReads[k] ?? { calls: 0, ms: 0, max: 0, times: [] });
      e.calls++;
      e.ms += ms;
      if (ms > e.max) e.max = ms;
      if (e.times.length < 5000) e.times.push(now());
    };
    for (const [proto, prop] of [
      [Element.prototype, 'scrollHeight'],
      [Element.prototype, 'clientHeight'],
      [HTMLElement.prototype, 'offsetHeight']
    ]) {
      const d = Object.getOwnPropertyDescriptor(proto, prop);
      Object.defineProperty(proto, prop, {
        ...d,
        get() {
          if (!P.on.layoutReads) return d.get.call(this);
          const t = now();
          const v = d.get.call(this);
          count(prop, this, now() - t);
          return v;
        }
      });
    }
    const gbcr = Element.prototype.getBoundingClientRect;
    Element.prototype.getBoundingClientRect = function () {
      if (!P.on.layoutReads) return gbcr.call(this);
      const t = now();
      const v = gbcr.call(this);
      count('getBoundingClientRect', this, now() - t);
      return v;
    };
  }

  // ---- JSON work: calls, time, characters (the big stringify calls listed)
  {
    const { stringify, parse } = JSON;
    JSON.stringify = function (...a) {
      if (!P.on.json) return stringify.apply(this, a);
      const t = now();
      const out = stringify.apply(this, a);
      const ms = now() - t;
      const s = P.json.stringify;
      s.calls++;
      s.ms += ms;
      const n = typeof out === 'string' ? out.length : 0;
      s.chars += n;
      if (n > 20000 && s.big.length < 2000) s.big.push({ t, ms, chars: n, indent: a[2] ?? null });
      return out;
    };
    JSON.parse = function (...a) {
      if (!P.on.json) return parse.apply(this, a);
      const t = now();
      const out = parse.apply(this, a);
      const p = P.json.parse;
      p.calls++;
      p.ms += now() - t;
      p.chars += typeof a[0] === 'string' ? a[0].length : 0;
      return out;
    };
  }

  // ---- React commits (the DevTools hook protocol; React 18 calls it in production too)
  {
    const FN_TAGS = new Set([0, 1, 11, 14, 15]);
    const label = f => {
      let c = f.child;
      for (let depth = 0; c && depth < 8; depth++) {
        if (c.tag === 5 && c.stateNode && c.stateNode.classList) {
          const cls = [...c.stateNode.classList].find(x => x.startsWith('jp-'));
          return (cls ?? c.stateNode.tagName.toLowerCase()) + (f.type && f.type.name ? ` (${f.type.name})` : '');
        }
        c = c.child;
      }
      const t = f.type && (f.type.displayName || f.type.name || (f.type.type && f.type.type.name));
      return t ? `(${t})` : '(anonymous)';
    };
    window.__REACT_DEVTOOLS_GLOBAL_HOOK__ = {
      renderers: new Map(),
      supportsFiber: true,
      isDisabled: false,
      inject() {
        return 1;
      },
      checkDCE() {},
      onScheduleFiberRoot() {},
      onCommitFiberUnmount() {},
      onPostCommitFiberRoot() {},
      onCommitFiberRoot(_id, root) {
        if (!P.on.react) return;
        const t0 = now();
        const container = root.containerInfo;
        const ours = !!(container && container.closest && container.closest('.jp-DataEngineer-chatWidget, .jp-DataEngineer-shell'));
        if (!ours && !P.opts.reactAllRoots) {
          P.commits.push({ t: t0, ours: false });
          return;
        }
        const rendered = {};
        let fibers = 0;
        const stack = [root.current];
        while (stack.length) {
          const f = stack.pop();
          fibers++;
          const prev = f.alternate;
          if (FN_TAGS.has(f.tag) && (!prev || (f.flags & 1) === 1)) {
            const k = label(f);
            rendered[k] = (rendered[k] ?? 0) + 1;
          }
          // A bailed-out subtree keeps its children: nothing under it rendered.
          if (prev && f.child === prev.child) continue;
          for (let c = f.child; c; c = c.sibling) stack.push(c);
        }
        P.commits.push({ t: t0, ours: true, rendered, fibers, walkMs: now() - t0 });
      }
    };
  }
}

/** Source for `context.addInitScript({ content })`. */
export function probeScript(options = {}) {
  const opts = { ws: false, layoutReads: false, json: false, react: false, reactAllRoots: false, ...options };
  return `(${probe.toString()})(${JSON.stringify(opts)});`;
}
