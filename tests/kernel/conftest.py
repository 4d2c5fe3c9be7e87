"""Fixtures: the inspector loaded the way the frontend loads it, and shared sessions.

`bootstrap_code()` builds the exact text the frontend sends: the template between
BOOTSTRAP-BEGIN/END in inspector.py's docstring, with <SOURCE> replaced by the file's text
as a JSON string literal (what `JSON.stringify` produces, and a valid Python literal).
"""

from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
INSPECTOR = REPO_ROOT / "src" / "kernel" / "inspector.py"
MODULE_NAME = "__jl_data_engineer__"

# jupysql's telemetry must not try the network from tests.
os.environ.setdefault("PLOOMBER_STATS_ENABLED", "false")


def bootstrap_template() -> str:
    doc = INSPECTOR.read_text(encoding="utf-8")
    start = doc.index("BOOTSTRAP-BEGIN\n") + len("BOOTSTRAP-BEGIN\n")
    return doc[start : doc.index("\nBOOTSTRAP-END")].strip()


def bootstrap_code(source: str | None = None) -> str:
    """The bootstrap for inspector.py (or for `source` in its place)."""
    if source is None:
        source = INSPECTOR.read_text(encoding="utf-8")
    template = bootstrap_template()
    assert template.count("<SOURCE>") == 1
    return template.replace("<SOURCE>", json.dumps(source))


def call_expression(function: str, *args: str) -> str:
    """The expression the frontend puts in user_expressions."""
    inner = ", ".join(("get_ipython().user_ns",) + args)
    return f"__import__('sys').modules[{MODULE_NAME!r}].{function}({inner})"


@pytest.fixture(scope="session")
def insp():
    """The loaded module; bootstrapped in a namespace that stands for the user's."""
    sys.modules.pop(MODULE_NAME, None)
    user_ns = {"__builtins__": __builtins__, "__name__": "__main__"}
    exec(bootstrap_code(), user_ns)
    assert set(user_ns) == {"__builtins__", "__name__"}
    return sys.modules[MODULE_NAME]


class _Background:
    """A session object started in a thread at first use, so its start-up (the JVM's
    ~20 s for Spark) overlaps the other tests."""

    def __init__(self, factory):
        self._factory = factory
        self._thread = None
        self._box = {}

    def start(self):
        if self._thread is None:
            def run():
                try:
                    self._box["value"] = self._factory()
                except BaseException as e:  # re-raised in the test that needs it
                    self._box["error"] = e
            self._thread = threading.Thread(target=run, daemon=True)
            self._thread.start()

    def get(self, timeout=180):
        self.start()
        self._thread.join(timeout)
        if "error" in self._box:
            raise self._box["error"]
        return self._box["value"]


def _make_spark():
    from pyspark.sql import SparkSession

    return (
        SparkSession.builder.master("local[1]")
        .appName("jl-data-engineer-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", "512m")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.sql.adaptive.enabled", "false")
        .getOrCreate()
    )


_SPARK = _Background(_make_spark)


def pytest_collection_finish(session):
    # Start the JVM now when any Spark test was selected.
    if any("spark" in item.name for item in session.items):
        _SPARK.start()


@pytest.fixture(scope="session")
def spark():
    session = _SPARK.get()
    yield session
    session.stop()


@pytest.fixture()
def sigint_interrupts():
    """SIGINT raises KeyboardInterrupt in this process for the test, as in a kernel.

    The interrupt tests send SIGINT to this process, standing for the kernel's interrupt.
    Python installs its handler only when SIGINT is at its default disposition; a process
    started from a shell that ignores SIGINT (a background job, `nohup`, some CI runners)
    inherits SIG_IGN, the signal is then dropped and the query runs on for minutes. So
    the test installs the handler it relies on, and puts back what was there.
    """
    import signal

    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
