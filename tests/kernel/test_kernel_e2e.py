"""The inspector in a real ipykernel, driven over the Jupyter protocol as the frontend
drives it: one silent execute request for the bootstrap, then silent execute requests
with code '' whose user_expressions call the module.

Each test checks what the user could notice: the execution count, In/Out/_ and the
namespace's names are unchanged, and IOPub carries nothing but busy/idle.
"""

from __future__ import annotations

import ast
import json
import os
import time

import pytest
from jupyter_client.manager import start_new_kernel

from conftest import bootstrap_code, call_expression

# The frontend leaves the default budget (0.5 s); on a busy test machine that could drop
# optional details and make the exact assertions below flaky.
BUDGET = "time_budget=30"
STATE = (
    "__import__('json').dumps([sorted(get_ipython().user_ns), get_ipython().execution_count, "
    "len(get_ipython().user_ns['In']), sorted(get_ipython().user_ns['Out']), "
    "id(get_ipython().user_ns['_']), id(get_ipython().user_ns['__'])])"
)


class Kernel:
    def __init__(self, client):
        self.client = client

    def execute(self, code, silent, user_expressions=None, store_history=None):
        """Returns (reply content, IOPub messages of this request)."""
        if store_history is None:
            store_history = not silent
        msg_id = self.client.execute(
            code, silent=silent, store_history=store_history, user_expressions=user_expressions or {},
            allow_stdin=False, stop_on_error=False)
        while True:
            reply = self.client.get_shell_msg(timeout=60)
            if reply["parent_header"].get("msg_id") == msg_id:
                break
        messages = []
        while True:
            msg = self.client.get_iopub_msg(timeout=60)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            messages.append(msg)
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                return reply["content"], messages

    def run_cell(self, code):
        """A cell as the user runs it."""
        content, messages = self.execute(code, silent=False)
        errors = [m["content"] for m in messages if m["msg_type"] == "error"]
        assert content["status"] == "ok", errors
        return messages

    def expressions(self, **expressions):
        """Evaluates user_expressions silently; returns {key: reply entry}, after
        checking that IOPub carried only status messages."""
        content, messages = self.execute("", silent=True, user_expressions=expressions)
        assert content["status"] == "ok"
        assert {m["msg_type"] for m in messages} == {"status"}, messages
        return content["user_expressions"]

    def value(self, expression):
        """The Python value of an expression returning a str (its text/plain is a repr)."""
        entry = self.expressions(v=expression)["v"]
        assert entry["status"] == "ok", entry
        return ast.literal_eval(entry["data"]["text/plain"])

    def state(self):
        return json.loads(self.value(STATE))

    def call(self, function, *args):
        """What the frontend does: JSON.parse(data['text/plain'])."""
        entry = self.expressions(r=call_expression(function, *args))["r"]
        assert entry["status"] == "ok", entry
        return json.loads(entry["data"]["text/plain"])

    def bootstrap(self):
        content, messages = self.execute(bootstrap_code(), silent=True)
        assert content["status"] == "ok", content
        assert {m["msg_type"] for m in messages} == {"status"}, messages


