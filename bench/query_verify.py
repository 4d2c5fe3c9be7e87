"""Bench of the query verifier (src/query/kernel/query_*.py), on TPC-H-shaped data.

    /work/main/.ci-venv/kernel/bin/python bench/query_verify.py [--scale 0.05] [--budget 10] [--pg URL]

Measures
1. Overhead beyond the two queries' own run time:
   - compare: the comparison phase (the warm-up run of each query, whose rows are
     compared in Python; in the engine when untimed or too large) vs running the original
     and the rewrite once each (median of the timed runs), as a percentage, and what it
     costs beyond its two warm-up runs;
   - whole: everything a verification does besides its timed runs and its warm-up runs
     (parsing, catalog, comparing, the edge probe), as a percentage of the timed runs.
   The first verification in a kernel also imports sqlglot: measured once, apart.
2. Probe build time for 10 referenced tables (catalog reads, rows honouring keys, temp
   tables), DuckDB and PostgreSQL.
3. A table of rewrites verified on TPC-H-shaped data: query, engine, verdict, speed-up.
Writes bench/results/query_verify.json and .md; prints the markdown.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "kernel"))
os.environ.setdefault("PLOOMBER_STATS_ENABLED", "false")

from query_helpers import load_dbapi, load_duckdb, load_query_module  # noqa: E402

REWRITES = [
    ("NOT IN -> NOT EXISTS (keys declared)",
     "SELECT c_custkey FROM customer WHERE c_custkey NOT IN (SELECT o_custkey FROM orders)",
     "SELECT c_custkey FROM customer c WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.o_custkey = c.c_custkey)"),
    ("correlated count -> LEFT JOIN + GROUP BY",
     "SELECT c_custkey, c_name, (SELECT count(*) FROM orders o WHERE o.o_custkey = c.c_custkey) AS n FROM customer c",
     "SELECT c.c_custkey, c.c_name, count(o.o_orderkey) AS n FROM customer c LEFT JOIN orders o "
     "ON o.o_custkey = c.c_custkey GROUP BY c.c_custkey, c.c_name"),
    ("Q17-like correlated AVG -> pre-aggregated join",
     "SELECT sum(l_extendedprice) / 7.0 AS avg_yearly FROM lineitem l WHERE l_quantity < "
     "(SELECT 0.2 * avg(l2.l_quantity) FROM lineitem l2 WHERE l2.l_orderkey = l.l_orderkey)",
     "SELECT sum(l.l_extendedprice) / 7.0 AS avg_yearly FROM lineitem l JOIN (SELECT l_orderkey, 0.2 * avg(l_quantity) AS q "
     "FROM lineitem GROUP BY l_orderkey) a ON a.l_orderkey = l.l_orderkey WHERE l.l_quantity < a.q"),
    ("IN (subquery) -> EXISTS",
     "SELECT o_orderkey, o_totalprice FROM orders WHERE o_orderkey IN (SELECT l_orderkey FROM lineitem WHERE l_quantity > 45)",
     "SELECT o_orderkey, o_totalprice FROM orders o WHERE EXISTS (SELECT 1 FROM lineitem l WHERE l.l_orderkey = o.o_orderkey "
     "AND l.l_quantity > 45)"),
    ("DISTINCT -> GROUP BY",
     "SELECT DISTINCT o_custkey, o_orderstatus FROM orders",
     "SELECT o_custkey, o_orderstatus FROM orders GROUP BY o_custkey, o_orderstatus"),
    ("HAVING on a key -> WHERE",
     "SELECT o_orderpriority, count(*) AS n FROM orders GROUP BY o_orderpriority HAVING o_orderpriority = '1-URGENT'",
     "SELECT o_orderpriority, count(*) AS n FROM orders WHERE o_orderpriority = '1-URGENT' GROUP BY o_orderpriority"),
    ("AVG -> SUM/COUNT over floats (ordered)",
     "SELECT l_returnflag, avg(l_extendedprice * (1 - l_discount)) AS a FROM lineitem GROUP BY l_returnflag ORDER BY l_returnflag",
     "SELECT l_returnflag, sum(l_extendedprice * (1 - l_discount)) / count(*) AS a FROM lineitem GROUP BY l_returnflag "
     "ORDER BY l_returnflag"),
    ("WRONG: count(*) in the LEFT JOIN",
     "SELECT c_custkey, c_name, (SELECT count(*) FROM orders o WHERE o.o_custkey = c.c_custkey) AS n FROM customer c",
     "SELECT c.c_custkey, c.c_name, count(*) AS n FROM customer c LEFT JOIN orders o ON o.o_custkey = c.c_custkey "
     "GROUP BY c.c_custkey, c.c_name"),
    ("WRONG: LIMIT without ORDER BY",
     "SELECT o_orderkey FROM orders LIMIT 10", "SELECT o_orderkey FROM orders LIMIT 10"),
]


def verify(q, ns, a, b, **kw):
    return json.loads(q.verify_rewrite(ns, a, b, **kw))


def speedup(r):
    t = r.get("timing")
    if not t:
        return "—"
    s = "%.2f×" % t["speedup"] if t.get("speedup") else "?"
    return "%s (%s; %.1f → %.1f ms, %d runs)" % (
        s, t["verdict"].replace("_", " "), t["original"]["median_s"] * 1000, t["rewrite"]["median_s"] * 1000, t["runs"])


def rewrites_table(q, engines, budget):
    rows, overheads = [], []
    for engine_name, ns, kw in engines:
        for label, a, b in REWRITES:
            r = verify(q, ns, a, b, time_budget=budget, **kw)
            rows.append({"query": label, "engine": engine_name, "verdict": r["verdict"], "speedup": speedup(r),
                         "summary": r.get("summary", ""), "elapsed_s": r.get("elapsed_s")})
            t = r.get("timing")
            if t:
                once = t["original"]["median_s"] + t["rewrite"]["median_s"]
                compare = r["phases"]["compare_s"]
                # Warm-up runs are the queries' own run time too.
                beyond = r["elapsed_s"] - t["measured_s"] - t.get("warmup_s", 0)
                overheads.append({"query": label, "engine": engine_name, "once_s": once, "compare_s": compare,
                                  "compare_overhead_pct": 100 * (compare - once) / once,
                                  "method": r["method"], "warmup_s": t.get("warmup_s", 0),
                                  "compare_beyond_warmup_s": compare - r["phases"].get("warmup_s", 0),
                                  "probe_s": r["phases"].get("probe_s"), "elapsed_s": r["elapsed_s"],
                                  "timed_s": t["measured_s"], "load": round(os.getloadavg()[0], 1),
                                  "whole_overhead_pct": 100 * beyond / t["measured_s"]})
    return rows, overheads


def ten_tables_duckdb(q):
    import duckdb

    con = duckdb.connect()
    types = ["INTEGER", "BIGINT", "DOUBLE", "DECIMAL(12,2)", "VARCHAR", "DATE", "TIMESTAMP", "BOOLEAN", "VARCHAR(3)", "REAL"]
    _ten_tables(con.execute, types, fk=True)
    sql = _ten_join()
    times = []
    for _ in range(5):
        r = verify(q, {"con": con}, sql, sql, connection="con", time_budget=0)
        times.append(r["probe"]["build_s"])
    return {"engine": "duckdb", "tables": len(r["probe"]["tables"]), "probe_rows": r["probe"]["rows"],
            "build_s_median": statistics.median(times), "build_s_all": times, "verdict": r["verdict"]}


def ten_tables_pg(q, url):
    import psycopg
    import sqlalchemy as sa

    name = "jlde_bench_%s" % uuid.uuid4().hex[:8]
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute("CREATE DATABASE %s" % name)
    db_url = url.rsplit("/", 1)[0] + "/" + name
    try:
        with psycopg.connect(db_url, autocommit=True) as c:
            types = ["INTEGER", "BIGINT", "DOUBLE PRECISION", "NUMERIC(12,2)", "TEXT", "DATE", "TIMESTAMP", "BOOLEAN",
                     "VARCHAR(3)", "REAL"]
            _ten_tables(c.execute, types, fk=True)
        engine = sa.create_engine(db_url.replace("postgresql://", "postgresql+psycopg://"))
        sql = _ten_join()
        times = []
        for _ in range(5):
            r = verify(q, {"engine": engine}, sql, sql, connection="engine", time_budget=0)
            times.append(r["probe"]["build_s"])
        engine.dispose()
        return {"engine": "postgresql", "tables": len(r["probe"]["tables"]), "probe_rows": r["probe"]["rows"],
                "build_s_median": statistics.median(times), "build_s_all": times, "verdict": r["verdict"]}
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute("DROP DATABASE IF EXISTS %s WITH (FORCE)" % name)


def _ten_tables(execute, types, fk):
    for i in range(10):
        cols = ["id INTEGER PRIMARY KEY"]
        if i and fk:
            cols.append("parent_id INTEGER NOT NULL REFERENCES t%d (id)" % (i - 1))
        cols += ["v%d %s" % (j, ty) for j, ty in enumerate(types)]
        execute("CREATE TABLE t%d (%s)" % (i, ", ".join(cols)))


def _ten_join():
    joins = " ".join("JOIN t%d ON t%d.parent_id = t%d.id" % (i, i, i - 1) for i in range(1, 10))
    return "SELECT t0.id, t9.v4, count(*) AS n FROM t0 %s GROUP BY t0.id, t9.v4" % joins


def markdown(result):
    lines = ["# Query verifier bench", "", "Machine: %s; load average (1 min) at start %s, at the end %s; TPC-H-shaped "
             "scale %s; timing budget %s s; %s." % (result["machine"], result["load_start"], result["load_end"],
                                                     result["scale"], result["budget"], result["date"]), "",
             "## Rewrites verified", "", "| query | engine | verdict | speed-up |", "|---|---|---|---|"]
    for r in result["rewrites"]:
        lines.append("| %s | %s | %s | %s |" % (r["query"], r["engine"], r["verdict"], r["speedup"]))
    lines += ["", "## Overhead beyond the queries' own run time", "",
              "Compare: the warm-up run of each query plus comparing their rows (method); \"beyond warm-up\" is"
              " the comparing alone. Overhead beyond timed runs: whole verification minus timed and warm-up runs,"
              " over the timed runs.", "",
              "| query | engine | both once (ms) | compare (ms) | method | compare beyond warm-up (ms) | probe (ms) | timed runs (s) | whole verification (s) | overhead beyond timed runs | load |",
              "|---|---|---|---|---|---|---|---|---|---|---|"]
    for o in result["overheads"]:
        lines.append("| %s | %s | %.1f | %.1f | %s | %.1f | %.1f | %.2f | %.2f | %.1f %% | %s |" % (
            o["query"], o["engine"], o["once_s"] * 1000, o["compare_s"] * 1000, o["method"],
            o["compare_beyond_warmup_s"] * 1000, (o["probe_s"] or 0) * 1000, o["timed_s"], o["elapsed_s"],
            o["whole_overhead_pct"], o["load"]))
    lines += ["", "First verification in a kernel: importing sqlglot and its dialects %.0f ms (once per kernel)."
              % (result["sqlglot_import_s"] * 1000)]
    lines += ["", "## Probe build for 10 referenced tables", "", "| engine | tables | probe rows | build (median of 5) |",
              "|---|---|---|---|"]
    for p in result["probe10"]:
        lines.append("| %s | %d | %d | %.0f ms |" % (p["engine"], p["tables"], p["probe_rows"], p["build_s_median"] * 1000))
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, default=0.05)
    ap.add_argument("--budget", type=float, default=10.0)
    ap.add_argument("--pg", default=os.environ.get("DE_TEST_PG_URL"))
    args = ap.parse_args()
    import duckdb

    q = load_query_module()
    load_start = os.getloadavg()[0]
    # What the first verification in a kernel pays once: importing sqlglot and its
    # dialect modules (the first parse in a dialect loads it). Measured apart.
    t0 = time.perf_counter()
    import sqlglot

    for dialect in ("duckdb",) + (("postgres",) if args.pg else ()):
        sqlglot.parse_one("SELECT 1 AS x", read=dialect).sql(dialect=dialect)
    sqlglot_import_s = time.perf_counter() - t0
    con = duckdb.connect()
    load_duckdb(con, args.scale, constraints=True)
    engines = [("duckdb", {"con": con}, {"connection": "con"})]
    pg_cleanup = None
    if args.pg:
        import psycopg
        import sqlalchemy as sa

        name = "jlde_bench_%s" % uuid.uuid4().hex[:8]
        with psycopg.connect(args.pg, autocommit=True) as admin:
            admin.execute("CREATE DATABASE %s" % name)
        db_url = args.pg.rsplit("/", 1)[0] + "/" + name
        raw = psycopg.connect(db_url)
        load_dbapi(raw, "postgresql", args.scale, constraints=True)
        raw.execute("ANALYZE")
        raw.commit()
        raw.close()
        pg = sa.create_engine(db_url.replace("postgresql://", "postgresql+psycopg://"))
        engines.append(("postgresql", {"engine": pg}, {"connection": "engine"}))

        def pg_cleanup():
            pg.dispose()
            with psycopg.connect(args.pg, autocommit=True) as admin:
                admin.execute("DROP DATABASE IF EXISTS %s WITH (FORCE)" % name)
    try:
        rewrites, overheads = rewrites_table(q, engines, args.budget)
        probe10 = [ten_tables_duckdb(q)] + ([ten_tables_pg(q, args.pg)] if args.pg else [])
    finally:
        if pg_cleanup:
            pg_cleanup()
    result = {"machine": "%d cores, shared" % os.cpu_count(), "load_start": round(load_start, 1),
              "load_end": round(os.getloadavg()[0], 1), "scale": args.scale, "budget": args.budget,
              "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "sqlglot_import_s": sqlglot_import_s,
              "rewrites": rewrites, "overheads": overheads, "probe10": probe10}
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "query_verify.json").write_text(json.dumps(result, indent=1))
    md = markdown(result)
    (out / "query_verify.md").write_text(md)
    print(md)


if __name__ == "__main__":
    main()
