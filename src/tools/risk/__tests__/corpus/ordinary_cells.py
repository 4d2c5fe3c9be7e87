# Ordinary notebook cells (pandas, polars, DuckDB, plotting): the risk check
# must leave every one of them alone. Cells are separated by "# %%" lines.
# %%
import pandas as pd
import duckdb
df = pd.read_csv("data/sales.csv", parse_dates=["day"])
df.head()
# %%
con = duckdb.connect("warehouse.duckdb")
con.sql("SELECT region, sum(amount) AS total FROM sales GROUP BY region").df()
# %%
table = "sales"
con.execute("SELECT count(*) FROM sales WHERE day >= ?", [start]).fetchone()
# %%
df["margin"] = df.eval("revenue - cost")
df = df.query("margin > 0 and region == @region")
# %%
totals = pd.eval("df.revenue + df.cost")
# %%
for col in ["revenue", "cost"]:
    series = getattr(df, col)
    print(col, series.mean())
# %%
agg = getattr(df.groupby("region")["amount"], how)()
# %%
import importlib
mod = importlib.import_module("polars")
pl = importlib.reload(mod)
# %%
import re
pattern = re.compile(r"^(\d{4})-(\d{2})$")
months = [m.group(1) for m in map(pattern.match, df["month"]) if m]
# %%
import json
config = json.loads(open("config.json").read())
params = {k: v for k, v in config.items() if k.startswith("etl_")}
# %%
import subprocess
out = subprocess.run(["git", "log", "-1", "--format=%H"], capture_output=True, text=True)
commit = out.stdout.strip()
# %%
subprocess.run(["ls", "-la", folder], check=True)
# %%
import polars as pl
lf = pl.scan_parquet("data/*.parquet").filter(pl.col("amount") > 0)
result = lf.group_by("region").agg(pl.col("amount").sum()).collect()
# %%
import matplotlib.pyplot as plt
ax = df.plot(x="day", y="amount", kind="line")
plt.title(f"Sales since {start:%Y-%m-%d}")
plt.show()
# %%
rel = duckdb.sql("SELECT * FROM read_parquet('data/events.parquet') LIMIT 10")
rel.show()
# %%
expr = "amount * 1.2"
df["gross"] = df.eval(expr)
# %%
def summarise(frame, by):
    return frame.groupby(by).agg(total=("amount", "sum"), n=("amount", "size"))
summary = summarise(df, ["region", "product"])
# %%
method = getattr(summary, "to_markdown")
print(method())
# %%
handlers = {"csv": pd.read_csv, "parquet": pd.read_parquet}
frame = handlers[fmt](path)
# %%
%timeit df.groupby("region").amount.sum()
# %%
!pip list | grep pandas
# %%
value = eval_model(df, target="amount")
scores = compile_report(value)
