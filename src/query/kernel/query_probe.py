"""Query helper, part 2 of 4: the edge probe (concatenated after query_engines.py).

A small database built from the referenced tables' schemas, on which the original and
the rewrite must also agree, so a rewrite that only agrees on today's data is caught.
Following the small-counterexample idea of bounded equivalence checking (VeriEQL,
OOPSLA 2024), each table gets rows whose values come from a tiny shared domain (so
joins match), plus:
- a row of NULLs in every nullable column (two of them: NULL groups and duplicates),
- a duplicate row (unless a key forbids it),
- mixed rows (column j takes a different value than column j+1: self-comparisons fail),
- a row with a value no other table has (anti-joins find it; a parent row without any
  child gives an empty group),
and, separately, the empty database (scalar aggregates over no rows).
Declared constraints are honoured: NOT NULL columns get no NULL, PRIMARY KEY / UNIQUE
column sets stay unique, FOREIGN KEY columns take their values from the parent table's
rows (or NULL when nullable). A rewrite that is right *because of* a key is accepted,
and the constraints relied on are named in the verdict.
"""

import datetime as _dt
import decimal as _decimal
import re as _re


class ProbeUnsupported(Exception):
    pass


_INT_WORDS = ("int", "serial", "long", "short", "byte")
_FLOAT_WORDS = ("double", "float", "real")


def _value(type_text, k):
    """A value of the column's type for the domain element k (1, 2, 3, 10+i, 100+n)."""
    t = (type_text or "").lower()
    if t.startswith(("decimal", "numeric")):
        return _decimal.Decimal(k) + _decimal.Decimal("0.25")
    if any(w in t for w in _FLOAT_WORDS):
        return float(k) + 0.5
    if "bool" in t:
        return k % 2 == 1
    if "timestamp" in t or "datetime" in t:
        return _dt.datetime(2020, 1, 1) + _dt.timedelta(days=k, hours=k)
    if "date" in t:
        return _dt.date(2020, 1, 1) + _dt.timedelta(days=k)
    if t.startswith("time"):
        return _dt.time(k % 24, k % 60)
    if "interval" in t:
        return _dt.timedelta(days=k)
    if "uuid" in t:
        return "00000000-0000-0000-0000-%012d" % k
    if any(w in t for w in _INT_WORDS) or t == "":
        return int(k)
    if any(w in t for w in ("char", "text", "string", "clob", "name", "enum")):
        return _short(str(k), t)
    if "blob" in t or "bytea" in t or "binary" in t:
        return bytes(str(k), "ascii")
    raise ProbeUnsupported(type_text)


_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _short(text, type_text):
    """`text`, or a distinct code that fits a declared length (VARCHAR(1), CHAR(2))."""
    m = _re.search(r"\((\d+)\)", type_text)
    if not m or len(text) <= int(m.group(1)):
        return text
    k, out = int(text), ""
    while k:
        k, d = divmod(k, len(_DIGITS))
        out = _DIGITS[d] + out
    return out[-int(m.group(1)):]


def _order(tables):
    """Parents before children (FK targets first); cycles are broken arbitrarily."""
    by_name = {t.name.split(".")[-1].lower(): t for t in tables}
    done, out, visiting = set(), [], set()

    def visit(t):
        key = t.name.lower()
        if key in done or key in visiting:
            return
        visiting.add(key)
        for _cols, ref, _rcols in t.foreign_keys:
            parent = by_name.get(str(ref).split(".")[-1].lower())
            if parent is not None and parent is not t:
                visit(parent)
        visiting.discard(key)
        done.add(key)
        out.append(t)

    for t in tables:
        visit(t)
    return out, by_name


