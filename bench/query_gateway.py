"""Bench of the SQL gateway (src/kernel/query_gateway.py), loaded as the frontend loads it.

    /work/main/.ci-venv/kernel/bin/python bench/query_gateway.py [--scale 0.1] [--pg URL] [--spark] [--runs 200]

Measures
1. Gateway overhead per statement, DuckDB and PostgreSQL (target <= 5 ms, median):
   classify alone, and a whole `run_read_only` minus the same statement run directly on the
   connection with the same row cap (DuckDB: a relation with a limit; PostgreSQL: execute
   + fetchmany in autocommit). Statements: a point lookup, a join with a filter, an
   aggregate over a window, on TPC-H-shaped data.
2. Catalog description time for 200 tables (target <= 300 ms), DuckDB, PostgreSQL, SQLite:
   `list_tables` over all its pages, and `describe_table` of every one of the 200.
3. Cost estimates on TPC-H-shaped data (the query bench's generator, scale --scale): the
   q-error max(est/actual, actual/est) of `estimate_cost`'s row estimate per query and
   engine, its median and p90 (DuckDB, PostgreSQL after ANALYZE, Spark with table and
   column statistics and the cost-based optimiser when --spark).
Writes bench/results/query_gateway.md (1, 2) and bench/results/query_cost.md (3).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "kernel"))
os.environ.setdefault("PLOOMBER_STATS_ENABLED", "false")

from gateway_helpers import load_gateway_module  # noqa: E402
from query_helpers import TPCH_DDL, tpch_rows  # noqa: E402

OVERHEAD_QUERIES = [
    ("point lookup", "SELECT o_orderkey, o_totalprice FROM orders WHERE o_orderkey = 4242"),
    ("join + filter", "SELECT c.c_name, o.o_totalprice FROM orders o JOIN customer c ON c.c_custkey = o.o_custkey "
                      "WHERE o.o_totalprice > 400000 LIMIT 50"),
    ("window over a group", "SELECT o_custkey, count(*) AS n, rank() OVER (ORDER BY count(*) DESC) AS r FROM orders "
                            "GROUP BY o_custkey ORDER BY r LIMIT 10"),
]

COST_QUERIES = [
    ("filter: date range", "SELECT * FROM orders WHERE o_orderdate BETWEEN DATE '1995-01-01' AND DATE '1995-03-31'"),
    ("filter: equality", "SELECT * FROM orders WHERE o_orderstatus = 'F'"),
    ("filter: range on a measure", "SELECT * FROM customer WHERE c_acctbal > 5000"),
    ("filter: two predicates", "SELECT * FROM lineitem WHERE l_discount BETWEEN 0.05 AND 0.07 AND l_quantity < 24"),
    ("filter: date", "SELECT * FROM lineitem WHERE l_shipdate < DATE '1993-01-01'"),
    ("join: FK, filtered dimension", "SELECT * FROM orders o JOIN customer c ON c.c_custkey = o.o_custkey "
                                     "WHERE c.c_mktsegment = 'BUILDING'"),
    ("join: FK, filtered fact", "SELECT * FROM lineitem l JOIN orders o ON o.o_orderkey = l.l_orderkey "
                                "WHERE o.o_totalprice > 100000"),
    ("anti-join", "SELECT * FROM customer c WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.o_custkey = c.c_custkey)"),
    ("group by (few groups)", "SELECT o_orderpriority, count(*) FROM orders GROUP BY o_orderpriority"),
    ("group by (many groups)", "SELECT l_orderkey, sum(l_quantity) FROM lineitem GROUP BY l_orderkey"),
    ("join + group by", "SELECT n.n_name, count(*) FROM customer c JOIN nation n ON n.n_nationkey = c.c_nationkey "
                        "GROUP BY n.n_name"),
    ("full scan", "SELECT * FROM lineitem"),
]


def _ms(xs):
    return statistics.median(xs) * 1000


def _quantile(xs, p):
    xs = sorted(xs)
    if not xs:
        return float("nan")
    k = (len(xs) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def _qerror(est, actual):
    e, a = max(float(est), 1.0), max(float(actual), 1.0)
    return max(e / a, a / e)


def _load_data_duckdb(con, data):
    import pandas as pd

    for ddl in TPCH_DDL:
        con.execute(ddl)
    for name, rows in data.items():
        cols = [r[1] for r in con.execute("PRAGMA table_info('%s')" % name).fetchall()]
        con.register("__load", pd.DataFrame(rows, columns=cols))
        con.execute("INSERT INTO %s SELECT * FROM __load" % name)
        con.unregister("__load")


def _load_data_pg(conn, data):
    cur = conn.cursor()
    for ddl in TPCH_DDL:
        cur.execute(ddl)
    for name, rows in data.items():
        with cur.copy("COPY %s FROM STDIN" % name) as copy:
            for r in rows:
                copy.write_row(r)
    conn.commit()
    for name in data:
        cur.execute("ANALYZE %s" % name)
    conn.commit()


# ---------------------------------------------------------------- 1. overhead

def bench_overhead_duckdb(gw, con, runs):
    eng = gw._DuckDB(con)
    out = []
    for label, sql in OVERHEAD_QUERIES:
        for _ in range(5):
            gw.run_read_only(eng, sql)
            con.sql(sql).limit(51).fetchall()
        direct, gated, classify = [], [], []
        for _ in range(runs):
            t0 = time.perf_counter()
            con.sql(sql).limit(51).fetchall()
            t1 = time.perf_counter()
            r = gw.run_read_only(eng, sql)
            t2 = time.perf_counter()
            gw.classify(eng, sql)
            t3 = time.perf_counter()
            assert "error" not in r, r
            direct.append(t1 - t0)
            gated.append(t2 - t1)
            classify.append(t3 - t2)
        out.append({"engine": "duckdb", "query": label, "direct_ms": _ms(direct), "gateway_ms": _ms(gated),
                    "overhead_ms": _ms(gated) - _ms(direct), "classify_ms": _ms(classify)})
    return out


def bench_overhead_pg(gw, url, schema, runs):
    import psycopg

    direct_conn = psycopg.connect(url, autocommit=True, options="-c search_path=%s" % schema)
    gw_conn = psycopg.connect(url, options="-c search_path=%s" % schema)
    eng = gw._DBAPI(gw_conn, "postgresql", owned=False)
    out = []
    try:
        for label, sql in OVERHEAD_QUERIES:
            for _ in range(5):
                gw.run_read_only(eng, sql)
                direct_conn.execute(sql).fetchmany(51)
            direct, gated, classify = [], [], []
            for _ in range(runs):
                t0 = time.perf_counter()
                cur = direct_conn.execute(sql)
                cur.fetchmany(51)
                cur.close()
                t1 = time.perf_counter()
                r = gw.run_read_only(eng, sql)
                t2 = time.perf_counter()
                gw.classify(eng, sql)
                t3 = time.perf_counter()
                assert "error" not in r, r
                direct.append(t1 - t0)
                gated.append(t2 - t1)
                classify.append(t3 - t2)
            out.append({"engine": "postgresql", "query": label, "direct_ms": _ms(direct), "gateway_ms": _ms(gated),
                        "overhead_ms": _ms(gated) - _ms(direct), "classify_ms": _ms(classify)})
    finally:
        direct_conn.close()
        gw_conn.close()
    return out


# ---------------------------------------------------------------- 2. catalog of 200 tables

def _ddl_200(i):
    parent = "" if i == 0 else ", parent_id INTEGER REFERENCES cat_%03d (id)" % (i - 1)
    return ("CREATE TABLE cat_%03d (id INTEGER PRIMARY KEY, name VARCHAR(40) NOT NULL, amount DOUBLE PRECISION, "
            "created DATE, code VARCHAR(8) UNIQUE%s)" % (i, parent))


def _pages(gw, eng, detail):
    token, seen, pages, biggest = None, [], 0, 0
    while True:
        page = gw.list_tables(eng, None, None, 8192, token, detail)
        biggest = max(biggest, len(json.dumps(page, default=str).encode()))
        pages += 1
        seen += [t["name"] for t in page["tables"]]
        token = page["next"]
        if token is None:
            return seen, pages, biggest


def _time_catalog(gw, eng, runs=5):
    names = None
    list_times, detail_times, describe_times = [], [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        seen, pages, _b = _pages(gw, eng, False)
        list_times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        _seen, detail_pages, biggest = _pages(gw, eng, True)
        detail_times.append(time.perf_counter() - t0)
        names = [n for n in seen if n.startswith("cat_")]
        t0 = time.perf_counter()
        for n in names:
            d = gw.describe_table(eng, n)
            assert "error" not in d, d
        describe_times.append(time.perf_counter() - t0)
    return {"tables": len(names), "pages": pages, "list_ms": _ms(list_times), "detail_pages": detail_pages,
            "detail_ms": _ms(detail_times), "largest_page": biggest, "describe_all_ms": _ms(describe_times),
            "describe_each_ms": _ms(describe_times) / max(1, len(names))}


def bench_catalog(gw, pg_url):
    import duckdb
    import sqlite3

    out = []
    con = duckdb.connect()
    con.execute("BEGIN")
    for i in range(200):
        con.execute(_ddl_200(i).replace("DOUBLE PRECISION", "DOUBLE"))
    con.execute("COMMIT")
    out.append(dict(engine="duckdb", **_time_catalog(gw, gw._DuckDB(con))))
    con.close()
    lite = sqlite3.connect(":memory:")
    for i in range(200):
        lite.execute(_ddl_200(i))
    out.append(dict(engine="sqlite", **_time_catalog(gw, gw._DBAPI(lite, "sqlite", owned=False))))
    lite.close()
    if pg_url:
        import psycopg

        schema = "gwcat_" + uuid.uuid4().hex[:6]
        admin = psycopg.connect(pg_url, autocommit=True)
        admin.execute("CREATE SCHEMA %s" % schema)
        try:
            with admin.transaction():
                admin.execute("SET LOCAL search_path = %s" % schema)
                for i in range(200):
                    admin.execute(_ddl_200(i))
            conn = psycopg.connect(pg_url, options="-c search_path=%s" % schema)
            try:
                out.append(dict(engine="postgresql", **_time_catalog(gw, gw._DBAPI(conn, "postgresql", owned=False))))
            finally:
                conn.close()
        finally:
            admin.execute("DROP SCHEMA %s CASCADE" % schema)
            admin.close()
    return out


# ---------------------------------------------------------------- 3. q-error of row estimates

def _actual_duckdb(con, sql):
    return con.execute("SELECT count(*) FROM (%s) q" % sql).fetchall()[0][0]


def bench_cost_duckdb(gw, con):
    eng = gw._DuckDB(con)
    out = []
    for label, sql in COST_QUERIES:
        est = gw.estimate_cost(eng, sql)
        actual = _actual_duckdb(con, sql)
        out.append({"engine": "duckdb", "query": label, "est": est["rows"], "actual": actual, "known": est["known"],
                    "q": _qerror(est["rows"], actual) if est["rows"] is not None else None})
    return out


def bench_cost_pg(gw, url, schema):
    import psycopg

    conn = psycopg.connect(url, options="-c search_path=%s" % schema)
    eng = gw._DBAPI(conn, "postgresql", owned=False)
    out = []
    try:
        for label, sql in COST_QUERIES:
            est = gw.estimate_cost(eng, sql)
            actual = conn.execute("SELECT count(*) FROM (%s) q" % sql).fetchone()[0]
            conn.rollback()
            out.append({"engine": "postgresql", "query": label, "est": est["rows"], "actual": actual,
                        "known": est["known"], "q": _qerror(est["rows"], actual) if est["rows"] is not None else None})
    finally:
        conn.close()
    return out


def bench_cost_spark(gw, con, tmp):
    """Spark over parquet copies of the DuckDB tables, with table and column statistics."""
    from pyspark.sql import SparkSession

    spark = (SparkSession.builder.master("local[1]").appName("jlde-gateway-bench")
             .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
             .config("spark.driver.bindAddress", "127.0.0.1").config("spark.ui.showConsoleProgress", "false")
             .config("spark.driver.memory", "1g").config("spark.sql.shuffle.partitions", "2")
             .config("spark.sql.warehouse.dir", str(tmp / "warehouse"))
             .config("spark.sql.cbo.enabled", "true").config("spark.sql.cbo.joinReorder.enabled", "true")
             .config("spark.sql.statistics.histogram.enabled", "true").getOrCreate())
    out, unknown = [], []
    try:
        for name in ("region", "nation", "customer", "orders", "lineitem"):
            path = tmp / ("%s.parquet" % name)
            con.execute("COPY %s TO '%s' (FORMAT parquet)" % (name, path))
            spark.sql("CREATE TABLE %s USING parquet LOCATION '%s'" % (name, path))
        # Without statistics first: the gateway must say "unknown".
        eng = gw._Spark(spark)
        try:
            for label, sql in COST_QUERIES[:3]:
                unknown.append(gw.estimate_cost(eng, sql))
            for name in ("region", "nation", "customer", "orders", "lineitem"):
                spark.sql("ANALYZE TABLE %s COMPUTE STATISTICS FOR ALL COLUMNS" % name)
            for label, sql in COST_QUERIES:
                est = gw.estimate_cost(eng, sql)
                actual = _actual_duckdb(con, sql)
                out.append({"engine": "spark", "query": label, "est": est["rows"], "actual": actual,
                            "known": est["known"], "q": _qerror(est["rows"], actual) if est["rows"] is not None else None,
                            "note": est["note"]})
        finally:
            eng.close()
    finally:
        spark.stop()
    return out, unknown


# ---------------------------------------------------------------- report

def _load():
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--pg", default=os.environ.get("DE_TEST_PG_URL"))
    ap.add_argument("--spark", action="store_true")
    ap.add_argument("--skip-overhead", action="store_true")
    ap.add_argument("--skip-catalog", action="store_true")
    ap.add_argument("--skip-cost", action="store_true")
    args = ap.parse_args()

    import duckdb

    gw = load_gateway_module()
    started = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    load0 = _load()
    t_gen = time.perf_counter()
    data = tpch_rows(args.scale)
    t_gen = time.perf_counter() - t_gen
    con = duckdb.connect()
    _load_data_duckdb(con, data)
    schema = None
    admin = None
    if args.pg:
        import psycopg

        schema = "gwbench_" + uuid.uuid4().hex[:6]
        admin = psycopg.connect(args.pg, autocommit=True)
        admin.execute("CREATE SCHEMA %s" % schema)
        conn = psycopg.connect(args.pg, options="-c search_path=%s" % schema)
        _load_data_pg(conn, data)
        conn.close()
    del data
    results = {"scale": args.scale, "runs": args.runs, "started": started, "generate_s": t_gen}
    try:
        if not args.skip_overhead:
            results["overhead"] = bench_overhead_duckdb(gw, con, args.runs)
            if args.pg:
                results["overhead"] += bench_overhead_pg(gw, args.pg, schema, args.runs)
        if not args.skip_catalog:
            results["catalog"] = bench_catalog(gw, args.pg)
        if not args.skip_cost:
            results["cost"] = bench_cost_duckdb(gw, con)
            if args.pg:
                results["cost"] += bench_cost_pg(gw, args.pg, schema)
            if args.spark:
                with tempfile.TemporaryDirectory() as tmp:
                    spark_rows, unknown = bench_cost_spark(gw, con, Path(tmp))
                results["cost"] += spark_rows
                results["spark_unknown"] = unknown
    finally:
        if admin is not None:
            admin.execute("DROP SCHEMA %s CASCADE" % schema)
            admin.close()
    results["load"] = (load0, _load())
    write_reports(results, args)
    return 0


def write_reports(r, args):
    machine = "%d cores, shared; load average (1 min) at start %.1f, at the end %.1f" % (
        os.cpu_count() or 0, r["load"][0], r["load"][1])
    out = ROOT / "bench" / "results"
    if "overhead" in r or "catalog" in r:
        lines = ["# SQL gateway bench", "",
                 "Machine: %s; %s. `python bench/query_gateway.py%s`." % (
                     machine, r["started"], "" if not args.spark else " --spark"), ""]
        if "overhead" in r:
            lines += ["## Overhead per statement (target <= 5 ms, median)", "",
                      "TPC-H-shaped data, scale %g; %d runs per statement, medians. *direct*: the statement on the "
                      "connection with the same 51-row cap (DuckDB: a relation with a limit; PostgreSQL: execute + "
                      "fetchmany, autocommit). *gateway*: `run_read_only` (classify by the engine's parser and the "
                      "catalog check, then the fenced run: PostgreSQL adds its EXPLAIN second opinion, a READ ONLY "
                      "transaction with timeouts, a server-side cursor and the rollback). *classify*: the verdict "
                      "alone." % (r["scale"], r["runs"]), "",
                      "| engine | statement | direct | gateway | overhead | classify |", "|---|---|---|---|---|---|"]
            for x in r["overhead"]:
                lines.append("| %s | %s | %.2f ms | %.2f ms | **%.2f ms** | %.2f ms |" % (
                    x["engine"], x["query"], x["direct_ms"], x["gateway_ms"], x["overhead_ms"], x["classify_ms"]))
            by = {}
            for x in r["overhead"]:
                by.setdefault(x["engine"], []).append(x["overhead_ms"])
            lines += [""] + ["- %s: median overhead %.2f ms over the statements (%s the 5 ms target)." % (
                e, statistics.median(v), "within" if statistics.median(v) <= 5 else "OVER") for e, v in by.items()] + [""]
        if "catalog" in r:
            lines += ["## Catalog description of 200 tables (target <= 300 ms)", "",
                      "200 tables of 6 columns each with a primary key, a unique key and a foreign key to the previous "
                      "table, from metadata only. *names*: `list_tables` over all its pages (<= 8 KB each: names, kind, "
                      "column count, row estimate, size); *described*: `list_tables(detail=True)` over all its pages "
                      "(also every column with its type and nullability, primary, unique and foreign keys: the whole "
                      "catalog described: read once per listing, later pages come from that reading); *describe_table x 200*: one call per table "
                      "(adds comments and defaults). Median of 5.", "",
                      "| engine | tables | names (pages) | described (pages, largest page) | describe_table x 200 |",
                      "|---|---|---|---|---|"]
            for x in r["catalog"]:
                lines.append("| %s | %d | %.1f ms (%d) | **%.1f ms** (%d, %d B) | %.1f ms (%.2f ms each) |" % (
                    x["engine"], x["tables"], x["list_ms"], x["pages"], x["detail_ms"], x["detail_pages"],
                    x["largest_page"], x["describe_all_ms"], x["describe_each_ms"]))
            lines.append("")
        (out / "query_gateway.md").write_text("\n".join(lines))
        print("\n".join(lines))
    if "cost" in r:
        lines = ["# Cost estimates before running: q-error of row estimates", "",
                 "Machine: %s; %s. TPC-H-shaped data from the query bench's generator, scale %g (%s). "
                 "`estimate_cost` (the engine's own EXPLAIN / optimised-plan statistics, nothing run) against "
                 "`count(*)` of the query; q-error = max(est/actual, actual/est), both floored at 1 row." % (
                     machine, r["started"], r["scale"], "%d customers" % int(150000 * r["scale"])), "",
                 "| engine | median q-error | p90 | max | queries with an estimate |", "|---|---|---|---|---|"]
        engines = []
        for x in r["cost"]:
            if x["engine"] not in engines:
                engines.append(x["engine"])
        for e in engines:
            qs = [x["q"] for x in r["cost"] if x["engine"] == e and x["q"] is not None]
            n = len([x for x in r["cost"] if x["engine"] == e])
            if qs:
                lines.append("| %s | %.2f | %.2f | %.2f | %d / %d |" % (e, statistics.median(qs), _quantile(qs, 0.9),
                                                                        max(qs), len(qs), n))
            else:
                lines.append("| %s | — | — | — | 0 / %d |" % (e, n))
        lines += ["", "| query | " + " | ".join("%s est / actual (q)" % e for e in engines) + " |",
                  "|---|" + "---|" * len(engines)]
        for label, _sql in COST_QUERIES:
            cells = []
            for e in engines:
                x = next((y for y in r["cost"] if y["engine"] == e and y["query"] == label), None)
                if x is None or x["est"] is None:
                    cells.append("unknown / %s" % (x["actual"] if x else "—"))
                else:
                    cells.append("%d / %d (%.2f)" % (x["est"], x["actual"], x["q"]))
            lines.append("| %s | %s |" % (label, " | ".join(cells)))
        lines += ["", "Queries:", ""] + ["- %s: `%s`" % (label, sql) for label, sql in COST_QUERIES]
        if r.get("spark_unknown"):
            lines += ["", "Spark before `ANALYZE TABLE ... COMPUTE STATISTICS FOR ALL COLUMNS`: %s" % "; ".join(
                "known=%s, rows=%s (%s)" % (u["known"], u["rows"], u["note"]) for u in r["spark_unknown"][:1])]
        lines.append("")
        (out / "query_cost.md").write_text("\n".join(lines))
        print("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
