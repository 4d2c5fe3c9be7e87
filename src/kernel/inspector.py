"""Kernel-side inspector of jupyterlab-data-engineer.

Cheap, side-effect-free summaries of the user's variables and dataframes, for the
assistant. Standard library only at import time: data libraries are never imported
here; an object is recognised by its class's module and name (walking the MRO), and
a library is used only through the object itself or `sys.modules`, so only when the
user has already imported it. What is "cheap" per library follows the table "Data
libraries: what is cheap to ask, what runs a job" of PLATFORM-NOTES.md.

Loading (once per kernel session)
---------------------------------
The frontend sends the text below as a silent execute request (silent=True,
store_history=False, allow_stdin=False, stop_on_error=False), with <SOURCE> replaced by
this file's text as a Python string literal; `JSON.stringify(text)` is one (replace with a
function, `tpl.replace('<SOURCE>', () => lit)`, since a string replacement expands `$&`).
It is one expression that assigns no name, so the user's namespace is left exactly as
it was; the module lives only in `sys.modules['__jl_data_engineer__']`, installed once
its code has run without error.

BOOTSTRAP-BEGIN
(lambda m: (exec(compile(<SOURCE>, '<jl-data-engineer>', 'exec'), m.__dict__), __import__('sys').modules.__setitem__(m.__name__, m)) and None)(__import__('types').ModuleType('__jl_data_engineer__'))
BOOTSTRAP-END

Calling
-------
Through `user_expressions` of a silent execute request with code '' (same flags):

    __import__('sys').modules['__jl_data_engineer__'].list_variables(get_ipython().user_ns)
    __import__('sys').modules['__jl_data_engineer__'].inspect_variable(get_ipython().user_ns, <NAME>)
    __import__('sys').modules['__jl_data_engineer__'].inspect_variable(get_ipython().user_ns, <NAME>, sample_rows=<N>)

Scratch code (the run_scratch tool) is the code of a non-silent execute request
(store_history=False), once the module is loaded:

    __import__('sys').modules['__jl_data_engineer__'].run_scratch(<CODE>)

<NAME> is a Python string literal (`JSON.stringify(name)`). Both return a str whose repr
is the JSON text itself, so `JSON.parse(reply.content.user_expressions[key].data['text/plain'])`
gives the result. A per-key status 'error' with ename 'KeyError' means the module is not
loaded (new or restarted kernel): send the bootstrap, then ask again. `PROTOCOL` changes
when the result shape or a guarantee does (2: secrets redacted). The frontend reaches the
module through `(lambda m: m if getattr(m, 'PROTOCOL', 0) == <P> else {}['stale'])(...)`, so
a helper left by an older frontend in a running kernel also answers KeyError and is replaced.

Guarantees of every call
------------------------
- Never raises: failures come back as {"error": "..."}; a failing optional detail is
  listed under "errors" and the rest is kept.
- Prints nothing: stdout/stderr writes from this thread are dropped for the duration
  of the call. On the main thread (no cell can run meanwhile) its log records are
  dropped and warnings ignored too. On a subshell's thread a user's cell may be running
  on the main thread, so the process-wide warning filters and logging handlers are left
  alone: warnings from this thread still go to the dropped stderr, log records reach the
  handlers they are sent to.
- Shows no secrets: values of variables, columns and dict keys whose names look secret
  (key, token, secret, passw, credential, auth, dsn, conn_str) and strings that look like
  a key or a URL with a password are "<redacted, N chars>"; such parts of other text
  (SQL, errors) are replaced the same way.
- One line of JSON: U+0085, U+2028 and U+2029 are escaped, since IPython's text/plain
  rendering splits a repr at every str.splitlines() break.
- A time budget (`time_budget`, 0.5 s): checked between steps; once spent, optional
  details (memory, null counts, sample rows, catalog columns) are skipped and
  "truncated" contains "time budget".
- A bounded payload (`max_bytes`, 8192 bytes of UTF-8 JSON): sample rows, columns,
  string lengths and nested values are cut until the result fits; "truncated" then
  contains "payload". Lists may be shorter than the totals given next to them
  ("shape", "n_columns", "n_tables").
- JSON-safe values: missing values (None, NaN, NaT, pd.NA) are null; infinities are
  the strings "inf" / "-inf"; integers beyond +-2**53 and Decimals are strings;
  datetimes, dates and times are ISO 8601 strings, timedeltas are strings; bytes are
  their repr, cut; strings longer than the limit end with "…(+N chars)"; nested
  lists, tuples, sets and dicts are cut, with a last element "…(+N more)" (dicts: key
  "…"); other objects are "<module.Type>": never repr'd or len'd.
- Output that native code writes straight to the process's file descriptors (a JVM's
  log, DuckDB's progress bar during a long explicit sample) is not Python's and is
  not caught.

Results
-------
list_variables: {"variables": [{"name", "kind", ...}], "count": N, "truncated"?: [...]},
user variables only, data frames first, then series/arrays, connections, the rest; by name.
Per variable, when cheap: "shape", "n_columns", "length", "memory_bytes", "value" (small
scalars), "type" (a subclass of a known kind), "rows_fetched" (jupysql).

inspect_variable: {"name", "kind", "type", ...} with, by kind, "shape" (absent when
counting rows would run a query: then "rows" says so), "columns": [{"name", "dtype",
"nulls"?, "nullable"?, "categories"?}], "n_columns", "memory_bytes" (pandas: deep=False,
so object/str contents are not counted; polars: estimated_size), "sample": {"rows":
[[...]], "index"?: [...]} (a row has one cell per listed column), "values" (series,
index, 1-D arrays), "sql" (DuckDB relation, jupysql), "tables" (DuckDB connection,
SQLAlchemy engine), "index" (pandas), "errors"?, "truncated"?, or {"name", "error"}.
Null counts: pandas counts over the first "nulls_counted_in_first_rows" rows (all rows
when that equals shape[0]); polars and pyarrow keep exact counts ("null_counts": "exact").
A pandas frame, for example:

    {"name": "df", "kind": "pandas.DataFrame", "type": "pandas.DataFrame", "shape": [3, 2],
     "columns": [{"name": "a", "dtype": "float64", "nulls": 1},
                 {"name": "b", "dtype": "str", "nulls": 0}],
     "n_columns": 2, "index": {"type": "RangeIndex", "dtype": "int64", "names": [null],
     "range": [0, 3, 1]}, "memory_bytes": 183,
     "sample": {"rows": [[1.0, "x"], [null, "y"], [3.0, "z"]]},
     "nulls_counted_in_first_rows": 3}

Sample rows: `sample_rows=None` means the kind's default: 5 for data already in memory
(pandas, polars DataFrame, pyarrow, numpy, builtins, jupysql rows already fetched), 0 for
lazy or remote data (DuckDB relation, Spark, Dask), where rows mean running a query:
those run one only when sample_rows > 0 is asked for, and only as LIMIT n
(`rel.limit(n)`, `df.limit(n).collect()`, `ddf.head(n, npartitions=1)`), which can still
be costly (an aggregation runs whole). A polars LazyFrame never gives rows.
"""

