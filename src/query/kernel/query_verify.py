"""Query helper, part 3 of 4: is a rewrite the same query, and is it faster?

Loading: the frontend concatenates query_engines.py, query_probe.py, query_verify.py and
query_explain.py and sends them with inspector.py's bootstrap template (silent execute,
store_history=False), into `sys.modules['__jl_data_engineer_query__']`; no name is
assigned in the user's namespace. Calls go through `user_expressions` of a silent execute
request with code '':

    __import__('sys').modules['__jl_data_engineer_query__'].verify_rewrite(
        get_ipython().user_ns, <ORIGINAL>, <REWRITE>, connection=<NAME|None>, engine=<KIND|None>,
        tolerance=1e-9, time_budget=30)

and return a str whose repr is one line of JSON. `cancel()` (from a subshell) or a kernel
interrupt stops a running verification: the verdict is then "cancelled".

The verdict ("verdict"):
- "refused": not one read-only statement (DML, DDL, COPY, SELECT INTO, FOR UPDATE, side-
  effect functions, more than one statement), or sqlglot missing;
- "not_comparable": a top-level LIMIT without an ORDER BY that fixes a total order, a
  non-deterministic function (random(), now()), an order that cannot be checked;
- "different": the results differ on the real data ("diff": counts, example rows);
- "different_on_probe": same on the real data, different on the edge probe
  ("probe.counterexample": the smallest probe rows found, and the rows that differ);
- "same": same rows on both; "timing" says whether the rewrite is faster;
  "method" says how the rows were compared: "warmup_rows" (the rows of the timing's
  warm-up runs, in Python: no extra run of either query), "ordered" (ORDER BY: as lists),
  "in_engine" (untimed, Spark, or results over CLIENT_ROWS), "in_engine+tolerance" (the
  engine found differences; Python checked them within the tolerance), "sorted_rows"
  (untimed on an engine without EXCEPT ALL);
- "cancelled", "error".
"""

import json as _json
import math as _math
import statistics as _stats
import time as _time

DEFAULT_TOLERANCE = 1e-9
DEFAULT_BUDGET = 30.0
CLIENT_ROWS = 500_000  # results compared in Python at most (per side)
EXAMPLES = 5
MAX_ROUNDS = 200  # a cap for very fast queries; the time budget decides otherwise
MIN_ROUNDS = 3

_SIDE_EFFECTS = frozenset((
    "nextval", "setval", "currval", "lastval", "setseed", "pg_sleep", "pg_terminate_backend",
    "pg_cancel_backend", "pg_reload_conf", "pg_rotate_logfile", "set_config", "lo_import",
    "lo_export", "lo_unlink", "lo_create", "pg_notify", "txid_current", "pg_read_file",
    "pg_read_binary_file", "pg_ls_dir", "pg_stat_reset", "pg_switch_wal", "dblink", "dblink_exec",
    "pg_advisory_lock", "pg_try_advisory_lock", "pg_advisory_xact_lock", "load_extension",
    "writefile", "reflect", "java_method", "try_reflect", "install", "load",
))
_NONDETERMINISTIC = frozenset((
    "rand", "random", "randn", "uuid", "gen_random_uuid", "random_uuid", "uuidv4", "newid",
    "now", "current_timestamp", "current_time", "localtimestamp", "clock_timestamp",
    "statement_timestamp", "timeofday", "get_current_time", "shuffle",
))
_FORBIDDEN = ("Insert", "Update", "Delete", "Merge", "Create", "Drop", "Alter", "Command", "Copy",
              "Into", "Lock", "Set", "Pragma", "Use", "TruncateTable", "LoadData", "Attach", "Detach",
              "Grant", "Transaction", "Commit", "Rollback", "Analyze", "Cache", "Uncache", "Refresh",
              "Export")


class _Text(str):
    """A str whose repr is itself: the kernel's text/plain is the bare JSON."""

    __slots__ = ()

    def __repr__(self):
        return str.__str__(self)


def _cell(v):
    """A JSON-safe rendering of one result value."""
    if v is None or isinstance(v, (bool, int)) and abs(v) < 2**53:
        return v
    if isinstance(v, float):
        return v if _math.isfinite(v) else str(v)
    if isinstance(v, str):
        return v if len(v) <= 200 else v[:200] + "…"
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return str(v)[:200]


