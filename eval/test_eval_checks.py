"""Unit tests of the evaluation's checker context and execution log (no browser, no server).
The checkers themselves are tested end to end by `npm run eval -- --replay`."""
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import check  # noqa: E402


def load_task(name):
    spec = importlib.util.spec_from_file_location(f"task_{name}", HERE / "tasks" / name / "check.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CHAT = {
    "personaId": "security-engineer",
    "turns": [
        {"role": "user", "text": "hi"},
        {"role": "assistant", "personaId": "data-engineer", "text": "Switch to Security Engineer", "status": "done", "blocks": [
            {"type": "tool", "call": {"name": "run_scratch", "input": {"code": "1"}, "state": "done", "result": {"content": "Output: 1"}}},
        ]},
        {"role": "assistant", "personaId": "security-engineer", "text": "Review", "status": "done", "blocks": [
            {"type": "tool", "call": {"name": "read_cell", "input": {}, "state": "done", "result": {"content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]}}},
        ]},
    ],
}


def test_context_reads_tool_calls_and_texts(tmp_path):
    ctx = check.Context(tmp_path, CHAT, "http://127.0.0.1:1", tmp_path, {})
    assert [c["name"] for c in ctx.tool_calls()] == ["run_scratch", "read_cell"]
    assert ctx.result_text(ctx.tool_calls("read_cell")[0]) == "a\nb"
    assert "Review" in ctx.assistant_text()


def test_security_handoff_checker_fails_without_the_switch(tmp_path):
    task = load_task("security-handoff")
    ctx = check.Context(tmp_path, CHAT, "", tmp_path, {})
    task.check(ctx)
    assert ctx.failures == []
    ctx = check.Context(tmp_path, {**CHAT, "personaId": None, "turns": CHAT["turns"][:2]}, "", tmp_path, {})
    task.check(ctx)
    assert len(ctx.failures) == 2


def test_scan_and_pandas_patterns():
    scans = load_task("inspect-no-scan").SCANS
    assert scans.search("events.collect().describe()")
    assert scans.search("events.select('x').collect ()")
    assert not scans.search("events.collect_schema()")
    assert not scans.search("pl.scan_parquet('events.parquet')")
    pandas = load_task("instructions-polars").PANDAS
    assert pandas.search("import pandas as pd") and pandas.search("from pandas import read_csv") and pandas.search("df.to_pandas()")
    assert not pandas.search("import polars as pl\npl.read_csv('a.csv')")


def test_normalise_sql():
    assert check.normalise_sql("SELECT  1\n FROM t ;") == "select 1 from t"


def test_cli_reports_a_checker_that_checks_nothing(tmp_path):
    task = tmp_path / "task"
    task.mkdir()
    (task / "check.py").write_text("def check(ctx):\n    pass\n")
    chat = tmp_path / "chat.json"
    chat.write_text(json.dumps({"turns": []}))
    out = subprocess.run(
        [sys.executable, str(HERE / "check.py"), "--task", str(task), "--root", str(tmp_path), "--chat", str(chat),
         "--server", "http://127.0.0.1:1", "--log-dir", str(tmp_path)],
        capture_output=True, text=True, check=True,
    )
    verdict = json.loads(out.stdout.strip().splitlines()[-1])
    assert verdict == {"passed": False, "failures": ["the checker checked nothing"], "checks": []}


def test_execution_log_records_cells_and_scratch_code(tmp_path, monkeypatch):
    """The IPython start-up file logs non-silent executions, unwrapping run_scratch's code."""
    pytest.importorskip("IPython")
    script = f"""
import json, os, sys
os.environ['DE_EVAL_LOG_DIR'] = {str(tmp_path)!r}
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
shell.run_cell(open({str(HERE / 'ipython' / 'startup' / '00-de-eval-log.py')!r}).read(), store_history=False, silent=True)
shell.run_cell('x = 1', store_history=True)
shell.user_ns['helper'] = type('H', (), {{'run_scratch': staticmethod(lambda code: None)}})
shell.run_cell('helper.run_scratch(' + json.dumps('df.describe()') + ')', store_history=False)
shell.run_cell('y = 2', silent=True)
"""
    subprocess.run([sys.executable, "-c", script], check=True, capture_output=True)
    records = [json.loads(line) for f in tmp_path.glob("kernel-*.jsonl") for line in f.read_text().splitlines()]
    assert [(r["kind"], r["code"]) for r in records] == [("cell", "x = 1"), ("scratch", "df.describe()")]