@pytest.fixture(scope="module")
def kernel():
    env = dict(os.environ, PLOOMBER_STATS_ENABLED="false")
    manager, client = start_new_kernel(kernel_name="python3", env=env, startup_timeout=60)
    try:
        yield Kernel(client)
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def test_bootstrap_and_calls_leave_no_trace(kernel):
    kernel.run_cell("import pandas as pd\n"
                    "df = pd.DataFrame({'a': [1.0, None, 3.0], 'b': ['x', 'y', None]})\n"
                    "x = 41")
    kernel.run_cell("df")  # Out[2], and `_`
    before = kernel.state()

    # Not loaded yet: the call fails with KeyError, which tells the frontend to bootstrap.
    entry = kernel.expressions(r=call_expression("list_variables"))["r"]
    assert (entry["status"], entry["ename"]) == ("error", "KeyError")

    kernel.bootstrap()
    assert kernel.state() == before

    listed = kernel.call("list_variables", BUDGET)
    assert listed == {"count": 2, "variables": [
        {"name": "df", "kind": "pandas.DataFrame", "shape": [3, 2], "memory_bytes": listed["variables"][0]["memory_bytes"]},
        {"name": "x", "kind": "int", "value": 41}]}
    assert listed["variables"][0]["memory_bytes"] > 0

    out = kernel.call("inspect_variable", '"df"', "sample_rows=2", BUDGET)
    assert out["shape"] == [3, 2]
    assert [(c["name"], c["nulls"]) for c in out["columns"]] == [("a", 1), ("b", 1)]
    assert out["sample"]["rows"] == [[1.0, "x"], [None, "y"]]
    for name in ("_", "Out[2]", "_2"):
        assert kernel.call("inspect_variable", json.dumps(name))["shape"] == [3, 2], name
    assert kernel.call("inspect_variable", '"nope"') == {"name": "nope", "error": "no variable nope"}

    assert kernel.state() == before
    assert kernel.value("str(__import__('sys').modules['__jl_data_engineer__'].PROTOCOL)") == "2"
    # The user sees none of it: their next cell is number 3.
    messages = kernel.run_cell("x + 1")
    result = [m for m in messages if m["msg_type"] == "execute_result"][0]["content"]
    assert (result["execution_count"], result["data"]["text/plain"]) == (3, "42")


def test_jupysql_result_is_read_without_fetching(kernel):
    if kernel.expressions(r=call_expression("list_variables"))["r"]["status"] != "ok":
        kernel.bootstrap()
    kernel.run_cell("%load_ext sql\nimport duckdb\nconn = duckdb.connect()")
    kernel.run_cell("%sql conn")
    start = time.perf_counter()
    kernel.run_cell("%%sql\nselect range as x, range % 7 as g, 'row ' || range as label from range(100000000)")
    assert time.perf_counter() - start < 20
    fetched = "str((len(_._results), _._mark_fetching_as_done))"
    before_fetch = kernel.value(fetched)
    before = kernel.state()

    start = time.perf_counter()
    out = kernel.call("inspect_variable", '"_"', BUDGET)
    assert time.perf_counter() - start < 1.0
    assert out["kind"] == "jupysql.ResultSet"
    assert [c["name"] for c in out["columns"]] == ["x", "g", "label"]
    assert out["all_rows_fetched"] is False and "shape" not in out
    assert out["rows_fetched"] == ast.literal_eval(before_fetch)[0] < 100
    assert out["sample"]["rows"][:2] == [[0, 0, "row 0"], [1, 1, "row 1"]]
    assert out["sql"].strip().startswith("select range as x")

    listed = kernel.call("list_variables", BUDGET)
    assert {v["name"]: v["kind"] for v in listed["variables"]}["conn"] == "duckdb.DuckDBPyConnection"
    assert kernel.value(fetched) == before_fetch
    assert kernel.state() == before


def _loaded(kernel):
    if kernel.expressions(r=call_expression("list_variables"))["r"]["status"] != "ok":
        kernel.bootstrap()


def test_line_separators_in_values_survive_the_kernels_text_plain(kernel):
    _loaded(kernel)
    kernel.run_cell("sep = 'a\\x85b\\u2028c\\u2029d'\n"
                    "import pandas as pd\nsep_df = pd.DataFrame({'s': [sep]})")
    assert kernel.call("inspect_variable", '"sep"', BUDGET)["value"] == "a\x85b\u2028c\u2029d"
    assert kernel.call("inspect_variable", '"sep_df"', BUDGET)["sample"]["rows"] == [["a\x85b\u2028c\u2029d"]]
    listed = {v["name"]: v for v in kernel.call("list_variables", BUDGET)["variables"]}
    assert listed["sep"]["value"] == "a\x85b\u2028c\u2029d"