def _dumps(obj):
    return _Text(_json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=str, allow_nan=False)
                 .translate({0x85: "\\u0085", 0x2028: "\\u2028", 0x2029: "\\u2029"}))


def _sqlglot():
    try:
        import sqlglot
        from sqlglot import exp
    except ImportError:
        raise QueryError("The verifier needs sqlglot in the kernel's environment: install it (the card's "
                         "Install sqlglot button, or `%pip install sqlglot` in a cell), then verify again.",
                         package="sqlglot")
    return sqlglot, exp


def clean_sql(sql):
    """The statement without trailing semicolons and blank space."""
    s = (sql or "").strip()
    while s.endswith(";"):
        s = s[:-1].rstrip()
    return s


class _Query:
    """One parsed statement and what the verifier needs to know about it."""

    def __init__(self, sql, dialect):
        sqlglot, exp = _sqlglot()
        self.exp = exp
        self.sql = clean_sql(sql)
        try:
            statements = [s for s in sqlglot.parse(self.sql, read=dialect) if s is not None]
        except Exception as e:
            raise QueryError("Could not parse the SQL (%s dialect): %s" % (dialect, str(e).splitlines()[0][:300]))
        if not statements:
            raise QueryError("There is no SQL statement.")
        if len(statements) > 1:
            self.refusal = "%d statements: only a single SELECT can be verified." % len(statements)
            return
        self.ast = root = statements[0]
        self.refusal = None
        if not isinstance(root, exp.Query):
            self.refusal = "%s is not a read-only query (only SELECT / WITH ... SELECT / set operations)." % type(root).__name__.upper()
            return
        for name in _FORBIDDEN:
            cls = getattr(exp, name, None)
            node = root.find(cls) if cls is not None else None
            if node is not None:
                what = "SELECT ... INTO" if name == "Into" else ("FOR UPDATE/SHARE" if name == "Lock" else name.upper())
                self.refusal = "%s inside the query writes or changes state: refused." % what
                return
        self.functions = set()
        for f in root.find_all(exp.Func):
            self.functions.add((f.name if isinstance(f, exp.Anonymous) else f.sql_name()).lower())
        for f in root.find_all(exp.CurrentTimestamp, exp.CurrentTime) if hasattr(exp, "CurrentTime") else ():
            self.functions.add("current_timestamp")
        bad = sorted(self.functions & _SIDE_EFFECTS)
        if bad:
            self.refusal = "%s() has side effects: refused." % bad[0]
            return
        self.nondeterministic = sorted(self.functions & _NONDETERMINISTIC)
        self.order = root.args.get("order")
        self.limit = root.args.get("limit") or root.args.get("fetch")
        ctes = {c.alias_or_name.lower() for c in root.find_all(exp.CTE)}
        self.tables = {}
        for t in root.find_all(exp.Table):
            if not isinstance(t.this, exp.Identifier) or (not t.db and t.name.lower() in ctes):
                continue
            key = ".".join(p for p in (t.catalog, t.db, t.name) if p)
            self.tables.setdefault(key, t.name)
        self.column_names = {c.name.lower() for c in root.find_all(exp.Column)}

    def order_columns(self, out_cols):
        """Output column positions of the top-level ORDER BY keys, or None when a key is
        not an output column (then ties cannot be told apart)."""
        exp = self.exp
        lower = [c.lower() for c in out_cols]
        aliases = {}
        if isinstance(self.ast, exp.Select):
            for i, e in enumerate(self.ast.expressions):
                aliases[e.sql().lower()] = i
        positions = []
        for o in self.order.expressions:
            key = o.this
            if isinstance(key, exp.Literal) and key.is_int:
                positions.append(int(key.this) - 1)
            elif isinstance(key, exp.Column) and key.name.lower() in lower:
                positions.append(lower.index(key.name.lower()))
            elif key.sql().lower() in aliases:
                positions.append(aliases[key.sql().lower()])
            else:
                return None
        return positions

    def on_probe(self, names, dialect):
        """The SQL text reading the probe tables `names` ({key: probe name}) instead."""
        exp = self.exp
        tree = self.ast.copy()
        for t in list(tree.find_all(exp.Table)):
            key = ".".join(p for p in (t.catalog, t.db, t.name) if p)
            if isinstance(t.this, exp.Identifier) and key in names:
                alias = t.alias or t.name
                new = exp.Table(this=exp.to_identifier(names[key], quoted=True))
                new.set("alias", exp.TableAlias(this=exp.to_identifier(alias)))
                t.replace(new)
        return tree.sql(dialect=dialect)


