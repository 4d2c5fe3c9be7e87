"""Passing means: verify_query_rewrite ran and said "Same rows" for a rewrite; the cell now
holds that verified rewrite (not the original NOT IN); and the kernel's `rows` (the cell ran
again) equal the original query's result, computed here in the same kernel."""
import re

from check import normalise_sql

ORIGINAL = "SELECT c_custkey FROM customer WHERE c_custkey NOT IN (SELECT o_custkey FROM orders)"


def check(ctx):
    verified = [c for c in ctx.tool_calls("verify_query_rewrite") if c.get("state") == "done" and "Same rows" in ctx.result_text(c)]
    ctx.expect(verified, f"verify_query_rewrite said 'Same rows' ({len(ctx.tool_calls('verify_query_rewrite'))} verify calls)")
    nb = ctx.notebook("slow.ipynb")
    cell = ctx.cell(nb, "query")
    source = ctx.source(cell) if cell else ""
    ctx.expect(normalise_sql(ORIGINAL) not in normalise_sql(source), "the cell no longer runs the original query")
    rewrites = [normalise_sql(c["input"]["rewrite"]) for c in verified]
    ctx.expect(any(r in normalise_sql(source) for r in rewrites), "the cell runs the rewrite that was verified")
    ctx.expect(re.search(r"\brows\s*=", source) is not None, "the cell still assigns `rows`")
    same = ctx.kernel_eval(
        "slow.ipynb",
        f"con = user_ns['con']\nexpected = sorted(con.sql({ORIGINAL!r}).fetchall())\n"
        "got = sorted(user_ns.get('rows') or [])\nresult = {'same': expected == got, 'n': len(got), 'expected': len(expected)}",
    )
    ctx.expect(same["same"], f"the kernel's rows equal the original result ({same['n']} vs {same['expected']} rows)")
    ctx.expect(not ctx.errors(nb), f"the saved notebook shows no error ({ctx.errors(nb)})")
