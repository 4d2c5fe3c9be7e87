"""The generated skeletons, run headless with papermill against examples/data (a trivial transform):
every engine x load mode x target, run twice -> identical target; a run that fails half-way through
the load (at its checkpoint, with changed input) leaves the previous target exactly as it was."""

import csv
import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest
from papermill.exceptions import PapermillExecutionError

from conftest import fill, orders_spec, run_notebook

ENGINES = ["pandas", "polars", "duckdb"]
MODES = ["full_refresh", "overwrite_partition", "merge"]
TARGETS = ["parquet", "duckdb", "postgres"]
# Each run starts a kernel (~30 s per combination on a busy 2-core machine), so by default a Latin
# square: every engine x mode, engine x target and mode x target pair runs once (9 of 27).
# ETL_FULL_MATRIX=1 runs all 27.
if os.environ.get("ETL_FULL_MATRIX") == "1":
    COMBINATIONS = [(e, m, t) for e in ENGINES for m in MODES for t in TARGETS]
else:
    COMBINATIONS = [(e, m, TARGETS[(i + j) % 3]) for i, e in enumerate(ENGINES) for j, m in enumerate(MODES)]


def target_of(kind):
    return {
        "parquet": {"kind": "parquet", "path": "output/orders"},
        "duckdb": {"kind": "duckdb", "path": "output/warehouse.duckdb", "table": "orders"},
        "postgres": {"kind": "postgres", "table": "orders", "urlEnv": "ETL_TARGET_URL"},
    }[kind]


def snapshot(kind, workdir: Path, pg_url=None):
    """The target as sorted rows (independent of the notebook's own checksum)."""
    if kind == "parquet":
        import pyarrow.dataset as ds

        path = workdir / "output" / "orders"
        if not path.exists():
            return None
        table = ds.dataset(path, format="parquet", partitioning="hive").to_table()
        rows = [tuple(str(v) for v in row.values()) for row in table.to_pylist()]
    elif kind == "duckdb":
        import duckdb

        path = workdir / "output" / "warehouse.duckdb"
        if not path.exists():
            return None
        with duckdb.connect(str(path), read_only=True) as con:
            if not con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'orders'").fetchone()[0]:
                return None
            rows = [tuple(str(v) for v in r) for r in con.execute("SELECT * FROM orders").fetchall()]
    else:
        from sqlalchemy import create_engine, inspect, text

        engine = create_engine("postgresql+psycopg://" + pg_url.split("://", 1)[1])
        try:
            with engine.connect() as conn:
                if not inspect(conn).has_table("orders"):
                    return None
                rows = [tuple(str(v) for v in r) for r in conn.execute(text("SELECT * FROM orders")).fetchall()]
                leftovers = [t for t in inspect(conn).get_table_names() if "__staging_" in t]
                assert not leftovers, f"staging tables left behind: {leftovers}"
        finally:
            engine.dispose()
    rows.sort()
    return len(rows), hashlib.sha256(repr(rows).encode()).hexdigest()


def changed_orders(src: Path, dst: Path):
    """The same orders with every amount +1: a load of it changes every row of the target."""
    with src.open() as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        row["amount"] = f"{float(row['amount']) + 1:.2f}"
    with dst.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture()
def pg_target(request, pg_url):
    """A fresh database name per test would be costly: drop the test table before and after."""
    from sqlalchemy import create_engine, text

    engine = create_engine("postgresql+psycopg://" + pg_url.split("://", 1)[1])
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS orders"))
    yield pg_url
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS orders"))
    engine.dispose()