# ---------------------------------------------------------------- comparing rows

def _num(v):
    return float(v) if not isinstance(v, (bool, int)) and hasattr(v, "as_tuple") else v


def _sort_key(row):
    out = []
    for v in row:
        v = _num(v)
        if v is None:
            out.append((0, 0))
        elif isinstance(v, bool):
            out.append((1, int(v)))
        elif isinstance(v, (int, float)):
            if isinstance(v, float) and v != v:
                out.append((1, float("inf"), 1))
            else:
                out.append((1, float("%.6g" % v) if isinstance(v, float) else v))
        elif isinstance(v, str):
            out.append((2, v))
        else:
            out.append((3, str(v)))
    return out


def _same_value(a, b, tol):
    a, b = _num(a), _num(b)
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None or isinstance(a, (str, bytes)) or isinstance(b, (str, bytes)):
            return False
        a, b = float(a), float(b)
        if a != a and b != b:
            return True
        return _math.isclose(a, b, rel_tol=tol, abs_tol=tol * 1e-3)
    return a == b


def _same_row(a, b, tol):
    return len(a) == len(b) and all(_same_value(x, y, tol) for x, y in zip(a, b))


def compare_multisets(ra, rb, tol):
    """(rows only in a, rows only in b) as multisets, floats within tol."""
    if len(ra) == len(rb):
        # Fast path (C speed): equal after sorting means equal as multisets, whatever
        # the sort order. Mixed types (NULLs) raise; unequal falls through to the
        # tolerant comparison below.
        try:
            if sorted(ra) == sorted(rb):
                return [], []
        except TypeError:
            pass
    first = lambda p: p[0]  # noqa: E731
    sa = sorted(((_sort_key(r), r) for r in ra), key=first)
    sb = sorted(((_sort_key(r), r) for r in rb), key=first)
    only_a, only_b = [], []
    i = j = 0
    while i < len(sa) and j < len(sb):
        if _same_row(sa[i][1], sb[j][1], tol):
            i += 1
            j += 1
        elif sa[i][0] <= sb[j][0]:
            only_a.append(sa[i][1])
            i += 1
        else:
            only_b.append(sb[j][1])
            j += 1
    only_a.extend(r for _k, r in sa[i:])
    only_b.extend(r for _k, r in sb[j:])
    if only_a and only_b:  # values near a rounding edge of the sort key: match the rest pairwise
        # Only rows alike in every non-numeric value can match: pairs within those
        # buckets (all pairs of a bucket, so a wrong rewrite's many rows stay linear).
        buckets = {}
        for s in only_b:
            buckets.setdefault(_bucket(s), []).append(s)
        left, matched = [], {}
        for r in only_a:
            cands = buckets.get(_bucket(r), ())
            k = next((k for k, s in enumerate(cands) if _same_row(r, s, tol)), None)
            if k is None:
                left.append(r)
            else:
                s = cands.pop(k)
                matched[id(s)] = matched.get(id(s), 0) + 1
        rest_b = []
        for s in only_b:
            if matched.get(id(s)):
                matched[id(s)] -= 1
            else:
                rest_b.append(s)
        only_a, only_b = left, rest_b
    return only_a, only_b


def _bucket(row):
    """A key equal for any two rows _same_row can match: numbers (which match within
    the tolerance, bools and decimals too) blanked, other values kept."""
    out = [len(row)]
    for v in row:
        v = _num(v)
        if isinstance(v, (int, float)):
            out.append(0)
        else:
            try:
                hash(v)
                out.append(v)
            except TypeError:
                out.append(str(v))
    return tuple(out)


