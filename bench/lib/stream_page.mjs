// Page-side helpers of stream_render.mjs (passed to page.evaluate) and the
// seeded markdown it streams. Selectors: `.jp-DataEngineer-messages` (the
// list), `.jp-DataEngineer-turn` (one per turn, the streaming reply is the
// last), `.jp-RenderedMarkdown` (JupyterLab's markdown renderer node).

/** In the page: watch the chat's DOM for the reply about to be streamed. */
export function armStreamWatch(args) {
  const P = window.__deBench;
  const messages = document.querySelector('.jp-DataEngineer-messages');
  if (!messages) throw new Error('no .jp-DataEngineer-messages in the page');
  const turns = messages.getElementsByClassName('jp-DataEngineer-turn');
  const W = (P.watch = {
    armedAt: performance.now(),
    baseTurns: turns.length,
    // Where the list is scrolled before the question is sent (0 = at the bottom).
    fromBottomAtArm: messages.scrollHeight - messages.scrollTop - messages.clientHeight,
    postIndex: P.posts.length,
    domFirstAt: null,
    frameFirstAt: null,
    paintFirstAt: null,
    finalAt: null,
    headingDomAt: [],
    batches: 0,
    records: 0,
    markdownRenders: 0,
    observerMs: 0
  });
  const observer = new MutationObserver(records => {
    const t = performance.now();
    W.batches++;
    W.records += records.length;
    for (const r of records) {
      if (r.type === 'childList' && r.target.classList && r.target.classList.contains('jp-RenderedMarkdown') && r.addedNodes.length) {
        W.markdownRenders++;
      }
    }
    const last = turns.length >= W.baseTurns + 2 ? turns[turns.length - 1] : null;
    if (last) {
      if (W.domFirstAt === null && last.textContent.includes(args.firstWord)) {
        W.domFirstAt = t;
        requestAnimationFrame(() => {
          W.frameFirstAt = performance.now();
          // A message posted from rAF runs after this frame's style, layout and paint.
          const ch = new MessageChannel();
          ch.port1.onmessage = () => {
            W.paintFirstAt = performance.now();
          };
          ch.port2.postMessage(0);
        });
      }
      const n = last.getElementsByTagName('h3').length;
      while (W.headingDomAt.length < n) W.headingDomAt.push(t);
      const post = P.posts[W.postIndex];
      if (W.finalAt === null && post && post.stopAt !== null && last.textContent.includes(args.finalWord)) {
        W.finalAt = t;
      }
    }
    W.observerMs += performance.now() - t;
  });
  observer.observe(messages, { childList: true, subtree: true, characterData: true });
  P.stopWatch = () => observer.disconnect();
  return W.baseTurns;
}

/** In the page: the streamed post's record and the watch, without the (long) text. */
export function readStreamWatch() {
  const P = window.__deBench;
  const W = P.watch;
  const post = P.posts[W.postIndex] ?? null;
  const { text, ...rest } = post ?? {};
  return { watch: { ...W }, post: post ? { ...rest, textChars: text.length } : null, posts: P.posts.length, now: performance.now() };
}

/** A small deterministic PRNG (mulberry32), so every run streams the same text. */
export function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, pick: list => list[Math.floor(next() * list.length)], int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)) };
}

const WORDS = (
  'the pipeline reads orders from the raw bucket then joins customers on customer_id and writes daily revenue ' +
  'partitioned by date we keep the staging table small because the warehouse bills per scanned byte and the ' +
  'late arriving rows are merged with an upsert keyed on order_id so reruns stay idempotent'
).split(' ');
const TABLES = ['orders', 'customers', 'payments', 'shipments', 'fx_rates', 'daily_revenue'];

function sentence(r) {
  const n = r.int(9, 22);
  const w = [];
  for (let i = 0; i < n; i++) w.push(r.pick(WORDS));
  if (r.next() < 0.3) w[r.int(0, n - 1)] = `\`${r.pick(TABLES)}.${r.pick(['order_id', 'amount_eur', 'created_at'])}\``;
  if (r.next() < 0.2) w[r.int(0, n - 1)] = `**${r.pick(WORDS)}**`;
  const s = w.join(' ');
  return s[0].toUpperCase() + s.slice(1) + '.';
}

function paragraph(r, sentences) {
  const out = [];
  for (let i = 0; i < sentences; i++) out.push(sentence(r));
  return out.join(' ');
}

function codeBlock(r) {
  const t = r.pick(TABLES);
  return r.next() < 0.5
    ? ['```sql', `SELECT date_trunc('day', created_at) AS day, sum(amount_eur) AS revenue`, `FROM ${t}`, `WHERE created_at >= DATE '2026-${r.int(10, 12)}-01'`, 'GROUP BY 1', 'ORDER BY 1;', '```'].join('\n')
    : ['```python', `df = spark.read.parquet("s3://raw/${t}/")`, `df = df.dropDuplicates(["order_id"]).filter(df.amount_eur > ${r.int(0, 9)})`, `df.write.mode("overwrite").partitionBy("day").parquet("s3://curated/${t}/")`, '```'].join('\n');
}

function mdTable(r) {
  const rows = ['| table | rows | null share |', '|---|---:|---:|'];
  for (let i = 0; i < 4; i++) rows.push(`| ${r.pick(TABLES)} | ${r.int(1000, 999999)} | ${(r.next() * 5).toFixed(2)} % |`);
  return rows.join('\n');
}

/**
 * A markdown reply of about `chars` characters: an intro starting with
 * `firstWord`, then `### Section k` headings every ~`sectionChars`, each with
 * paragraphs, a list and a code block or table, ending with `finalWord`.
 */
export function longReply({ chars, sectionChars = 2000, firstWord, finalWord, seed = 7 }) {
  const r = rng(seed);
  const parts = [`${firstWord} of the migration plan, step by step. ${paragraph(r, 3)}`];
  let size = parts[0].length;
  let k = 0;
  while (size < chars - 200) {
    k++;
    const sec = [`### Section ${k}: ${r.pick(TABLES)}`];
    let secSize = 0;
    while (secSize < sectionChars - 300) {
      const kind = r.next();
      const block = kind < 0.5 ? paragraph(r, r.int(2, 5)) : kind < 0.7 ? [1, 2, 3].map(() => `- ${sentence(r)}`).join('\n') : kind < 0.85 ? codeBlock(r) : mdTable(r);
      sec.push(block);
      secSize += block.length + 2;
    }
    const text = sec.join('\n\n');
    parts.push(text);
    size += text.length + 2;
  }
  parts.push(`${finalWord}.`);
  return { text: parts.join('\n\n'), headings: k };
}

/** A shorter reply for the turns created before the measurement. */
export function shortReply(i, seed = 100) {
  const r = rng(seed + i);
  return [`Reply ${i}. ${paragraph(r, 4)}`, codeBlock(r), paragraph(r, 3), mdTable(r), `Done with reply ${i}.`].join('\n\n');
}
