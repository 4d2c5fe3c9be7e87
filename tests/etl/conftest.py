"""Shared parts of the ETL skeleton tests: compile the TypeScript generator, build specs for
examples/data, write notebooks, run them headless with papermill, checksum targets."""

import json
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "examples" / "data"
CHECKPOINT = "# ETL-CHECKPOINT:"

ORDERS_COLUMNS = [
    ("order_id", "int", False),
    ("customer_id", "int", False),
    ("order_ts", "timestamp", False),
    ("status", "string", False),
    ("channel", "string", True),
    ("items", "int", False),
    ("currency", "string", False),
    ("amount", "float", False),
    ("discount", "float", True),
    ("shipping_fee", "float", False),
]

# The trivial transform of the tests, per engine: derive the partition column (a UTC day) from
# order_ts and, in partition mode, keep the run's day only.
TRANSFORMS = {
    "pandas": (
        'result = orders.copy()\n'
        'result["order_date"] = result["order_ts"].dt.strftime("%Y-%m-%d")\n'
        'if load_mode == "overwrite_partition":\n'
        '    result = result[result["order_date"] == run_date]'
    ),
    "polars": (
        'result = orders.with_columns(pl.col("order_ts").dt.date().alias("order_date"))\n'
        'if load_mode == "overwrite_partition":\n'
        '    result = result.filter(pl.col("order_date").cast(pl.String) == run_date)'
    ),
    "duckdb": (
        'con.execute("CREATE OR REPLACE TABLE result AS SELECT *, CAST(order_ts AS DATE) AS order_date FROM orders")\n'
        'if load_mode == "overwrite_partition":\n'
        '    con.execute("DELETE FROM result WHERE order_date <> CAST(? AS DATE)", [run_date])'
    ),
    "spark": (
        'result = orders.withColumn("order_date", F.to_date("order_ts"))\n'
        'if load_mode == "overwrite_partition":\n'
        '    result = result.where(F.col("order_date") == F.lit(run_date).cast("date"))'
    ),
}


def orders_spec(engine, mode, target, source="orders.csv", run_date="2024-01-03"):
    return {
        "title": f"Orders {engine} {mode} {target['kind']}",
        "engine": engine,
        "mode": mode,
        "target": target,
        "sources": [
            {
                "name": "orders",
                "path": source,
                "format": "parquet" if source.endswith(".parquet") else "csv",
                "columns": [{"name": n, "type": t, "nullable": nl} for n, t, nl in ORDERS_COLUMNS],
                "keys": ["order_id"],
            }
        ],
        "keyColumns": ["order_id"],
        "partitionColumn": "order_date" if mode == "overwrite_partition" else None,
        "runDate": run_date,
        "businessRules": "Trivial transform of the tests: order_date is the UTC day of order_ts.",
    }


@pytest.fixture(scope="session")
def generator(tmp_path_factory):
    """The generator compiled to CommonJS; returns write(jobs) -> None."""
    out = tmp_path_factory.mktemp("etl-generator")
    tsc = ROOT / "node_modules" / ".bin" / "tsc"
    subprocess.run([str(tsc), "-p", str(ROOT / "tests/etl/tsconfig.json"), "--outDir", str(out)], check=True, cwd=ROOT)

    def write(jobs):
        for job in jobs:
            if job["spec"].get("partitionColumn") is None:
                job["spec"].pop("partitionColumn", None)
        subprocess.run(
            ["node", str(ROOT / "tests/etl/generate.js"), str(out)],
            input=json.dumps(jobs), text=True, check=True, cwd=ROOT,
        )

    return write


def fill(path: Path, engine: str, transform: str | None = None, fault: str | None = None) -> None:
    """Put the trivial transform into the skeleton (and, for fault tests, an exception at the load's checkpoint)."""
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        section = cell["metadata"]["etl"]["section"]
        if section == "transform":
            cell["source"] = transform or TRANSFORMS[engine]
        if fault and section == "load":
            assert CHECKPOINT in cell["source"], "the load has no checkpoint mark"
            lines = []
            for line in cell["source"].split("\n"):
                lines.append(line)
                if CHECKPOINT in line:
                    pad = line[: len(line) - len(line.lstrip())]
                    lines.append(f"{pad}raise RuntimeError({fault!r})")
            cell["source"] = "\n".join(lines)
    path.write_text(json.dumps(nb))


def run_notebook(path: Path, out: Path, cwd: Path, kernel="python3", env=None, **parameters):
    """Run with papermill (a fresh kernel each time); returns the run report dict."""
    import papermill

    old = {k: os.environ.get(k) for k in (env or {})}
    os.environ.update(env or {})
    try:
        papermill.execute_notebook(
            str(path), str(out), parameters=parameters, cwd=str(cwd), kernel_name=kernel,
            progress_bar=False, log_output=False, request_save_on_cell_execute=False,
        )
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return report_of(out)


def report_of(out: Path) -> dict:
    nb = json.loads(out.read_text())
    cell = next(c for c in nb["cells"] if c["metadata"].get("etl", {}).get("section") == "report")
    for output in cell["outputs"]:
        if "application/json" in output.get("data", {}):
            return output["data"]["application/json"]
    raise AssertionError(f"no run report in {out}")


@pytest.fixture()
def workdir(tmp_path):
    """A folder like a user's: the notebook next to a copy of the example data."""
    shutil.copy(DATA / "orders.csv", tmp_path / "orders.csv")
    return tmp_path


@pytest.fixture(scope="session")
def pg_url():
    """A database of our own on the shared cluster (dropped at the end)."""
    base = os.environ.get("DE_TEST_PG_URL")
    if not base:
        pytest.skip("DE_TEST_PG_URL is not set (bash scripts/pg.sh start; .ci/run sets it)")
    from sqlalchemy import create_engine, text

    name = f"etl_test_{uuid.uuid4().hex[:8]}"
    admin_url = "postgresql+psycopg://" + base.split("://", 1)[1]
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.rsplit("/", 1)[0] + "/" + name
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
