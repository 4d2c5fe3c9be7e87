#!/usr/bin/env python3
"""Kernel-side cost of `inspect_variable` (issue #5): time and payload size.

Loads src/kernel/inspector.py exactly as the frontend does (the bootstrap from its
docstring, exec'd in a fresh namespace) into this process, which stands for the kernel:
the time measured is the time the call holds the kernel, without the messaging
round trip. Scenarios, with the default sample size, payload bound and time budget:

* pandas DataFrame, 10k and 10M rows x 20 columns (14 float64 with NaNs, 3 int64,
  1 string, 1 tz-aware datetime, 1 categorical);
* polars DataFrame of the same data;
* a DuckDB relation over 100M rows (a join of two range(100M) and an aggregation):
  it must not run; running it takes seconds.

Usage::

    python bench/inspect_variable.py [--runs 7] [--no-large]

Prints the table and writes bench/results/inspect_variable.md. Exit status 0 when every
scenario takes < 50 ms (median) and returns < 8 KB, and the 10M/10k median ratio is
< 2 for pandas and polars; 1 when not; 2 when the benchmark itself fails.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
INSPECTOR = ROOT / "src" / "kernel" / "inspector.py"
RESULTS = ROOT / "bench" / "results" / "inspect_variable.md"
MODULE = "__jl_data_engineer__"
TARGET_MS = 50.0
TARGET_BYTES = 8192
TARGET_RATIO = 2.0
HUGE_QUERY = (
    "select a.range % 1000 as g, count(*) as n, sum(b.range) as total "
    "from range(100000000) a join range(100000000) b using (range) group by g"
)


def load_inspector():
    """The bootstrap text the frontend sends, run in a namespace standing for the user's."""
    source = INSPECTOR.read_text(encoding="utf-8")
    start = source.index("BOOTSTRAP-BEGIN\n") + len("BOOTSTRAP-BEGIN\n")
    template = source[start : source.index("\nBOOTSTRAP-END")].strip()
    exec(template.replace("<SOURCE>", json.dumps(source)), {"__builtins__": __builtins__})
    return sys.modules[MODULE]