def build_probe(tables):
    """{table name: [row tuples]} honouring the tables' constraints, and the list of
    constraints that shaped it (texts like "orders.o_custkey NOT NULL")."""
    ordered, by_name = _order(tables)
    data = {}
    fresh = [100]
    used_constraints = set()
    for ti, t in enumerate(ordered):
        n = len(t.columns)
        nullable = [bool(c[2]) and c[0] not in t.primary_key for c in t.columns]
        index = {c[0]: j for j, c in enumerate(t.columns)}
        patterns = [
            [1] * n,
            [2] * n,
            [(j % 3) + 1 for j in range(n)],
            [((j + 1) % 3) + 1 for j in range(n)],
            [10 + ti] * n,
            [1] * n,  # duplicate of the first row
            [None if nullable[j] else 1 for j in range(n)],
            [None if nullable[j] else 2 for j in range(n)],
        ]
        if any(not x for x in nullable):
            used_constraints.update("%s.%s NOT NULL" % (t.name, c[0]) for c in t.columns if not c[2] and c[0] not in t.primary_key)
        fk_cols = set()
        for cols, ref, rcols in t.foreign_keys:
            parent = by_name.get(str(ref).split(".")[-1].lower())
            if parent is None or parent is t or parent.name not in data:
                continue
            pidx = {c[0]: j for j, c in enumerate(parent.columns)}
            if not all(c in index for c in cols) or not all(c in pidx for c in rcols):
                continue
            used_constraints.add("%s (%s) REFERENCES %s (%s)" % (t.name, ", ".join(cols), parent.name, ", ".join(rcols)))
            fk_cols.update(cols)
            # The parent's last rows (its own value, NULL rows) get no child: empty groups.
            candidates = [r for r in data[parent.name][:4] if all(r[pidx[c]] is not None for c in rcols)]
            if not candidates:
                candidates = [r for r in data[parent.name] if all(r[pidx[c]] is not None for c in rcols)]
            for i, p in enumerate(patterns):
                if all(p[index[c]] is None for c in cols) and all(nullable[index[c]] for c in cols):
                    continue
                src = candidates[i % len(candidates)] if candidates else None
                for c, rc in zip(cols, rcols):
                    p[index[c]] = ("ref", src[pidx[rc]]) if src is not None else None
        keys = ([list(t.primary_key)] if t.primary_key else []) + [list(u) for u in t.uniques]
        keys = [k for k in keys if all(c in index for c in k)]
        for k in keys:
            used_constraints.add("%s %s (%s)" % (t.name, "PRIMARY KEY" if k == t.primary_key else "UNIQUE", ", ".join(k)))
        rows = []
        seen = [set() for _ in keys]
        for p in patterns:
            row = [None if v is None else (v[1] if isinstance(v, tuple) else _value(t.columns[j][1], v))
                   for j, v in enumerate(p)]
            ok = True
            for ki, k in enumerate(keys):
                tup = tuple(row[index[c]] for c in k)
                if any(v is None for v in tup):
                    continue  # NULLs never collide in a UNIQUE column
                if tup in seen[ki]:
                    free = [c for c in k if c not in fk_cols]
                    if not free:
                        ok = False
                        break
                    for c in free:
                        fresh[0] += 1
                        row[index[c]] = _value(t.columns[index[c]][1], fresh[0])
                    tup = tuple(row[index[c]] for c in k)
                seen[ki].add(tup)
            if ok:  # fresh values never collide, so earlier keys stay unique
                rows.append(tuple(row))
        data[t.name] = rows
    return data, sorted(used_constraints)


def fk_ok(tables, data):
    """True when every non-NULL foreign key value exists in its parent's rows."""
    by_name = {t.name.split(".")[-1].lower(): t for t in tables}
    for t in tables:
        index = {c[0]: j for j, c in enumerate(t.columns)}
        for cols, ref, rcols in t.foreign_keys:
            parent = by_name.get(str(ref).split(".")[-1].lower())
            if parent is None or parent.name not in data or not all(c in index for c in cols):
                continue
            pidx = {c[0]: j for j, c in enumerate(parent.columns)}
            have = {tuple(r[pidx[c]] for c in rcols) for r in data[parent.name]}
            for r in data[t.name]:
                v = tuple(r[index[c]] for c in cols)
                if all(x is not None for x in v) and v not in have:
                    return False
    return True


def minimize(tables, data, differs, deadline):
    """Greedy delta debugging: drop rows while the queries still differ (and the
    foreign keys still hold). `differs(data, changed_table)` reloads and compares."""
    import time as _time

    current = {k: list(v) for k, v in data.items()}
    for t in sorted(tables, key=lambda t: -len(current.get(t.name, ()))):
        i = len(current[t.name]) - 1
        while i >= 0:
            if _time.perf_counter() > deadline:
                return current, False
            trial = dict(current)
            trial[t.name] = current[t.name][:i] + current[t.name][i + 1:]
            if fk_ok(tables, trial) and differs(trial, t.name):
                current = trial
            i -= 1
        differs(current, t.name)  # leave the table as it is now
    return current, True