def test_secrets_never_reach_the_frontend(kernel):
    _loaded(kernel)
    kernel.run_cell("api_key = 'sk-ant-api03-' + 'Zq8F2kLz0Rt7VbN3mXc5Y1wPa9HdJ6sGe4uK0iT2o'\n"
                    "import pandas as pd\nusers = pd.DataFrame({'name': ['ann'], 'password': ['pw-Secret1']})")
    entries = kernel.expressions(
        a=call_expression("list_variables", BUDGET),
        b=call_expression("inspect_variable", '"api_key"', BUDGET),
        c=call_expression("inspect_variable", '"users"', BUDGET))
    text = json.dumps(entries)
    assert "Zq8F2kLz0Rt7" not in text and "pw-Secret1" not in text
    assert json.loads(entries["c"]["data"]["text/plain"])["sample"]["rows"] == [["ann", "<redacted, 10 chars>"]]


# The frontend's way to the module (src/kernel/kernelInspector.ts CURRENT).
CURRENT = ("(lambda m: m if getattr(m, 'PROTOCOL', 0) == 2 else {}['stale'])"
           "(__import__('sys').modules['__jl_data_engineer__'])")


def scratch_code(code):
    """What the frontend sends for run_scratch (src/kernel/kernelInspector.ts scratchCode)."""
    return f"{CURRENT}.run_scratch({json.dumps(code)})"


def test_a_helper_of_another_protocol_answers_like_a_missing_one(kernel):
    old = bootstrap_code().replace("PROTOCOL = 2", "PROTOCOL = 1", 1)
    content, _ = kernel.execute(old, silent=True)
    assert content["status"] == "ok"
    entry = kernel.expressions(r=f"{CURRENT}.list_variables(get_ipython().user_ns)")["r"]
    assert (entry["status"], entry["ename"]) == ("error", "KeyError")
    kernel.bootstrap()
    assert kernel.expressions(r=f"{CURRENT}.list_variables(get_ipython().user_ns)")["r"]["status"] == "ok"


HISTORY = (
    "__import__('json').dumps([repr(_), repr(__), repr(___), sorted(k for k in get_ipython().user_ns "
    "if k[:1] == '_' and k[1:].isdigit()), {str(k): repr(v) for k, v in Out.items()}, "
    "get_ipython().execution_count])"
)


def test_run_scratch_leaves_underscores_and_out_unchanged(kernel):
    _loaded(kernel)
    kernel.run_cell("'first'")
    kernel.run_cell("'second'")
    before = kernel.value(HISTORY)
    names_before = kernel.state()[0]

    for code in ("6 * 7", "print('printed')\n'shown'", "1 / 0", "%time 40 + 2"):
        content, messages = kernel.execute(scratch_code(code), silent=False, store_history=False)
        assert content["status"] == "ok", content
        assert kernel.value(HISTORY) == before, code
        assert kernel.state()[0] == names_before, code
        if code == "6 * 7":
            results = [m["content"] for m in messages if m["msg_type"] == "execute_result"]
            assert [r["data"]["text/plain"] for r in results] == ["42"]
        if code.startswith("print"):
            kinds = [m["msg_type"] for m in messages]
            assert "stream" in kinds and "execute_result" in kinds
        if code == "1 / 0":
            errors = [m["content"] for m in messages if m["msg_type"] == "error"]
            assert [e["ename"] for e in errors] == ["ZeroDivisionError"]

    # The user's next cell numbers and rotates as if no scratch code had run.
    messages = kernel.run_cell("'third'")
    result = [m for m in messages if m["msg_type"] == "execute_result"][0]["content"]
    assert result["execution_count"] == json.loads(before)[-1]
    assert kernel.value("repr((_, __, ___))") == "('third', 'second', 'first')"

    # Why the wrapper: store_history=False alone files the result as _N and rotates `_`.
    before = kernel.value(HISTORY)
    kernel.execute("'scratch'", silent=False, store_history=False)
    assert kernel.value(HISTORY) != before