@pytest.mark.timeout(300)
@pytest.mark.parametrize("engine,mode,kind", COMBINATIONS)
def test_run_twice_and_after_a_failed_load(generator, workdir, request, engine, mode, kind):
    pg_url = request.getfixturevalue("pg_target") if kind == "postgres" else None
    env = {"ETL_TARGET_URL": pg_url} if pg_url else {}
    nb = workdir / "etl.ipynb"
    generator([{"spec": orders_spec(engine, mode, target_of(kind)), "path": str(nb), "name": "etl.ipynb"}])
    fill(nb, engine)

    first = run_notebook(nb, workdir / "run1.ipynb", workdir, env=env)
    assert first["rows_in"] == {"orders": 501}
    assert first["rejected"] == {"orders": 1}  # order 500301 is in the file twice
    expected_out = 6 if mode == "overwrite_partition" else 500
    assert first["rows_out"] == expected_out
    assert first["target_rows"] == expected_out
    after_first = snapshot(kind, workdir, pg_url)
    assert after_first[0] == expected_out

    # A run with changed input that fails at the load's checkpoint: the target must not move.
    faulty = workdir / "faulty.ipynb"
    shutil.copy(nb, faulty)
    fill(faulty, engine, fault="injected failure half-way through the load")
    changed_orders(workdir / "orders.csv", workdir / "orders_changed.csv")
    with pytest.raises(PapermillExecutionError, match="injected failure"):
        run_notebook(faulty, workdir / "run-faulty.ipynb", workdir, env=env, source_orders="orders_changed.csv")
    assert snapshot(kind, workdir, pg_url) == after_first, "a failed load changed the target"

    second = run_notebook(nb, workdir / "run2.ipynb", workdir, env=env)
    assert second["target_checksum"] == first["target_checksum"]
    assert second["target_rows"] == first["target_rows"]
    assert snapshot(kind, workdir, pg_url) == after_first


@pytest.mark.timeout(300)
def test_other_run_date_adds_its_partition_and_changed_input_is_loaded(generator, workdir):
    nb = workdir / "etl.ipynb"
    generator([{"spec": orders_spec("pandas", "overwrite_partition", target_of("parquet")), "path": str(nb), "name": "etl.ipynb"}])
    fill(nb, "pandas")
    first = run_notebook(nb, workdir / "run1.ipynb", workdir)
    other = run_notebook(nb, workdir / "run2.ipynb", workdir, run_date="2024-01-04")
    assert other["run_date"] == "2024-01-04"
    parts = sorted(p.name for p in (workdir / "output" / "orders").iterdir())
    assert parts == ["order_date=2024-01-03", "order_date=2024-01-04"]
    assert other["target_rows"] == first["target_rows"] + other["partition_rows"]
    # Changed input for the first day replaces that partition only (no re-appended rows).
    changed_orders(workdir / "orders.csv", workdir / "orders_changed.csv")
    third = run_notebook(nb, workdir / "run3.ipynb", workdir, source_orders="orders_changed.csv")
    assert third["target_rows"] == other["target_rows"]
    assert third["target_checksum"] != other["target_checksum"]


def test_broken_contract_fails_loudly_with_what_was_wrong(generator, workdir):
    nb = workdir / "etl.ipynb"
    generator([{"spec": orders_spec("polars", "full_refresh", target_of("parquet")), "path": str(nb), "name": "etl.ipynb"}])
    fill(nb, "polars")
    bad = workdir / "orders_bad.csv"
    lines = (workdir / "orders.csv").read_text().splitlines()
    header = lines[0].replace("amount,", "amount_eur,")
    bad.write_text("\n".join([header] + lines[1:]) + "\n")
    with pytest.raises(PapermillExecutionError) as failure:
        run_notebook(nb, workdir / "run.ipynb", workdir, source_orders="orders_bad.csv")
    message = str(failure.value)
    assert "ContractError" in message and "missing columns ['amount']" in message
    assert not (workdir / "output" / "orders").exists()


def test_unfilled_partition_transform_says_what_is_missing(generator, workdir):
    nb = workdir / "etl.ipynb"
    generator([{"spec": orders_spec("duckdb", "overwrite_partition", target_of("parquet")), "path": str(nb), "name": "etl.ipynb"}])
    with pytest.raises(PapermillExecutionError, match="derive order_date"):
        run_notebook(nb, workdir / "run.ipynb", workdir)


def test_papermill_parameters_cell_is_tagged_and_secret_free(generator, tmp_path):
    nb = tmp_path / "etl.ipynb"
    generator([{"spec": orders_spec("pandas", "merge", target_of("postgres")), "path": str(nb), "name": "etl.ipynb"}])
    cells = json.loads(nb.read_text())["cells"]
    params = [c for c in cells if "parameters" in c["metadata"].get("tags", [])]
    assert len(params) == 1
    assert 'target_url_env = "ETL_TARGET_URL"' in params[0]["source"]
    assert "postgresql://" not in params[0]["source"]
    assert "papermill etl.ipynb out.ipynb -p run_date 2024-01-03" in cells[0]["source"]
