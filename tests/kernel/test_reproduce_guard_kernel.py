"""The hidden-state guard in a real ipykernel (issue 29): loaded the way KernelChannel loads a
helper (`helperBootstrap` in src/kernelChannel.ts: one silent execute that runs the source into
a fresh module of sys.modules), then called in a silent request's user expression."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from jupyter_client.manager import start_new_kernel

GUARD = Path(__file__).resolve().parents[2] / "src" / "reproduce" / "kernel" / "reproduce_guard.py"
MODULE = "__jl_data_engineer_reproduce__"
# The template of helperBootstrap() in src/kernelChannel.ts, <SOURCE> a JSON string literal.
BOOTSTRAP = (
    "(lambda m: (exec(compile(<SOURCE>, 'reproduce_guard.py', 'exec'), m.__dict__), "
    "__import__('sys').modules.__setitem__(m.__name__, m)) and None)"
    f"(__import__('types').ModuleType('{MODULE}'))"
)


def execute(client, code, silent, user_expressions=None):
    msg_id = client.execute(code, silent=silent, store_history=not silent,
                            user_expressions=user_expressions or {}, allow_stdin=False)
    while True:
        reply = client.get_shell_msg(timeout=60)
        if reply["parent_header"].get("msg_id") == msg_id:
            assert reply["content"]["status"] == "ok", reply["content"]
            return reply["content"]


@pytest.fixture(scope="module")
def client():
    manager, kernel_client = start_new_kernel(kernel_name="python3")
    yield kernel_client
    kernel_client.stop_channels()
    manager.shutdown_kernel(now=True)


def test_a_name_from_a_deleted_cell_is_flagged_from_the_live_kernel(client):
    # The user ran three cells, then deleted the second one ("rate = 0.2").
    for code in ["import math\nprices = [10, 20]", "rate = 0.2", "total = sum(prices) * (1 + rate)"]:
        execute(client, code, silent=False)
    notebook = [
        {"cell_type": "code", "source": "import math\nprices = [10, 20]"},
        {"cell_type": "markdown", "source": "# Totals"},
        {"cell_type": "code", "source": "total = sum(prices) * (1 + rate)\nlater_value"},
        {"cell_type": "code", "source": "later_value = math.pi"},
    ]
    execute(client, "later_value = 1", silent=False)
    before = execute(client, "", silent=True, user_expressions={"n": "sorted(get_ipython().user_ns)"})
    execute(client, BOOTSTRAP.replace("<SOURCE>", json.dumps(GUARD.read_text(encoding="utf-8"))), silent=True)
    call = f"__import__('sys').modules['{MODULE}'].kernel_guard({json.dumps(json.dumps(notebook))})"
    reply = execute(client, "", silent=True, user_expressions={"guard": call})
    value = reply["user_expressions"]["guard"]
    assert value["status"] == "ok", value
    result = json.loads(value["data"]["text/plain"])
    assert result["hidden"] == [
        {"cell": 2, "name": "rate", "reason": "defined_nowhere", "defined_below": []},
        {"cell": 2, "name": "later_value", "reason": "defined_below", "defined_below": [3]},
    ]
    # Nothing the user can see changed: the namespace is the same.
    after = execute(client, "", silent=True, user_expressions={"n": "sorted(get_ipython().user_ns)"})
    assert ast.literal_eval(after["user_expressions"]["n"]["data"]["text/plain"]) == ast.literal_eval(
        before["user_expressions"]["n"]["data"]["text/plain"]
    )
