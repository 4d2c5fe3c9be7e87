"""Which query a cell runs and on what (no query run), the new source for Apply, and
the Explain context (plans without running, EXPLAIN ANALYZE only when asked)."""

from __future__ import annotations

import json
import sqlite3

import duckdb
import pytest

from query_helpers import load_duckdb, load_query_module


@pytest.fixture(scope="module")
def q():
    return load_query_module()


def detect(q, ns, source, rewrite=None):
    return json.loads(q.detect_query(ns, source, rewrite))


def test_duckdb_connection_call_and_apply(q):
    con = duckdb.connect()
    src = 'x = 1\ndf = con.sql("""\nSELECT a FROM t WHERE a NOT IN (SELECT b FROM u)\n""").df()\n'
    d = detect(q, {"con": con}, src, "SELECT a FROM t WHERE NOT EXISTS (SELECT 1 FROM u WHERE b = a)")
    assert d["found"] and d["engine"] == "duckdb" and d["connection"] == "con" and d["call"] == "sql"
    assert "NOT IN" in d["sql"]
    assert d["new_source"] == ('x = 1\ndf = con.sql("""SELECT a FROM t WHERE NOT EXISTS (SELECT 1 FROM u WHERE b = a)""").df()\n')


def test_duckdb_module_and_read_sql(q):
    d = detect(q, {"duckdb": duckdb}, "import duckdb\nduckdb.sql('SELECT 42')")
    assert d["engine"] == "duckdb" and d["connection"] is None and d["sql"] == "SELECT 42"
    sq = sqlite3.connect(":memory:")
    d = detect(q, {"pd": object(), "c": sq}, "frame = pd.read_sql('SELECT * FROM t', c)")
    assert d["engine"] == "sqlite" and d["connection"] == "c"
    d = detect(q, {"c": sq}, "frame = pl.read_database(query='SELECT 1', connection=c)".replace("query='SELECT 1', ", "'SELECT 1', "))
    assert d["engine"] == "sqlite" and d["connection"] == "c"


def test_a_cell_that_does_not_parse_is_read_by_pattern(q):
    con = duckdb.connect()
    d = detect(q, {"con": con}, 'rows = con.sql("SELECT 1 AS x").fetchall(\nif x:\n', "SELECT 2 AS x")
    assert d["found"] and d["connection"] == "con" and d["sql"] == "SELECT 1 AS x"
    assert "new_source" not in d  # no literal position to replace: Apply is not offered


def test_a_name_that_is_no_connection_is_not_a_query(q):
    d = detect(q, {"re": __import__("re")}, "re.sql('SELECT 1')\n")
    assert d["found"] is False


def test_sql_magics(q):
    d = detect(q, {}, "%%sql\nSELECT *\nFROM orders\n", "SELECT o_orderkey FROM orders")
    assert d["kind"] == "cell_magic" and d["engine"] == "jupysql" and d["sql"] == "SELECT *\nFROM orders\n"
    assert d["new_source"] == "%%sql\nSELECT o_orderkey FROM orders\n"
    d = detect(q, {}, "n = 1\nres = %sql SELECT count(*) FROM orders\nprint(res)", "SELECT 2")
    assert d["kind"] == "line_magic" and d["sql"] == "SELECT count(*) FROM orders"
    assert d["new_source"] == "n = 1\nres = %sql SELECT 2\nprint(res)"


def test_polars_lazy_pipeline_is_found_and_explained_without_running(q):
    import polars as pl

    lf = pl.LazyFrame({"a": [1, 2, 3], "b": [4, 5, 6]}).filter(pl.col("a") > 1).group_by("a").agg(pl.col("b").sum())
    ns = {"lf": lf, "pl": pl}
    d = detect(q, ns, "lf.collect()")
    assert d == {"kind": "pipeline", "frame": "lf", "engine": "polars_lazy", "found": True}
    e = json.loads(q.explain_context(ns, frame="lf"))
    assert e["engine"] == "polars" and "FILTER" in e["plan"].upper()


def test_explain_duckdb_with_catalog_and_no_run(q):
    con = duckdb.connect()
    load_duckdb(con, 0.001, constraints=True)
    e = json.loads(q.explain_context({"con": con}, "SELECT c_name, count(*) FROM customer JOIN orders ON o_custkey = c_custkey "
                                     "GROUP BY c_name", connection="con"))
    assert e["engine"] == "duckdb" and e["analyzed"] is False
    names = {t["name"]: t for t in e["tables"]}
    assert names["orders"]["rows_estimate"] == con.execute("SELECT count(*) FROM orders").fetchone()[0]
    assert "orders (o_custkey) REFERENCES customer (c_custkey)" in names["orders"]["constraints"]
    assert "JOIN" in e["plan"].upper()
    a = json.loads(q.explain_context({"con": con}, "SELECT count(*) FROM orders", connection="con", analyze=True))
    assert a["analyzed"] is True and "Total Time" in a["plan"]
    bad = json.loads(q.explain_context({"con": con}, "DELETE FROM orders", connection="con", analyze=True))
    assert "error" in bad and con.execute("SELECT count(*) FROM orders").fetchone()[0] > 0
