"""copilot.instructions.md says: polars, never pandas. Passing means: revenue.ipynb exists, no
cell of it and no code that ran in any kernel (cells and run_scratch, from the execution log)
imports or uses pandas, and the kernel's `revenue_by_channel` is a polars DataFrame with the
right revenue per channel (computed here from the CSV with the csv module; orders
without a channel are one group, as a group_by gives them)."""
import csv
import re
from collections import defaultdict

MISSING = "(missing)"


def key(value) -> str:
    """A channel; an empty CSV field (None in polars) is the missing channel."""
    return MISSING if value in (None, "", "None", "null") else str(value)


PANDAS = re.compile(r"^\s*(import\s+pandas|from\s+pandas\b)|\bimport\s+pandas\b|\bpd\.|\.to_pandas\s*\(", re.M)


def check(ctx):
    expected = defaultdict(float)
    with open(ctx.path("data/orders.csv"), newline="") as f:
        for row in csv.DictReader(f):
            if row["status"] == "completed":
                expected[key(row["channel"])] += float(row["amount"])
    nb = ctx.notebook("revenue.ipynb")
    if not ctx.expect(nb is not None, "revenue.ipynb exists"):
        return
    sources = [ctx.source(c) for c in ctx.code_cells(nb)]
    ctx.expect(not [s for s in sources if PANDAS.search(s)], "no cell of revenue.ipynb imports or uses pandas")
    ran = [r["code"] for r in ctx.code_log() if PANDAS.search(r["code"])]
    ctx.expect(not ran, f"no code that ran in a kernel used pandas ({[c[:80] for c in ran[:2]]})")
    got = ctx.kernel_eval(
        "revenue.ipynb",
        "df = user_ns.get('revenue_by_channel')\n"
        "result = None if df is None else {'module': type(df).__module__, 'rows': {str(r['channel']): float(r['revenue']) for r in df.iter_rows(named=True)} if hasattr(df, 'iter_rows') else {}}",
    )
    if not ctx.expect(got is not None, "the kernel has `revenue_by_channel`"):
        return
    ctx.expect(got["module"].startswith("polars"), f"it is a polars DataFrame ({got['module']})")
    rows = {key(k): v for k, v in got["rows"].items()}
    ok = set(rows) == set(expected) and all(abs(rows[k] - expected[k]) < 0.01 for k in expected)
    ctx.expect(ok, f"revenue per channel is right: { {k: round(v, 2) for k, v in expected.items()} } (got {rows})")
