"""The kernel's `revenue_by_country` must equal the reference query's result (computed here,
with DuckDB, on the same files): one row per country, net revenue within a cent, highest first.
The data has one order and one customer loaded twice, and orders with unknown customers."""
import duckdb

REFERENCE = """
WITH o AS (
  SELECT * FROM read_csv_auto('{orders}') WHERE status = 'completed'
  QUALIFY row_number() OVER (PARTITION BY order_id) = 1
), c AS (
  SELECT customer_id, country FROM read_csv_auto('{customers}')
  QUALIFY row_number() OVER (PARTITION BY customer_id) = 1
)
SELECT c.country, round(sum(o.amount - coalesce(o.discount, 0)), 2) AS net_revenue
FROM o JOIN c USING (customer_id) GROUP BY c.country ORDER BY net_revenue DESC
"""


def check(ctx):
    expected = duckdb.sql(REFERENCE.format(orders=ctx.path("data/orders.csv"), customers=ctx.path("data/customers.csv"))).fetchall()
    got = ctx.kernel_eval(
        "analysis.ipynb",
        "df = user_ns.get('revenue_by_country')\n"
        "result = None if df is None else {'type': type(df).__module__ + '.' + type(df).__name__, 'columns': list(map(str, df.columns)),"
        " 'rows': [[str(r[0]), float(r[1])] for r in df[['country', 'net_revenue']].itertuples(index=False)] if {'country', 'net_revenue'} <= set(df.columns) else []}",
    )
    if not ctx.expect(got is not None, "the kernel has `revenue_by_country`"):
        return
    ctx.expect(got["type"].startswith("pandas"), f"it is a pandas DataFrame ({got['type']})")
    rows = got["rows"]
    same = len(rows) == len(expected) and all(
        r[0] == e[0] and abs(r[1] - float(e[1])) <= 0.011 for r, e in zip(rows, expected)
    )
    ctx.expect(same, f"it equals the reference, in order: {expected} (got {rows})")
    nb = ctx.notebook("analysis.ipynb")
    ctx.expect(not ctx.errors(nb), f"the saved notebook shows no error ({ctx.errors(nb)})")
