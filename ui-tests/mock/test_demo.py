"""Demo mode: the scripted runs of demo.py, unit by unit and through a `--demo` mock."""

import http.client
import json
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from demo import DEMO_NOTE, demo_script  # noqa: E402

CONTEXT = {"type": "text", "text": "<context>\n## Notebook getting-started.ipynb\n[ask-inspect] inspect `orders` ... polars ... optimize\n</context>"}


def user(text, context=True):
    return {"role": "user", "content": [{"type": "text", "text": text}] + ([CONTEXT] if context else [])}


def tool_use(script):
    return [b for b in script["blocks"] if b["type"] == "tool_use"]


def answer(script, text, error=False, context=True):
    """The assistant message of `script` and the user message with its tool results."""
    calls = tool_use(script)
    assistant = {"role": "assistant", "content": script["blocks"]}
    results = [{"type": "tool_result", "tool_use_id": c["id"], "content": text, "is_error": error} for c in calls]
    return [assistant, {"role": "user", "content": results + ([CONTEXT] if context else [])}]


def test_other_prompts_get_the_demo_note_and_the_context_does_not_pick_a_scenario():
    script = demo_script({"messages": [user("What is the weather like?")]})
    assert script["blocks"][0]["text"] == DEMO_NOTE
    assert "ANTHROPIC_API_KEY" in DEMO_NOTE


def test_inspect_orders_calls_the_tool_then_answers_from_its_result():
    first = demo_script({"messages": [user("inspect `orders`")]})
    (call,) = tool_use(first)
    assert call["name"] == "inspect_variable" and call["input"]["name"] == "orders"
    assert first["stop_reason"] == "tool_use"
    facts = {"kind": "pandas.DataFrame", "shape": [240, 3], "columns": [
        {"name": "order_id", "dtype": "int64", "nulls": 0},
        {"name": "discount", "dtype": "float64", "nulls": 7}]}
    framed = "<data source=\"kernel:orders\">\n" + json.dumps(facts) + "\n</data>"
    messages = [user("inspect `orders`")] + answer(first, framed)
    final = demo_script({"messages": messages})["blocks"][0]["text"]
    assert "240 rows" in final and "`discount`" in final and "| `order_id` | int64 | 0 |" in final


def test_a_failed_tool_gets_a_reply_that_says_what_to_do():
    first = demo_script({"messages": [user("inspect orders")]})
    messages = [user("inspect orders")] + answer(first, "NameError: orders is not defined", error=True)
    text = demo_script({"messages": messages})["blocks"][0]["text"]
    assert "NameError" in text and "run the cells" in text


def test_polars_inserts_runs_then_reports():
    first = demo_script({"messages": [user("rewrite the pandas loading cell in polars")]})
    (call,) = tool_use(first)
    assert call["name"] == "insert_cell" and "pl.read_csv" in call["input"]["source"]
    messages = [user("rewrite the pandas loading cell in polars")] + answer(first, json.dumps({"cell_id": "c0ffee42"}))
    second = demo_script({"messages": messages})
    (run,) = tool_use(second)
    assert run["name"] == "run_cell" and run["input"] == {"cell_id": "c0ffee42"}
    messages += answer(second, "Cell c0ffee42 ran: shape (5, 6)")
    assert "polars" in demo_script({"messages": messages})["blocks"][0]["text"]


def test_quality_runs_checks_in_scratch_and_lists_the_findings():
    first = demo_script({"messages": [user("what data-quality problems do orders and customers have?")]})
    (call,) = tool_use(first)
    assert call["name"] == "run_scratch" and "duplicated" in call["input"]["code"]
    out = "orders: 240 rows; customers: 60 rows\norders.discount: 7 empty values\ncustomers.customer_id: duplicated for [17]"
    messages = [user("what data-quality problems?")] + answer(first, out)
    text = demo_script({"messages": messages})["blocks"][0]["text"]
    assert "- orders.discount: 7 empty values" in text and "duplicated for [17]" in text


@pytest.fixture(scope="module")
def demo_mock():
    proc = subprocess.Popen([sys.executable, str(Path(__file__).with_name("mock_anthropic.py")), "--port", "0", "--demo"],
                            stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    assert line.startswith("MOCK READY http://127.0.0.1:"), line
    yield int(line.rsplit(":", 1)[1])
    proc.terminate()
    proc.wait(5)


def _call(port, method, path, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request(method, path, None if body is None else json.dumps(body),
                 {"content-type": "application/json", "x-api-key": "k"})
    resp = conn.getresponse()
    try:
        return resp.status, json.loads(resp.read())
    finally:
        conn.close()


def test_a_demo_mock_says_so_and_plays_the_scenarios(demo_mock):
    assert _call(demo_mock, "GET", "/_mock/info")[1] == {"mock": "jupyterlab-data-engineer", "demo": True}
    status, message = _call(demo_mock, "POST", "/v1/messages", {
        "model": "m", "max_tokens": 100, "messages": [user("inspect `orders`")]})
    assert status == 200
    assert [b["name"] for b in message["content"] if b["type"] == "tool_use"] == ["inspect_variable"]
    # A queued script still wins (tests can script a demo mock).
    _call(demo_mock, "POST", "/_mock/script", {"responses": [{"blocks": [{"type": "text", "text": "queued"}]}]})
    _, queued = _call(demo_mock, "POST", "/v1/messages", {"model": "m", "max_tokens": 100, "messages": [user("inspect orders")]})
    assert queued["content"][0]["text"] == "queued"
