"""The kernel-side rewrite verifier on DuckDB (in-process) with TPC-H-shaped data.

Each case is one the issue lists: rewrites that are right, rewrites that are wrong only
on data the user does not have yet (caught by the edge probe), ORDER BY, float
tolerance, LIMIT, refusals, cancellation, and an unchanged user namespace.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time

import duckdb
import pytest

from query_helpers import load_duckdb, load_query_module, verify

NOT_IN = "SELECT c_custkey FROM customer WHERE c_custkey NOT IN (SELECT o_custkey FROM orders)"
NOT_EXISTS = ("SELECT c_custkey FROM customer c WHERE NOT EXISTS "
              "(SELECT 1 FROM orders o WHERE o.o_custkey = c.c_custkey)")
CORRELATED = ("SELECT c_custkey, c_name, (SELECT count(*) FROM orders o WHERE o.o_custkey = c.c_custkey) AS n_orders "
              "FROM customer c")
JOINED = ("SELECT c.c_custkey, c.c_name, count(o.o_orderkey) AS n_orders FROM customer c "
          "LEFT JOIN orders o ON o.o_custkey = c.c_custkey GROUP BY c.c_custkey, c.c_name")
JOINED_WRONG = ("SELECT c.c_custkey, c.c_name, count(*) AS n_orders FROM customer c "
                "LEFT JOIN orders o ON o.o_custkey = c.c_custkey GROUP BY c.c_custkey, c.c_name")


@pytest.fixture(scope="module")
def q():
    return load_query_module()


@pytest.fixture(scope="module")
def keyed():
    """TPC-H-shaped tables with their keys declared (PK, FK, NOT NULL)."""
    con = duckdb.connect()
    load_duckdb(con, 0.002, constraints=True)
    yield con
    con.close()


@pytest.fixture()
def loose():
    """The same tables without any declared constraint."""
    con = duckdb.connect()
    load_duckdb(con, 0.002, constraints=False)
    yield con
    con.close()


def test_not_in_to_not_exists_rejected_when_the_subquery_yields_a_null(q, loose):
    loose.execute("INSERT INTO orders VALUES (999999, NULL, 'O', 1.0, DATE '1998-01-01', '5-LOW')")
    r = verify(q, {"con": loose}, NOT_IN, NOT_EXISTS, connection="con")
    assert r["verdict"] == "different"
    assert r["rows"]["original"] == 0 and r["rows"]["rewrite"] > 0
    assert r["diff"]["only_in_rewrite"] == r["rows"]["rewrite"]
    assert 0 < len(r["diff"]["examples_rewrite"]) <= 5
    assert not r["applicable"]
    assert r["summary"].startswith("Different results: %d rows only in the rewrite" % r["rows"]["rewrite"])


def test_not_in_same_rows_without_a_null_but_the_edge_probe_rejects_it(q, loose):
    r = verify(q, {"con": loose}, NOT_IN, NOT_EXISTS, connection="con")
    assert r["rows"]["original"] == r["rows"]["rewrite"] > 0  # same on today's data
    assert r["verdict"] == "different_on_probe"
    assert not r["applicable"]
    ce = r["probe"]["counterexample"]
    # The smallest counterexample: one customer, and one order whose o_custkey is NULL.
    assert ce["minimal"] is True
    orders = ce["tables"]["orders"]
    custkey = orders["columns"].index("o_custkey")
    assert [row[custkey] for row in orders["rows"]] == [None]
    assert len(ce["tables"]["customer"]["rows"]) == 1
    assert ce["only_in_rewrite"] == 1 and ce["only_in_original"] == 0
    assert "on the edge probe" in r["summary"]


def test_not_in_accepted_when_declared_keys_rule_out_the_null(q, keyed):
    r = verify(q, {"con": keyed}, NOT_IN, NOT_EXISTS, connection="con")
    assert r["verdict"] == "same", r
    assert r["probe"]["verdict"] == "same"
    relied = r["probe"]["constraints"]
    assert "orders.o_custkey NOT NULL" in relied
    assert "orders (o_custkey) REFERENCES customer (c_custkey)" in relied
    assert "customer PRIMARY KEY (c_custkey)" in relied
    assert r["applicable"]


def test_correlated_subquery_to_join_accepted_with_same_rows(q, keyed):
    r = verify(q, {"con": keyed}, CORRELATED, JOINED, connection="con", time_budget=1.0)
    assert r["verdict"] == "same", r
    assert "customer PRIMARY KEY (c_custkey)" in r["probe"]["constraints"]
    n = keyed.execute("SELECT count(*) FROM customer").fetchone()[0]
    assert r["rows"] == {"original": n, "rewrite": n}
    assert r["method"] == "warmup_rows"  # the timing's warm-up runs' rows, compared in Python
    assert r["probe"]["verdict"] == "same"
    t = r["timing"]
    assert t["runs"] >= 3 and len(t["original"]["times_s"]) == t["runs"] == len(t["rewrite"]["times_s"])
    assert t["verdict"] in ("faster", "slower", "no_measurable_difference", "inconclusive")
    assert r["summary"].startswith("Same rows (%s) and same on the edge probe — " % format(n, ","))


def test_join_rewrite_needs_the_key_the_probe_finds_duplicates(q, loose):
    # Without a declared key two identical customers are one group after the join.
    r = verify(q, {"con": loose}, CORRELATED, JOINED, connection="con")
    assert r["rows"]["original"] == r["rows"]["rewrite"]
    assert r["verdict"] == "different_on_probe"
    ce = r["probe"]["counterexample"]
    assert ce["minimal"] is True
    assert sum(len(t["rows"]) for t in ce["tables"].values()) <= 3
    assert ce["only_in_original"] + ce["only_in_rewrite"] >= 1


def test_count_star_in_the_join_is_caught(q, loose):
    # count(*) counts the NULL-extended row of a customer without orders: 1 instead of 0.
    r = verify(q, {"con": loose}, CORRELATED, JOINED_WRONG, connection="con")
    assert r["verdict"] == "different"
    assert r["diff"]["only_in_original"] == r["diff"]["only_in_rewrite"] > 0
    cols = r["diff"]["columns"]
    assert all(row[cols.index("n_orders")] == 0 for row in r["diff"]["examples_original"])


# Untimed, the engine finds the difference, then the rows are fetched for the examples.
@pytest.mark.parametrize("budget,method", [(0.3, "warmup_rows"), (0, "in_engine+tolerance")])
def test_wrong_rewrites_caught_on_both_comparison_paths(q, loose, budget, method):
    """Timed (rows of the warm-up runs, compared in Python) and untimed (in the engine):
    the same verdict and the same differing rows."""
    r = verify(q, {"con": loose}, CORRELATED, JOINED_WRONG, connection="con", time_budget=budget)
    assert r["verdict"] == "different" and r["method"] == method, r
    assert "timing" not in r and not r["applicable"]
    n = loose.execute("SELECT count(*) FROM customer c WHERE NOT EXISTS "
                      "(SELECT 1 FROM orders o WHERE o.o_custkey = c.c_custkey)").fetchone()[0]
    assert n > 0 and r["diff"]["only_in_original"] == r["diff"]["only_in_rewrite"] == n
    # A duplicated row is a difference too (multisets, not sets).
    dup = "SELECT o_orderkey FROM orders UNION ALL SELECT o_orderkey FROM orders WHERE o_orderkey = 1"
    r = verify(q, {"con": loose}, "SELECT o_orderkey FROM orders", dup, connection="con", time_budget=budget)
    assert r["verdict"] == "different" and r["method"] == method, r
    assert r["diff"]["only_in_original"] == 0 and r["diff"]["only_in_rewrite"] == 1
    # NOT IN -> NOT EXISTS with a NULL in the subquery: every rewrite row is extra.
    loose.execute("INSERT INTO orders VALUES (999999, NULL, 'O', 1.0, DATE '1998-01-01', '5-LOW')")
    r = verify(q, {"con": loose}, NOT_IN, NOT_EXISTS, connection="con", time_budget=budget)
    assert r["verdict"] == "different" and r["method"] == method, r
    assert r["rows"]["original"] == 0 and r["diff"]["only_in_rewrite"] == r["rows"]["rewrite"] > 0


def test_results_too_large_to_hold_compare_in_the_engine(q, loose, monkeypatch):
    monkeypatch.setattr(q, "CLIENT_ROWS", 10)
    r = verify(q, {"con": loose}, CORRELATED, JOINED_WRONG, connection="con")
    assert r["verdict"] == "different" and r["method"] == "in_engine", r
    assert r["diff"]["only_in_original"] == r["diff"]["only_in_rewrite"] > 0
    assert "examples_original" not in r["diff"]  # counts only: the rows are not fetched
    r = verify(q, {"con": loose}, "SELECT o_orderkey FROM orders", "SELECT o_orderkey FROM orders WHERE true",
               connection="con")
    assert r["verdict"] == "same" and r["method"] == "in_engine" and r["timing"]["runs"] >= 3, r


def _counting(con, names):
    """DuckDB functions that count the rows they see with a value >= 1000 (the real
    table's; the edge probe's values are small)."""
    calls = {}

    def counter(name):
        def tick(x):
            if x is not None and x >= 1000:
                calls[name] += 1
            return x
        return tick

    for name in names:
        calls[name] = 0
        con.create_function(name, counter(name), ["BIGINT"], "BIGINT", side_effects=True)
    return calls


@pytest.mark.parametrize("budget", [0.3, 0])
def test_each_query_runs_once_for_the_comparison_and_timing_together(q, budget):
    con = duckdb.connect()
    con.execute("CREATE TABLE t (x BIGINT)")
    con.execute("INSERT INTO t SELECT 1000 + range FROM range(20)")
    calls = _counting(con, ["jlde_tick_a", "jlde_tick_b"])
    r = verify(q, {"con": con}, "SELECT jlde_tick_a(x) AS x FROM t", "SELECT jlde_tick_b(u.x) AS x FROM t AS u",
               connection="con", time_budget=budget)
    assert r["verdict"] == "same", r
    runs = r["timing"]["runs"] if budget else 0
    if budget:
        assert runs >= 3 and r["timing"]["warmup_s"] == pytest.approx(r["phases"]["warmup_s"], abs=1e-3)
    # One warm-up run each (whose rows the comparison reads), then the timed runs; untimed,
    # the engine's one-pass comparison alone.
    assert calls == {"jlde_tick_a": 20 * (1 + runs), "jlde_tick_b": 20 * (1 + runs)}
    con.close()


def test_the_row_comparison_is_a_multiset_comparison(q):
    cm = q.compare_multisets
    assert cm([(1, "a"), (2, None), (2, None)], [(2, None), (1, "a"), (2, None)], 1e-9) == ([], [])
    assert cm([(1,), (1,), (2,)], [(1,), (2,), (2,)], 1e-9) == ([(1,)], [(2,)])
    assert cm([(1,), (1,)], [(1,)], 1e-9) == ([(1,)], [])
    assert cm([(None, 1.0)], [(None, 1.0 + 1e-12)], 1e-9) == ([], [])
    assert cm([(None, 1.0)], [(None, 1.0 + 1e-12)], 0) == ([(None, 1.0)], [(None, 1.0 + 1e-12)])
    assert cm([(float("nan"),)], [(float("nan"),)], 1e-9) == ([], [])
    assert cm([(1, "1")], [("1", 1)], 1e-9) == ([(1, "1")], [("1", 1)])
    co = q.compare_ordered
    assert co([(1, 2.0), (2, 3.0)], [(1, 2.0), (2, 3.0)], 1e-9, [0]) is None
    assert co([(1, 2.0), (2, 3.0)], [(2, 3.0), (1, 2.0)], 1e-9, [0]) == "order"


def test_order_by_is_compared_as_an_ordered_list(q, loose):
    asc = "SELECT o_orderkey, o_totalprice FROM orders ORDER BY o_orderkey"
    same = "SELECT o_orderkey, o_totalprice FROM orders WHERE true ORDER BY 1"
    desc = "SELECT o_orderkey, o_totalprice FROM orders ORDER BY o_orderkey DESC"
    unordered = "SELECT o_orderkey, o_totalprice FROM orders"
    ok = verify(q, {"con": loose}, asc, same, connection="con")
    assert ok["verdict"] == "same" and ok["ordered"] is True
    bad = verify(q, {"con": loose}, asc, desc, connection="con")
    assert bad["verdict"] == "different" and bad["reason"] == "order"
    assert "different order" in bad["summary"]
    # Without ORDER BY in the original, order does not matter.
    assert verify(q, {"con": loose}, unordered, desc, connection="con")["verdict"] == "same"


def test_rows_tied_on_the_order_key_may_come_in_any_order(q, loose):
    a = "SELECT o_orderstatus, o_orderkey FROM orders ORDER BY o_orderstatus"
    b = "SELECT o_orderstatus, o_orderkey FROM orders ORDER BY o_orderstatus, o_orderkey DESC"
    assert verify(q, {"con": loose}, a, b, connection="con")["verdict"] == "same"


def test_float_tolerance(q, loose):
    a = "SELECT l_returnflag, sum(l_extendedprice) AS s FROM lineitem GROUP BY l_returnflag"
    tiny = "SELECT l_returnflag, sum(l_extendedprice * (1 + 1e-13)) AS s FROM lineitem GROUP BY l_returnflag"
    big = "SELECT l_returnflag, sum(l_extendedprice * (1 + 1e-6)) AS s FROM lineitem GROUP BY l_returnflag"
    close = verify(q, {"con": loose}, a, tiny, connection="con")
    assert close["verdict"] == "same" and close["method"] == "warmup_rows"
    assert verify(q, {"con": loose}, a, big, connection="con")["verdict"] == "different"
    # The tolerance is a setting: 0 means exact.
    assert verify(q, {"con": loose}, a, tiny, connection="con", tolerance=0)["verdict"] == "different"
    # Untimed, the engine compares (exactly), then Python within the tolerance.
    close = verify(q, {"con": loose}, a, tiny, connection="con", time_budget=0)
    assert close["verdict"] == "same" and close["method"] == "in_engine+tolerance"
    assert verify(q, {"con": loose}, a, big, connection="con", time_budget=0)["verdict"] == "different"
    assert verify(q, {"con": loose}, a, tiny, connection="con", time_budget=0, tolerance=0)["verdict"] == "different"


def test_limit_without_a_total_order_is_not_comparable(q, loose):
    for a in ("SELECT * FROM orders LIMIT 10",
              "SELECT o_orderkey, o_custkey FROM orders ORDER BY o_custkey LIMIT 10"):
        r = verify(q, {"con": loose}, a, a, connection="con")
        assert r["verdict"] == "not_comparable", a
        assert "LIMIT" in r["message"] and not r["applicable"]
    total = "SELECT o_orderkey, o_custkey FROM orders ORDER BY o_custkey, o_orderkey LIMIT 10"
    assert verify(q, {"con": loose}, total, total, connection="con")["verdict"] == "same"


@pytest.mark.parametrize("sql,word", [
    ("INSERT INTO region VALUES (9, 'X')", "INSERT"),
    ("UPDATE region SET r_name = 'X'", "UPDATE"),
    ("DELETE FROM region", "DELETE"),
    ("DROP TABLE region", "DROP"),
    ("CREATE TABLE r2 AS SELECT * FROM region", "CREATE"),
    ("COPY region TO '/tmp/x.csv'", "COPY"),
    ("SELECT * INTO r3 FROM region", "INTO"),
    ("SELECT nextval('s')", "nextval"),
    ("SELECT 1; SELECT 2", "2 statements"),
])
def test_dml_ddl_and_multi_statement_refused(q, loose, sql, word):
    before = loose.execute("SELECT count(*) FROM region").fetchone()[0]
    r = verify(q, {"con": loose}, "SELECT * FROM region", sql, connection="con")
    assert r["verdict"] == "refused" and word in r["message"], r
    assert not r["applicable"]
    assert loose.execute("SELECT count(*) FROM region").fetchone()[0] == before
    assert loose.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name IN ('r2', 'r3')").fetchone()[0] == 0


def test_nondeterministic_functions_are_not_comparable(q, loose):
    r = verify(q, {"con": loose}, "SELECT random() AS x FROM region", "SELECT random() AS x FROM region", connection="con")
    assert r["verdict"] == "not_comparable" and "rand" in r["message"]


@pytest.mark.parametrize("budget", [0.3, 0])  # names from the warm-up runs / described first
def test_columns_must_match(q, loose, budget):
    r = verify(q, {"con": loose}, "SELECT r_regionkey, r_name FROM region", "SELECT r_regionkey FROM region",
               connection="con", time_budget=budget)
    assert r["verdict"] == "different" and r["reason"] == "columns"
    r = verify(q, {"con": loose}, "SELECT r_regionkey AS k FROM region", "SELECT r_regionkey FROM region",
               connection="con", time_budget=budget)
    assert r["verdict"] == "different" and r["reason"] == "column_names"
    assert "k" in r["message"] and "r_regionkey" in r["message"]


SLOW = "SELECT count(*) AS n FROM range(4000000000) t(i) WHERE i % 7 = 3"
SLOW2 = "SELECT count(*) AS n FROM range(4000000000) t(i) WHERE (i + 4) % 7 = 0"


def test_kernel_interrupt_cancels_a_running_verification(q, sigint_interrupts):
    con = duckdb.connect()
    timer = threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGINT))
    started = time.perf_counter()
    timer.start()
    try:
        r = verify(q, {"con": con}, SLOW, SLOW2, connection="con", time_budget=600)
    finally:
        timer.cancel()
    assert r["verdict"] == "cancelled", r
    # Each of these queries alone runs for minutes on this machine.
    assert time.perf_counter() - started < 30
    assert con.execute("SELECT 42").fetchone() == (42,)  # the connection still works


def test_the_interrupt_tests_hold_when_started_with_sigint_ignored(tmp_path):
    """Run the SIGINT tests in a pytest started as a background job starts it: SIGINT ignored.

    Without the handler the tests install themselves, the signal is dropped and the queries
    run for minutes (here: past the time limit)."""
    import subprocess
    import sys

    here = os.path.dirname(os.path.abspath(__file__))
    tests = [
        os.path.join(here, "test_query_verify.py") + "::test_kernel_interrupt_cancels_a_running_verification",
        os.path.join(here, "test_query_engines.py") + "::test_sqlite_interrupt_cancels",
    ]
    child = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=", *tests],
        cwd=str(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    try:
        out, _ = child.communicate(timeout=90)
    except subprocess.TimeoutExpired:
        child.kill()
        out, _ = child.communicate()
        pytest.fail("the interrupt tests did not finish within 90 s with SIGINT ignored:\n" + out.decode()[-2000:])
    assert child.returncode == 0, out.decode()[-2000:]
    assert "2 passed" in out.decode()


def test_cancel_from_another_thread_interrupts_the_engine(q):
    con = duckdb.connect()
    timer = threading.Timer(1.0, q.cancel)
    timer.start()
    r = verify(q, {"con": con}, SLOW, SLOW2, connection="con", time_budget=600)
    assert r["verdict"] == "cancelled", r
    assert r["elapsed_s"] < 30
    assert q.cancel() is False  # nothing runs any more


def test_user_namespace_and_default_connection_unchanged(q):
    duckdb.sql("CREATE OR REPLACE TABLE jlde_ns_t AS SELECT range AS x FROM range(100)")
    ns = {"__name__": "__main__", "x": 1}
    before = dict(ns)
    r = verify(q, ns, "SELECT x FROM jlde_ns_t WHERE x NOT IN (SELECT x FROM jlde_ns_t WHERE x > 50)",
               "SELECT x FROM jlde_ns_t WHERE x <= 50", engine="duckdb")
    assert r["engine"] == "duckdb" and r["verdict"] in ("same", "different_on_probe")
    assert ns == before
    tables = duckdb.sql("SELECT table_name FROM duckdb_tables() WHERE table_name LIKE '__jlde%'").fetchall()
    assert tables == []  # probe tables rolled back


def test_sqlglot_missing_gives_a_clear_message(q, loose, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_sqlglot(name, *args, **kw):
        if name.startswith("sqlglot"):
            raise ImportError("No module named 'sqlglot'")
        return real_import(name, *args, **kw)

    monkeypatch.setattr(builtins, "__import__", no_sqlglot)
    r = verify(q, {"con": loose}, "SELECT 1", "SELECT 1", connection="con")
    assert r["verdict"] == "refused" and "%pip install sqlglot" in r["message"]
    # The card offers the install from this field (issue 32).
    assert r["missing_package"] == "sqlglot"


def test_result_is_one_line_of_json_and_prints_nothing(q, loose, capsys):
    text = q.verify_rewrite({"con": loose}, "SELECT 1 AS a", "SELECT 1 AS a", connection="con", time_budget=0.1)
    assert repr(text) == str(text) and "\n" not in text
    json.loads(text)
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""


def test_unknown_connection_named(q):
    r = verify(q, {}, "SELECT 1", "SELECT 1", connection="nope")
    assert r["verdict"] == "error" and "nope" in r["message"]


def test_rows_near_a_rounding_edge_still_match_and_many_differences_stay_fast(q):
    cm = q.compare_multisets
    # Within 1e-9 of each other, but on both sides of a 6-digit sort key's rounding edge.
    a = [("x", 1.2345649999999), ("y", 2.0), ("z", 3.0)]
    b = [("x", 1.2345650000001), ("y", 2.0), ("z", 3.0)]
    assert "%.6g" % a[0][1] != "%.6g" % b[0][1]
    assert cm(a, b, 1e-9) == ([], [])
    assert cm(a, b, 1e-15) == ([a[0]], [b[0]])
    assert cm([("k", 1.0)], [("k", 1.0 + 1e-12), ("k", 1.0 + 1e-12)], 1e-9) == ([], [("k", 1.0 + 1e-12)])
    # 20,000 rows that all differ (a wrong count): about a second, not pairwise over all
    # (4e8 row comparisons: many minutes).
    ra = [(i, "name%d" % i, 1) for i in range(20000)]
    rb = [(i, "name%d" % i, 0) for i in range(20000)]
    t0 = time.perf_counter()
    only_a, only_b = cm(ra, rb, 1e-9)
    assert len(only_a) == len(only_b) == 20000
    assert time.perf_counter() - t0 < 30


# ---------------------------------------------------------------- the SQL gateway in front of explain and verify

ENV_LINE = "ANTHROPIC_API_KEY=sk-ant-gateway-test-0123456789"


@pytest.fixture()
def dotenv(tmp_path):
    p = tmp_path / ".env"
    p.write_text(ENV_LINE + "\n", encoding="utf-8")
    return p


def _read_csv(path):
    # header=true: DuckDB names the column after the file's first line, so the plan carried it.
    return "SELECT * FROM read_csv('%s', header=true, delim='\\t', quote='', escape='')" % path


@pytest.mark.parametrize("engine_args", [{"connection": "con"}, {"engine": "duckdb"}])
def test_explain_refuses_a_file_table_function_and_never_plans_it(q, loose, dotenv, engine_args):
    """The reproduced bug: EXPLAIN of read_csv('.env') bound the file and the plan carried its line."""
    out = q.explain_context({"con": loose}, _read_csv(dotenv), **engine_args)
    assert ENV_LINE not in out and "sk-ant" not in out
    r = json.loads(out)
    assert r.get("refused") is True and r["verdict"]["kind"] == "file_access", r
    assert "Refused by the SQL gateway" in r["error"] and "plan" not in r
    # A path given as a quoted relation is a replacement scan over the file: refused too.
    r = json.loads(q.explain_context({"con": loose}, "SELECT * FROM '%s'" % dotenv, connection="con"))
    assert r.get("refused") is True, r
    # A plain read of the catalog is still explained.
    assert json.loads(q.explain_context({"con": loose}, "SELECT count(*) FROM orders", connection="con"))["plan"]


@pytest.mark.parametrize("side", ["original", "rewrite"])
def test_verify_refuses_a_file_table_function_on_either_side(q, loose, dotenv, side):
    bad = _read_csv(dotenv)
    original, rewrite = (bad, "SELECT 1") if side == "original" else ("SELECT * FROM region", bad)
    out = q.verify_rewrite({"con": loose}, original, rewrite, connection="con", time_budget=0.1)
    assert ENV_LINE not in out
    r = json.loads(out)
    assert r["verdict"] == "refused" and r["message"].startswith("The %s: Refused by the SQL gateway" % side), r
    assert r["gateway"]["kind"] == "file_access" and not r["applicable"]
