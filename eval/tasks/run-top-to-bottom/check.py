"""Passing means: the saved big_orders.ipynb, run here from the top in a fresh kernel
(nbclient), raises no error and still computes the orders above 200 (the count is checked
against the CSV; a cell appended to a copy reads it), and the notebook's own cells ran."""
import csv
import json

import nbformat
from nbclient import NotebookClient


def check(ctx):
    with open(ctx.path("data/orders.csv"), newline="") as f:
        expected = sum(1 for row in csv.DictReader(f) if float(row["amount"]) > 200)
    nb = ctx.notebook("big_orders.ipynb")
    if not ctx.expect(nb is not None, "big_orders.ipynb exists"):
        return
    ctx.expect(not ctx.errors(nb), f"the saved notebook shows no error ({ctx.errors(nb)})")
    copy = nbformat.reads(json.dumps(nb), as_version=4)
    copy.cells.append(nbformat.v4.new_code_cell("import json as _j\nprint('EVAL-RESULT', _j.dumps({'n': int(len(big_orders))}))"))
    client = NotebookClient(copy, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(ctx.root)}})
    try:
        client.execute()
    except Exception as error:
        ctx.expect(False, f"it runs top to bottom in a fresh kernel ({type(error).__name__}: {str(error)[-300:]})")
        return
    ctx.expect(True, "it runs top to bottom in a fresh kernel")
    text = "".join(o.get("text", "") for o in copy.cells[-1].get("outputs", []) if o.get("output_type") == "stream")
    n = json.loads(text.split("EVAL-RESULT", 1)[1]).get("n") if "EVAL-RESULT" in text else None
    ctx.expect(n == expected, f"big_orders has the {expected} orders above 200 (got {n})")
