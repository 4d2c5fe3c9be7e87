"""The query helper loaded the way the frontend loads it, and TPC-H-shaped test data.

QUERY_FILES is the order the frontend concatenates them in (src/query/kernelQuery.ts).
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

from conftest import bootstrap_template

REPO_ROOT = Path(__file__).resolve().parents[2]
QUERY_FILES = ["query_engines.py", "query_gateway.py", "query_probe.py", "query_verify.py", "query_run.py", "query_explain.py"]
QUERY_MODULE = "__jl_data_engineer_query__"


def query_source() -> str:
    return "\n\n".join((REPO_ROOT / "src" / "query" / "kernel" / f).read_text(encoding="utf-8") for f in QUERY_FILES)


def query_bootstrap() -> str:
    template = bootstrap_template().replace("__jl_data_engineer__", QUERY_MODULE)
    return template.replace("<SOURCE>", json.dumps(query_source()))


def load_query_module():
    sys.modules.pop(QUERY_MODULE, None)
    ns = {"__builtins__": __builtins__, "__name__": "__main__"}
    exec(query_bootstrap(), ns)
    assert set(ns) == {"__builtins__", "__name__"}
    return sys.modules[QUERY_MODULE]


def verify(mod, ns, original, rewrite, **kw):
    kw.setdefault("time_budget", 0.3)
    return json.loads(mod.verify_rewrite(ns, original, rewrite, **kw))


# ---------------------------------------------------------------- TPC-H-shaped data

TPCH_DDL = [
    "CREATE TABLE region (r_regionkey INTEGER PRIMARY KEY, r_name VARCHAR(25) NOT NULL)",
    "CREATE TABLE nation (n_nationkey INTEGER PRIMARY KEY, n_name VARCHAR(25) NOT NULL, "
    "n_regionkey INTEGER NOT NULL REFERENCES region (r_regionkey))",
    "CREATE TABLE customer (c_custkey INTEGER PRIMARY KEY, c_name VARCHAR(25) NOT NULL, "
    "c_nationkey INTEGER NOT NULL REFERENCES nation (n_nationkey), c_acctbal DOUBLE PRECISION NOT NULL, "
    "c_mktsegment VARCHAR(10) NOT NULL)",
    "CREATE TABLE orders (o_orderkey INTEGER PRIMARY KEY, o_custkey INTEGER NOT NULL REFERENCES customer (c_custkey), "
    "o_orderstatus VARCHAR(1) NOT NULL, o_totalprice DOUBLE PRECISION NOT NULL, o_orderdate DATE NOT NULL, "
    "o_orderpriority VARCHAR(15) NOT NULL)",
    "CREATE TABLE lineitem (l_orderkey INTEGER NOT NULL REFERENCES orders (o_orderkey), l_linenumber INTEGER NOT NULL, "
    "l_quantity DOUBLE PRECISION NOT NULL, l_extendedprice DOUBLE PRECISION NOT NULL, l_discount DOUBLE PRECISION NOT NULL, "
    "l_returnflag VARCHAR(1) NOT NULL, l_shipdate DATE NOT NULL, PRIMARY KEY (l_orderkey, l_linenumber))",
]
SEGMENTS = ["AUTOMOBILE", "BUILDING", "FURNITURE", "HOUSEHOLD", "MACHINERY"]
PRIORITIES = ["1-URGENT", "2-HIGH", "3-MEDIUM", "4-NOT SPECIFIED", "5-LOW"]


def tpch_rows(scale: float = 0.01, seed: int = 7):
    """TPC-H-shaped rows: {table: [tuples]}, sizes proportional to the scale factor
    (SF 1: 150k customers, 1.5M orders, ~6M line items)."""
    import datetime as dt

    rnd = random.Random(seed)
    n_cust = max(10, int(150_000 * scale))
    n_ord = n_cust * 10
    region = [(i, name) for i, name in enumerate(["AFRICA", "AMERICA", "ASIA", "EUROPE", "MIDDLE EAST"])]
    nation = [(i, "NATION%02d" % i, i % 5) for i in range(25)]
    customer = [(i, "Customer#%09d" % i, rnd.randrange(25), round(rnd.uniform(-999.99, 9999.99), 2),
                 rnd.choice(SEGMENTS)) for i in range(1, n_cust + 1)]
    orders, lineitem = [], []
    start = dt.date(1992, 1, 1)
    for o in range(1, n_ord + 1):
        # A third of the customers place no orders, as in TPC-H.
        cust = rnd.randrange(1, n_cust + 1)
        while cust % 3 == 0:
            cust = rnd.randrange(1, n_cust + 1)
        day = start + dt.timedelta(days=rnd.randrange(2400))
        lines = rnd.randrange(1, 8)
        total = 0.0
        for ln in range(1, lines + 1):
            qty = float(rnd.randrange(1, 51))
            price = round(qty * rnd.uniform(900, 2000), 2)
            disc = rnd.randrange(0, 11) / 100
            total += price * (1 - disc)
            lineitem.append((o, ln, qty, price, disc, rnd.choice("RAN"), day + dt.timedelta(days=rnd.randrange(1, 120))))
        orders.append((o, cust, rnd.choice("OFP"), round(total, 2), day, rnd.choice(PRIORITIES)))
    return {"region": region, "nation": nation, "customer": customer, "orders": orders, "lineitem": lineitem}


def load_duckdb(con, scale=0.01, constraints=True):
    data = tpch_rows(scale)
    for ddl in TPCH_DDL:
        con.execute(ddl if constraints else _strip_constraints(ddl))
    import pandas as pd

    for name, rows in data.items():
        cols = [r[1] for r in con.execute("PRAGMA table_info('%s')" % name).fetchall()]
        frame = pd.DataFrame(rows, columns=cols)
        con.register("__load", frame)
        con.execute("INSERT INTO %s SELECT * FROM __load" % name)
        con.unregister("__load")
    return data


def load_dbapi(raw, dialect, scale=0.01, constraints=True):
    """Into a DBAPI connection: PostgreSQL through COPY, SQLite with executemany."""
    data = tpch_rows(scale)
    cur = raw.cursor()
    for ddl in TPCH_DDL:
        ddl = ddl if constraints else _strip_constraints(ddl)
        cur.execute(ddl.replace("DOUBLE PRECISION", "REAL") if dialect == "sqlite" else ddl)
    for name, rows in data.items():
        if dialect == "postgresql":
            with cur.copy("COPY %s FROM STDIN" % name) as copy:
                for r in rows:
                    copy.write_row(r)
        else:
            cur.executemany("INSERT INTO %s VALUES (%s)" % (name, ", ".join("?" * len(rows[0]))), rows)
    raw.commit()
    return data


def _strip_constraints(ddl):
    import re

    ddl = re.sub(r" REFERENCES \w+ \(\w+\)", "", ddl)
    ddl = ddl.replace(" PRIMARY KEY", "").replace(" NOT NULL", "")
    return re.sub(r", \(l_orderkey, l_linenumber\)\)$", ")", ddl)
