"""The hidden-state guard of issue 29 (src/reproduce/kernel/reproduce_guard.py)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

GUARD_PATH = Path(__file__).resolve().parents[2] / "src" / "reproduce" / "kernel" / "reproduce_guard.py"
_spec = importlib.util.spec_from_file_location("reproduce_guard_under_test", GUARD_PATH)
guard = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(guard)


def missing(cells):
    return {e["index"]: [m["name"] for m in e["missing"]] for e in guard.analyze_cells(cells)}


def test_name_defined_only_in_a_deleted_cell_is_hidden_state():
    cells = ["import pandas as pd\ndf = pd.DataFrame({'a': [1]})", "total = df['a'].sum() + rate"]
    assert missing(cells) == {0: [], 1: ["rate"]}
    hidden = guard.hidden_state(guard.analyze_cells(cells), ["pd", "df", "total", "rate"])
    assert hidden == [{"cell": 1, "name": "rate", "reason": "defined_nowhere", "defined_below": []}]
    # Not in the kernel: a plain NameError on any run, not hidden state.
    assert guard.hidden_state(guard.analyze_cells(cells), ["pd", "df"]) == []


def test_name_defined_below_its_use():
    cells = ["print(threshold)", {"cell_type": "markdown", "source": "notes"}, "threshold = 3"]
    analysis = guard.analyze_cells(cells)
    assert analysis[0]["missing"][0]["defined_below"] == [2]
    assert guard.hidden_state(analysis, {"threshold"})[0]["reason"] == "defined_below"


def test_order_inside_a_cell_and_binding_forms():
    cells = [
        "x = 1\ny = x + 1\nz += 1\n"
        "for i, (j, *k) in enumerate(data): pass\n"
        "with open(p) as fh: fh.read()\n"
        "try:\n    pass\nexcept ValueError as err:\n    print(err)\n"
        "if (n := len(y_list)) > 2: print(n)\n"
        "import os.path, numpy as np\nfrom a.b import c as d\n"
        "class K(Base):\n    attr = 1\n    other = attr + 1\n"
    ]
    entry = guard.analyze_cells(cells)[0]
    assert entry["reads"] == ["z", "data", "p", "y_list", "Base"]
    for name in ["x", "y", "z", "i", "j", "k", "fh", "err", "n", "os", "np", "d", "K"]:
        assert name in entry["defines"], name
    assert "attr" not in entry["defines"]


def test_comprehension_scope():
    cells = [
        "squares = [v * v for v in range(3) if v]\n"
        "pairs = {a: b for a in items for b in a}\n"
        "last = [w := v for v in range(3)]\n",
        "print(v, w, a)",
    ]
    analysis = guard.analyze_cells(cells)
    assert analysis[0]["reads"] == ["items"]
    assert "v" not in analysis[0]["defines"] and "w" in analysis[0]["defines"]
    assert [m["name"] for m in analysis[1]["missing"]] == ["v", "a"]


def test_global_and_function_scopes():
    cells = [
        "def setup():\n    global conn\n    conn = connect(url)\n"
        "def outer():\n    k = 1\n    def inner():\n        return k + helper\n    return inner\n"
        "setup()",
        "conn.close()",
    ]
    analysis = guard.analyze_cells(cells)
    assert "conn" in analysis[0]["defines"]
    # Function bodies read connect, url and helper when called; no cell defines them.
    assert sorted(analysis[0]["deferred_reads"]) == ["connect", "helper", "url"]
    assert sorted(m["name"] for m in analysis[0]["missing"]) == ["connect", "helper", "url"]
    assert all(m["in_function"] for m in analysis[0]["missing"])
    assert analysis[1]["missing"] == []
    # A body reading a name some later cell defines is fine.
    assert missing(["def f():\n    return later\n", "later = 1\nf()"]) == {0: [], 1: []}


def test_run_and_star_import_are_unknown():
    cells = ["%run setup.py", "from helpers import *", "print(cfg)"]
    analysis = guard.analyze_cells(cells)
    assert analysis[0]["unknown"] == [{"kind": "run", "text": "%run setup.py"}]
    assert analysis[1]["unknown"] == [{"kind": "star_import", "text": "from helpers import *"}]
    assert analysis[2]["missing"][0]["status"] == "unknown"
    out = json.loads(guard.guard_json(cells, ["cfg"]))
    assert out["hidden"][0]["reason"] == "unknown"
    assert [u["kind"] for u in out["unknown_sources"]] == ["run", "star_import"]
    # Without them the same name is plainly missing.
    assert guard.analyze_cells(["print(cfg)"])[0]["missing"][0]["status"] == "missing"


def test_magics_and_shell_lines_ignored():
    cells = [
        "%matplotlib inline\n%load_ext autoreload\n!pip install x\nfiles = !ls\nres = %sql select 1\n"
        "%time total = compute(base)\nlen?\n"
        "for f in files:\n    !echo {f}\n",
        "%%bash\necho $undefined_shell_var\n",
        "%%capture captured\nprint(files, res, total)",
        "%%time\nprint(captured, In, Out, _, _3, display)",
    ]
    analysis = guard.analyze_cells(cells)
    assert analysis[0]["reads"] == ["compute", "base"]
    assert {"files", "res", "total", "f"} <= set(analysis[0]["defines"])
    assert analysis[1]["skipped"].startswith("cell magic %%bash")
    assert analysis[1]["missing"] == []
    assert analysis[2]["missing"] == [] and "captured" in analysis[2]["defines"]
    assert analysis[3]["missing"] == []


def test_builtins_excluded_and_syntax_errors_reported():
    analysis = guard.analyze_cells(["print(len(range(3)), __name__)", "def broken(:\n"])
    assert analysis[0]["missing"] == []
    assert analysis[1]["error"].startswith("syntax error at line 1")


def test_nbformat_source_lists():
    cells = [{"cell_type": "code", "source": ["a = 1\n", "b = a\n"]}, {"cell_type": "code", "source": ["c = b + d"]}]
    assert missing(cells) == {0: [], 1: ["d"]}


def test_method_bodies_do_not_see_class_names_and_lambdas_are_deferred():
    cells = [
        "class A:\n    n = 1\n    def f(self):\n        return n + self.n\n"
        "key = lambda row, scale=factor: row[col] * scale\n"
    ]
    entry = guard.analyze_cells(cells)[0]
    assert entry["reads"] == ["factor"]  # the default is evaluated now
    assert entry["deferred_reads"] == ["col", "n"]
    assert set(entry["defines"]) == {"A", "key"}
