"""The failing cell (`revenue`) fails because the `filter` cell above it keeps no rows
(status "complete" instead of "completed"). Passing means: the kernel's `best_channel` is the
real answer, `done` holds exactly the completed orders, and the saved notebook has no error."""
import pandas as pd


def check(ctx):
    orders = pd.read_csv(ctx.path("data/orders.csv"))
    completed = orders[orders["status"] == "completed"]
    expected = completed.groupby("channel")["amount"].sum().idxmax()
    state = ctx.kernel_eval(
        "report.ipynb",
        "ns = user_ns\n"
        "result = {'best': ns.get('best_channel'), 'done': len(ns['done']) if 'done' in ns else None,"
        " 'statuses': sorted(set(map(str, ns['done']['status']))) if 'done' in ns else None}",
    )
    ctx.expect(state["best"] == expected, f"kernel best_channel == {expected!r} (got {state['best']!r})")
    ctx.expect(
        state["done"] == len(completed) and state["statuses"] == ["completed"],
        f"the earlier cell keeps the {len(completed)} completed orders (got {state['done']} rows, {state['statuses']})",
    )
    nb = ctx.notebook("report.ipynb")
    ctx.expect(nb is not None and not ctx.errors(nb), f"the saved notebook shows no error ({ctx.errors(nb)})")
    revenue = ctx.cell(nb, "revenue")
    ctx.expect(revenue is not None and revenue.get("execution_count"), "the revenue cell ran in the saved notebook")