import datetime as _dt
import itertools
import json
import logging
import math
import re
import sys
import threading
import time
import types
import warnings

PROTOCOL = 2

MAX_BYTES = 8192
TIME_BUDGET = 0.5
MAX_VARIABLES = 200
MAX_COLUMNS = 200  # columns described at most; payload fitting usually shows fewer
MAX_SAMPLE_ROWS = 50
MAX_TABLES = 50  # catalog objects (DuckDB connection, SQLAlchemy engine)
NULL_SAMPLE_CELLS = 200_000  # pandas null counts look at this many cells at most
NULL_SAMPLE_ROWS = 10_000
CATALOG_TIMEOUT = 2.0  # seconds a SQLAlchemy catalog read may block the kernel
# Local databases answer at once, and their pools may be per thread (sqlite:// in memory
# is one database per thread): read their catalog in the calling thread.
_LOCAL_DIALECTS = frozenset(("sqlite", "duckdb"))
_INT_SAFE = 2**53

_NOT_USER_NAMES = frozenset(("In", "Out", "exit", "quit", "get_ipython"))

# Kinds, by (root module of the defining class, class name) found in the MRO.
_FRAMES = 0
_SERIES = 1
_SOURCES = 2
_KNOWN = {
    ("pandas", "DataFrame"): ("pandas.DataFrame", _FRAMES),
    ("pandas", "Series"): ("pandas.Series", _SERIES),
    ("pandas", "Index"): ("pandas.Index", _SERIES),
    ("polars", "DataFrame"): ("polars.DataFrame", _FRAMES),
    ("polars", "LazyFrame"): ("polars.LazyFrame", _FRAMES),
    ("polars", "Series"): ("polars.Series", _SERIES),
    ("pyarrow", "Table"): ("pyarrow.Table", _FRAMES),
    ("pyarrow", "RecordBatch"): ("pyarrow.RecordBatch", _FRAMES),
    ("duckdb", "DuckDBPyRelation"): ("duckdb.DuckDBPyRelation", _FRAMES),
    ("_duckdb", "DuckDBPyRelation"): ("duckdb.DuckDBPyRelation", _FRAMES),
    ("duckdb", "DuckDBPyConnection"): ("duckdb.DuckDBPyConnection", _SOURCES),
    ("_duckdb", "DuckDBPyConnection"): ("duckdb.DuckDBPyConnection", _SOURCES),
    ("sql", "ResultSet"): ("jupysql.ResultSet", _FRAMES),
    ("sqlalchemy", "Engine"): ("sqlalchemy.Engine", _SOURCES),
    ("dask", "DataFrame"): ("dask.DataFrame", _FRAMES),
    ("dask", "Series"): ("dask.Series", _SERIES),
    ("dask_expr", "DataFrame"): ("dask.DataFrame", _FRAMES),
    ("dask_expr", "Series"): ("dask.Series", _SERIES),
    ("pyspark", "DataFrame"): ("spark.DataFrame", _FRAMES),
    ("numpy", "ndarray"): ("numpy.ndarray", _SERIES),
}
# Module prefixes that must match too, where a root module is ambiguous: jupysql's
# package is called `sql`; pandas-on-Spark's DataFrame runs jobs for `shape`.
_MODULE_PREFIX = {"jupysql.ResultSet": "sql.run", "spark.DataFrame": "pyspark.sql"}
_LAZY_KINDS = frozenset(
    ("duckdb.DuckDBPyRelation", "spark.DataFrame", "dask.DataFrame", "dask.Series",
     "polars.LazyFrame")
)
_BUILTIN_VALUE_TYPES = (type(None), bool, int, float, complex, str, bytes, bytearray)
_BUILTIN_CONTAINERS = (list, tuple, dict, set, frozenset, range)


# ---------------------------------------------------------------- identifying objects

def _type_name(obj):
    t = type(obj)
    module = getattr(t, "__module__", None) or "?"
    qualname = getattr(t, "__qualname__", None) or t.__name__
    return qualname if module == "builtins" else module + "." + qualname


def _known(obj):
    """(kind, priority, is_subclass) of a recognised data object, else None; reads only
    the type, so a proxy or trap object runs nothing."""
    for i, cls in enumerate(type(obj).__mro__):
        module = cls.__dict__.get("__module__") or getattr(cls, "__module__", "") or ""
        hit = _KNOWN.get((module.split(".", 1)[0], cls.__name__))
        if hit and module.startswith(_MODULE_PREFIX.get(hit[0], "")):
            return hit + (i > 0,)
    return None


def _kind(obj):
    hit = _known(obj)
    return hit[0] if hit else _type_name(obj)


def _is_user_value(name, value, hidden):
    if not isinstance(name, str) or name.startswith("_") or name in _NOT_USER_NAMES:
        return False
    if hidden is not None and name in hidden and hidden[name] is value:
        return False
    t = type(value)
    if issubclass(t, (type, types.ModuleType, types.FunctionType, types.BuiltinFunctionType,
                      types.MethodType, types.MethodWrapperType, types.WrapperDescriptorType,
                      types.MethodDescriptorType)):
        return False
    # typing.Any, typing.List, ...: imported names, not data.
    return getattr(t, "__module__", "") not in ("typing", "typing_extensions")


# ---------------------------------------------------------------- JSON-safe values

