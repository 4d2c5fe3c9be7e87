"""The verifier on the other engines: PostgreSQL (a real server, through SQLAlchemy and
jupysql), SQLite (SQLAlchemy, sqlite3, jupysql) and Spark local mode.

PostgreSQL comes from DE_TEST_PG_URL (CI always sets it); each run creates its own
database and drops it. Spark: one session for the whole run (conftest's fixture).
"""

from __future__ import annotations

import os
import signal
import sqlite3
import threading
import time
import uuid

import pytest

from query_helpers import load_dbapi, load_query_module, tpch_rows, verify

NOT_IN = "SELECT c_custkey FROM customer WHERE c_custkey NOT IN (SELECT o_custkey FROM orders)"
NOT_EXISTS = ("SELECT c_custkey FROM customer c WHERE NOT EXISTS "
              "(SELECT 1 FROM orders o WHERE o.o_custkey = c.c_custkey)")
CORRELATED = ("SELECT c_custkey, c_name, (SELECT count(*) FROM orders o WHERE o.o_custkey = c.c_custkey) AS n_orders "
              "FROM customer c")
JOINED = ("SELECT c.c_custkey, c.c_name, count(o.o_orderkey) AS n_orders FROM customer c "
          "LEFT JOIN orders o ON o.o_custkey = c.c_custkey GROUP BY c.c_custkey, c.c_name")
AVG = "SELECT o_orderstatus, avg(o_totalprice) AS a FROM orders GROUP BY o_orderstatus ORDER BY o_orderstatus"
AVG2 = ("SELECT o_orderstatus, sum(o_totalprice) / count(o_totalprice) AS a FROM orders "
        "GROUP BY o_orderstatus ORDER BY o_orderstatus")


@pytest.fixture(scope="module")
def q():
    return load_query_module()


# ---------------------------------------------------------------- PostgreSQL

@pytest.fixture(scope="module")
def pg():
    url = os.environ.get("DE_TEST_PG_URL")
    if not url:
        pytest.skip("DE_TEST_PG_URL is not set (start one with `bash scripts/pg.sh start`)")
    import psycopg
    import sqlalchemy as sa

    name = "jlde_query_%s" % uuid.uuid4().hex[:10]
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute("CREATE DATABASE %s" % name)
    db_url = url.rsplit("/", 1)[0] + "/" + name
    raw = psycopg.connect(db_url)
    load_dbapi(raw, "postgresql", 0.002, constraints=True)
    raw.execute("CREATE TABLE loose_orders AS SELECT * FROM orders")
    raw.execute("CREATE TABLE loose_customer AS SELECT * FROM customer")
    raw.execute("ANALYZE")
    raw.commit()
    raw.close()
    engine = sa.create_engine(db_url.replace("postgresql://", "postgresql+psycopg://"))
    yield engine
    engine.dispose()
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute("DROP DATABASE IF EXISTS %s WITH (FORCE)" % name)


def test_pg_not_in_accepted_because_of_declared_keys(q, pg):
    r = verify(q, {"engine": pg}, NOT_IN, NOT_EXISTS, connection="engine")
    assert r["engine"] == "postgresql" and r["verdict"] == "same", r.get("message") or r
    assert r["method"] == "warmup_rows"
    assert "orders.o_custkey NOT NULL" in r["probe"]["constraints"]
    assert "orders (o_custkey) REFERENCES customer (c_custkey)" in r["probe"]["constraints"]


def test_pg_wrong_rewrite_caught_timed_and_untimed(q, pg):
    wrong = JOINED.replace("count(o.o_orderkey)", "count(*)")
    for budget, method in ((0.3, "warmup_rows"), (0, "in_engine+tolerance")):
        r = verify(q, {"engine": pg}, CORRELATED, wrong, connection="engine", time_budget=budget)
        assert r["verdict"] == "different" and r["method"] == method, r
        assert r["diff"]["only_in_original"] == r["diff"]["only_in_rewrite"] > 0
    r = verify(q, {"engine": pg}, NOT_IN, NOT_EXISTS, connection="engine", time_budget=0)
    assert r["verdict"] == "same" and r["method"] == "in_engine", r