def compare_ordered(ra, rb, tol, key_positions):
    """None when equal as ordered lists (rows tied on the ORDER BY keys may come in any
    order); else a reason. key_positions None: ties cannot be told apart."""
    if ra == rb:
        return None
    if len(ra) == len(rb) and all(_same_row(x, y, tol) for x, y in zip(ra, rb)):
        return None
    if key_positions is None:
        return "order_unknown"

    def groups(rows):
        out, last = [], object()
        for r in rows:
            k = tuple(r[p] for p in key_positions)
            if out and _same_row(k, last, tol):
                out[-1][1].append(r)
            else:
                out.append((k, [r]))
                last = k
        return out

    ga, gb = groups(ra), groups(rb)
    if len(ga) != len(gb):
        return "order"
    for (ka, rows_a), (kb, rows_b) in zip(ga, gb):
        if not _same_row(ka, kb, tol) or any(compare_multisets(rows_a, rows_b, tol)):
            return "order"
    return None


def _diff(only_a, only_b, columns):
    return {
        "only_in_original": len(only_a), "only_in_rewrite": len(only_b), "columns": list(columns),
        "examples_original": [[_cell(v) for v in r] for r in only_a[:EXAMPLES]],
        "examples_rewrite": [[_cell(v) for v in r] for r in only_b[:EXAMPLES]],
    }


def compare_results(engine, qa, qb, tol, key_positions=None, in_engine=True, ncols=None, fetched=None):
    """{"same": bool, "rows": {...}, "method", "diff"?, "reason"?} on the engine's current data.

    fetched: {"a": (columns, rows), "b": ...} of plain runs of both queries already made
    (the timing's warm-up runs): compared here in Python, so that the comparison runs
    neither query again, unless the results are too large to hold (more than
    CLIENT_ROWS rows, unordered, on an engine with EXCEPT ALL): then in the engine."""
    a, b = qa.sql, qb.sql
    if fetched is not None:
        (ca, ra), (cb, rb) = fetched["a"], fetched["b"]
        if qa.order is None and engine.has_except_all and max(len(ra), len(rb)) > CLIENT_ROWS:
            fetched = ra = rb = None  # too large: in the engine, below
        elif qa.order is None:
            only_a, only_b = compare_multisets(ra, rb, tol)
            out = {"rows": {"original": len(ra), "rewrite": len(rb)}, "method": "warmup_rows", "ordered": False,
                   "same": not only_a and not only_b}
            if not out["same"]:
                out["diff"] = _diff(only_a, only_b, ca)
            return out
    if qa.order is not None:
        if fetched is None:
            ca, ra = engine.rows(a)
            Cancel.check()
            cb, rb = engine.rows(b)
        out = {"rows": {"original": len(ra), "rewrite": len(rb)}, "method": "ordered", "ordered": True}
        why = compare_ordered(ra, rb, tol, key_positions)
        if why is None:
            out["same"] = True
            return out
        only_a, only_b = compare_multisets(ra, rb, tol)
        out["same"] = False
        if not only_a and not only_b:
            out["reason"] = "order_unknown" if why == "order_unknown" else "order"
        out["diff"] = _diff(only_a, only_b, ca)
        return out
    if in_engine and engine.has_except_all and ncols:
        try:
            na, nb, oa, ob = engine.except_counts(a, b, ncols)
        except Exception as e:
            if engine.is_cancel(e):
                raise
            na = None  # e.g. column types that EXCEPT cannot match: compare in Python
        if na is not None:
            out = {"rows": {"original": na, "rewrite": nb}, "method": "in_engine", "ordered": False}
            if oa == 0 and ob == 0:
                out["same"] = True
                return out
            if na > CLIENT_ROWS or nb > CLIENT_ROWS:
                out["same"] = False
                out["diff"] = {"only_in_original": oa, "only_in_rewrite": ob}
                return out
    Cancel.check()
    ca, ra = engine.rows(a)
    Cancel.check()
    cb, rb = engine.rows(b)
    only_a, only_b = compare_multisets(ra, rb, tol)
    out = {"rows": {"original": len(ra), "rewrite": len(rb)},
           "method": "sorted_rows" if not engine.has_except_all else "in_engine+tolerance", "ordered": False,
           "same": not only_a and not only_b}
    if not out["same"]:
        out["diff"] = _diff(only_a, only_b, ca)
    return out
