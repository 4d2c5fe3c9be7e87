"""src/kernel/inspector.py against the real data libraries, in process.

Trap objects make the expensive calls fail loudly: a test passes only if the inspector
never made them. The inspector is loaded as the frontend loads it (see conftest.py).
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import logging
import subprocess
import sys
import textwrap
import time
import uuid
import warnings

import pytest

from conftest import INSPECTOR, MODULE_NAME, bootstrap_code, call_expression

MAX = 8192
# Tests of content use a budget no busy machine exhausts; the budget has its own test.
BUDGET = 30


class Boom(AssertionError):
    """Raised by a trap: the inspector called something it must not call."""


def boom(*args, **kwargs):
    raise Boom("expensive call made")


def inspect(insp, ns, name, max_bytes=MAX, time_budget=BUDGET, **kw):
    text = insp.inspect_variable(ns, name, max_bytes=max_bytes, time_budget=time_budget, **kw)
    assert isinstance(text, str)
    assert len(text.encode("utf-8")) <= max_bytes
    assert repr(text) == str(text)  # what the kernel's text/plain will carry
    return json.loads(text)


def listing(insp, ns, **kw):
    kw.setdefault("time_budget", BUDGET)
    text = insp.list_variables(ns, **kw)
    assert len(text.encode("utf-8")) <= kw.get("max_bytes", MAX)
    return json.loads(text)


def columns(result):
    return {c["name"]: c for c in result["columns"]}


# ---------------------------------------------------------------- loading


def test_bootstrap_leaves_user_namespace_identical():
    sys.modules.pop(MODULE_NAME, None)
    ns = {"__builtins__": __builtins__, "__name__": "__main__", "x": 1, "df": object(), "_": "last"}
    before = {k: id(v) for k, v in ns.items()}
    exec(bootstrap_code(), ns)
    assert {k: id(v) for k, v in ns.items()} == before
    module = sys.modules[MODULE_NAME]
    assert module.PROTOCOL == 2
    assert module.__name__ == MODULE_NAME


def test_call_expressions_leave_user_namespace_identical(insp):
    class Shell:
        pass

    ns = {"__builtins__": __builtins__, "x": [1, 2], "s": "text"}
    shell = Shell()
    shell.user_ns = ns
    ns["get_ipython"] = lambda: shell
    before = {k: id(v) for k, v in ns.items()}
    listed = json.loads(eval(call_expression("list_variables"), ns))
    one = json.loads(eval(call_expression("inspect_variable", '"x"', "sample_rows=5"), ns))
    assert {k: id(v) for k, v in ns.items()} == before
    assert [v["name"] for v in listed["variables"]] == ["s", "x"]
    assert one["value"] == [1, 2]


def test_a_failed_bootstrap_installs_nothing():
    source = INSPECTOR.read_text(encoding="utf-8")
    broken = bootstrap_code(source.replace("PROTOCOL = 2", "PROTOCOL = 2\nraise RuntimeError('x')", 1))
    sys.modules.pop("__jl_data_engineer__", None)
    try:
        with pytest.raises(RuntimeError):
            exec(broken, {"__builtins__": __builtins__})
        assert MODULE_NAME not in sys.modules
    finally:
        exec(bootstrap_code(), {"__builtins__": __builtins__})


def test_imports_no_data_library_itself(tmp_path):
    """Loaded and used in a fresh interpreter, it imports no pandas, numpy, polars, ..."""
    script = tmp_path / "probe.py"
    script.write_text(textwrap.dedent(f"""
        import json, sys
        code = {bootstrap_code()!r}
        ns = {{"__builtins__": __builtins__}}
        exec(code, ns)
        m = sys.modules["{MODULE_NAME}"]
        user = {{"x": 1, "s": "a", "d": {{"k": [1, 2]}}}}
        m.list_variables(user)
        for name in user:
            m.inspect_variable(user, name)
        libs = ["pandas", "numpy", "polars", "pyarrow", "duckdb", "sqlalchemy", "dask",
                "pyspark", "sql", "IPython"]
        print(json.dumps(sorted(n for n in libs if n in sys.modules)))
    """))
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


# ---------------------------------------------------------------- list_variables


def test_list_variables_only_user_data_dataframes_first(insp):
    import functools
    import typing

    import numpy as np
    import pandas as pd
    import polars as pl

    ns = {
        "__builtins__": __builtins__, "In": [], "Out": {}, "exit": object(), "quit": object(),
        "get_ipython": lambda: None, "_": 1, "_private": 2, "np": np, "pd": pd,
        "helper": lambda: 1, "Klass": type("Klass", (), {}), "len_": len, "Any": typing.Any,
        "partial_method": "kept: a str", "part": functools.partial(print),
        "zeta": 3, "alpha": [1, 2, 3], "frame": pd.DataFrame({"a": [1, 2]}),
        "lazy": pl.LazyFrame({"a": [1]}), "vec": np.zeros((4, 2)),
    }
    out = listing(insp, ns)
    names = [v["name"] for v in out["variables"]]
    assert names == ["frame", "lazy", "vec", "alpha", "part", "partial_method", "zeta"]
    assert out["count"] == 7
    by = {v["name"]: v for v in out["variables"]}
    assert by["frame"] == {"name": "frame", "kind": "pandas.DataFrame", "shape": [2, 1],
                           "memory_bytes": int(ns["frame"].memory_usage(deep=False).sum())}
    assert by["lazy"] == {"name": "lazy", "kind": "polars.LazyFrame"}
    assert by["vec"]["shape"] == [4, 2] and by["vec"]["memory_bytes"] == 64
    assert by["alpha"] == {"name": "alpha", "kind": "list", "length": 3}
    assert by["zeta"] == {"name": "zeta", "kind": "int", "value": 3}
    assert by["part"]["kind"] == "functools.partial"
    assert "truncated" not in out


def test_list_variables_is_bounded(insp):
    ns = {"v%04d" % i: "x" * 50 for i in range(1000)}
    out = listing(insp, ns)
    assert out["count"] == 1000
    assert 0 < len(out["variables"]) < 200
    assert out["truncated"] == ["max_variables", "payload"]
    out = listing(insp, ns, max_variables=10, max_bytes=100_000)
    assert [v["name"] for v in out["variables"]] == ["v%04d" % i for i in range(10)]
    assert out["truncated"] == ["max_variables"]


class Trap:
    """An arbitrary user object: touching it beyond its type is an error."""

    def __repr__(self):
        raise Boom("repr")

    def __len__(self):
        raise Boom("len")

    def __getattr__(self, name):
        raise Boom("getattr " + name)

    def __iter__(self):
        raise Boom("iter")

    def __eq__(self, other):
        raise Boom("eq")

    __hash__ = object.__hash__


def test_arbitrary_objects_are_named_not_touched(insp):
    trap = Trap()
    ns = {"trap": trap, "box": [trap, {"k": trap}]}
    out = listing(insp, ns)
    assert {v["name"]: v["kind"] for v in out["variables"]} == {"trap": "test_inspector.Trap", "box": "list"}
    one = inspect(insp, ns, "trap")
    assert one == {"name": "trap", "kind": "test_inspector.Trap", "type": "test_inspector.Trap"}
    box = inspect(insp, ns, "box")
    assert box["value"] == ["<test_inspector.Trap>", {"k": "<test_inspector.Trap>"}]


# ---------------------------------------------------------------- resolving names


def test_names_outputs_and_underscores(insp):
    ns = {"x": 1, "_": "last", "__": "before", "_3": "three", "Out": {3: "three", 4: [4]}}
    assert inspect(insp, ns, "_")["value"] == "last"
    assert inspect(insp, ns, "__")["value"] == "before"
    assert inspect(insp, ns, "_3")["value"] == "three"
    assert inspect(insp, ns, "Out[4]")["value"] == [4]
    assert inspect(insp, ns, " Out[ 3 ] ")["value"] == "three"
    assert inspect(insp, ns, "_4")["value"] == [4]  # _4 evicted from the namespace
    assert inspect(insp, ns, "Out[5]") == {"name": "Out[5]", "error": "no output Out[5]"}
    for bad in ("x.real", "x; import os", "Out[x]", "__import__('os')", ""):
        assert "error" in inspect(insp, ns, bad), bad


# ---------------------------------------------------------------- pandas


def trap_frame_class():
    import pandas as pd

    class TrapFrame(pd.DataFrame):
        """Full-data summaries raise; isna on more than the bounded sample raises."""

        @property
        def _constructor(self):
            return TrapFrame

        describe = nunique = info = value_counts = to_string = _repr_html_ = boom
        __repr__ = boom

        def memory_usage(self, index=True, deep=False):
            if deep:
                raise Boom("memory_usage(deep=True)")
            return super().memory_usage(index=index, deep=False)

        def isna(self):
            if len(self) > 10_000:
                raise Boom("isna over %d rows" % len(self))
            return super().isna()

    return TrapFrame


def test_pandas_trap_frame_gets_only_cheap_calls(insp):
    import numpy as np

    TrapFrame = trap_frame_class()
    n = 200_000
    df = TrapFrame({"a": np.arange(n, dtype="float64"), "b": np.where(np.arange(n) % 2, None, "x")})
    df.loc[5, "a"] = np.nan
    out = inspect(insp, {"df": df}, "df")
    assert "errors" not in out
    assert out["kind"] == "pandas.DataFrame"
    assert out["type"].endswith("TrapFrame")
    assert out["shape"] == [n, 2]
    assert out["nulls_counted_in_first_rows"] == 10_000
    assert [c["nulls"] for c in out["columns"]] == [1, 5_000]
    assert out["memory_bytes"] == int(pd_memory(df))
    assert len(out["sample"]["rows"]) == 5
    listed = listing(insp, {"df": df})
    assert listed["variables"][0]["type"].endswith("TrapFrame")


def pd_memory(df):
    import pandas as pd

    return pd.DataFrame.memory_usage(df, deep=False).sum()


def test_pandas_frame_content(insp):
    import numpy as np
    import pandas as pd

    df = pd.DataFrame({
        "f": [1.5, np.nan, np.inf, -np.inf],
        "i": pd.array([1, None, 2**60, -3], dtype="Int64"),
        "t": pd.to_datetime(["2024-01-02 03:04:05.123456789", None, "2024-01-03", "2024-01-04"],
                            format="ISO8601").tz_localize("Europe/Paris"),
        "c": pd.Categorical(["x", "y", None, "x"], ordered=True),
        "s": ["a", None, "c", "d"],
        "b": [True, False, None, True],
    }, index=pd.Index(["r1", "r2", "r3", "r4"], name="key"))
    out = inspect(insp, {"df": df}, "df", sample_rows=4)
    cols = columns(out)
    assert cols["f"] == {"name": "f", "dtype": "float64", "nulls": 1}
    assert cols["i"]["dtype"] == "Int64" and cols["i"]["nulls"] == 1
    assert cols["t"]["dtype"] == "datetime64[ns, Europe/Paris]"
    assert cols["c"] == {"name": "c", "dtype": "category", "categories": ["x", "y"],
                         "n_categories": 2, "ordered": True, "nulls": 1}
    assert out["index"] == {"type": "Index", "dtype": str(df.index.dtype), "names": ["key"]}
    assert out["sample"]["index"] == ["r1", "r2", "r3", "r4"]
    rows = out["sample"]["rows"]
    assert rows[0] == [1.5, 1, "2024-01-02T03:04:05.123456789+01:00", "x", "a", True]
    assert rows[1] == [None, None, None, "y", None, False]
    assert rows[2][:2] == ["inf", str(2**60)]
    assert rows[3][0] == "-inf"
    assert rows[2][3] is None  # categorical NaN
    assert out["memory_bytes"] == pd.DataFrame.memory_usage(df, deep=False).sum()


def test_pandas_multiindex_and_duplicate_columns(insp):
    import pandas as pd

    cols = pd.MultiIndex.from_tuples([("sales", 2023), ("sales", 2024), ("cost", 2024)], names=["what", "year"])
    idx = pd.MultiIndex.from_tuples([("eu", "fr"), ("eu", "de")], names=["region", "country"])
    df = pd.DataFrame([[1, 2, 3], [4, 5, 6]], columns=cols, index=idx)
    out = inspect(insp, {"df": df}, "df")
    assert [c["name"] for c in out["columns"]] == [["sales", 2023], ["sales", 2024], ["cost", 2024]]
    assert out["column_levels"] == 2
    assert out["index"]["type"] == "MultiIndex"
    assert out["index"]["names"] == ["region", "country"]
    assert out["index"]["level_dtypes"] == [str(d) for d in idx.dtypes]
    assert out["sample"]["index"] == [["eu", "fr"], ["eu", "de"]]

    dup = pd.DataFrame([[1, "a", 2.5]], columns=["x", "x", "y"])
    out = inspect(insp, {"dup": dup}, "dup")
    assert [c["name"] for c in out["columns"]] == ["x", "x", "y"]
    assert [c["dtype"] for c in out["columns"]] == ["int64", str(dup.dtypes.iloc[1]), "float64"]
    assert out["duplicate_column_names"] is True
    assert out["sample"]["rows"] == [[1, "a", 2.5]]


def test_pandas_series_and_index(insp):
    import pandas as pd

    s = pd.Series([1.0, None, 3.0], name="amount", index=pd.date_range("2024-01-01", periods=3, freq="D"))
    out = inspect(insp, {"s": s}, "s")
    assert out["kind"] == "pandas.Series"
    assert out["shape"] == [3] and out["series_name"] == "amount" and out["dtype"] == "float64"
    assert out["nulls"] == 1 and out["values"] == [1.0, None, 3.0]
    assert out["index"]["type"] == "DatetimeIndex"
    assert out["memory_bytes"] == int(s.memory_usage(deep=False))

    mi = pd.MultiIndex.from_arrays([["a", "b"], [1, 2]], names=["k", "n"])
    out = inspect(insp, {"mi": mi}, "mi")
    assert out["kind"] == "pandas.Index" and out["type"].endswith("MultiIndex")
    assert out["values"] == [["a", 1], ["b", 2]] and out["names"] == ["k", "n"]
    out = inspect(insp, {"r": pd.RangeIndex(0, 10**12, 7)}, "r")
    assert out["range"] == [0, 10**12, 7] and out["shape"] == [len(range(0, 10**12, 7))]
    assert out["values"] == [0, 7, 14, 21, 28]


def test_sample_rows_argument(insp):
    import pandas as pd

    ns = {"df": pd.DataFrame({"a": range(100)})}
    assert len(inspect(insp, ns, "df")["sample"]["rows"]) == 5
    assert len(inspect(insp, ns, "df", sample_rows=20)["sample"]["rows"]) == 20
    assert len(inspect(insp, ns, "df", sample_rows=1000, max_bytes=100_000)["sample"]["rows"]) == 50
    for none in (0, -3):
        assert "sample" not in inspect(insp, ns, "df", sample_rows=none)


def test_payload_bound_with_5000_columns(insp):
    import numpy as np
    import pandas as pd

    wide = pd.DataFrame(np.zeros((1000, 5000)), columns=["column_with_a_longish_name_%04d" % i for i in range(5000)])
    wide["text"] = "x"
    start = time.perf_counter()
    out = inspect(insp, {"wide": wide}, "wide")
    assert time.perf_counter() - start < 0.5
    assert out["shape"] == [1000, 5001] and out["n_columns"] == 5001
    assert out["dtype_counts"] == {"float64": 5000, str(wide["text"].dtype): 1}
    assert "payload" in out["truncated"]
    assert 0 < len(out["columns"]) < 200
    assert all(len(r) == len(out["columns"]) for r in out["sample"]["rows"])
    assert out["columns"][0] == {"name": "column_with_a_longish_name_0000", "dtype": "float64", "nulls": 0}


def test_payload_bound_with_huge_and_nested_values(insp):
    import pandas as pd

    deep = {"a": [{"b": [list(range(100))] * 100}] * 100}
    df = pd.DataFrame({
        "big": ["é" * 5_000_000, "y" * 10],
        "nested": [deep, list(range(10_000))],
        "blob": [b"\x00\xff" * 100_000, b""],
    })
    out = inspect(insp, {"df": df}, "df")
    big, nested, blob = out["sample"]["rows"][0]
    assert big.startswith("éé") and big.endswith("chars)") and len(big) < 300
    assert isinstance(nested, dict) and isinstance(blob, str) and blob.startswith("b'\\x00\\xff")
    assert out["sample"]["rows"][1][1][-1].startswith("…(+")
    tiny = inspect(insp, {"df": df}, "df", max_bytes=600)
    assert tiny["truncated"] == ["payload"] and tiny["shape"] == [2, 3]
    assert inspect(insp, {"df": df}, "df", max_bytes=10) == {}  # not even the name fits: still JSON


# ---------------------------------------------------------------- JSON safety


def test_json_safe_values(insp):
    import numpy as np
    import pandas as pd

    values = [
        None, float("nan"), float("inf"), -float("inf"), np.float32("nan"), pd.NaT, pd.NA,
        np.datetime64("NaT"), 2**53, 2**53 + 1, -(2**64), np.int64(2**62), np.uint64(2**64 - 1), True, np.bool_(False),
        10 ** 5000, decimal.Decimal("1.10"), decimal.Decimal("NaN"), decimal.Decimal("-Infinity"),
        dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc), dt.date(2024, 1, 2), dt.time(3, 4),
        dt.timedelta(days=1, seconds=2), np.datetime64("2024-01-02T03:04:05.000000001"),
        pd.Timestamp("2024-01-02 03:04:05.000000001", tz="UTC"), pd.Period("2024-01", "M"),
        uuid.UUID(int=1), 1 + 2j, b"\x00abc", bytearray(b"xy"), {1, 2}, {("a", 1): 2, 3: None},
        np.array([1.5, np.nan]), Trap(),
    ]
    out = inspect(insp, {"v": values}, "v", max_bytes=100_000)
    limits = insp._LEVELS[0]
    got = [insp._jsonable(v, limits) for v in values]
    assert got == [
        None, None, "inf", "-inf", None, None, None,
        None, 2**53, str(2**53 + 1), str(-(2**64)), str(2**62), str(2**64 - 1), True, False,
        "<int of 16610 bits>", "1.10", None, "-inf",
        "2024-01-02T03:04:05+00:00", "2024-01-02", "03:04:00",
        "1 day, 0:00:02", "2024-01-02T03:04:05.000000001",
        "2024-01-02T03:04:05.000000001+00:00", "2024-01",
        "00000000-0000-0000-0000-000000000001", "(1+2j)", "b'\\x00abc'", "b'xy'", [1, 2], {'["a",1]': 2, "3": None},
        [1.5, None], "<test_inspector.Trap>",
    ]
    assert out["value"][:4] == [None, None, "inf", "-inf"]
    # What json would refuse never reaches it: allow_nan=False in the encoder.
    json.loads(insp.inspect_variable({"v": values}, "v"), parse_constant=boom)


def test_container_subclasses_are_read_through_their_builtin_base(insp):
    import collections

    class TrapList(list):
        __len__ = __iter__ = __getitem__ = __repr__ = boom

    class TrapDict(dict):
        __len__ = __iter__ = __getitem__ = items = keys = values = __repr__ = boom

    Point = collections.namedtuple("Point", "x y")
    value = [TrapList([1, 2, 3]), TrapDict(a=1), collections.OrderedDict(b=[2]), Point(1, 2)]
    out = inspect(insp, {"v": value}, "v")
    assert out["value"] == [[1, 2, 3], {"a": 1}, {"b": [2]}, [1, 2]]
    out = inspect(insp, {"t": TrapList([1])}, "t")
    assert set(out) == {"name", "kind", "type"} and out["kind"].endswith("<locals>.TrapList")


def test_long_strings_are_cut_with_their_length(insp):
    out = inspect(insp, {"s": "x" * 100_000}, "s")
    assert out["length"] == 100_000
    assert out["value"] == "x" * 200 + "…(+99800 chars)"


# ---------------------------------------------------------------- budget, silence, errors


def test_time_budget_keeps_the_essentials(insp):
    import pandas as pd

    df = pd.DataFrame({"a": range(10)})
    out = inspect(insp, {"df": df}, "df", time_budget=0)
    assert out["truncated"] == ["time budget"]
    assert out["shape"] == [10, 1] and out["columns"] == [{"name": "a", "dtype": "int64"}]
    assert "sample" not in out and "memory_bytes" not in out
    out = listing(insp, {"df": df}, time_budget=0)
    assert out["variables"] == [{"name": "df", "kind": "pandas.DataFrame"}]
    assert out["truncated"] == ["time budget"]


def test_prints_nothing_and_warns_nothing(insp, capfd):
    import pandas as pd

    class Noisy(pd.DataFrame):
        @property
        def _constructor(self):
            return Noisy

        def isna(self):
            print("to stdout")
            print("to stderr", file=sys.stderr)
            warnings.warn("a warning")
            logging.getLogger("noisy.lib").error("a log record")
            return super().isna()

    root = logging.getLogger()
    handler = logging.StreamHandler(sys.stderr)  # as logging.basicConfig() in a notebook
    root.addHandler(handler)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = inspect(insp, {"df": Noisy({"a": [1]})}, "df")
            listing(insp, {"df": Noisy({"a": [1]})})
        assert caught == []
        assert handler.filters == []
    finally:
        root.removeHandler(handler)
    assert out["columns"][0]["nulls"] == 0
    assert capfd.readouterr() == ("", "")
    assert sys.stdout.__class__.__name__ != "_QuietStream"
    print("restored")
    assert capfd.readouterr().out == "restored\n"


def test_never_raises(insp):
    import pandas as pd

    class Broken(pd.DataFrame):
        @property
        def shape(self):
            raise RuntimeError("shape broke")

    class BadNulls(pd.DataFrame):
        @property
        def _constructor(self):
            return BadNulls

        def isna(self):
            raise ValueError("no nulls for you")

    ns = {"broken": Broken({"a": [1]}), "bad": BadNulls({"a": [1]})}
    assert inspect(insp, ns, "broken")["error"] == "RuntimeError: shape broke"
    bad = inspect(insp, ns, "bad")
    assert bad["errors"] == ["nulls: ValueError: no nulls for you"]
    assert bad["shape"] == [1, 1] and bad["sample"]["rows"] == [[1]]
    listed = listing(insp, ns)
    assert {v["name"]: "error" in v for v in listed["variables"]} == {"bad": False, "broken": True}
    assert "error" in json.loads(insp.list_variables(None))  # no IPython shell here
    assert "error" in json.loads(insp.inspect_variable(None, "x"))
    assert "error" in json.loads(insp.list_variables(42))
    assert "error" in json.loads(insp.inspect_variable({}, None))


# ---------------------------------------------------------------- polars


def test_polars_frame(insp):
    import polars as pl

    df = pl.DataFrame({
        "a": [1, None, 3], "s": ["x", None, "z"], "l": [[1, 2], [3], None],
        "st": [{"x": 1, "y": "a"}, None, {"x": 2, "y": "b"}],
        "d": [decimal.Decimal("1.10"), None, decimal.Decimal("2.50")],
        "t": [dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)] * 3,
    })
    out = inspect(insp, {"df": df}, "df")
    assert out["kind"] == "polars.DataFrame" and out["shape"] == [3, 6]
    assert out["null_counts"] == "exact" and "nulls_counted_in_first_rows" not in out
    assert out["memory_bytes"] == df.estimated_size()
    cols = columns(out)
    assert cols["a"] == {"name": "a", "dtype": "Int64", "nulls": 1}
    assert cols["st"]["dtype"] == str(df.schema["st"]) and cols["st"]["nulls"] == 1
    assert out["sample"]["rows"][0] == [1, "x", [1, 2], {"x": 1, "y": "a"}, "1.10", "2024-01-01T00:00:00+00:00"]
    assert out["sample"]["rows"][1] == [None, None, [3], None, None, "2024-01-01T00:00:00+00:00"]

    s = df["a"]
    out = inspect(insp, {"s": s}, "s")
    assert out["kind"] == "polars.Series"
    assert (out["shape"], out["dtype"], out["nulls"], out["values"]) == ([3], "Int64", 1, [1, None, 3])


def test_polars_lazyframe_never_runs(insp, monkeypatch):
    import polars as pl

    lf = pl.LazyFrame({"a": [1, 2], "b": ["x", "y"]}).filter(pl.col("a") > 1).with_columns(c=pl.col("a") * 2)
    for name in ("collect", "collect_async", "describe", "explain", "profile", "fetch"):
        if hasattr(pl.LazyFrame, name):
            monkeypatch.setattr(pl.LazyFrame, name, boom)
    monkeypatch.setattr(pl.LazyFrame, "schema", property(boom))
    monkeypatch.setattr(pl.LazyFrame, "__len__", boom, raising=False)
    for rows in (None, 5):
        out = inspect(insp, {"lf": lf}, "lf", sample_rows=rows)
        assert "errors" not in out and "error" not in out
        assert out["columns"] == [{"name": "a", "dtype": "Int64"}, {"name": "b", "dtype": "String"},
                                  {"name": "c", "dtype": "Int64"}]
        assert "sample" not in out
    assert listing(insp, {"lf": lf})["variables"] == [{"name": "lf", "kind": "polars.LazyFrame"}]


# ---------------------------------------------------------------- pyarrow


def test_pyarrow_table_and_batch(insp):
    import pyarrow as pa

    t = pa.table([
        pa.array([1, None, 3]),
        pa.array(["a", "b", None]),
        pa.array([{"x": 1}, None, {"x": 3}]),
        pa.array([decimal.Decimal("1.5"), None, None], pa.decimal128(10, 2)),
        pa.array([dt.datetime(2024, 1, 1)] * 3, pa.timestamp("ns", tz="UTC")),
    ], names=["k", "k", "st", "dec", "ts"])
    out = inspect(insp, {"t": t}, "t")
    assert out["kind"] == "pyarrow.Table" and out["shape"] == [3, 5]
    assert [c["name"] for c in out["columns"]] == ["k", "k", "st", "dec", "ts"]
    assert [c["nulls"] for c in out["columns"]] == [1, 1, 1, 2, 0]
    assert out["null_counts"] == "exact"
    assert out["columns"][4]["dtype"] == "timestamp[ns, tz=UTC]"
    assert out["sample"]["rows"][0] == [1, "a", {"x": 1}, "1.50", "2024-01-01T00:00:00+00:00"]
    batch = t.to_batches()[0]
    out = inspect(insp, {"b": batch}, "b", sample_rows=1)
    assert out["kind"] == "pyarrow.RecordBatch" and out["shape"] == [3, 5]
    assert out["sample"]["rows"] == [[1, "a", {"x": 1}, "1.50", "2024-01-01T00:00:00+00:00"]]


# ---------------------------------------------------------------- DuckDB


HUGE_QUERY = (
    "select a.range % 1000 as g, count(*) as n, sum(b.range) as total "
    "from range(100000000) a join range(100000000) b using (range) group by g"
)


def test_duckdb_relation_over_a_huge_query_does_not_run_it(insp):
    import duckdb

    con = duckdb.connect()
    rel = con.sql(HUGE_QUERY)
    # error() fails at execution only: any execution of `trap` shows up as an error.
    trap = con.sql("select range as r, error('executed ' || range::varchar) as boom from range(10)")
    ns = {"rel": rel, "trap": trap}
    start = time.perf_counter()
    out = inspect(insp, ns, "rel")
    listed = listing(insp, ns)
    assert time.perf_counter() - start < 1.0
    assert out["kind"] == "duckdb.DuckDBPyRelation"
    assert out["columns"] == [{"name": "g", "dtype": "BIGINT"}, {"name": "n", "dtype": "BIGINT"},
                              {"name": "total", "dtype": "HUGEINT"}]
    assert out["sql"] == HUGE_QUERY and "sample" not in out and "shape" not in out
    assert {v["name"]: v.get("n_columns") for v in listed["variables"]} == {"rel": 3, "trap": 2}
    out = inspect(insp, ns, "trap")
    assert "errors" not in out and out["n_columns"] == 2
    # Asked for rows, it runs LIMIT n, and this trap does go off (so the test above means something).
    out = inspect(insp, ns, "trap", sample_rows=2)
    assert "executed 0" in out["errors"][0]


def test_duckdb_relation_rows_only_when_asked(insp):
    import duckdb

    con = duckdb.connect()
    rel = con.sql("select range as i, range::varchar as s, {'a': range} as st, [range] as l, "
                  "12345678901234567890::hugeint as h, 1.25::decimal(5,2) as d from range(1000000000000)")
    assert "sample" not in inspect(insp, {"rel": rel}, "rel")
    start = time.perf_counter()
    out = inspect(insp, {"rel": rel}, "rel", sample_rows=2)
    assert time.perf_counter() - start < 1.0
    assert out["sample"]["rows"] == [[0, "0", {"a": 0}, [0], "12345678901234567890", "1.25"],
                                     [1, "1", {"a": 1}, [1], "12345678901234567890", "1.25"]]


def test_duckdb_connection_catalog_without_scans(insp):
    import duckdb

    con = duckdb.connect()
    con.execute("create table orders (id integer, amount decimal(10, 2), placed timestamp)")
    con.execute("insert into orders select range, range / 100, timestamp '2024-01-01' from range(1000)")
    con.execute("create schema mart")
    con.execute("create view mart.exploding as select error('executed')::integer as x from range(1000000000000)")
    pending = con.execute("select * from range(5)")  # the user's unfinished result
    start = time.perf_counter()
    out = inspect(insp, {"con": con}, "con")
    assert time.perf_counter() - start < 1.0
    assert "errors" not in out
    assert out["n_tables"] == 2
    assert out["tables"] == [
        {"name": "memory.main.orders", "type": "table", "n_columns": 3, "estimated_rows": 1000,
         "columns": [{"name": "id", "dtype": "INTEGER"}, {"name": "amount", "dtype": "DECIMAL(10,2)"},
                     {"name": "placed", "dtype": "TIMESTAMP"}]},
        {"name": "memory.mart.exploding", "type": "view", "n_columns": 1,
         "columns": [{"name": "x", "dtype": "INTEGER"}]},
    ]
    assert pending.fetchall() == [(i,) for i in range(5)]  # untouched


# ---------------------------------------------------------------- SQLAlchemy


def sqlite_engine(**kw):
    import sqlalchemy as sa

    engine = sa.create_engine("sqlite://", **kw)
    with engine.begin() as c:
        c.execute(sa.text("create table customers (id integer primary key, name text not null)"))
        c.execute(sa.text("create table orders (id integer, customer_id integer, amount numeric)"))
        c.execute(sa.text("insert into orders values (1, 1, 9.5)"))
        c.execute(sa.text("create view big_orders as select * from orders where amount > 5"))
    return engine


def test_sqlalchemy_engine_catalog_without_scans(insp):
    import sqlalchemy as sa

    engine = sqlite_engine()
    engine.url = engine.url.set(username="me", password="s3cret-password")
    statements = []
    sa.event.listen(engine, "before_cursor_execute", lambda c, cur, stmt, *a: statements.append(stmt))
    out = inspect(insp, {"engine": engine}, "engine")
    assert out["kind"] == "sqlalchemy.Engine" and out["dialect"] == "sqlite"
    assert "s3cret" not in json.dumps(out) and "***" in out["url"]
    assert out["n_tables"] == 3
    assert [(t["name"], t["type"]) for t in out["tables"]] == [
        ("customers", "table"), ("orders", "table"), ("big_orders", "view")]
    assert out["tables"][0]["columns"] == [{"name": "id", "dtype": "INTEGER", "nullable": True},
                                           {"name": "name", "dtype": "TEXT", "nullable": False}]
    data_reads = [s for s in statements if "from orders" in s.lower() or "from customers" in s.lower()
                  or "from big_orders" in s.lower()]
    assert statements and data_reads == []


def test_sqlalchemy_echo_prints_nothing(insp, capfd):
    engine = sqlite_engine(echo=True)
    capfd.readouterr()
    out = inspect(insp, {"engine": engine}, "engine")
    assert out["n_tables"] == 3
    assert capfd.readouterr() == ("", "")


def test_sqlalchemy_unanswering_database_does_not_freeze(insp, monkeypatch):
    import sqlalchemy as sa

    engine = sa.create_engine("sqlite://", creator=lambda: time.sleep(30))
    engine.dialect.name = "postgresql"  # a remote kind: its catalog is read under a timeout
    monkeypatch.setattr(insp, "CATALOG_TIMEOUT", 0.3)
    start = time.perf_counter()
    out = inspect(insp, {"engine": engine}, "engine", time_budget=0.1)
    assert time.perf_counter() - start < 1.0
    assert out["truncated"] == ["time budget"]
    assert "no answer from the database" in out["errors"][0]


# ---------------------------------------------------------------- Dask


def test_dask_frame_never_computes_unless_asked(insp, monkeypatch):
    import dask.dataframe as dd
    import pandas as pd

    meta = pd.DataFrame({"a": pd.Series([], dtype="int64"), "b": pd.Series([], dtype="float64")})

    def load(i):
        raise Boom("partition %d computed" % i)

    trap = dd.from_map(load, range(4), meta=meta)
    monkeypatch.setattr(type(trap), "compute", boom)
    monkeypatch.setattr(type(trap), "__len__", boom)
    out = inspect(insp, {"ddf": trap}, "ddf")
    assert "errors" not in out
    assert out["kind"] == "dask.DataFrame" and out["npartitions"] == 4
    assert out["columns"] == [{"name": "a", "dtype": "int64"}, {"name": "b", "dtype": "float64"}]
    assert "sample" not in out and "shape" not in out
    assert listing(insp, {"ddf": trap})["variables"] == [{"name": "ddf", "kind": "dask.DataFrame", "n_columns": 2}]
    monkeypatch.undo()

    ok = dd.from_pandas(pd.DataFrame({"a": range(10), "b": [0.5] * 10}), npartitions=2)
    out = inspect(insp, {"ok": ok}, "ok", sample_rows=3)
    assert out["sample"]["rows"] == [[0, 0.5], [1, 0.5], [2, 0.5]]
    out = inspect(insp, {"s": ok["a"]}, "s")
    assert out["kind"] == "dask.Series" and out["dtype"] == "int64" and out["series_name"] == "a"


# ---------------------------------------------------------------- numpy


def test_numpy_arrays(insp):
    import numpy as np

    # 10**12 elements in no memory: a scan or a copy of it would never finish.
    huge = np.broadcast_to(np.float64(1.5), (10**6, 10**6))
    start = time.perf_counter()
    out = inspect(insp, {"a": huge}, "a")
    listing(insp, {"a": huge})
    assert time.perf_counter() - start < 1.0
    assert out["shape"] == [10**6, 10**6] and out["dtype"] == "float64" and out["memory_bytes"] == 8 * 10**12
    assert out["sample"]["rows"] == [[1.5] * 200] * 5
    ts = np.array(["2024-01-01T00:00:00.000000001", "NaT"], dtype="datetime64[ns]")
    assert inspect(insp, {"t": ts}, "t")["values"] == ["2024-01-01T00:00:00.000000001", None]
    cube = np.arange(24).reshape(2, 3, 4)[:, ::2]  # not contiguous
    assert inspect(insp, {"c": cube}, "c", sample_rows=3)["values"] == [0, 1, 2]


# ---------------------------------------------------------------- Spark


def spark_jobs(spark):
    return sorted(spark.sparkContext.statusTracker().getJobIdsForGroup())


def test_spark_frame_runs_no_job_unless_asked(insp, spark):
    df = spark.range(10**12).selectExpr(
        "id", "id % 7 as g", "cast(id as string) as s", "named_struct('a', id, 'b', 'x') as st",
        "array(id, id) as arr", "cast(id as decimal(20, 2)) as dec")
    agg = df.groupBy("g").count()
    ns = {"df": df, "agg": agg}
    before = spark_jobs(spark)
    out = inspect(insp, ns, "df")
    inspect(insp, ns, "agg")
    listed = listing(insp, ns)
    assert spark_jobs(spark) == before
    assert out["kind"] == "spark.DataFrame"
    assert out["columns"][:4] == [
        {"name": "id", "dtype": "bigint", "nullable": False}, {"name": "g", "dtype": "bigint", "nullable": True},
        {"name": "s", "dtype": "string", "nullable": False},
        {"name": "st", "dtype": "struct<a:bigint,b:string>", "nullable": False}]
    assert out["n_columns"] == 6 and "sample" not in out and out["streaming"] is False
    assert {v["kind"] for v in listed["variables"]} == {"spark.DataFrame"}

    out = inspect(insp, ns, "df", sample_rows=2)
    assert len(spark_jobs(spark)) > len(before)  # the job counter does see jobs
    assert out["sample"]["rows"] == [[0, 0, "0", {"a": 0, "b": "x"}, [0, 0], "0.00"],
                                     [1, 1, "1", {"a": 1, "b": "x"}, [1, 1], "1.00"]]


# ---------------------------------------------------------------- secrets, line breaks, subshells

KEY = "sk-ant-api03-" + "Zq8F2kLz0Rt7VbN3mXc5Y1wPa9HdJ6sGe4uK0iT2o"
TOKEN = "q8F2kLz0Rt7VbN3mXc5Y1wPa9HdJ6sGe4uK0iT2o"  # high entropy, no known prefix
DSN = "postgresql://etl:pw-Secret1@db.internal/warehouse"


def test_secret_names_and_values_are_redacted_in_listings(insp):
    ns = {"api_key": "hunter2", "db_password": 123456, "anthropic": KEY, "dsn_like": "x",
          "url": DSN, "blob": TOKEN, "greeting": "hello world",
          "digest": "da39a3ee5e6b4b0d3255bfef95601890afd80709",
          "ident": "getUserAccountBalanceHistoryV2Internal", "count": 3}
    text = insp.list_variables(ns, time_budget=BUDGET)
    for secret in ("hunter2", "123456", KEY, DSN, "pw-Secret1", TOKEN):
        assert secret not in text
    values = {v["name"]: v.get("value") for v in json.loads(text)["variables"]}
    assert values["api_key"] == "<redacted, 7 chars>"
    assert values["db_password"] == "<redacted>"
    assert values["anthropic"] == "<redacted, %d chars>" % len(KEY)
    assert values["url"] == "<redacted, %d chars>" % len(DSN)
    assert values["blob"] == "<redacted, 40 chars>"
    assert values["dsn_like"] == "<redacted, 1 chars>"
    # Ordinary text, hex digests and identifiers are data, not secrets.
    assert values["greeting"] == "hello world"
    assert values["digest"] == ns["digest"]
    assert values["ident"] == ns["ident"]
    assert values["count"] == 3


def test_secrets_are_redacted_in_inspections_and_samples(insp):
    import pandas as pd

    df = pd.DataFrame({"user": ["ann", "bob"], "password": ["pw1", None],
                       "note": ["ok", "key is " + KEY], "conn": [DSN, "plain"]})
    ns = {"df": df, "token": KEY, "config": {"host": "h", "password": "pw-Secret1", "nested": {"api_key": "k1"}},
          "credentials_df": pd.DataFrame({"a": ["s1"]}), "s": df["password"], "dsn": DSN}
    out = inspect(insp, ns, "df")
    rows = out["sample"]["rows"]
    assert [r[0] for r in rows] == ["ann", "bob"]
    assert [r[1] for r in rows] == ["<redacted, 3 chars>", None]
    assert rows[0][2] == "ok" and rows[1][2] == "<redacted, %d chars>" % len("key is " + KEY)
    assert rows[0][3] == "<redacted, %d chars>" % len(DSN) and rows[1][3] == "plain"
    assert [c["name"] for c in out["columns"]] == ["user", "password", "note", "conn"]

    assert inspect(insp, ns, "token")["value"] == "<redacted, %d chars>" % len(KEY)
    assert inspect(insp, ns, "dsn")["value"] == "<redacted, %d chars>" % len(DSN)
    config = inspect(insp, ns, "config")["value"]
    assert config == {"host": "h", "password": "<redacted, 10 chars>", "nested": {"api_key": "<redacted, 2 chars>"}}
    assert inspect(insp, ns, "credentials_df")["sample"]["rows"] == [["<redacted, 2 chars>"]]
    assert inspect(insp, ns, "s")["values"] == ["<redacted, 3 chars>", None]
    for name in ns:
        text = insp.inspect_variable(ns, name, time_budget=BUDGET)
        for secret in (KEY, DSN, "pw-Secret1", "pw1", "k1\""):
            assert secret not in text, (name, text)


def test_secrets_in_sql_text_are_masked_in_place(insp):
    duckdb = pytest.importorskip("duckdb")
    con = duckdb.connect()
    rel = con.sql("select 'postgresql://etl:pw-Secret1@db/w' as target, 1 as n")
    out = inspect(insp, {"rel": rel}, "rel")
    assert "pw-Secret1" not in json.dumps(out)
    assert "select" in out["sql"].lower() and "<redacted," in out["sql"]


def test_json_has_no_raw_line_separators(insp):
    from IPython.lib.pretty import pretty

    text = "a\x85b\u2028c\u2029d"
    for result in (insp.inspect_variable({"s": text}, "s", time_budget=BUDGET),
                   insp.list_variables({"s": text}, time_budget=BUDGET)):
        assert not set(result) & {"\x85", "\u2028", "\u2029"}
        # IPython renders text/plain with its pretty printer, which splits at these.
        assert json.loads(pretty(result)) == json.loads(result)
    assert json.loads(pretty(insp.inspect_variable({"s": text}, "s")))["value"] == text


def test_on_a_subshell_thread_the_users_warnings_and_logging_are_left_alone(insp, capfd):
    import threading

    import pandas as pd

    inside, user_done = threading.Event(), threading.Event()

    class Waits(pd.DataFrame):
        @property
        def _constructor(self):
            return Waits

        def isna(self):
            inside.set()
            user_done.wait(10)
            print("from the inspector")
            return super().isna()

    handler = logging.StreamHandler(sys.stderr)
    logger = logging.getLogger("user.cell")
    logger.addHandler(handler)
    result = {}

    def subshell():
        result["out"] = json.loads(insp.inspect_variable({"df": Waits({"a": [1]})}, "df", time_budget=BUDGET))

    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            thread = threading.Thread(target=subshell)
            thread.start()
            assert inside.wait(10)
            # The user's cell, on the main thread, while the inspector runs beside it.
            filters_during = list(handler.filters)
            warnings.warn("from the user's cell")
            warnings.filterwarnings("error", message="set by the user's cell")
            print("user output")
            logger.error("user log record")
            user_done.set()
            thread.join(10)
            kept = [f for f in warnings.filters if getattr(f[1], "pattern", None) == "set by the user's cell"]
    finally:
        logger.removeHandler(handler)
    assert filters_during == []
    assert [str(w.message) for w in caught] == ["from the user's cell"]
    assert len(kept) == 1
    assert result["out"]["columns"][0]["nulls"] == 0
    out, err = capfd.readouterr()
    assert "user output" in out and "from the inspector" not in out
    assert "user log record" in err