def test_pg_not_in_rejected_by_the_probe_without_keys(q, pg):
    a = NOT_IN.replace("customer", "loose_customer").replace("orders", "loose_orders")
    b = NOT_EXISTS.replace("customer", "loose_customer").replace("orders", "loose_orders")
    r = verify(q, {"engine": pg}, a, b, connection="engine")
    assert r["rows"]["original"] == r["rows"]["rewrite"] > 0
    assert r["verdict"] == "different_on_probe"
    rows = r["probe"]["counterexample"]["tables"]["loose_orders"]
    assert [row[rows["columns"].index("o_custkey")] for row in rows["rows"]] == [None]


def test_pg_correlated_to_join_and_float_tolerance(q, pg):
    r = verify(q, {"engine": pg}, CORRELATED, JOINED, connection="engine", time_budget=1.0)
    assert r["verdict"] == "same", r
    assert r["timing"]["runs"] >= 3
    r = verify(q, {"engine": pg}, AVG, AVG2, connection="engine")
    assert r["verdict"] == "same" and r["ordered"] is True, r


def test_pg_refuses_writes_and_reads_in_a_read_only_transaction(q, pg):
    r = verify(q, {"engine": pg}, "SELECT 1 AS x", "WITH d AS (DELETE FROM region RETURNING 1 AS x) SELECT x FROM d",
               connection="engine")
    assert r["verdict"] == "refused" and "DELETE" in r["message"]
    # A function with side effects the parser cannot see is stopped by READ ONLY.
    with pg.connect() as c:
        c.exec_driver_sql("CREATE OR REPLACE FUNCTION jlde_bump() RETURNS int LANGUAGE sql AS "
                          "'INSERT INTO region VALUES (99, ''X'') RETURNING 1'")
        c.commit()
    r = verify(q, {"engine": pg}, "SELECT 1 AS x", "SELECT jlde_bump() AS x", connection="engine")
    assert r["verdict"] == "error" and "read-only" in r["message"], r
    with pg.connect() as c:
        assert c.exec_driver_sql("SELECT count(*) FROM region WHERE r_regionkey = 99").scalar() == 0


def test_pg_interrupt_cancels(q, pg, sigint_interrupts):
    slow = "SELECT count(*) AS n FROM generate_series(1, 400000000) g WHERE g % 7 = 3"
    slow2 = "SELECT count(*) AS n FROM generate_series(1, 400000000) g WHERE (g + 4) % 7 = 0"
    timer = threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    started = time.perf_counter()
    try:
        r = verify(q, {"engine": pg}, slow, slow2, connection="engine", time_budget=600)
    finally:
        timer.cancel()
    assert r["verdict"] == "cancelled", r
    assert time.perf_counter() - started < 30
    with pg.connect() as c:  # nothing left running on the server
        n = c.exec_driver_sql("SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%%generate_series(1, 400000000)%%' "
                              "AND state = 'active' AND pid <> pg_backend_pid()").scalar()
        assert n == 0


def test_pg_through_jupysql(q, pg):
    from IPython.testing.globalipapp import start_ipython

    ip = start_ipython()
    ip.run_line_magic("load_ext", "sql")
    ip.run_line_magic("sql", str(pg.url.render_as_string(hide_password=False)))
    try:
        r = verify(q, ip.user_ns, NOT_IN, NOT_EXISTS, engine="jupysql")
        assert r["engine"] == "postgresql" and r["verdict"] == "same", r.get("message") or r
    finally:
        from sql.connection import ConnectionManager

        ConnectionManager.close_all()


# ---------------------------------------------------------------- SQLite

@pytest.fixture()
def sqlite_file(tmp_path):
    path = tmp_path / "tpch.sqlite"
    raw = sqlite3.connect(path)
    load_dbapi(raw, "sqlite", 0.002, constraints=False)
    raw.close()
    return path


def test_sqlite_through_sqlalchemy_sorted_rows(q, sqlite_file):
    import sqlalchemy as sa

    engine = sa.create_engine("sqlite:///%s" % sqlite_file)
    r = verify(q, {"engine": engine}, CORRELATED, JOINED, connection="engine", probe=False)
    assert r["engine"] == "sqlite" and r["verdict"] == "same" and r["method"] == "warmup_rows", r
    r = verify(q, {"engine": engine}, CORRELATED, JOINED, connection="engine", probe=False, time_budget=0)
    assert r["verdict"] == "same" and r["method"] == "sorted_rows", r
    r = verify(q, {"engine": engine}, NOT_IN, NOT_EXISTS, connection="engine")
    assert r["verdict"] == "different_on_probe"
    r = verify(q, {"engine": engine}, "SELECT 1 AS x", "DELETE FROM orders", connection="engine")
    assert r["verdict"] == "refused"
    engine.dispose()


