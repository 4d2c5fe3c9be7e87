"""The New ETL notebook flow from data/orders.csv to a Parquet folder. Passing means: the proof
run (prove_etl_notebook: two headless runs in fresh kernels) said "2 runs, idempotent"; the
Parquet target holds one row per distinct order of the source, with net_amount = amount -
discount (missing discount 0), checked here against the CSV; the notebook shows no error."""
import pandas as pd


def check(ctx):
    proofs = [c for c in ctx.tool_calls("prove_etl_notebook") if c.get("state") == "done"]
    texts = [ctx.result_text(c) for c in proofs]
    ctx.expect(any("2 runs, idempotent" in t for t in texts), f"the proof run says '2 runs, idempotent' ({[t[:80] for t in texts]})")
    notebooks = sorted(p for p in ctx.root.rglob("*_etl.ipynb") if ".ipynb_checkpoints" not in p.parts)
    if not ctx.expect(notebooks, "an ETL notebook was created"):
        return
    nb = ctx.notebook(str(notebooks[0].relative_to(ctx.root)))
    ctx.expect(not ctx.errors(nb), f"the saved notebook shows no error ({ctx.errors(nb)})")
    parts = sorted(p for p in ctx.root.rglob("output/orders/**/*.parquet"))
    if not ctx.expect(parts, "the Parquet target exists (output/orders/)"):
        return
    target = pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)
    source = pd.read_csv(ctx.path("data/orders.csv")).drop_duplicates("order_id")
    ctx.expect(len(target) == len(source), f"the target has {len(source)} rows, one per order (got {len(target)})")
    ctx.expect(target["order_id"].is_unique if "order_id" in target else False, "order_id is unique in the target")
    if "net_amount" in target and "order_id" in target:
        expected = (source["amount"] - source["discount"].fillna(0)).round(2)
        merged = source.assign(expected=expected)[["order_id", "expected"]].merge(target[["order_id", "net_amount"]], on="order_id")
        ok = len(merged) == len(source) and (merged["expected"] - merged["net_amount"]).abs().max() <= 0.005
        ctx.expect(ok, "net_amount = amount - discount for every order")
    else:
        ctx.expect(False, "the target has order_id and net_amount")
