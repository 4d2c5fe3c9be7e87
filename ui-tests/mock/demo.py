"""Demo mode of the mock Messages API: scripted runs for the example workspace.

`scripts/launch.sh` starts the mock with `--demo` when no API key is set. A
request that finds the test queue empty is then answered from the scenario its
conversation is in, picked by the user's prompt of the current turn (the
suggested prompts of examples/getting-started.ipynb): the scenario's next step
calls the chat's real tools (on the real kernel, with the real approvals) and,
once their results are back, writes a reply built from what they returned. Any
other prompt gets a short note that this is demo mode and how to set a key.
"""

from __future__ import annotations

import json
import re

DEMO_NOTE = (
    "This is **demo mode**: there is no API key, so replies are scripted for the prompts "
    "suggested in `getting-started.ipynb` (try *inspect `orders`*, *what data-quality problems "
    "do `orders` and `customers` have?*, *rewrite the pandas loading cell in polars* or "
    "*optimize the revenue query*). To talk to Claude, set `ANTHROPIC_API_KEY` (and "
    "`ANTHROPIC_BASE_URL` for a gateway) in the environment and run `bash scripts/launch.sh` again."
)

QUALITY_CHECKS = """\
import pandas as pd
_o = pd.read_csv("data/orders.csv")
_c = pd.read_csv("data/customers.csv")
print("orders:", len(_o), "rows;", "customers:", len(_c), "rows")
for col, n in _o.isna().sum().items():
    if n:
        print(f"orders.{col}: {n} empty values")
dup = _c["customer_id"].duplicated(keep=False)
if dup.any():
    print("customers.customer_id: duplicated for", sorted(_c.loc[dup, "customer_id"].unique().tolist()))
orphans = ~_o["customer_id"].isin(_c["customer_id"])
if orphans.any():
    print("orders without a customer:", int(orphans.sum()))
if "amount" in _o and (_o["amount"] < 0).any():
    print("negative amounts:", int((_o["amount"] < 0).sum()))
print("status values:", sorted(_o["status"].dropna().unique().tolist()))
"""

POLARS_LOAD = """\
import polars as pl

# The loading cell in polars (the project's instructions prefer it): dates parsed on read.
orders_pl = pl.read_csv("data/orders.csv", try_parse_dates=True)
customers_pl = pl.read_csv("data/customers.csv", try_parse_dates=True)
orders_pl.head()"""

EXPLAIN_REVENUE = """\
_q = revenue_by_country.sql_query() if hasattr(revenue_by_country, "sql_query") else None
print(con.sql("EXPLAIN " + _q).fetchall()[0][1] if _q else "revenue_by_country is not a DuckDB relation")
"""


def _texts(content):
    if isinstance(content, str):
        return [content]
    # The chat appends the notebook view as a `<context>` block: not the user's words.
    return [b.get("text", "") for b in content or [] if isinstance(b, dict) and b.get("type") == "text"
            and not b.get("text", "").lstrip().startswith("<context>")]


def _tool_results(message):
    content = message.get("content")
    if not isinstance(content, list):
        return []
    out = []
    for block in content:
        if isinstance(block, dict) and block.get("type") == "tool_result":
            inner = block.get("content")
            text = inner if isinstance(inner, str) else "\n".join(
                b.get("text", "") for b in inner or [] if isinstance(b, dict))
            out.append({"id": block.get("tool_use_id"), "text": text, "error": bool(block.get("is_error"))})
    return out


def _turn(body):
    """The user's prompt of the current turn and the tool results since (one list per step)."""
    messages = body.get("messages") or []
    prompt_at = None
    for i in range(len(messages) - 1, -1, -1):
        m = messages[i]
        if m.get("role") == "user" and any(t.strip() for t in _texts(m.get("content"))) \
                and not _tool_results(m):
            prompt_at = i
            break
    if prompt_at is None:
        return "", []
    prompt = " ".join(_texts(messages[prompt_at].get("content")))
    steps = [_tool_results(m) for m in messages[prompt_at + 1:] if m.get("role") == "user"]
    return prompt, steps


def _json_in(text):
    """The first JSON object in a tool result's text (tool results may frame it)."""
    start = text.find("{")
    while start >= 0:
        depth, i, in_str, esc = 0, start, False, False
        while i < len(text):
            ch = text[i]
            if in_str:
                if esc:
                    esc = False
                elif ch == "\\":
                    esc = True
                elif ch == '"':
                    in_str = False
            elif ch == '"':
                in_str = True
            elif ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
                if depth == 0:
                    try:
                        return json.loads(text[start:i + 1])
                    except ValueError:
                        break
            i += 1
        start = text.find("{", start + 1)
    return None


def _tools(*calls, text=None):
    blocks = [{"type": "text", "text": text}] if text else []
    blocks += [{"type": "tool_use", "id": f"toolu_demo_{name}_{n}", "name": name, "input": args}
               for n, (name, args) in enumerate(calls)]
    return {"blocks": blocks, "stop_reason": "tool_use", "chunk_size": 24, "delay_ms": 8}