def test_sqlite3_connection_probe_leaves_nothing(q, sqlite_file):
    con = sqlite3.connect(sqlite_file)
    r = verify(q, {"con": con}, AVG, AVG2, connection="con")
    assert r["verdict"] == "same", r
    assert con.execute("SELECT count(*) FROM sqlite_temp_master").fetchone()[0] == 0
    assert not con.in_transaction


def test_sqlite_interrupt_cancels(q, tmp_path, sigint_interrupts):
    con = sqlite3.connect(tmp_path / "x.sqlite")
    slow = ("WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < 300000000) "
            "SELECT count(*) AS n FROM r WHERE i % 7 = 3")
    timer = threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    started = time.perf_counter()
    try:
        r = verify(q, {"con": con}, slow, slow.replace("% 7 = 3", "% 7 = 4"), connection="con", time_budget=600)
    finally:
        timer.cancel()
    assert r["verdict"] == "cancelled", r
    assert time.perf_counter() - started < 30


# ---------------------------------------------------------------- Spark

@pytest.fixture(scope="module")
def spark_tpch(spark):
    data = tpch_rows(0.001)
    schemas = {
        "customer": "c_custkey int, c_name string, c_nationkey int, c_acctbal double, c_mktsegment string",
        "orders": "o_orderkey int, o_custkey int, o_orderstatus string, o_totalprice double, o_orderdate date, "
                  "o_orderpriority string",
    }
    # Temporary views: in Spark's catalog, and no warehouse files left behind.
    for name, schema in schemas.items():
        spark.createDataFrame(data[name], schema=schema).createOrReplaceTempView("jlde_" + name)
    yield spark
    for name in schemas:
        spark.catalog.dropTempView("jlde_" + name)


def _spark_sql(sql):
    import re

    return re.sub(r"\b(customer|orders)\b", r"jlde_\1", sql)


# The JVM's start-up alone can pass the default 120 s on a loaded machine.
@pytest.mark.timeout(900)
def test_spark_except_all_probe_and_job_group(q, spark_tpch):
    spark = spark_tpch
    ns = {"spark": spark}
    r = verify(q, ns, _spark_sql(CORRELATED), _spark_sql(JOINED), connection="spark", time_budget=1.0)
    assert r["engine"] == "spark" and r["method"].startswith("in_engine"), r
    # No keys in Spark's catalog: duplicates make the join rewrite wrong, and the probe says so.
    assert r["verdict"] == "different_on_probe", r
    r = verify(q, ns, _spark_sql(NOT_IN), _spark_sql(NOT_EXISTS), connection="spark")
    assert r["verdict"] == "different_on_probe"
    r = verify(q, ns, _spark_sql(AVG), _spark_sql(AVG2), connection="spark", time_budget=1.0)
    assert r["verdict"] == "same", r.get("message") or r
    assert r["timing"]["runs"] >= 1
    # Explain without running: the SQL's formatted plan, and a DataFrame pipeline's.
    import json

    e = json.loads(q.explain_context(ns, _spark_sql(AVG), connection="spark"))
    assert e["engine"] == "spark" and "Physical Plan" in e["plan"], e
    frame = spark.table("jlde_orders").groupBy("o_orderstatus").count()
    e = json.loads(q.explain_context({"frame": frame}, frame="frame"))
    assert e["engine"] == "spark" and "HashAggregate" in e["plan"], e
    # The user's thread carries no job group of ours afterwards.
    assert spark.sparkContext.getLocalProperty("spark.jobGroup.id") is None
    assert [v.name for v in spark.catalog.listTables() if v.name.startswith("__jlde")] == []
    assert {v.name for v in spark.catalog.listTables()} >= {"jlde_customer", "jlde_orders"}


@pytest.mark.timeout(900)
def test_spark_cancel_stops_the_job(q, spark_tpch):
    spark = spark_tpch
    slow = "SELECT count(*) AS n FROM range(0, 50000000000) WHERE id % 7 = 3"
    timer = threading.Timer(3.0, q.cancel)
    timer.start()
    started = time.perf_counter()
    r = verify(q, {"spark": spark}, slow, slow.replace("= 3", "= 4"), connection="spark", time_budget=600)
    assert r["verdict"] == "cancelled", r
    assert time.perf_counter() - started < 60