class _Raw:
    """A value from the user's data, converted to JSON only when the result is rendered
    (so each payload-fitting attempt cuts it afresh, with exact "…(+N)" counts)."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


class _Name(_Raw):
    """A column or index name: a MultiIndex tuple is kept whole, long strings are cut."""

    __slots__ = ()


class _Secret(_Raw):
    """A value shown only as "<redacted, N chars>" (its name looks secret)."""

    __slots__ = ()


class _Limits:
    __slots__ = ("rows", "cols", "text", "items", "tables", "depth")

    def __init__(self, rows, cols, text, items, tables, depth=3):
        self.rows, self.cols, self.text = rows, cols, text
        self.items, self.tables, self.depth = items, tables, depth


# From generous to minimal; the first rendering that fits max_bytes is returned.
_LEVELS = (
    _Limits(MAX_SAMPLE_ROWS, MAX_COLUMNS, 200, 10, MAX_TABLES),
    _Limits(MAX_SAMPLE_ROWS, 60, 100, 5, 30),
    _Limits(5, 30, 60, 3, 20),
    _Limits(3, 20, 40, 2, 10),
    _Limits(1, 12, 30, 1, 5, depth=1),
    _Limits(0, 6, 24, 0, 3, depth=0),
    _Limits(0, 0, 24, 0, 0, depth=0),
)


def _cut(s, n):
    return s if len(s) <= n else s[:n] + "…(+%d chars)" % (len(s) - n)


# ---------------------------------------------------------------- secrets

_SECRET_NAME = re.compile(r"key|token|secret|passw|credential|auth|dsn|conn_?str", re.I)
_SECRET_TEXT = re.compile(
    r"[A-Za-z][A-Za-z0-9+.-]*://[^\s/?#@:]*:(?!\*+@)[^\s/?#@]+@"  # URL with a password
    r"|(?i:\b(?:password|passwd|pwd)\s*=\s*)[^\s;'\"]+"  # key=value DSNs (libpq, ODBC)
    r"|\bsk-[A-Za-z0-9_-]{16,}"  # sk-ant-..., sk-proj-...
    r"|\b(?:ghp|gho|ghs|ghu|github_pat)_[A-Za-z0-9_]{20,}"
    r"|\bxox[abprs]-[A-Za-z0-9-]{10,}"
    r"|\bAKIA[0-9A-Z]{16}\b"
    r"|\bAIza[0-9A-Za-z_-]{30,}"
    r"|\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*"  # JWT
    r"|-----BEGIN [A-Z ]*PRIVATE KEY-----"
)
_LONG_TOKEN = re.compile(r"[A-Za-z0-9+/=_-]{32,}")
_SCAN = 64  # characters past the cut that are still scanned: a key must not straddle it


def _random_token(token):
    """A long run of mixed-case letters and digits with high entropy: a key, not a word,
    a path or a hex digest (hashes and UUIDs have no upper and lower case both)."""
    if token.count("/") > 2 or not (any(c.isdigit() for c in token)
                                     and any(c.islower() for c in token)
                                     and any(c.isupper() for c in token)):
        return False
    n = len(token)
    # Random text switches between lower, upper, digit and other at most characters
    # (~0.6 per character); camelCase and snake_case identifiers rarely (< 0.45).
    kinds = ["d" if c.isdigit() else "l" if c.islower() else "u" if c.isupper() else "o" for c in token]
    if sum(a != b for a, b in zip(kinds, kinds[1:])) < 0.45 * n:
        return False
    counts = {}
    for c in token:
        counts[c] = counts.get(c, 0) + 1
    entropy = -sum(k / n * math.log2(k / n) for k in counts.values())
    return entropy >= 4.0


def _looks_secret(text):
    if len(text) < 8:
        return False
    if _SECRET_TEXT.search(text):
        return True
    return any(_random_token(m.group()) for m in _LONG_TOKEN.finditer(text))


def _mask_secrets(text):
    """Text with each secret-looking part replaced by "<redacted, N chars>"."""
    if len(text) < 8:
        return text
    text = _SECRET_TEXT.sub(lambda m: "<redacted, %d chars>" % len(m.group()), text)
    return _LONG_TOKEN.sub(
        lambda m: "<redacted, %d chars>" % len(m.group()) if _random_token(m.group()) else m.group(),
        text)


def _secret_name(name):
    """True for a variable, column or key name that looks like it holds a secret."""
    if isinstance(name, _Raw):
        name = name.value
    if isinstance(name, tuple):  # a MultiIndex column
        return any(_secret_name(part) for part in name)
    return isinstance(name, str) and _SECRET_NAME.search(name) is not None


def _redacted(v):
    """What is shown instead of a secret value: its size, never its content."""
    t = type(v)
    if v is None:
        return None
    if issubclass(t, str):
        return "<redacted, %d chars>" % str.__len__(v)
    if issubclass(t, (bytes, bytearray)):
        return "<redacted, %d bytes>" % len(v)
    base = next((b for b in _BUILTIN_CONTAINERS if issubclass(t, b)), None)
    if base is not None:
        return "<redacted, %s of %d>" % (t.__name__, base.__len__(v))
    if _jsonable(v, _LEVELS[-1], depth=99) is None:  # a missing value stays visibly missing
        return None
    return "<redacted>"


def _text_value(s, lim):
    if _looks_secret(s[: lim.text + _SCAN]):
        return _redacted(s)
    return _cut(s, lim.text)


def _int(v, lim):
    if -_INT_SAFE <= v <= _INT_SAFE:
        return v
    try:
        return _cut(str(v), lim.text)
    except ValueError:  # beyond sys.get_int_max_str_digits()
        return "<int of %d bits>" % v.bit_length()


def _float(v):
    if math.isnan(v):
        return None
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def _seq(items, total, lim, depth):
    out = [_jsonable(x, lim, depth + 1) for x in items]
    if total > len(out):
        out.append("…(+%d more)" % (total - len(out)))
    return out


def _key(k, lim):
    v = _jsonable(k, lim, max(0, lim.depth - 1))
    return v if isinstance(v, str) else _dumps(v)


def _jsonable(v, lim, depth=0):
    """A JSON-safe rendering of one value; see the module docstring for the rules."""
    t = type(v)
    if v is None or t is bool:
        return v
    if t is str:
        return _text_value(v, lim)
    if t is int:
        return _int(v, lim)
    if t is float:
        return _float(v)
    np = sys.modules.get("numpy")
    if np is not None and issubclass(t, np.generic):
        if issubclass(t, (np.datetime64, np.timedelta64)):
            return None if np.isnat(v) else str(v)
        if not issubclass(t, (str, bytes)):  # numpy str_/bytes_ go on below
            return _jsonable(v.item(), lim, depth)
    pd = sys.modules.get("pandas")
    if pd is not None and (v is pd.NaT or v is pd.NA):
        return None
    if issubclass(t, bool):
        return bool(v)
    if issubclass(t, int):
        return _int(int.__index__(v), lim)
    if issubclass(t, float):
        return _float(float.__float__(v))
    if issubclass(t, str):
        return _text_value(str.__str__(v), lim)
    if issubclass(t, (bytes, bytearray)):
        if _looks_secret(bytes(v[: lim.text + _SCAN]).decode("latin-1")):
            return _redacted(v)
        head = bytes(v[: lim.text])
        return repr(head) + ("" if len(v) <= lim.text else "…(+%d bytes)" % (len(v) - lim.text))
    if issubclass(t, complex):
        return str(complex(v))
    module = (getattr(t, "__module__", "") or "").split(".", 1)[0]
    if module == "pandas" and t.__name__ in ("Timestamp", "Timedelta", "Period", "Interval"):
        return _cut(v.isoformat() if t.__name__ == "Timestamp" else str(v), lim.text)
    if issubclass(t, _dt.datetime):
        return _dt.datetime.isoformat(v)
    if issubclass(t, _dt.date):
        return _dt.date.isoformat(v)
    if issubclass(t, _dt.time):
        return _dt.time.isoformat(v)
    if issubclass(t, _dt.timedelta):
        return _dt.timedelta.__str__(v)
    if module == "decimal" and t.__name__ == "Decimal":
        if v.is_nan():
            return None
        if v.is_infinite():
            return "inf" if v > 0 else "-inf"
        return _cut(str(v), lim.text)
    if module == "uuid" and t.__name__ == "UUID":
        return str(v)
    # Containers, subclasses too (OrderedDict, namedtuple, Row), read through their
    # builtin base: a subclass's own __len__ or __iter__ may do anything.
    base = next((b for b in _BUILTIN_CONTAINERS if issubclass(t, b)), None)
    if base is not None:
        size = base.__len__(v)
        if depth >= lim.depth:
            return "<%s of %d>" % (t.__name__, size)
        if base is tuple and module == "pyspark" and t.__name__ == "Row":
            fields = object.__getattribute__(v, "__dict__").get("__fields__")
            if fields:  # a struct value: keep its field names
                return _jsonable(dict(zip(fields, tuple.__iter__(v))), lim, depth)
        if base is dict:
            out = {}
            for k, x in itertools.islice(dict.items(v), lim.items):
                out[_key(k, lim)] = _redacted(x) if _secret_name(k) else _jsonable(x, lim, depth + 1)
            if size > lim.items:
                out["…"] = "+%d more" % (size - lim.items)
            return out
        return _seq(itertools.islice(base.__iter__(v), lim.items), size, lim, depth)
    if np is not None and issubclass(t, np.ndarray):
        if depth >= lim.depth:
            return "<ndarray %s>" % (list(v.shape),)
        if v.ndim == 0:
            return _jsonable(v.item(), lim, depth)
        return _seq(list(v.flat[: lim.items]), v.size, lim, depth)
    return "<%s>" % _type_name(v)


def _render(x, lim, key=None):
    """Facts (dicts, lists, strings, numbers, _Raw) -> JSON-safe, cut to `lim`. Only
    data is cut: the lists named below, and values inside _Raw; other lists (shape,
    errors, ...) are structure and stay whole."""
    t = type(x)
    if t is _Raw:
        return _jsonable(x.value, lim)
    if t is _Secret:
        return _redacted(x.value)
    if t is _Name:
        return _jsonable(x.value, _Limits(0, 0, max(lim.text, 60), 16, 0, depth=1))
    if t is dict:
        return {k: _render(v, lim, k) for k, v in x.items()}
    if t is list:
        if key == "rows":  # sample rows: a row has one cell per described column
            return [[_render(c, lim) for c in r[: lim.cols]] for r in x[: lim.rows]]
        cap = {"columns": lim.cols, "values": lim.rows, "index": lim.rows,
               "tables": lim.tables, "categories": lim.items}.get(key, len(x))
        return [_render(v, lim) for v in x[:cap]]
    if t is str:
        return _cut(_mask_secrets(x), lim.text * 10 if key == "sql" else max(lim.text, 60))
    return x


# Line breaks for str.splitlines() that JSON leaves unescaped; in JSON text they can only
# occur inside strings, where the escape means the same character.
_LINE_BREAKS = {0x85: "\\u0085", 0x2028: "\\u2028", 0x2029: "\\u2029"}


def _dumps(obj):
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.translate(_LINE_BREAKS)


def _secret(cell):
    return _Secret(cell.value) if isinstance(cell, _Raw) else _Secret(cell)


def _redact_facts(facts, name):
    """Mark the values of secret-named variables, series and columns as _Secret."""
    whole = _secret_name(name) or _secret_name(facts.get("series_name"))
    cols = facts.get("columns") if isinstance(facts.get("columns"), list) else []
    hidden = [i for i, c in enumerate(cols) if whole or _secret_name(c.get("name"))]
    for i in hidden:
        if "categories" in cols[i]:
            cols[i]["categories"] = [_secret(c) for c in cols[i]["categories"]]
    sample = facts.get("sample")
    if isinstance(sample, dict):
        for row in sample.get("rows") or []:
            for i in range(len(row)) if whole else hidden:
                if i < len(row):
                    row[i] = _secret(row[i])
        if whole and "index" in sample:
            sample["index"] = [_secret(v) for v in sample["index"]]
    if whole:
        for key in ("value", "values", "categories"):
            if key in facts:
                v = facts[key]
                facts[key] = [_secret(x) for x in v] if type(v) is list else _secret(v)


class _JSONText(str):
    """The result: a str whose repr is itself, so the kernel's text/plain is plain JSON."""

    __slots__ = ()

    def __repr__(self):
        return str.__str__(self)