def _say(text):
    return {"blocks": [{"type": "text", "text": text}], "chunk_size": 24, "delay_ms": 8}


def _failed(result):
    return _say("The tool answered with an error:\n\n```\n" + result["text"][:1200] + "\n```\n\n"
                "In the example notebook, run the cells from the top first (the kernel needs "
                "`orders`, `customers` and `con`), then ask again.")


def _inspect(steps):
    if not steps:
        return _tools(("inspect_variable", {"name": "orders", "sample_rows": 5}),
                      text="I'll look at `orders` in the running kernel (no full scan).")
    result = steps[0][0] if steps[0] else {"text": "", "error": True}
    if result["error"]:
        return _failed(result)
    facts = _json_in(result["text"]) or {}
    cols = facts.get("columns") or []
    shape = facts.get("shape") or [facts.get("rows"), len(cols)]
    lines = [f"**`orders`** is a {facts.get('kind', 'dataframe')} with {shape[0]} rows and "
             f"{shape[1] if len(shape) > 1 else len(cols)} columns.", "",
             "| column | type | empty (in the sample) |", "|---|---|---:|"]
    for c in cols[:20]:
        lines.append(f"| `{c.get('name')}` | {c.get('dtype', '')} | {c.get('nulls', '')} |")
    gaps = [c.get("name") for c in cols if c.get("nulls")]
    lines += ["", (f"Worth a look: {', '.join(f'`{g}`' for g in gaps)} "
                   "has empty values; decide what net revenue should do with them.") if gaps
              else "No empty values in the sample."]
    return _say("\n".join(lines))


def _quality(steps):
    if not steps:
        return _tools(("run_scratch", {"code": QUALITY_CHECKS}),
                      text="I'll run a few checks on both files in the kernel, without creating a cell.")
    result = steps[0][0] if steps[0] else {"text": "", "error": True}
    if result["error"]:
        return _failed(result)
    found = [line.strip() for line in result["text"].splitlines()
             if re.search(r":\s", line) and not line.strip().startswith(("{", "}", "<", "#"))]
    bullets = "\n".join(f"- {line}" for line in found[:12]) or "- (no findings printed)"
    return _say("The checks found:\n\n" + bullets + "\n\nA duplicated customer id double-counts that "
                "customer's orders in any join; empty discounts should count as 0 in net revenue. "
                "I can add these as data-contract checks to the loading cell.")


def _polars(steps):
    if not steps:
        return _tools(("insert_cell", {"after_cell_id": "load-pandas", "source": POLARS_LOAD}),
                      text="I'll add the polars version of the loading cell below it, then run it.")
    if len(steps) == 1:
        result = steps[0][0] if steps[0] else {"text": "", "error": True}
        if result["error"]:
            return _failed(result)
        cell = _json_in(result["text"]) or {}
        cell_id = cell.get("cell_id") or cell.get("id")
        if not cell_id:
            m = re.search(r"cell ([A-Za-z0-9_-]{6,})", result["text"])
            cell_id = m.group(1) if m else None
        if not cell_id:
            return _say("The cell is inserted below the pandas one; run it to load the data with polars.")
        return _tools(("run_cell", {"cell_id": cell_id}))
    result = steps[-1][0] if steps[-1] else {"text": "", "error": True}
    if result["error"]:
        return _failed(result)
    return _say("Done: `orders_pl` and `customers_pl` are loaded with polars (dates parsed on read). "
                "The pandas cell is still there; later cells use `orders`, so switch them over one at "
                "a time. You can undo the insertion with the notebook's Undo.")


def _optimize(steps):
    if not steps:
        return _tools(("run_scratch", {"code": EXPLAIN_REVENUE}),
                      text="First the plan DuckDB makes for the revenue query.")
    result = steps[0][0] if steps[0] else {"text": "", "error": True}
    if result["error"]:
        return _failed(result)
    plan = result["text"].strip()[:1500]
    return _say("DuckDB's plan for `revenue_by_country`:\n\n<details><summary>Plan</summary>\n\n```\n"
                + plan + "\n```\n\n</details>\n\nThe join and the filter are already pushed down; "
                "a rewrite is only offered as faster once it has been run against the data and "
                "returned the same rows.")


SCENARIOS = [
    (re.compile(r"\binspect\b.*\borders\b", re.I | re.S), _inspect),
    (re.compile(r"quality|problems|flaws", re.I), _quality),
    (re.compile(r"\bpolars\b", re.I), _polars),
    (re.compile(r"optimi[sz]e|faster|slow", re.I), _optimize),
]


def demo_script(body):
    """The scripted response for a request in demo mode."""
    prompt, steps = _turn(body)
    for pattern, play in SCENARIOS:
        if pattern.search(prompt):
            return play(steps)
    return _say(DEMO_NOTE)
