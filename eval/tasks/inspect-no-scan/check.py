"""`events` is a polars LazyFrame over a million rows. Passing means: answer.json names every
column with its dtype (checked against the kernel's schema), and no code that scans the data
ran in the kernel: neither in IPython's history (`In`, cells) nor in the execution log (which
also has run_scratch code, stored without history). The extension's inspector runs silently
and reads the schema only, so it is allowed."""
import json
import re

SCANS = re.compile(r"\.(collect|describe|fetch|to_pandas|to_arrow|glimpse|null_count|value_counts|n_unique|profile)\s*\(|read_parquet\s*\(")
ALIASES = {"i64": "int64", "int": "int64", "str": "string", "utf8": "string", "f64": "float64", "float": "float64", "datetime64": "datetime"}


def base(dtype: str) -> str:
    name = re.match(r"[A-Za-z_]+\d*", str(dtype).strip())
    name = name.group(0).lower() if name else ""
    return ALIASES.get(name, name)


def check(ctx):
    schema = ctx.kernel_eval("events.ipynb", "result = {k: str(v) for k, v in user_ns['events'].collect_schema().items()}")
    answer_file = ctx.path("answer.json")
    answer = {}
    if ctx.expect(answer_file.exists(), "answer.json was written"):
        try:
            answer = json.loads(answer_file.read_text()).get("columns", {})
        except (ValueError, AttributeError):
            answer = {}
    ctx.expect(sorted(answer) == sorted(schema), f"answer.json names the columns {sorted(schema)} (got {sorted(answer)})")
    wrong = [k for k in schema if k in answer and base(answer[k]) != base(schema[k])]
    ctx.expect(not wrong, f"the dtypes match the kernel's schema {schema} (wrong: {wrong})")

    history = ctx.history("events.ipynb")
    scanned = [code for code in history if SCANS.search(code)]
    ctx.expect(not scanned, f"no scan in the kernel's history In ({len(history)} entries): {scanned[:2]}")
    logged = [r for r in ctx.code_log() if r["kind"] != "cell" and SCANS.search(r["code"])]
    ctx.expect(not logged, f"no scan in the code run outside cells: {[r['code'][:120] for r in logged[:2]]}")
