"""Query helper, part 4 of 5: the verification run (edge probe, timing, the verdict).

Concatenated after query_verify.py; the entry point is verify_rewrite() (see there).
"""

import contextlib as _contextlib
import re as _re
import io as _io
import sys as _sys


class _InterruptWatch:
    """Turns a kernel interrupt (SIGINT) into the engine's own cancel at once.

    Python runs its SIGINT handler only when the main thread is back in Python; an
    engine busy in native code (a DuckDB CTE being materialised, a SQLite step, a
    Spark job) would finish first. The C-level handler also writes the signal's
    number to the wakeup fd: a thread reading it calls the engine's cancel from
    outside. The previous wakeup fd (an asyncio loop's) gets every byte forwarded."""

    def __init__(self):
        self.prev = None

    def __enter__(self):
        import os
        import signal
        import threading

        if threading.current_thread() is not threading.main_thread():
            return self  # on a subshell: cancel() from another one is the way
        self.os = os
        self.r, self.w = os.pipe()
        os.set_blocking(self.w, False)
        try:
            self.prev = signal.set_wakeup_fd(self.w, warn_on_full_buffer=False)
        except (ValueError, OSError):
            os.close(self.r)
            os.close(self.w)
            self.prev = None
            return self
        self.signal = signal
        self.thread = threading.Thread(target=self._watch, name="jlde-interrupt-watch", daemon=True)
        self.thread.start()
        return self

    def _watch(self):
        os = self.os
        while True:
            try:
                data = os.read(self.r, 64)
            except OSError:
                return
            if not data:
                return
            if self.prev is not None and self.prev >= 0:
                with _contextlib.suppress(OSError):
                    os.write(self.prev, data)
            if int(self.signal.SIGINT) in data and Cancel.active is not None:
                Cancel.requested = True
                with _contextlib.suppress(BaseException):
                    Cancel.active.cancel()

    def __exit__(self, *exc):
        if self.prev is None:
            return False
        with _contextlib.suppress(BaseException):
            self.signal.set_wakeup_fd(self.prev)
        self.os.close(self.w)
        self.thread.join(1.0)
        self.os.close(self.r)
        return False


def _probe_name(key):
    return "__jlde_p_" + "".join(ch if ch.isalnum() else "_" for ch in key)


def run_probe(engine, qa, qb, tol, deadline_s=10.0):
    """Both queries on the probe database and on the empty one.
    {"verdict": "same"|"different"|"skipped", "reason"?, "constraints", "tables",
    "build_s", "counterexample"?}."""
    started = _time.perf_counter()
    keys = sorted(set(qa.tables) | set(qb.tables))
    if not keys:
        return {"verdict": "skipped", "reason": "the queries read no tables"}
    tables = []
    found = engine.tables(keys)
    for key in keys:
        t = found.get(key)
        if t is None:
            return {"verdict": "skipped", "reason": "%s is not a table in the catalog (a DataFrame or a file?)" % key}
        t.key = key
        tables.append(t)
    try:
        data, constraints = build_probe(tables)
    except ProbeUnsupported as e:
        return {"verdict": "skipped", "reason": "no probe values for the column type %s" % e}
    names = {t.key: _probe_name(t.key) for t in tables}
    pa, pb = qa.on_probe(names, engine.dialect), qb.on_probe(names, engine.dialect)
    used = set(qa.column_names) | set(qb.column_names)
    relied = [c for c in constraints if any(w.lower() in used for w in _re.findall(r"\w+", c))]
    out = {"tables": [t.key for t in tables], "constraints": relied,
           "rows": sum(len(v) for v in data.values())}
    probe_a, probe_b = _Probed(pa, qa), _Probed(pb, qb)
    by_name = {t.name: t for t in tables}
    with engine.probe():
        for t in tables:
            engine.load(names[t.key], t, data[t.name])
        out["build_s"] = round(_time.perf_counter() - started, 4)
        Cancel.check()
        result = compare_results(engine, probe_a, probe_b, tol, _positions(engine, qa, pa), in_engine=False)
        if result["same"]:
            for t in tables:  # the empty database
                engine.load(names[t.key], t, [])
            empty = compare_results(engine, probe_a, probe_b, tol, None, in_engine=False)
            if not empty["same"]:
                out.update(verdict="different", counterexample={"tables": {}, **empty.get("diff", {})},
                           reason=empty.get("reason") or "the results differ when the tables are empty")
                return out
            out["verdict"] = "same"
            return out

        def differs(trial, changed):
            engine.load(names[by_name[changed].key], by_name[changed], trial[changed])
            return not compare_results(engine, probe_a, probe_b, tol, None, in_engine=False)["same"]

        small, complete = minimize(tables, data, differs, _time.perf_counter() + deadline_s)
        final = compare_results(engine, probe_a, probe_b, tol, None, in_engine=False)
        rows = final if not final["same"] else result
        out.update(verdict="different", reason=result.get("reason"))
        out["counterexample"] = {
            "tables": {t.key: {"columns": [c[0] for c in t.columns],
                               "rows": [[_cell(v) for v in r] for r in small[t.name]]}
                       for t in tables if small[t.name]},
            "minimal": complete, **(rows.get("diff") or {}),
        }
        return out