def _fit(facts, max_bytes, truncated):
    """Render facts at the first level of _LEVELS whose JSON fits in max_bytes."""
    for i, lim in enumerate(_LEVELS):
        out = _render(facts, lim)
        reasons = sorted(set(truncated) | ({"payload"} if i else set()))
        if reasons:
            out["truncated"] = reasons
        text = _dumps(out)
        if len(text.encode("utf-8")) <= max_bytes:
            return text
    bare = {k: _cut(str(facts.get(k)), 100) for k in ("name", "kind") if facts.get(k) is not None}
    bare["truncated"] = sorted(set(truncated) | {"payload"})
    for last in (bare, {"truncated": ["payload"]}):
        text = _dumps(last)
        if len(text.encode("utf-8")) <= max_bytes:
            return text
    return "{}"


# ---------------------------------------------------------------- silence and time

class _ThreadFilter(logging.Filter):
    def __init__(self, threads):
        super().__init__()
        self.threads = threads

    def filter(self, record):
        return record.thread not in self.threads


class _QuietStream:
    """Stands in for sys.stdout/stderr: drops writes from our threads, passes others on
    (with ipykernel subshells a user's cell may be printing from another thread)."""

    def __init__(self, target, threads):
        self._target = target
        self._threads = threads

    def write(self, s):
        if threading.get_ident() in self._threads:
            return len(s)
        return self._target.write(s)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def __getattr__(self, name):
        return getattr(self._target, name)


class _Quiet:
    """No output from this call: stdout/stderr, log records and warnings of our threads."""

    def __enter__(self):
        self.threads = {threading.get_ident()}
        self.handlers = []
        self.warnings = None
        # Off the main thread we run on a subshell, beside a user's cell maybe: changing
        # the warning filters would hide that cell's warnings and, on restore, drop any
        # filter it set; adding and removing handler filters races with its logging.
        if threading.current_thread() is threading.main_thread():
            # Handlers made earlier (logging.basicConfig, SQLAlchemy's echo) hold the
            # real stream: filter at the handlers, for our threads only.
            self.filter = _ThreadFilter(self.threads)
            loggers = [logging.getLogger()] + [
                lg for lg in list(logging.Logger.manager.loggerDict.values())
                if isinstance(lg, logging.Logger) and lg.handlers
            ]
            self.handlers = [h for lg in loggers for h in lg.handlers]
            for h in self.handlers:
                h.addFilter(self.filter)
            self.warnings = warnings.catch_warnings()
            self.warnings.__enter__()
            warnings.simplefilter("ignore")
        self.saved = (sys.stdout, sys.stderr)
        self.streams = (_QuietStream(sys.stdout, self.threads), _QuietStream(sys.stderr, self.threads))
        sys.stdout, sys.stderr = self.streams
        return self

    def __exit__(self, *exc):
        if self.warnings is not None:
            self.warnings.__exit__(*exc)
        for h in self.handlers:
            h.removeFilter(self.filter)
        # Put the streams back unless someone replaced them meanwhile.
        if sys.stdout is self.streams[0]:
            sys.stdout = self.saved[0]
        if sys.stderr is self.streams[1]:
            sys.stderr = self.saved[1]
        return False


