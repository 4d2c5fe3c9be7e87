"""The Spark skeleton in local mode, in the kernel-test venv (pyspark + Java 17): dynamic partition
overwrite run twice leaves the target identical, another run_date adds only its partition, and a
merge that fails between staging and the folder swap leaves the previous target.

Run with ETL_SPARK_PYTHON=/path/to/venv/bin/python (.ci/run sets it to .ci-venv/kernel/bin/python);
papermill runs here, the kernel runs in that venv. ETL_SPARK_ROWS sets the data size."""

import csv
import json
import os
import random
import shutil
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from papermill.exceptions import PapermillExecutionError

from conftest import fill, orders_spec, run_notebook

SPARK_PYTHON = os.environ.get("ETL_SPARK_PYTHON", "")
ROWS = int(os.environ.get("ETL_SPARK_ROWS", "50000"))
DAYS = 20

pytestmark = pytest.mark.skipif(
    not SPARK_PYTHON, reason="ETL_SPARK_PYTHON is not set (a Python with pyspark and ipykernel; .ci/run sets it)"
)


@pytest.fixture(scope="module")
def spark_kernel(tmp_path_factory):
    """A kernelspec for the venv's Python, found through JUPYTER_PATH."""
    check = subprocess.run([SPARK_PYTHON, "-c", "import pyspark, ipykernel"], capture_output=True, text=True)
    if check.returncode:
        pytest.fail(f"{SPARK_PYTHON} lacks pyspark or ipykernel: {check.stderr[-300:]}")
    root = tmp_path_factory.mktemp("jupyter")
    spec = root / "kernels" / "etl-spark"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [SPARK_PYTHON, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Spark test kernel",
        "language": "python",
    }))
    old = os.environ.get("JUPYTER_PATH")
    os.environ["JUPYTER_PATH"] = str(root) + (os.pathsep + old if old else "")
    yield "etl-spark"
    if old is None:
        os.environ.pop("JUPYTER_PATH", None)
    else:
        os.environ["JUPYTER_PATH"] = old


def write_orders(path: Path, rows: int, bump: float = 0.0):
    """Orders shaped like examples/data/orders.csv over DAYS days (deterministic)."""
    rng = random.Random(7)
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["order_id", "customer_id", "order_ts", "status", "channel", "items", "currency", "amount", "discount", "shipping_fee"])
        for i in range(rows):
            ts = start + timedelta(seconds=rng.randrange(DAYS * 86400))
            w.writerow([
                600000 + i, 1000 + rng.randrange(200), ts.strftime("%Y-%m-%dT%H:%M:%SZ"),
                rng.choice(["completed", "cancelled", "returned"]), rng.choice(["web", "app", ""]),
                rng.randrange(1, 5), "EUR", f"{rng.uniform(5, 300) + bump:.2f}",
                "" if rng.random() < 0.3 else "1.00", "4.95",
            ])


def folder_digest(path: Path):
    """The Parquet folder's rows, sorted, hashed (pyarrow; independent of the notebook's checksum)."""
    import hashlib

    import pyarrow.dataset as ds

    table = ds.dataset(path, format="parquet", partitioning="hive").to_table()
    rows = sorted(tuple(str(v) for v in r.values()) for r in table.to_pylist())
    return len(rows), hashlib.sha256(repr(rows).encode()).hexdigest()


@pytest.mark.timeout(1800)
def test_spark_partition_overwrite_and_merge(generator, tmp_path, spark_kernel):
    write_orders(tmp_path / "orders.csv", ROWS)
    size_mb = (tmp_path / "orders.csv").stat().st_size / 1e6
    print(f"Spark test data: {ROWS} rows, {size_mb:.1f} MB CSV over {DAYS} days", flush=True)
    target = {"kind": "parquet", "path": "output/orders"}
    part = tmp_path / "partition.ipynb"
    merge = tmp_path / "merge.ipynb"
    generator([
        {"spec": orders_spec("spark", "overwrite_partition", target), "path": str(part), "name": "partition.ipynb"},
        {"spec": orders_spec("spark", "merge", {"kind": "parquet", "path": "output/merged"}), "path": str(merge), "name": "merge.ipynb"},
    ])
    fill(part, "spark")
    fill(merge, "spark")

    first = run_notebook(part, tmp_path / "p1.ipynb", tmp_path, kernel=spark_kernel)
    assert first["rows_in"] == {"orders": ROWS} and first["rejected"] == {"orders": 0}
    assert first["partition_rows"] == first["rows_out"] > 0
    second = run_notebook(part, tmp_path / "p2.ipynb", tmp_path, kernel=spark_kernel)
    assert (second["target_rows"], second["target_checksum"]) == (first["target_rows"], first["target_checksum"])
    other = run_notebook(part, tmp_path / "p3.ipynb", tmp_path, kernel=spark_kernel, run_date="2024-01-04")
    assert other["target_rows"] == first["target_rows"] + other["partition_rows"]
    assert sorted(p.name for p in (tmp_path / "output/orders").iterdir() if not p.name.startswith(("_", "."))) == [
        "order_date=2024-01-03", "order_date=2024-01-04"]

    m1 = run_notebook(merge, tmp_path / "m1.ipynb", tmp_path, kernel=spark_kernel)
    assert m1["target_rows"] == ROWS
    faulty = tmp_path / "merge-faulty.ipynb"
    shutil.copy(merge, faulty)
    fill(faulty, "spark", fault="injected failure between staging and swap")
    write_orders(tmp_path / "orders_changed.csv", ROWS, bump=1.0)
    before = folder_digest(tmp_path / "output/merged")
    with pytest.raises(PapermillExecutionError, match="injected failure"):
        run_notebook(faulty, tmp_path / "m-faulty.ipynb", tmp_path, kernel=spark_kernel, source_orders="orders_changed.csv")
    assert folder_digest(tmp_path / "output/merged") == before, "a failed merge changed the target"
    m2 = run_notebook(merge, tmp_path / "m2.ipynb", tmp_path, kernel=spark_kernel)
    assert (m2["target_rows"], m2["target_checksum"]) == (m1["target_rows"], m1["target_checksum"])
    assert not list(tmp_path.glob("output/.merged.*")), "staging or previous folders left behind"