class _Probed:
    """A _Query's facts with the SQL text rewritten to read the probe tables."""

    def __init__(self, sql, q):
        self.sql, self.order = sql, q.order


def _positions(engine, q, sql):
    if q.order is None:
        return None
    return q.order_columns(engine.columns(sql))


def _quantile(xs, p):
    s = sorted(xs)
    k = (len(s) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def warm_up(engine, qa, qb):
    """The warm-up run of each query, run the way the timed runs are (rows fetched),
    its rows kept for the comparison: {"a": (columns, rows), "b": ..., "warmup_s"}."""
    out = {"warmup_s": 0.0}
    for key, q in (("a", qa), ("b", qb)):
        Cancel.check()
        t0 = _time.perf_counter()
        out[key] = engine.rows(q.sql)
        out["warmup_s"] += _time.perf_counter() - t0
    return out


def time_queries(engine, a, b, budget, warmup=None):
    """Warm-up (one run each; `warmup` seconds when warm_up() made them already), then
    alternating runs (a b, b a, ...) while the budget lasts (at least MIN_ROUNDS
    rounds unless one round alone exceeds the budget). The warm-up counts in the budget."""
    if warmup is None:
        t0 = _time.perf_counter()
        for sql in (a, b):
            Cancel.check()
            engine.run(sql)
        warmup = _time.perf_counter() - t0
    started = _time.perf_counter() - warmup
    times = {a: [], b: []}
    rounds = 0
    while rounds < MAX_ROUNDS:
        order = (a, b) if rounds % 2 == 0 else (b, a)
        for sql in order:
            Cancel.check()
            t0 = _time.perf_counter()
            engine.run(sql)
            times[sql].append(_time.perf_counter() - t0)
        rounds += 1
        spent = _time.perf_counter() - started
        per_round = (spent / (rounds + 1))
        if spent + per_round > budget and (rounds >= MIN_ROUNDS or spent + per_round > budget * 1.5):
            break
    ta, tb = times[a], times[b]
    ma, mb = _stats.median(ta), _stats.median(tb)
    sa = _quantile(ta, 0.75) - _quantile(ta, 0.25)
    sb = _quantile(tb, 0.75) - _quantile(tb, 0.25)
    # "Beyond the spread": the interquartile ranges of the two do not overlap.
    if rounds < MIN_ROUNDS:
        verdict = "inconclusive"  # no spread to judge by: never "faster" on one or two runs
    elif _quantile(ta, 0.25) > _quantile(tb, 0.75) and mb > 0:
        verdict = "faster"
    elif _quantile(tb, 0.25) > _quantile(ta, 0.75):
        verdict = "slower"
    else:
        verdict = "no_measurable_difference"
    return {
        "runs": rounds, "verdict": verdict,
        "original": {"median_s": ma, "spread_s": sa, "times_s": [round(t, 6) for t in ta]},
        "rewrite": {"median_s": mb, "spread_s": sb, "times_s": [round(t, 6) for t in tb]},
        "speedup": (ma / mb) if mb > 0 else None,
        "measured_s": sum(ta) + sum(tb), "warmup_s": warmup, "total_s": _time.perf_counter() - started,
    }


def _rows(n):
    return "1 row" if n == 1 else "%s rows" % format(n, ",")


def _secs(t):
    return "%.0f ms" % (t * 1000) if t < 0.1 else "%.2f s" % t


def _summary(r):
    v = r["verdict"]
    if v == "same":
        n = r["rows"]["original"]
        probe = r.get("probe", {}).get("verdict")
        head = "Same rows (%s)%s" % (format(n, ","), " and same on the edge probe" if probe == "same" else
                                     " (edge probe skipped: %s)" % r["probe"].get("reason") if probe == "skipped" else "")
        t = r.get("timing")
        if not t:
            return head + " — not timed"
        if t["verdict"] == "faster":
            return "%s — %.1f× faster (median of %d, %s → %s)" % (
                head, t["speedup"], t["runs"], _secs(t["original"]["median_s"]), _secs(t["rewrite"]["median_s"]))
        if t["verdict"] == "inconclusive":
            return "%s — timing inconclusive (%d run%s each, %s → %s; raise the time budget)" % (
                head, t["runs"], "" if t["runs"] == 1 else "s", _secs(t["original"]["median_s"]), _secs(t["rewrite"]["median_s"]))
        if t["verdict"] == "slower":
            return "%s — slower (median of %d, %s → %s)" % (
                head, t["runs"], _secs(t["original"]["median_s"]), _secs(t["rewrite"]["median_s"]))
        return head + " — no measurable speed-up (median of %d, %s → %s)" % (
            t["runs"], _secs(t["original"]["median_s"]), _secs(t["rewrite"]["median_s"]))
    if v in ("different", "different_on_probe"):
        d = r.get("diff") if v == "different" else r.get("probe", {}).get("counterexample", {})
        where = "" if v == "different" else " on the edge probe"
        if r.get("reason") in ("columns", "column_names"):
            return "Different results: %s — not applied" % r.get("message")
        if d and (d.get("only_in_original") or d.get("only_in_rewrite")):
            parts = []
            if d.get("only_in_original"):
                parts.append(_rows(d["only_in_original"]) + " only in the original")
            if d.get("only_in_rewrite"):
                parts.append(_rows(d["only_in_rewrite"]) + " only in the rewrite")
            return "Different results%s: %s (shown) — not applied" % (where, ", ".join(parts))
        return "Different results%s: same rows in a different order — not applied" % where
    return r.get("message") or v


def verify_rewrite(ns, original, rewrite, connection=None, engine=None, tolerance=None, time_budget=None,
                   probe=True, timing=True):
    """Verify that `rewrite` returns the same rows as `original` (on the data and on the
    edge probe) and time both. Never raises; prints nothing. Returns JSON (see the
    module docstring of query_verify.py)."""
    tol = DEFAULT_TOLERANCE if tolerance is None else float(tolerance)
    budget = DEFAULT_BUDGET if time_budget is None else float(time_budget)
    out = {"verdict": "error", "tolerance": tol}
    eng = None
    Cancel.requested = False
    sink = _io.StringIO()
    started = _time.perf_counter()
    try:
        with _contextlib.redirect_stdout(sink), _contextlib.redirect_stderr(sink), _InterruptWatch():
            eng = resolve_engine(ns if ns is not None else {}, connection, engine)
            Cancel.active = eng
            out["engine"] = eng.name
            qa, qb = _Query(original, eng.dialect), _Query(rewrite, eng.dialect)
            refusals = [(label, q) for label, q in (("original", qa), ("rewrite", qb)) if q.refusal]
            if refusals:
                out.update(verdict="refused", message="The %s: %s" % (refusals[0][0], refusals[0][1].refusal))
            else:
                # The SQL gateway decides before anything binds or runs (the probe runs these too).
                blocked = [(label, v) for label, v in (("original", classify(eng, qa.sql)), ("rewrite", classify(eng, qb.sql)))
                           if not v["allowed"]]
                if blocked:
                    out.update(verdict="refused", message="The %s: %s" % (blocked[0][0], gateway_refusal_text(blocked[0][1])),
                               gateway=blocked[0][1])
                else:
                    _verify(eng, qa, qb, tol, budget, probe, timing, out)
    except QueryError as e:
        out.update(verdict="refused" if e.package or "sqlglot" in str(e) else "error", message=str(e))
        if e.package:
            out["missing_package"] = e.package
    except BaseException as e:  # KeyboardInterrupt: the kernel was interrupted (Stop)
        if isinstance(e, KeyboardInterrupt) and eng is not None:
            with _contextlib.suppress(BaseException):
                eng.after_interrupt()
        if isinstance(e, KeyboardInterrupt) or Cancel.requested or (eng is not None and eng.is_cancel(e)):
            out.update(verdict="cancelled", message="Verification cancelled; nothing was changed.")
        else:
            out.update(verdict="error", message="%s: %s" % (type(e).__name__, str(e)[:500]))
    finally:
        Cancel.active = None
        Cancel.requested = False
        if eng is not None:
            with _contextlib.suppress(BaseException):
                eng.close()
    out["elapsed_s"] = round(_time.perf_counter() - started, 4)
    if "summary" not in out:
        out["summary"] = _summary(out) if out["verdict"] in ("same", "different", "different_on_probe") else out.get("message", "")
    out["applicable"] = out["verdict"] == "same"
    return _dumps(out)


def _verify(eng, qa, qb, tol, budget, probe, timing, out):
    if qa.nondeterministic or qb.nondeterministic:
        f = (qa.nondeterministic or qb.nondeterministic)[0]
        out.update(verdict="not_comparable", message="%s() is not deterministic: two runs of the same query can differ." % f)
        return
    timed = timing and budget > 0
    fetched = None
    t0 = _time.perf_counter()
    if timed and eng.timed_runs_fetch and qa.limit is None and qb.limit is None:
        # The timing's warm-up runs, their rows kept for the comparison (which then runs
        # neither query once more) and their column names for the checks below (no
        # statement of their own: describing a query can cost as much as planning it).
        fetched = warm_up(eng, qa, qb)
        ca, cb = fetched["a"][0], fetched["b"][0]
    else:
        # A LIMIT may make the verdict "not comparable": decided before running anything.
        ca, cb = eng.columns(qa.sql), eng.columns(qb.sql)
    Cancel.check()
    if len(ca) != len(cb):
        out.update(verdict="different", reason="columns",
                   message="the original returns %d columns, the rewrite %d" % (len(ca), len(cb)))
        return
    if [c.lower() for c in ca] != [c.lower() for c in cb]:
        out.update(verdict="different", reason="column_names",
                   message="column names differ (%s vs %s): code that reads the result would break"
                   % (", ".join(ca), ", ".join(cb)))
        return
    positions = qa.order_columns(ca) if qa.order is not None else None
    for label, q in (("original", qa), ("rewrite", qb)):
        if q.limit is not None:
            cols = q.order_columns(ca) if q.order is not None else None
            if q.order is None:
                out.update(verdict="not_comparable", message="The %s has a LIMIT without ORDER BY: which rows it "
                           "returns is up to the engine, so the results cannot be compared. Add an ORDER BY on all "
                           "output columns to compare." % label)
                return
            if cols is None or set(cols) != set(range(len(ca))):
                out.update(verdict="not_comparable", message="The %s has a LIMIT whose ORDER BY does not cover every "
                           "output column: rows tied at the cut can legitimately differ. Order by all output columns "
                           "to compare." % label)
                return
    if fetched is None:
        t0 = _time.perf_counter()
        if timed and eng.timed_runs_fetch:
            fetched = warm_up(eng, qa, qb)
    result = compare_results(eng, qa, qb, tol, positions, ncols=len(ca), fetched=fetched)
    out["phases"] = {"compare_s": round(_time.perf_counter() - t0, 4)}
    if fetched is not None:
        out["phases"]["warmup_s"] = round(fetched["warmup_s"], 4)
        warmup = fetched["warmup_s"]
        fetched = None  # the rows are not needed any more
    else:
        warmup = None
    Cancel.check()
    out["rows"] = result["rows"]
    out["method"] = result["method"]
    out["ordered"] = result["ordered"]
    if not result["same"]:
        if result.get("reason") == "order_unknown":
            out.update(verdict="not_comparable", message="Same rows, but in a different order, and the ORDER BY keys "
                       "are not output columns, so ties cannot be told from a wrong order.")
            return
        out.update(verdict="different", diff=result.get("diff"), reason=result.get("reason") or "rows")
        return
    if probe:
        t0 = _time.perf_counter()
        out["probe"] = run_probe(eng, qa, qb, tol)
        out["phases"]["probe_s"] = round(_time.perf_counter() - t0, 4)
        Cancel.check()
        if out["probe"]["verdict"] == "different":
            out.update(verdict="different_on_probe", reason="probe")
            return
    else:
        out["probe"] = {"verdict": "skipped", "reason": "not asked for"}
    out["verdict"] = "same"
    if timed:
        out["timing"] = time_queries(eng, qa.sql, qb.sql, budget, warmup)