class _Call:
    """What one call carries around: its time budget, sample size, reasons to truncate."""

    def __init__(self, time_budget, sample_rows, quiet):
        self.deadline = time.perf_counter() + max(0.0, float(time_budget))
        self.sample_rows = sample_rows
        self.truncated = set()
        self.quiet = quiet

    def time_left(self):
        """True while the budget lasts; records "time budget" once it is spent."""
        if time.perf_counter() <= self.deadline:
            return True
        self.truncated.add("time budget")
        return False

    def optional(self, facts, key, fn):
        """facts[key] = fn() if time is left; a failure is noted, not raised."""
        if not self.time_left():
            return None
        try:
            value = fn()
        except Exception as e:
            _note_error(facts, key, e)
            return None
        if value is not None:
            facts[key] = value
        return value


def _note_error(facts, what, e):
    facts.setdefault("errors", []).append(_cut("%s: %s: %s" % (what, type(e).__name__, e), 300))


# ---------------------------------------------------------------- pandas

def _pandas_index(idx):
    out = {"type": type(idx).__name__, "dtype": str(idx.dtype), "names": [_Name(n) for n in idx.names]}
    if idx.nlevels > 1:
        out["level_dtypes"] = [str(d) for d in idx.dtypes]
    if type(idx).__name__ == "RangeIndex":
        out["range"] = [idx.start, idx.stop, idx.step]
    return out


def _pandas_dtype(dt):
    out = {"dtype": str(dt)}
    if str(dt) == "category":  # categories are metadata: cheap
        out["categories"] = [_Raw(c) for c in dt.categories[:MAX_SAMPLE_ROWS].tolist()]
        out["n_categories"] = len(dt.categories)
        out["ordered"] = bool(dt.ordered)
    return out


def _sample_size(call, n):
    return min(call.sample_rows, n)


def _pandas_memory(df, call):
    """df.memory_usage(deep=False).sum() without a Series per column (250 ms at 5,000
    columns): a numpy column holds rows x itemsize bytes; extension columns are asked
    one by one while the budget lasts (None, and "time budget", when it runs out)."""
    np = sys.modules["numpy"]
    nrows = len(df.index)
    total = int(df.index.memory_usage(deep=False))
    for j, dtype in enumerate(df.dtypes.tolist()):
        if isinstance(dtype, np.dtype):
            total += nrows * dtype.itemsize
        else:
            if j % 100 == 0 and not call.time_left():
                return None
            total += int(df.iloc[:, j].array.nbytes)
    return total


