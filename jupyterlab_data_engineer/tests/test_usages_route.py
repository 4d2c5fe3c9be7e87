"""find_usages' symbol route (symbols.py): jedi in the server, against a real `jupyter server`."""

from __future__ import annotations

import json

import pytest

from .code_server import code_server

LOAD_PY = '''import csv


def load_orders(path):
    """Read the orders file."""
    return list(csv.reader(open(path)))


class Loader:
    def load_orders(self):
        return "not the function"
'''

CELLS = [
    {"id": "imports", "cell_type": "code", "source": "from load import Loader, load_orders\n"},
    {"id": "md", "cell_type": "markdown", "source": "We call load_orders below."},
    {"id": "call", "cell_type": "code", "source": "%time x = 1\nrows = load_orders('orders.csv')  # load_orders\n"},
    {"id": "other", "cell_type": "code", "source": "Loader().load_orders()\nprint('load_orders')\n"},
]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    home = tmp_path_factory.mktemp("usages-route")
    root = home / "root"
    (root / "etl").mkdir(parents=True)
    (root / "etl" / "load.py").write_text(LOAD_PY)
    (root / "etl" / "report.ipynb").write_text(json.dumps({
        "cells": [{**c, "metadata": {}, **({"outputs": [], "execution_count": None} if c["cell_type"] == "code" else {})}
                  for c in CELLS],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5,
    }))
    (root / "etl" / "notes.py").write_text("# load_orders is mentioned only in a comment\n")
    with code_server(home, root) as s:
        yield s


def test_finds_the_definition_in_a_py_and_the_call_in_a_notebook_cell(server):
    r = server["post"]("usages", {"symbol": "load_orders", "path": "etl"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["resolved"] is True
    function = next(d for d in body["definitions"] if d["path"] == "etl/load.py" and d["line"] == 4)
    assert function["kind"] == "function" and function["text"].startswith("def load_orders")
    calls = [r for r in body["references"] if r["cell"] == "call"]
    assert len(calls) == 1, body["references"]  # the comment on the same line is not a usage
    assert calls[0]["path"] == "etl/report.ipynb" and calls[0]["line"] == 2
    assert calls[0]["targets"] == [function["key"]]
    imports = [r for r in body["references"] if r["cell"] == "imports"]
    assert imports and imports[0]["import"] is True
    # The method of the same name is another definition; its call does not count as the function's.
    method = next(d for d in body["definitions"] if d["line"] == 10)
    other = [r for r in body["references"] if r["cell"] == "other"]
    assert other and other[0]["targets"] == [method["key"]]
    # Strings and comments are not usages.
    assert body["unresolved"] >= 2 and not any(r["path"] == "etl/notes.py" for r in body["references"])


def test_the_open_notebook_copy_wins(server):
    cells = [{"id": "new", "cell_type": "code", "source": "from load import load_orders\n\n\nload_orders('b')\n"}]
    body = server["post"]("usages", {"symbol": "load_orders", "path": "etl",
                                     "notebooks": [{"path": "etl/report.ipynb", "cells": cells},
                                                   {"path": "etl/unsaved.ipynb", "cells": cells}]}).json()
    cells_seen = {r["cell"] for r in body["references"] if r["path"] == "etl/report.ipynb"}
    assert cells_seen == {"new"}
    # A notebook open in the page but never saved is searched too.
    assert {r["line"] for r in body["references"] if r["path"] == "etl/unsaved.ipynb"} == {1, 4}


def test_a_name_jedi_cannot_resolve_says_so(server):
    body = server["post"]("usages", {"symbol": "customer_id", "path": "etl"}).json()
    assert body["resolved"] is False and body["references"] == []


def test_bad_input(server):
    assert server["post"]("usages", {"symbol": "two words"}).status_code == 400
    r = server["post"]("usages", {"symbol": "x", "path": "../"})
    assert r.status_code == 400 and ".." in r.text
    assert server["post"]("usages", {"symbol": "x"}, auth=False).status_code == 403