def pandas_frame(rows):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(5)
    data = {}
    for i in range(14):
        col = rng.random(rows)
        col[rng.integers(0, rows, rows // 100)] = np.nan
        data["f%02d" % i] = col
    for i in range(3):
        data["i%02d" % i] = rng.integers(0, 1_000_000, rows)
    codes = rng.integers(0, 1000, rows)
    names = np.array(["customer_%04d" % i for i in range(1000)], dtype=object)
    data["name"] = pd.array(names[codes], dtype="str")
    data["ts"] = pd.date_range("2024-01-01", periods=rows, freq="s", tz="Europe/Paris")
    data["segment"] = pd.Categorical.from_codes(codes % 5, ["a", "b", "c", "d", "e"])
    return pd.DataFrame(data)


def measure(insp, ns, name, runs):
    insp.inspect_variable(ns, name)  # warm-up: first-use imports inside the libraries
    times, text = [], None
    for _ in range(runs):
        gc.collect()
        start = time.perf_counter()
        text = insp.inspect_variable(ns, name)
        times.append((time.perf_counter() - start) * 1000)
    out = json.loads(text)
    return {
        "median": statistics.median(times), "min": min(times), "max": max(times),
        "bytes": len(text.encode("utf-8")), "truncated": ",".join(out.get("truncated", [])) or "-",
        "error": out.get("error") or "; ".join(out.get("errors", [])),
        "has": ", ".join(k for k in ("shape", "memory_bytes", "sample", "sql") if k in out),
        "nulls": "nulls" in (out.get("columns") or [{}])[0],
    }


def versions():
    import duckdb
    import numpy
    import pandas
    import polars

    return (f"Python {platform.python_version()}, pandas {pandas.__version__}, polars {polars.__version__}, "
            f"numpy {numpy.__version__}, duckdb {duckdb.__version__}")


def git_head():
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--no-large", action="store_true", help="skip the 10M-row frames (quick check)")
    args = parser.parse_args()

    import duckdb
    import polars as pl

    insp = load_inspector()
    load_before = os.getloadavg()[0]
    sizes = [10_000] + ([] if args.no_large else [10_000_000])
    results = []
    for rows in sizes:
        build = time.perf_counter()
        pdf = pandas_frame(rows)
        plf = pl.from_pandas(pdf)
        build = time.perf_counter() - build
        ns = {"pdf": pdf, "plf": plf}
        label = "%s rows x 20" % ("{:,}".format(rows))
        results.append(("pandas DataFrame", label, measure(insp, ns, "pdf", args.runs)))
        results.append(("polars DataFrame", label, measure(insp, ns, "plf", args.runs)))
        print("built %s in %.1f s" % (label, build), file=sys.stderr)
        del ns, pdf, plf
        gc.collect()
    con = duckdb.connect()
    rel = con.sql(HUGE_QUERY)
    results.append(("DuckDB relation", "join+aggregate over 100M rows", measure(insp, {"rel": rel}, "rel", args.runs)))
    load_after = os.getloadavg()[0]

    verdicts = []
    for kind, label, r in results:
        ok = r["median"] < TARGET_MS and r["bytes"] < TARGET_BYTES and not r["error"]
        verdicts.append(("%s, %s" % (kind, label), ok))
    ratios = []
    if not args.no_large:
        for kind in ("pandas DataFrame", "polars DataFrame"):
            small, large = [r for k, _, r in results if k == kind]
            ratio = large["median"] / small["median"]
            ratios.append((kind, ratio))
            verdicts.append(("%s 10M/10k time ratio" % kind, ratio < TARGET_RATIO))

    lines = [
        "# `inspect_variable`: time in the kernel and payload size",
        "",
        "Generated by `python bench/inspect_variable.py` on %s (git `%s`)." % (
            _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"), git_head()),
        "",
        "- The inspector is loaded with the frontend's bootstrap into the benchmark process and called as",
        "  `inspect_variable(ns, name)` with the defaults (5 sample rows for in-memory frames, none for DuckDB,",
        "  8192-byte payload bound, 0.5 s time budget). Time: from the call to its JSON string, i.e. how long",
        "  the kernel is held, without the messaging round trip. 1 warm-up call, then the median of %d." % args.runs,
        "- Frames: 14 float64 columns (1% NaN), 3 int64, 1 string (`str` dtype), 1 tz-aware datetime,",
        "  1 categorical; the polars frame is `pl.from_pandas` of the pandas one.",
        "- DuckDB: `con.sql(...)` of `%s`; executing it takes seconds, so a time in" % HUGE_QUERY,
        "  milliseconds means it did not run.",
        "- %s." % versions(),
        "- Load average (1 min) before / after: %.2f / %.2f on %d CPUs." % (load_before, load_after, os.cpu_count()),
    ]
    if max(load_before, load_after) >= (os.cpu_count() or 1):
        lines.append("- **Busy machine**: other processes competed for the CPUs; times are inflated.")
    lines += [
        "",
        "| object | size | median (ms) | min (ms) | max (ms) | payload (bytes) | truncated | null counts | contains |",
        "|---|---|---:|---:|---:|---:|---|---|---|",
    ]
    for kind, label, r in results:
        lines.append("| %s | %s | %.2f | %.2f | %.2f | %d | %s | %s | %s |" % (
            kind, label, r["median"], r["min"], r["max"], r["bytes"], r["truncated"],
            "yes" if r["nulls"] else "no", r["has"] + ((" (error: %s)" % r["error"]) if r["error"] else "")))
    lines.append("")
    for kind, ratio in ratios:
        lines.append("- %s: 10M/10k median ratio %.2f." % (kind, ratio))
    lines.append("")
    lines.append("Targets: median < %d ms and payload < %d bytes each; 10M/10k ratio < %.0f." % (
        TARGET_MS, TARGET_BYTES, TARGET_RATIO))
    lines += ["- %s: %s" % (what, "pass" if ok else "**FAIL**") for what, ok in verdicts]
    report = "\n".join(lines) + "\n"
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(report, encoding="utf-8")
    print(report)
    return 0 if all(ok for _, ok in verdicts) else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as e:  # the benchmark itself failed
        print("benchmark failed: %s: %s" % (type(e).__name__, e), file=sys.stderr)
        sys.exit(2)