def _inspect_pandas_frame(df, facts, call):
    nrows, ncols = df.shape
    facts["shape"] = [nrows, ncols]
    k = min(ncols, MAX_COLUMNS)
    names = df.columns[:k].tolist()
    all_dtypes = df.dtypes.tolist()
    cols = [dict(name=_Name(n), **_pandas_dtype(d)) for n, d in zip(names, all_dtypes)]
    facts["columns"] = cols
    facts["n_columns"] = ncols
    if df.columns.nlevels > 1:
        facts["column_levels"] = df.columns.nlevels
    call.optional(facts, "duplicate_column_names", lambda: True if df.columns.has_duplicates else None)
    if ncols > k:
        counts = {}
        for d in all_dtypes:  # by dtype object first: str() per column is slow
            counts[d] = counts.get(d, 0) + 1
        merged = {}
        for d, n in counts.items():
            merged[str(d)] = merged.get(str(d), 0) + n
        facts["dtype_counts"] = merged
    call.optional(facts, "index", lambda: _pandas_index(df.index))
    call.optional(facts, "memory_bytes", lambda: _pandas_memory(df, call))
    s = _sample_size(call, nrows)
    if s and call.time_left():
        try:  # one object array, not a Series per column as itertuples makes
            head = df.iloc[:s, :k]
            facts["sample"] = {"rows": [[_Raw(v) for v in r] for r in head.to_numpy(dtype=object)]}
            if type(df.index).__name__ != "RangeIndex":
                facts["sample"]["index"] = [_Raw(v) for v in head.index.tolist()]
        except Exception as e:
            _note_error(facts, "sample", e)
    if k and call.time_left():
        n = min(nrows, NULL_SAMPLE_ROWS, max(100, NULL_SAMPLE_CELLS // k))
        try:
            nulls = df.iloc[:n, :k].isna().sum().tolist()
            for c, m in zip(cols, nulls):
                c["nulls"] = int(m)
            facts["nulls_counted_in_first_rows"] = n
        except Exception as e:
            _note_error(facts, "nulls", e)


def _inspect_pandas_series(s, facts, call):
    n = len(s)
    facts["shape"] = [n]
    facts["series_name"] = _Name(s.name)
    facts.update(_pandas_dtype(s.dtype))
    call.optional(facts, "index", lambda: _pandas_index(s.index))
    call.optional(facts, "memory_bytes", lambda: int(s.memory_usage(index=True, deep=False)))
    k = _sample_size(call, n)
    call.optional(facts, "values", lambda: [_Raw(v) for v in s.iloc[:k].tolist()] if k else None)
    if call.time_left():
        m = min(n, NULL_SAMPLE_CELLS)
        try:
            facts["nulls"] = int(s.iloc[:m].isna().sum())
            facts["nulls_counted_in_first_rows"] = m
        except Exception as e:
            _note_error(facts, "nulls", e)


def _inspect_pandas_index(idx, facts, call):
    facts["shape"] = [len(idx)]
    facts.update(_pandas_index(idx))
    call.optional(facts, "memory_bytes", lambda: int(idx.memory_usage(deep=False)))
    k = _sample_size(call, len(idx))
    call.optional(facts, "values", lambda: [_Raw(v) for v in idx[:k].tolist()] if k else None)


# ---------------------------------------------------------------- polars

def _inspect_polars_frame(df, facts, call):
    nrows, ncols = df.shape
    facts["shape"] = [nrows, ncols]
    k = min(ncols, MAX_COLUMNS)
    names = df.columns[:k]
    schema = df.schema
    cols = [{"name": n, "dtype": str(schema[n])} for n in names]
    facts["columns"] = cols
    facts["n_columns"] = ncols
    call.optional(facts, "memory_bytes", lambda: int(df.estimated_size()))
    s = _sample_size(call, nrows)
    if s and call.time_left():
        try:
            facts["sample"] = {"rows": [[_Raw(v) for v in r] for r in df.select(names).head(s).rows()]}
        except Exception as e:
            _note_error(facts, "sample", e)
    if k and call.time_left():
        try:  # polars keeps null counts with its arrays: exact without a scan
            for c, m in zip(cols, df.select(names).null_count().row(0)):
                c["nulls"] = int(m)
            facts["null_counts"] = "exact"
        except Exception as e:
            _note_error(facts, "nulls", e)


def _inspect_polars_lazy(lf, facts, call):
    schema = lf.collect_schema()
    names = list(schema.names())
    facts["columns"] = [{"name": n, "dtype": str(schema[n])} for n in names[:MAX_COLUMNS]]
    facts["n_columns"] = len(names)
    facts["rows"] = "unknown: counting or sampling rows runs the query"


def _inspect_polars_series(s, facts, call):
    n = len(s)
    facts["shape"] = [n]
    facts["series_name"] = s.name
    facts["dtype"] = str(s.dtype)
    call.optional(facts, "memory_bytes", lambda: int(s.estimated_size()))
    if call.optional(facts, "nulls", lambda: int(s.null_count())) is not None:
        facts["null_counts"] = "exact"
    k = _sample_size(call, n)
    call.optional(facts, "values", lambda: [_Raw(v) for v in s.head(k).to_list()] if k else None)


# ---------------------------------------------------------------- pyarrow

def _inspect_arrow(t, facts, call):
    nrows, ncols = t.num_rows, t.num_columns
    facts["shape"] = [nrows, ncols]
    k = min(ncols, MAX_COLUMNS)
    fields = [t.schema.field(i) for i in range(k)]
    cols = [{"name": f.name, "dtype": str(f.type), "nullable": f.nullable} for f in fields]
    facts["columns"] = cols
    facts["n_columns"] = ncols
    call.optional(facts, "memory_bytes", lambda: int(t.get_total_buffer_size()))
    if call.time_left():
        try:  # kept with the arrays: exact without a scan
            for i, c in enumerate(cols):
                c["nulls"] = int(t.column(i).null_count)
            facts["null_counts"] = "exact"
        except Exception as e:
            _note_error(facts, "nulls", e)
    s = _sample_size(call, nrows)
    if s and call.time_left():
        try:  # positional, so duplicate field names survive
            head = t.slice(0, s)
            facts["sample"] = {"rows": [[_Raw(v) for v in r] for r in
                                        zip(*[head.column(i).to_pylist() for i in range(k)])]}
        except Exception as e:
            _note_error(facts, "sample", e)


# ---------------------------------------------------------------- DuckDB

def _inspect_duckdb_relation(rel, facts, call):
    names = list(rel.columns)
    types_ = [str(t) for t in rel.types]
    facts["columns"] = [{"name": n, "dtype": d} for n, d in zip(names[:MAX_COLUMNS], types_)]
    facts["n_columns"] = len(names)
    call.optional(facts, "sql", lambda: rel.sql_query())
    facts["rows"] = "unknown: counting rows runs the query"
    if call.sample_rows and call.time_left():
        try:
            facts["sample"] = {"rows": [[_Raw(v) for v in r[:MAX_COLUMNS]]
                                        for r in rel.limit(call.sample_rows).fetchall()]}
        except Exception as e:
            _note_error(facts, "sample", e)


_DUCKDB_CATALOG = """
with objs as (
  select database_name, schema_name, table_name as name, 'table' as type,
         estimated_size, column_count
  from duckdb_tables() where not internal
  union all
  select database_name, schema_name, view_name, 'view', null, column_count
  from duckdb_views() where not internal
)
select * from objs order by database_name, schema_name, name limit %d
"""
_DUCKDB_COLUMNS = """
select database_name, schema_name, table_name, column_name, data_type
from duckdb_columns() where not internal and column_index <= %d
order by database_name, schema_name, table_name, column_index
"""


def _inspect_duckdb_connection(con, facts, call):
    # A cursor is a second connection to the same database: the user's connection may
    # hold an unfinished result (DuckDB refuses, or older versions drop it, on any
    # other query). Its temporary tables and registered DataFrames are not seen here.
    cur = con.cursor()
    try:
        objs = cur.sql(_DUCKDB_CATALOG % (MAX_TABLES + 1)).fetchall()
        facts["n_tables"] = len(objs) if len(objs) <= MAX_TABLES else "more than %d" % MAX_TABLES
        tables, by_key = [], {}
        for db, schema, name, typ, rows, ncols in objs[:MAX_TABLES]:
            entry = {"name": "%s.%s.%s" % (db, schema, name), "type": typ, "n_columns": ncols}
            if rows is not None:
                entry["estimated_rows"] = rows
            tables.append(entry)
            by_key[(db, schema, name)] = entry
        facts["tables"] = tables
        if tables and call.time_left():
            try:
                for db, schema, name, col, dtype in cur.sql(_DUCKDB_COLUMNS % MAX_COLUMNS).fetchall():
                    entry = by_key.get((db, schema, name))
                    if entry is not None:
                        entry.setdefault("columns", []).append({"name": col, "dtype": dtype})
            except Exception as e:
                _note_error(facts, "columns", e)
        facts["note"] = "temporary tables and registered DataFrames of this connection are not listed"
    finally:
        cur.close()


# ---------------------------------------------------------------- jupysql, SQLAlchemy

def _inspect_jupysql(rs, facts, call):
    # Only what the ResultSet already holds: its properties may fetch or re-run the query.
    state = object.__getattribute__(rs, "__dict__")
    keys = state.get("_keys")
    results = state.get("_results") or []
    done = bool(state.get("_mark_fetching_as_done"))
    if keys is not None:
        facts["columns"] = [{"name": _Name(k)} for k in list(keys)[:MAX_COLUMNS]]
        facts["n_columns"] = len(keys)
    facts["rows_fetched"] = len(results)
    facts["all_rows_fetched"] = done
    if done:
        facts["shape"] = [len(results), len(keys or ())]
    if state.get("_statement") is not None:
        facts["sql"] = str(state.get("_statement"))
    if state.get("_dialect") is not None:
        facts["dialect"] = str(state.get("_dialect"))
    s = min(call.sample_rows, len(results))
    if s:
        facts["sample"] = {"rows": [[_Raw(v) for v in _row_values(r)] for r in results[:s]]}


def _row_values(row):
    if issubclass(type(row), tuple):
        return list(tuple.__iter__(row))[:MAX_COLUMNS]
    return list(itertools.islice(iter(row), MAX_COLUMNS))  # sqlalchemy Row: in memory


def _with_timeout(fn, seconds, threads):
    """Run fn in a daemon thread, waiting at most `seconds` (a database that does not
    answer must not freeze the kernel); raise TimeoutError if it is not done."""
    box = {}

    def run():
        threads.add(threading.get_ident())
        try:
            box["value"] = fn()
        except BaseException as e:  # handed to the caller
            box["error"] = e

    worker = threading.Thread(target=run, name="jl-data-engineer-catalog", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise TimeoutError("no answer from the database within %.1f s" % seconds)
    if "error" in box:
        raise box["error"]
    return box["value"]


def _inspect_sqlalchemy_engine(engine, facts, call):
    facts["dialect"] = engine.dialect.name
    facts["driver"] = engine.driver
    facts["url"] = engine.url.render_as_string(hide_password=True)
    sa = sys.modules["sqlalchemy"]
    deadline = call.deadline

    def read_catalog():
        insp = sa.inspect(engine)
        out = {"default_schema": insp.default_schema_name}
        names = sorted(insp.get_table_names())
        views = sorted(insp.get_view_names())
        out["n_tables"] = len(names) + len(views)
        objs = [(n, "table") for n in names] + [(n, "view") for n in views]
        tables = [{"name": n, "type": t} for n, t in objs[:MAX_TABLES]]
        out["tables"] = tables
        for entry in tables:  # one query each; stop when the budget is spent
            if time.perf_counter() > deadline:
                out["_time"] = True
                break
            cols = insp.get_columns(entry["name"])
            entry["columns"] = [{"name": c["name"], "dtype": str(c["type"]), "nullable": c.get("nullable")}
                                for c in cols[:MAX_COLUMNS]]
        return out

    try:
        if engine.dialect.name in _LOCAL_DIALECTS:
            out = read_catalog()
        else:
            out = _with_timeout(read_catalog, max(CATALOG_TIMEOUT, deadline - time.perf_counter()),
                                call.quiet.threads)
    except TimeoutError as e:
        call.truncated.add("time budget")
        _note_error(facts, "catalog", e)
        return
    if out.pop("_time", False):
        call.truncated.add("time budget")
    facts.update(out)


# ---------------------------------------------------------------- Dask, Spark, numpy

def _inspect_dask(ddf, facts, call):
    call.optional(facts, "npartitions", lambda: int(ddf.npartitions))
    if facts["kind"] == "dask.Series":
        facts["series_name"] = _Name(ddf.name)
        facts["dtype"] = str(ddf.dtype)
        names, dtypes = [], []
    else:
        names, dtypes = list(ddf.columns), list(ddf.dtypes)
        facts["columns"] = [dict(name=_Name(n), **_pandas_dtype(d))
                            for n, d in zip(names[:MAX_COLUMNS], dtypes)]
        facts["n_columns"] = len(names)
    facts["rows"] = "unknown: counting rows computes every partition"
    if call.sample_rows and call.time_left():
        try:  # computes the first partition only
            head = ddf.head(call.sample_rows, npartitions=1, compute=True)
            if names:
                rows = head.iloc[:, :MAX_COLUMNS].itertuples(index=False, name=None)
                facts["sample"] = {"rows": [[_Raw(v) for v in r] for r in rows]}
            else:
                facts["values"] = [_Raw(v) for v in head.tolist()]
        except Exception as e:
            _note_error(facts, "sample", e)


def _inspect_spark(df, facts, call):
    fields = list(df.schema.fields)
    facts["columns"] = [{"name": f.name, "dtype": f.dataType.simpleString(), "nullable": f.nullable}
                        for f in fields[:MAX_COLUMNS]]
    facts["n_columns"] = len(fields)
    facts["rows"] = "unknown: counting rows runs a Spark job"
    streaming = call.optional(facts, "streaming", lambda: bool(df.isStreaming))
    if call.sample_rows and not streaming and call.time_left():
        try:
            rows = df.limit(call.sample_rows).collect()
            facts["sample"] = {"rows": [[_Raw(v) for v in _row_values(r)] for r in rows]}
        except Exception as e:
            _note_error(facts, "sample", e)


def _inspect_numpy(a, facts, call):
    facts["shape"] = list(a.shape)
    facts["dtype"] = str(a.dtype)
    facts["memory_bytes"] = int(a.nbytes)
    s = call.sample_rows
    if not s or a.size == 0:
        return
    # numpy scalars, not tolist(): datetime64[ns] would become bare integers.
    if a.ndim == 2:
        facts["sample"] = {"rows": [[_Raw(v) for v in r] for r in a[:s, :MAX_COLUMNS]]}
    else:  # flat, in row-major order; flat[:n] copies n items only
        facts["values"] = [_Raw(v) for v in a.flat[:s]]


def _inspect_other(obj, facts, call):
    # Never repr or len an arbitrary object: either may run anything.
    t = type(obj)
    if t in _BUILTIN_CONTAINERS or t in (str, bytes, bytearray):
        facts["length"] = len(obj)
    if t in _BUILTIN_CONTAINERS or t in _BUILTIN_VALUE_TYPES:
        facts["value"] = _Raw(obj)


_INSPECTORS = {
    "pandas.DataFrame": _inspect_pandas_frame,
    "pandas.Series": _inspect_pandas_series,
    "pandas.Index": _inspect_pandas_index,
    "polars.DataFrame": _inspect_polars_frame,
    "polars.LazyFrame": _inspect_polars_lazy,
    "polars.Series": _inspect_polars_series,
    "pyarrow.Table": _inspect_arrow,
    "pyarrow.RecordBatch": _inspect_arrow,
    "duckdb.DuckDBPyRelation": _inspect_duckdb_relation,
    "duckdb.DuckDBPyConnection": _inspect_duckdb_connection,
    "jupysql.ResultSet": _inspect_jupysql,
    "sqlalchemy.Engine": _inspect_sqlalchemy_engine,
    "dask.DataFrame": _inspect_dask,
    "dask.Series": _inspect_dask,
    "spark.DataFrame": _inspect_spark,
    "numpy.ndarray": _inspect_numpy,
}


# ---------------------------------------------------------------- list_variables

def _brief(obj, kind, call):
    """The cheap facts shown per variable in list_variables."""
    out = {}
    if kind in ("pandas.DataFrame", "polars.DataFrame", "numpy.ndarray"):
        out["shape"] = list(obj.shape)
    elif kind in ("pandas.Series", "pandas.Index", "polars.Series"):
        out["shape"] = [len(obj)]
    elif kind in ("pyarrow.Table", "pyarrow.RecordBatch"):
        out["shape"] = [obj.num_rows, obj.num_columns]
    elif kind == "duckdb.DuckDBPyRelation":
        out["n_columns"] = len(obj.columns)
    elif kind == "dask.DataFrame":
        out["n_columns"] = len(obj.columns)
    elif kind == "jupysql.ResultSet":
        state = object.__getattribute__(obj, "__dict__")
        out["rows_fetched"] = len(state.get("_results") or ())
    if kind == "pandas.DataFrame":
        memory = _pandas_memory(obj, call)
        if memory is not None:
            out["memory_bytes"] = memory
    elif kind in ("pandas.Series", "pandas.Index"):
        out["memory_bytes"] = int(obj.memory_usage(deep=False))
    elif kind in ("polars.DataFrame", "polars.Series"):
        out["memory_bytes"] = int(obj.estimated_size())
    elif kind in ("pyarrow.Table", "pyarrow.RecordBatch"):
        out["memory_bytes"] = int(obj.get_total_buffer_size())
    elif kind == "numpy.ndarray":
        out["memory_bytes"] = int(obj.nbytes)
    t = type(obj)
    if t in _BUILTIN_CONTAINERS or t in (str, bytes, bytearray):
        out["length"] = len(obj)
    if t in (bool, int, float, complex, type(None)) or (t is str and len(obj) <= 60):
        out["value"] = _jsonable(obj, _LEVELS[0])
    return out


def _hidden_names(ns):
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is not None and getattr(shell, "user_ns", None) is ns:
        return shell.user_ns_hidden
    return None


def _user_ns(ns):
    if ns is not None:
        return ns
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None:
        raise LookupError("no namespace given and no IPython shell")
    return shell.user_ns


def list_variables(ns=None, max_variables=MAX_VARIABLES, max_bytes=MAX_BYTES, time_budget=TIME_BUDGET):
    """The user's variables (not modules, functions, classes, IPython's own or `_` names),
    dataframes first, each with its kind and, when cheap, shape/length and memory.
    Returns JSON: {"variables": [{"name", "kind", "type"?, "shape"?, "n_columns"?,
    "length"?, "memory_bytes"?, "value"?}, ...], "count": N, "truncated"?: [...]}."""
    try:
        with _Quiet() as quiet:
            call = _Call(time_budget, 0, quiet)
            ns = _user_ns(ns)
            hidden = _hidden_names(ns)
            found = []
            for name, value in list(ns.items()):
                if _is_user_value(name, value, hidden):
                    hit = _known(value)
                    kind, rank, sub = hit if hit else (_type_name(value), 3, False)
                    found.append((rank, name, kind, sub, value))
            found.sort(key=lambda f: (f[0], f[1]))
            entries = []
            for rank, name, kind, sub, value in found[: max(0, int(max_variables))]:
                entry = {"name": name, "kind": kind}
                if sub:  # e.g. a GeoDataFrame listed as a pandas.DataFrame
                    entry["type"] = _type_name(value)
                if call.time_left():
                    try:
                        entry.update(_brief(value, kind, call))
                    except Exception as e:
                        entry["error"] = _cut(_mask_secrets("%s: %s" % (type(e).__name__, e)), 120)
                    if "value" in entry and _secret_name(name):
                        entry["value"] = _redacted(value)
                entries.append(entry)
            truncated = set(call.truncated)
            if len(found) > len(entries):
                truncated.add("max_variables")
            # Fit: keep the longest prefix (dataframes come first) within max_bytes.
            room = max_bytes - len(_dumps({"variables": [], "count": len(found),
                                           "truncated": sorted(truncated | {"payload"})}).encode("utf-8"))
            kept, used = [], 0
            for entry in entries:
                size = len(_dumps(entry).encode("utf-8")) + 1
                if used + size > room:
                    truncated.add("payload")
                    break
                kept.append(entry)
                used += size
            out = {"variables": kept, "count": len(found)}
            if truncated:
                out["truncated"] = sorted(truncated)
            return _JSONText(_dumps(out))
    except (Exception, KeyboardInterrupt) as e:
        return _JSONText(_dumps({"error": _cut("%s: %s" % (type(e).__name__, e), 300)}))


# ---------------------------------------------------------------- run_scratch

_UNDERSCORES = ("_", "__", "___")


def _is_output_name(k):
    return isinstance(k, str) and (k in _UNDERSCORES or (k[:1] == "_" and k[1:].isdigit()))


def run_scratch(code, shell=None):
    """Run `code` as IPython runs a cell (magics, display of the last expression), but
    leave the output history as it was: `_`, `__`, `___`, `_N` and `Out`. With
    store_history=False IPython's displayhook still files the result under the next
    execution count and rotates the underscores. Returns None (nothing to display)."""
    if shell is None:
        shell = sys.modules["IPython"].get_ipython()
    ns, hidden, hook = shell.user_ns, shell.user_ns_hidden, shell.displayhook
    names = {k: ns[k] for k in list(ns) if _is_output_name(k)}
    hidden_names = {k: hidden[k] for k in list(hidden) if _is_output_name(k)}
    out = ns.get("Out")
    out_items = dict(out) if isinstance(out, dict) else None
    hook_values = [getattr(hook, u, None) for u in _UNDERSCORES]
    try:
        shell.run_cell(code, store_history=False, silent=False)
    finally:
        for table, before in ((ns, names), (hidden, hidden_names)):
            for k in [k for k in list(table) if _is_output_name(k) and k not in before]:
                del table[k]
            for k, v in before.items():
                if table.get(k, before) is not v:
                    table[k] = v
        if out_items is not None:
            for k in [k for k in list(out) if k not in out_items]:
                del out[k]
            for k, v in out_items.items():
                if out.get(k, out_items) is not v:
                    out[k] = v
        for u, v in zip(_UNDERSCORES, hook_values):
            setattr(hook, u, v)
    return None


# ---------------------------------------------------------------- inspect_variable

def _resolve(ns, name):
    """A variable, `_`/`__`/`___`, `_3` or `Out[3]`; never eval."""
    name = name.strip()
    if name.startswith("Out[") and name.endswith("]"):
        number = name[4:-1].strip()
        if not number.lstrip("-").isdigit():
            raise LookupError("not a variable name: %s" % name)
        out = ns.get("Out")
        if not isinstance(out, dict) or int(number) not in out:
            raise LookupError("no output %s" % name)
        return out[int(number)]
    if not name.isidentifier():
        raise LookupError("not a variable name: %s" % name)
    if name in ns:
        return ns[name]
    if name[1:].isdigit() and name[0] == "_" and isinstance(ns.get("Out"), dict):
        if int(name[1:]) in ns["Out"]:
            return ns["Out"][int(name[1:])]
    raise LookupError("no variable %s" % name)


def inspect_variable(ns=None, name="", sample_rows=None, max_bytes=MAX_BYTES, time_budget=TIME_BUDGET):
    """A summary of one variable (or `_`, `_3`, `Out[3]`) by kind: shape, columns with
    dtypes and null counts, memory, sample rows, SQL text, catalog tables. Returns JSON:
    {"name", "kind", "type", ...facts by kind..., "truncated"?: [...], "errors"?: [...]}
    or {"name", "error"}. sample_rows=None: the kind's default (module docstring)."""
    try:
        with _Quiet() as quiet:
            facts = {"name": str(name)}
            try:
                obj = _resolve(_user_ns(ns), str(name))
            except LookupError as e:
                facts["error"] = str(e.args[0] if e.args else e)
                return _JSONText(_fit(facts, max_bytes, ()))
            kind = _kind(obj)
            facts["kind"] = kind
            facts["type"] = _type_name(obj)
            if sample_rows is None:
                rows = 0 if kind in _LAZY_KINDS else 5
            else:
                rows = max(0, min(int(sample_rows), MAX_SAMPLE_ROWS))
            if kind == "polars.LazyFrame":
                rows = 0
            call = _Call(time_budget, rows, quiet)
            try:
                _INSPECTORS.get(kind, _inspect_other)(obj, facts, call)
            except Exception as e:
                facts["error"] = _cut("%s: %s" % (type(e).__name__, e), 300)
            _redact_facts(facts, str(name))
            return _JSONText(_fit(facts, max_bytes, call.truncated))
    except (Exception, KeyboardInterrupt) as e:
        return _JSONText(_dumps({"name": str(name)[:200], "error": _cut("%s: %s" % (type(e).__name__, e), 300)}))
