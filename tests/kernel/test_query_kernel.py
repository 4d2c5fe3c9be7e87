"""The query helper in a real ipykernel, driven as the frontend drives it
(src/query/kernelQuery.ts): silent execute for the bootstrap, then silent execute
requests with code '' whose user_expressions call the module. The user's namespace,
execution count, In/Out/_ stay as they were, IOPub carries only busy/idle, and a
kernel interrupt (Stop) cancels a running verification."""

from __future__ import annotations

import json
import os
import threading
import time

import pytest
from jupyter_client.manager import start_new_kernel

from query_helpers import QUERY_MODULE, query_bootstrap
from test_kernel_e2e import Kernel

MOD = "__import__('sys').modules[%r]" % QUERY_MODULE


@pytest.fixture(scope="module")
def kernel():
    env = dict(os.environ, PLOOMBER_STATS_ENABLED="false")
    manager, client = start_new_kernel(kernel_name="python3", env=env, startup_timeout=60)
    try:
        k = Kernel(client)
        k.manager = manager
        yield k
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def _call(kernel, expression):
    entry = kernel.expressions(r=expression)["r"]
    assert entry["status"] == "ok", entry
    return json.loads(entry["data"]["text/plain"])


def test_verify_in_a_kernel_leaves_no_trace(kernel):
    kernel.run_cell(
        "import duckdb\n"
        "con = duckdb.connect()\n"
        "con.sql('CREATE TABLE t AS SELECT range AS a, range % 5 AS g FROM range(1000)')\n"
        "con.sql('CREATE TABLE u (b INTEGER)')\n"
        "con.sql('INSERT INTO u SELECT range * 2 FROM range(300)')\n"
        "x = 41")
    kernel.run_cell("x + 1")  # Out[2] and `_`
    before = kernel.state()

    entry = kernel.expressions(r=MOD + ".verify_rewrite(get_ipython().user_ns, 'SELECT 1', 'SELECT 1')")["r"]
    assert (entry["status"], entry["ename"]) == ("error", "KeyError")  # not loaded: bootstrap
    content, messages = kernel.execute(query_bootstrap(), silent=True)
    assert content["status"] == "ok", content
    assert {m["msg_type"] for m in messages} == {"status"}
    assert kernel.state() == before

    cell = "rows = con.sql(\"SELECT a FROM t WHERE a NOT IN (SELECT b FROM u)\").fetchall()"
    detected = _call(kernel, MOD + ".detect_query(get_ipython().user_ns, %s)" % json.dumps(cell))
    assert (detected["engine"], detected["connection"]) == ("duckdb", "con")

    r = _call(kernel, MOD + ".verify_rewrite(get_ipython().user_ns, %s, %s, connection='con', time_budget=0.5)" % (
        json.dumps(detected["sql"]), json.dumps("SELECT a FROM t WHERE NOT EXISTS (SELECT 1 FROM u WHERE u.b = t.a)")))
    assert r["rows"] == {"original": 700, "rewrite": 700}
    # u.b is nullable: the probe puts a NULL there, where NOT IN returns nothing.
    assert r["verdict"] == "different_on_probe"
    assert kernel.state() == before
    assert _call(kernel, MOD + ".explain_context(get_ipython().user_ns, 'SELECT count(*) FROM t', connection='con')")["plan"]
    assert kernel.state() == before


def test_interrupt_cancels_verification_and_the_kernel_stays_usable(kernel):
    slow = "SELECT count(*) AS n FROM range(4000000000) r(i) WHERE i % 7 = 3"
    timer = threading.Timer(1.5, kernel.manager.interrupt_kernel)
    timer.start()
    started = time.perf_counter()
    try:
        r = _call(kernel, MOD + ".verify_rewrite(get_ipython().user_ns, %s, %s, connection='con', time_budget=600)" % (
            json.dumps(slow), json.dumps(slow.replace("= 3", "= 4"))))
    finally:
        timer.cancel()
    assert r["verdict"] == "cancelled", r
    assert time.perf_counter() - started < 30
    assert kernel.value("str(con.execute('SELECT 42').fetchone()[0])") == "42"
