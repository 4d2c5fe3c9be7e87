"""get_problems' route (problems.py) against a real `jupyter server`: ruff and sqlglot diagnostics."""

from __future__ import annotations

import json
import os

import pytest

from .code_server import code_server

CELLS = [
    {"id": "load-1", "cell_type": "code", "source": "import pandas as pd\nimport duckdb\n"},
    {"id": "note-2", "cell_type": "markdown", "source": "# Orders\nundefined words here"},
    {"id": "total-3", "cell_type": "code", "source": "orders = pd.DataFrame()\ntotal = summarise(orders)\n"},
    {"id": "plain-4", "cell_type": "code", "source": "%matplotlib inline\nprint(orders.shape)\n!ls\n"},
    {"id": "query-5", "cell_type": "code", "source": "%%sql\nSELECT id,\nFROM orders WHERE\n"},
    {"id": "ok-6", "cell_type": "code", "source": "duckdb.sql('SELECT count(*) FROM orders').show()\n"},
]


def _notebook(cells):
    return {
        "cells": [{**c, "metadata": {}, **({"outputs": [], "execution_count": None} if c["cell_type"] == "code" else {})}
                  for c in cells],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    home = tmp_path_factory.mktemp("problems-route")
    root = home / "root"
    (root / "etl").mkdir(parents=True)
    (root / "report.ipynb").write_text(json.dumps(_notebook(CELLS)))
    (root / "etl" / "load.py").write_text(
        "import os\n\n\ndef load(con):\n    return con.execute('''\n        SELECT * FORM orders\n    ''')\n"
    )
    (root / "etl" / "daily.sql").write_text("SELECT a,\n  b\nFROM t\nWHERE a IN (1, 2\n")
    (root / ".hidden.py").write_text("x = y\n")
    outside = home / "outside.py"
    outside.write_text("x = y\n")
    os.symlink(outside, root / "linked.py")
    with code_server(home, root) as s:
        yield s


def _by_cell(problems):
    return {(p["cell"], p["code"]) for p in problems}


def test_open_notebook_reports_undefined_name_in_cell_3_and_sql_error_in_cell_5(server):
    r = server["post"]("problems", {"notebooks": [{"path": "report.ipynb", "cells": CELLS}]})
    assert r.status_code == 200, r.text
    body = r.json()
    found = _by_cell(body["problems"])
    assert ("total-3", "F821") in found
    assert ("query-5", "sql-syntax") in found
    undefined = next(p for p in body["problems"] if p["code"] == "F821")
    assert undefined["cell_index"] == 3 and undefined["line"] == 2 and "summarise" in undefined["message"]
    assert undefined["severity"] == "error" and undefined["source"] == "ruff"
    sql = next(p for p in body["problems"] if p["code"] == "sql-syntax")
    assert sql["cell_index"] == 5 and sql["line"] in (2, 3) and sql["severity"] == "error"
    # Magics and shell lines are not Python errors; the valid query is not flagged.
    assert not any(p["cell"] in ("plain-4", "ok-6") for p in body["problems"]), body["problems"]
    # Errors before warnings (F401: pandas is used, duckdb too; nothing else is a warning here).
    ranks = [{"error": 0, "warning": 1, "info": 2}[p["severity"]] for p in body["problems"]]
    assert ranks == sorted(ranks)


def test_a_named_notebook_is_read_from_disk_with_cell_ids(server):
    r = server["post"]("problems", {"paths": ["report.ipynb"]})
    assert r.status_code == 200, r.text
    found = _by_cell(r.json()["problems"])
    assert ("total-3", "F821") in found and ("query-5", "sql-syntax") in found


def test_python_and_sql_files(server):
    r = server["post"]("problems", {"paths": ["etl/load.py", "etl/daily.sql"]})
    body = r.json()
    load = [p for p in body["problems"] if p["path"] == "etl/load.py"]
    assert {p["code"] for p in load} == {"F401", "sql-syntax"}
    sql = next(p for p in load if p["code"] == "sql-syntax")
    assert sql["line"] == 6, sql  # the SQL string's line in the file
    assert [p["code"] for p in body["problems"] if p["path"] == "etl/daily.sql"] == ["sql-syntax"]
    assert body["problems"][0]["severity"] == "error" and body["problems"][-1]["code"] == "F401"


def test_a_syntax_error_does_not_hide_the_other_cells_problems(server):
    cells = [*CELLS, {"id": "broken-7", "cell_type": "code", "source": "def f(:\n    pass\n"}]
    found = _by_cell(server["post"]("problems", {"notebooks": [{"path": "n.ipynb", "cells": cells}]}).json()["problems"])
    assert ("broken-7", "invalid-syntax") in found and ("total-3", "F821") in found


def test_bounded_with_the_total(server):
    cells = [{"id": f"c{i}", "cell_type": "code", "source": f"print(missing_{i})\n"} for i in range(30)]
    body = server["post"]("problems", {"notebooks": [{"path": "many.ipynb", "cells": cells}], "max": 5}).json()
    assert len(body["problems"]) == 5 and body["total"] == 30 and body["truncated"] is True


def test_paths_outside_the_root_hidden_or_missing_are_refused_with_a_note(server):
    body = server["post"]("problems", {"paths": ["linked.py", ".hidden.py", "../x.py", "nope.py"]}).json()
    assert body["problems"] == []
    notes = " ".join(body["notes"])
    assert "outside the server root" in notes and "hidden" in notes and "'..'" in notes and "no such file" in notes


def test_bad_input_is_a_400_with_a_message(server):
    r = server["post"]("problems", {"paths": "report.ipynb"})
    assert r.status_code == 400 and "paths must be a list" in r.text
    r = server["post"]("problems", {"notebooks": [{"cells": []}]})
    assert r.status_code == 400 and "needs a path" in r.text


def test_the_route_needs_authentication_and_xsrf(server):
    assert server["post"]("problems", {"paths": []}, auth=False).status_code == 403
    # A cookie-less browser-like POST without the XSRF token is refused too.
    r = server["post"]("problems", {"paths": []}, auth=False, headers={"Cookie": "_xsrf=abc"})
    assert r.status_code == 403
