"""Query helper, the SQL gateway: concatenated right after query_engines.py (it uses its
adapters `_DuckDB`, `_DBAPI`, `_Spark`, `engine_for`, `resolve_engine`, `QueryError`) and
before the other query helper files. Every SQL statement the agent sends to a kernel
connection passes here.

- `classify(engine, sql)`: is it exactly one plain read over named relations of that
  connection's catalog? Decided by the engine's own parser before anything binds:
  DuckDB `extract_statements` + `json_serialize_sql` (its parse tree, not bound: no file
  is opened), Spark `sessionState.sqlParser.parsePlan` (the unresolved plan), sqlglot only
  for PostgreSQL and SQLite (and Polars' SQLContext), which have no parser API; for
  PostgreSQL the server's own EXPLAIN (VERBOSE) then resolves every relation and names
  every function as it resolved them (quoting and U& escapes undone). Query nodes and
  table references are checked against ALLOW lists; relations must be in the
  connection's catalog (a quoted path, a Python variable or a file is not); functions with
  effects (files, network, state, sleep, other sessions, SQL given as text) are refused.
  Anything the parser cannot prove to be a plain read fails closed.
- `run_read_only(engine, sql, ...)`: classify, then run fenced by the engine where it can
  be: PostgreSQL in a READ ONLY transaction (classify and run in the same one) through a
  server-side cursor (DECLARE ... CURSOR takes one SELECT/VALUES and no data-modifying
  CTE) with `statement_timeout` and `idle_in_transaction_session_timeout`, always rolled
  back, and never on a user's connection that is inside a transaction; SQLite with
  `PRAGMA query_only=ON` for the statement (restored; the user's open transaction kept);
  Spark with the analysed plan (built without running commands) checked to hold no
  command/write node before `collect` of a limit; DuckDB by the parser check and a
  relation with a limit (DuckDB's own `enable_external_access=false` cannot be turned
  back on, so it is not usable on the user's connection). Rows are capped by count and
  by bytes, values cut at 200 characters, secret-looking columns and values redacted,
  a time limit interrupts the engine.
- `list_tables` / `describe_table`: the catalog from metadata only (never a scan):
  tables and views, columns, types, nullability, keys, comments, row estimates
  (pg_class.reltuples, DuckDB estimated_size, Spark catalog statistics, SQLite
  sqlite_stat1) and size on disk where reported (PostgreSQL); at most 8 KB of JSON per
  call, with paging (`next`) and `pattern` / `schema` filters. `detail=True` adds every
  table's columns and keys: a whole catalog described in a few catalog queries.
- `estimate_cost(engine, sql, budget_rows, budget_bytes)`: the engine's own estimate
  (PostgreSQL EXPLAIN (FORMAT JSON), DuckDB EXPLAIN (FORMAT JSON) cardinalities, Spark
  optimised-plan statistics), never a run, "unknown" when there are no statistics;
  refused SQL is not explained (an EXPLAIN of read_csv would open the file).

JSON entry points (never raise, print nothing; a str whose repr is one line of JSON;
every answer also has "engine" and "elapsed_ms", or is {"error": ...}):

    gateway_connections(ns)
        {"connections": [{"name": str|null, "engine": "duckdb"|"postgresql"|"sqlite"|"spark"|"polars",
                          "via"?: "sqlalchemy"|"psycopg"|"SQLContext", "default"?: str}]}
    gateway_classify(ns, connection, sql)
        {"allowed": bool, "kind": "read"|"write"|"ddl"|"file_access"|"network"|"state"|"multi"|
         "side_effect"|"unparseable", "reason": str, "relations": [str]}
    gateway_run(ns, connection, sql, max_rows=50, max_bytes=32768, timeout_s=30)
        {"columns": [{"name", "type"}], "rows": [[...]], "truncated": bool,
         "total_rows": int|null, "elapsed_ms": float, "verdict": {...}}
        or {"error": str, "refused"?: true, "verdict": {...}}
    gateway_list_tables(ns, connection, pattern=None, schema=None, next=None, detail=False)
        {"tables": [{"name", "schema", "kind", "columns": int | ["name TYPE [NOT NULL]"],
                     "rows_estimate"?, "bytes"?, "comment"?, "primary_key"?, "unique"?,
                     "foreign_keys"?: [{"columns", "references", "ref_columns"}]}],
         "total": int, "next": str|null, "note": str|null}
    gateway_describe(ns, connection, name)
        {"name", "kind", "schema", "columns": [{"name", "type", "nullable", "comment"?, "default"?}],
         "primary_key": [str], "unique": [[str]], "foreign_keys": [...], "rows_estimate": int|null,
         "bytes": int|null, "comment": str|null, "note"?: str}
    gateway_estimate(ns, connection, sql, budget_rows=None, budget_bytes=None)
        {"rows": int|null, "bytes": int|null, "cost": float|null, "scan_rows": int|null,
         "known": bool, "note": str, "verdict": {...}, "within_budget"?: bool|null, "budget_note"?: str}
        or {"refused": true, "known": false, "verdict": {...}, "note": str}

`connection` is the name of a variable in `ns` (None: jupysql's current connection, else
DuckDB's default connection, else the active SparkSession, as `resolve_engine` picks).

Private names here start with `_gw` so that the files concatenated after this one cannot
shadow them.
"""

import contextlib as _gw_contextlib
import io as _gw_io
import json as _gw_json
import math as _gw_math
import re as _gw_re
import sys as _gw_sys
import threading as _gw_threading
import time as _gw_time

GATEWAY_PROTOCOL = 1
GATEWAY_MAX_ROWS = 50
GATEWAY_MAX_BYTES = 32768
GATEWAY_TIMEOUT_S = 30.0
GATEWAY_CELL_CHARS = 200
GATEWAY_CATALOG_BYTES = 8192

_GW_KINDS = ("read", "write", "ddl", "file_access", "network", "state", "multi", "side_effect", "unparseable")


def _gw_verdict(allowed, kind, reason, relations=()):
    return {"allowed": bool(allowed), "kind": kind, "reason": reason, "relations": sorted(set(relations))}


def _gw_refuse(kind, reason, relations=()):
    return _gw_verdict(False, kind, reason, relations)


def _gw_short(text, n=120):
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


# ---------------------------------------------------------------- names that read files or reach out

_GW_URL = _gw_re.compile(r"^[a-z][a-z0-9+.-]*://", _gw_re.I)


def _gw_pathlike(name):
    """A relation name that a replacement scan would take for a file or URL."""
    n = str(name)
    return bool(_GW_URL.match(n)) or "/" in n or "\\" in n or "*" in n or "?" in n or "." in n or "~" in n or ":" in n


def _gw_path_kind(name):
    return "network" if _GW_URL.match(str(name)) and not str(name).lower().startswith("file:") else "file_access"


# Functions with effects beyond reading the catalog's rows: state, sleep, files, network,
# other sessions, arbitrary SQL given as a string. Matched by exact name or by prefix.
_GW_SIDE_EFFECT_NAMES = frozenset((
    # PostgreSQL
    "nextval", "setval", "currval", "lastval", "setseed", "set_config", "txid_current", "txid_current_if_assigned",
    "pg_current_xact_id", "pg_current_xact_id_if_assigned", "query_to_xml", "query_to_xmlschema",
    "query_to_xml_and_xmlschema", "cursor_to_xml", "cursor_to_xmlschema", "table_to_xml", "table_to_xmlschema",
    "table_to_xml_and_xmlschema", "schema_to_xml", "schema_to_xmlschema", "schema_to_xml_and_xmlschema",
    "database_to_xml", "database_to_xmlschema", "database_to_xml_and_xmlschema", "pg_notify", "pg_stat_file",
    "pg_export_snapshot", "pg_import_system_collations", "pg_log_backend_memory_contexts", "pg_promote",
    "pg_sequence_last_value", "amcheck", "gin_clean_pending_list", "brin_summarize_new_values",
    "brin_summarize_range", "brin_desummarize_range",
    # DuckDB
    "getenv", "getvariable", "current_setting", "enable_logging", "disable_logging", "truncate_duckdb_logs",
    "duckdb_secrets", "which_secret", "checkpoint", "force_checkpoint",
    # SQLite
    "load_extension", "readfile", "writefile", "edit", "fts3_tokenizer", "sqlite_compileoption_get",
    # Spark
    "reflect", "java_method", "try_reflect", "input_file_name", "input_file_block_start",
    "input_file_block_length", "http_request", "url_get",
))
_GW_SIDE_EFFECT_PREFIXES = (
    "pg_read", "pg_ls_", "pg_file", "pg_sleep", "pg_terminate", "pg_cancel", "pg_reload", "pg_rotate",
    "pg_switch", "pg_create", "pg_drop", "pg_replication", "pg_logical", "pg_advisory", "pg_try_advisory",
    "pg_stat_reset", "pg_wal", "pg_backup", "pg_start_backup", "pg_stop_backup", "pg_copy", "pg_log_",
    "pg_clear", "pg_truncate", "lo_", "dblink", "read_", "http", "copy_", "install", "load_", "postgres_fdw",
    # XML parsers that might resolve external entities (file:// or http:// in a DOCTYPE)
    "xpath", "from_xml", "schema_of_xml",
)
_GW_FILE_FUNCTIONS = ("pg_read", "pg_ls_", "pg_file", "pg_stat_file", "lo_import", "lo_export", "readfile",
                      "writefile", "read_", "load_extension", "edit")
_GW_NET_FUNCTIONS = ("dblink", "http", "url_get", "reflect", "java_method", "try_reflect")


def _gw_function_refusal(name):
    """A verdict when the function `name` (lower case, unqualified) is not a plain read."""
    n = str(name).lower()
    if n in _GW_SIDE_EFFECT_NAMES or n.startswith(_GW_SIDE_EFFECT_PREFIXES):
        if n.startswith(_GW_FILE_FUNCTIONS):
            return _gw_refuse("file_access", "%s() reads or writes files on the server or kernel machine." % n)
        if n.startswith(_GW_NET_FUNCTIONS):
            return _gw_refuse("network", "%s() reaches outside the database (network or the JVM)." % n)
        return _gw_refuse("side_effect", "%s() has side effects (state, time, other sessions or SQL given as text)." % n)
    return None


# ---------------------------------------------------------------- engines found in the kernel

def _gw_mro(obj):
    return ["%s.%s" % (c.__module__, c.__qualname__) for c in type(obj).__mro__]


def _gw_is_psycopg(obj):
    return any(n.startswith("psycopg.") and n.endswith(".Connection") for n in _gw_mro(obj)) or \
        (type(obj).__module__.startswith("psycopg2") and type(obj).__name__ == "connection")


def _gw_is_polars_ctx(obj):
    return any(n.startswith("polars.") and n.endswith("SQLContext") for n in _gw_mro(obj))


class _GwPolars(_Engine):
    """A Polars SQLContext: its registered frames are the catalog."""

    name = "polars"
    dialect = "postgres"

    def __init__(self, ctx):
        self.ctx = ctx


def _gw_engine_for(obj):
    if _gw_is_polars_ctx(obj):
        return _GwPolars(obj)
    if _gw_is_psycopg(obj):
        e = _DBAPI(obj, "postgresql", owned=False)
        e._gw_user_conn = True
        return e
    return engine_for(obj)


def _gw_resolve(ns, connection, engine=None):
    """The named connection; else `engine` ("duckdb": its default connection, "jupysql": the
    current connection, "spark": the active SparkSession); else the first of those found."""
    ns = ns if ns is not None else {}
    if connection:
        if connection not in ns:
            raise QueryError("No variable %r in the kernel: name the connection the cell uses." % connection)
        return _gw_engine_for(ns[connection])
    return resolve_engine(ns, None, engine or None)


def _gw_close(eng):
    """Give back what the adapter took, but never roll back a connection the user holds."""
    if eng is None:
        return
    if isinstance(eng, _DBAPI) and not eng.owned:
        return
    with _gw_contextlib.suppress(BaseException):
        eng.close()


# ---------------------------------------------------------------- classify: DuckDB

_GW_DUCK_STATEMENT_KINDS = {
    "INSERT": "write", "UPDATE": "write", "DELETE": "write", "MERGE_INTO": "write", "UPDATE_EXTENSIONS": "network",
    "CREATE": "ddl", "DROP": "ddl", "ALTER": "ddl", "CREATE_FUNC": "ddl", "CREATE_INDEX": "ddl",
    "COPY": "file_access", "COPY_DATABASE": "file_access", "EXPORT": "file_access", "ATTACH": "file_access",
    "DETACH": "state", "LOAD": "network", "SET": "state", "VARIABLE_SET": "state", "PRAGMA": "state",
    "TRANSACTION": "state", "VACUUM": "state", "ANALYZE": "state", "CALL": "side_effect", "EXECUTE": "side_effect",
    "PREPARE": "state", "RELATION": "side_effect", "EXTENSION": "network", "LOGICAL_PLAN": "side_effect",
    "MULTI": "multi", "EXPLAIN": "side_effect", "DELETE_STATEMENT": "write",
}
_GW_DUCK_NODES = frozenset(("SELECT_NODE", "SET_OPERATION_NODE", "RECURSIVE_CTE_NODE", "CTE_NODE"))
_GW_DUCK_TABLE_FUNCTIONS = frozenset(("range", "generate_series", "unnest"))


def _gw_duck_statement_kind(stype):
    text = str(getattr(stype, "name", stype)).upper().split(".")[-1]
    text = text[: -len("_STATEMENT")] if text.endswith("_STATEMENT") else text
    return text


def _gw_classify_duckdb(eng, sql):
    con = eng.con
    try:
        statements = con.extract_statements(sql)
    except Exception as e:
        return _gw_refuse("unparseable", "DuckDB could not parse it: %s" % _gw_short(str(e).splitlines()[0], 200))
    if len(statements) == 0:
        return _gw_refuse("unparseable", "There is no SQL statement.")
    if len(statements) > 1:
        return _gw_refuse("multi", "%d statements: only one read statement runs without approval." % len(statements))
    stype = _gw_duck_statement_kind(statements[0].type)
    if stype == "MULTI":
        return _gw_refuse("ddl", "DuckDB runs this statement as several (PIVOT creates a type first): not a plain read.")
    if stype != "SELECT":
        kind = _GW_DUCK_STATEMENT_KINDS.get(stype, "side_effect")
        return _gw_refuse(kind, "%s is not a plain read (%s)." % (stype.replace("_", " "), kind.replace("_", " ")))
    try:
        tree = _gw_json.loads(con.execute("SELECT json_serialize_sql(?::VARCHAR)", [sql]).fetchall()[0][0])
    except Exception as e:
        return _gw_refuse("unparseable", "DuckDB could not serialise the statement: %s" % _gw_short(str(e), 200))
    if tree.get("error") or len(tree.get("statements") or ()) != 1:
        return _gw_refuse("unparseable", "DuckDB's parser does not show it as one SELECT: %s"
                          % _gw_short(tree.get("error_message") or "not serialisable", 200))
    walker = _GwDuckWalk()
    try:
        walker.node(tree["statements"][0].get("node"), frozenset())
    except _GwStop as stop:
        return stop.verdict
    return _gw_check_relations(eng, walker.relations, walker.functions)


class _GwStop(Exception):
    def __init__(self, verdict):
        Exception.__init__(self, verdict["reason"])
        self.verdict = verdict


class _GwDuckWalk:
    """Walks DuckDB's parse tree (json_serialize_sql) with CTE scopes. Query nodes and
    table references are allowed by type; every base table is collected for the catalog
    check; every function name is collected for the side-effect check."""

    MAX_NODES = 20000

    def __init__(self):
        self.relations = []  # [(catalog, schema, table)]
        self.functions = set()
        self.count = 0

    def _tick(self):
        self.count += 1
        if self.count > self.MAX_NODES:
            raise _GwStop(_gw_refuse("unparseable", "The statement is too large to check."))

    def node(self, node, ctes):
        """A query node (SELECT_NODE, SET_OPERATION_NODE, ...)."""
        self._tick()
        if node is None:
            return
        if not isinstance(node, dict):
            raise _GwStop(_gw_refuse("unparseable", "Unexpected parse tree."))
        t = node.get("type")
        if t not in _GW_DUCK_NODES:
            what = str(t).replace("_QUERY_NODE", "").replace("_NODE", "")
            kind = "write" if what in ("INSERT", "UPDATE", "DELETE", "MERGE_INTO") else "side_effect"
            raise _GwStop(_gw_refuse(kind, "A %s inside the query (e.g. in a WITH clause) %s." % (
                what, "modifies data" if kind == "write" else "is not a plain read")))
        scope = set(ctes)
        cte_map = (node.get("cte_map") or {}).get("map") or []
        for entry in cte_map:
            name = str(entry.get("key", "")).lower()
            value = entry.get("value") or {}
            body = value.get("query_node") if isinstance(value, dict) else None
            inner = frozenset(scope | ({name} if isinstance(body, dict) and body.get("type") == "RECURSIVE_CTE_NODE" else set()))
            self.node(body, inner)
            scope.add(name)
        scope = frozenset(scope)
        for key, value in node.items():
            if key in ("cte_map", "type"):
                continue
            if key == "from_table":
                self.table(value, scope)
            elif key in ("left", "right") and t in ("SET_OPERATION_NODE", "RECURSIVE_CTE_NODE"):
                self.node(value, scope)
            elif key == "children" and t == "SET_OPERATION_NODE":
                for child in value or ():
                    self.node(child, scope)
            elif key == "query" and t == "CTE_NODE":
                self.node(value, scope)
            elif key == "child" and t == "CTE_NODE":
                self.node(value, scope)
            else:
                self.expr(value, scope)

    def table(self, ref, ctes):
        self._tick()
        if ref is None:
            return
        if not isinstance(ref, dict):
            raise _GwStop(_gw_refuse("unparseable", "Unexpected table reference."))
        t = ref.get("type")
        if t == "BASE_TABLE":
            table = str(ref.get("table_name", ""))
            schema, catalog = str(ref.get("schema_name") or ""), str(ref.get("catalog_name") or "")
            if ref.get("at_clause"):
                raise _GwStop(_gw_refuse("side_effect", "AT (time travel) on %s is not a plain read." % table))
            if not schema and not catalog and table.lower() in ctes:
                return
            if _gw_pathlike(table):
                raise _GwStop(_gw_refuse(_gw_path_kind(table), "%r is a file path or URL, not a table of the catalog: "
                                         "DuckDB would read it." % table))
            self.relations.append((catalog, schema, table))
            self.expr({k: v for k, v in ref.items() if k not in ("type", "table_name", "schema_name", "catalog_name",
                                                                   "qualified_name")}, ctes)
        elif t == "JOIN":
            self.table(ref.get("left"), ctes)
            self.table(ref.get("right"), ctes)
            self.expr({k: v for k, v in ref.items() if k not in ("left", "right", "type")}, ctes)
        elif t == "SUBQUERY":
            sub = ref.get("subquery") or {}
            self.node(sub.get("node") if isinstance(sub, dict) else None, ctes)
            self.expr({k: v for k, v in ref.items() if k not in ("subquery", "type")}, ctes)
        elif t in ("EMPTY", "EMPTY_FROM"):
            return
        elif t == "EXPRESSION_LIST":
            self.expr(ref.get("values"), ctes)
        elif t == "PIVOT":
            self.table(ref.get("source"), ctes)
            self.expr({k: v for k, v in ref.items() if k not in ("source", "type")}, ctes)
        elif t == "TABLE_FUNCTION":
            fn = ref.get("function") or {}
            name = str(fn.get("function_name", "?")).lower()
            args = fn.get("children") or fn.get("arguments") or []
            if name not in _GW_DUCK_TABLE_FUNCTIONS or fn.get("schema") or fn.get("catalog"):
                ref_kind = "network" if any(_GW_URL.match(s) and not s.lower().startswith("file:")
                                            for s in _gw_strings(args)) else "file_access"
                if not any(_gw_pathlike(s) for s in _gw_strings(args)) and not name.startswith(("read_", "glob", "sniff")) \
                        and not name.endswith("_scan"):
                    ref_kind = "side_effect"
                raise _GwStop(_gw_refuse(ref_kind, "Table function %s() is not a table of the catalog%s." % (
                    name, " (it reads files or URLs)" if ref_kind != "side_effect" else "")))
            self.expr(fn, ctes)
        else:
            raise _GwStop(_gw_refuse("side_effect", "A %s in FROM is not a plain read of the catalog's tables."
                                     % str(t).replace("_", " ")))

    def expr(self, value, ctes):
        self._tick()
        if isinstance(value, list):
            for v in value:
                self.expr(v, ctes)
            return
        if not isinstance(value, dict):
            return
        cls = value.get("class")
        if cls == "SUBQUERY":
            sub = value.get("subquery") or {}
            self.node(sub.get("node") if isinstance(sub, dict) else None, ctes)
            self.expr(value.get("child"), ctes)
            return
        if cls == "FUNCTION":
            name = str(value.get("function_name", "")).lower()
            self.functions.add(name)
        elif value.get("type") in ("SELECT_NODE", "SET_OPERATION_NODE", "RECURSIVE_CTE_NODE", "CTE_NODE") or \
                str(value.get("type", "")).endswith("_QUERY_NODE"):
            self.node(value, ctes)
            return
        elif value.get("type") in ("BASE_TABLE", "TABLE_FUNCTION", "JOIN", "SUBQUERY") and cls is None:
            self.table(value, ctes)
            return
        for v in value.values():
            if isinstance(v, (dict, list)):
                self.expr(v, ctes)


def _gw_strings(value):
    """String constants anywhere under a DuckDB parse-tree value."""
    out = []

    def walk(v):
        if isinstance(v, dict):
            lit = v.get("literal") if v.get("class") == "CONSTANT" else None
            if isinstance(lit, dict) and isinstance(lit.get("text"), str):
                out.append(lit["text"])
            elif isinstance(v.get("value"), dict) and isinstance(v["value"].get("value"), str):
                out.append(v["value"]["value"])
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)

    walk(value)
    return out


def _gw_duck_catalog_names(eng, tables=None):
    """{(database, schema, name) lower} of the tables and views DuckDB knows, incl. internal
    views (information_schema, pg_catalog) and temporary ones, and (current database,
    current schema). With `tables`, only entries of those names: duckdb_columns() filtered
    costs a fraction of duckdb_tables(), which renders every table's SQL."""
    if tables is not None:
        names = sorted({str(t).lower() for t in tables})
        rows = eng.con.execute(
            "SELECT DISTINCT database_name, schema_name, table_name, current_database(), current_schema() "
            "FROM duckdb_columns() WHERE lower(table_name) IN (%s)" % ", ".join("?" for _ in names), names).fetchall() \
            if names else []
        if rows:  # one statement instead of two
            return {tuple(str(x).lower() for x in r[:3]) for r in rows}, (str(rows[0][3]).lower(), str(rows[0][4]).lower())
        return set(), ("", "")
    else:
        rows = eng.con.execute(
            "SELECT database_name, schema_name, table_name FROM duckdb_tables() "
            "UNION ALL SELECT database_name, schema_name, view_name FROM duckdb_views()").fetchall()
    cur = eng.con.execute("SELECT current_database(), current_schema()").fetchall()[0]
    return {tuple(str(x).lower() for x in r) for r in rows}, (str(cur[0]).lower(), str(cur[1]).lower())


def _gw_duck_resolve(names, current, catalog, schema, table):
    """The catalog entry (db, schema, name) an unqualified or qualified name reads, or None."""
    c, s, t = catalog.lower(), schema.lower(), table.lower()
    db, sch = current
    if c:
        candidates = [(c, s or "main", t)]
    elif s:
        candidates = [(db, s, t), (s, "main", t), ("temp", s, t), ("system", s, t)]
    else:
        candidates = [("temp", "main", t), (db, sch, t), (db, "main", t), ("system", "main", t)]
    for cand in candidates:
        if cand in names:
            return cand
    return None


_GW_DUCK_SECRET_VIEWS = frozenset(("duckdb_secrets", "duckdb_settings", "duckdb_extensions"))


def _gw_check_relations(eng, relations, functions):
    for f in sorted(functions):
        verdict = _gw_function_refusal(f)
        if verdict is not None:
            return verdict
    found = []
    if isinstance(eng, _DuckDB) and relations:
        # Fast path: DuckDB's own lookup of a plain name (no path: those were refused) with
        # the connection's search path. A base table comes back as a TABLE_RELATION; views
        # and anything a replacement scan would find (a Python frame) come back as queries
        # and are checked against the catalog's metadata below.
        pending = []
        try:
            # Python replacement scans look in this frame only, unless the user asked for all
            # frames: then a name could bind (and collect) a LazyFrame of theirs. No fast path.
            fast = not eng.con.execute("SELECT current_setting('python_scan_all_frames')").fetchall()[0][0]
        except Exception:
            fast = False
        for catalog, schema, table in relations:
            label = ".".join(p for p in (catalog, schema, table) if p)
            if not fast:
                pending.append((catalog, schema, table))
                continue
            try:
                if eng.con.table(".".join('"%s"' % p.replace('"', '""') for p in (catalog, schema, table) if p)).type \
                        == "TABLE_RELATION":
                    found.append(label)
                    continue
            except Exception:
                pass
            pending.append((catalog, schema, table))
        relations = pending
    if isinstance(eng, _DuckDB) and relations:
        names, current = _gw_duck_catalog_names(eng, [r[2] for r in relations])
        for catalog, schema, table in relations:
            hit = _gw_duck_resolve(names, current, catalog, schema, table)
            label = ".".join(p for p in (catalog, schema, table) if p)
            if hit is None:
                return _gw_refuse("read", "%s is not a table or view of this connection's catalog (names outside it "
                                  "could be read from Python variables or files)." % label)
            if hit[2] in _GW_DUCK_SECRET_VIEWS:
                return _gw_refuse("side_effect", "%s shows settings or secrets: not read without approval." % label)
            found.append(label)
    return _gw_verdict(True, "read", "One read statement over %s." % (
        ", ".join(sorted(set(found))) if found else "no table"), found)


# ---------------------------------------------------------------- classify: sqlglot (PostgreSQL, SQLite, Polars)

_GW_PG_DENIED_RELATIONS = {
    "pg_authid": "holds password hashes", "pg_shadow": "holds password hashes", "pg_user_mapping": "holds credentials",
    "pg_user_mappings": "holds credentials", "pg_file_settings": "reads the server's configuration files",
    "pg_hba_file_rules": "reads the server's configuration files", "pg_ident_file_mappings": "reads the server's "
    "configuration files", "pg_largeobject": "holds large objects", "pg_statistic": "holds raw column statistics",
}
_GW_SQLGLOT_DENY = (
    ("Insert", "write"), ("Update", "write"), ("Delete", "write"), ("Merge", "write"), ("TruncateTable", "write"),
    ("Create", "ddl"), ("Drop", "ddl"), ("Alter", "ddl"), ("Copy", "file_access"), ("Attach", "file_access"),
    ("Detach", "state"), ("LoadData", "file_access"), ("Into", "write"), ("Lock", "state"), ("Set", "state"),
    ("Pragma", "state"), ("Use", "state"), ("Transaction", "state"), ("Commit", "state"), ("Rollback", "state"),
    ("Command", "side_effect"), ("Grant", "ddl"), ("Revoke", "ddl"), ("Analyze", "state"), ("Cache", "state"),
    ("Uncache", "state"), ("Refresh", "state"), ("Kill", "side_effect"), ("Declare", "state"),
    ("Execute", "side_effect"), ("Describe", "side_effect"), ("Summarize", "side_effect"), ("Show", "side_effect"),
)


_GW_COMMAND_KINDS = {
    "REPLACE": "write", "UPSERT": "write", "RESET": "state", "LOCK": "state", "LISTEN": "state", "UNLISTEN": "state",
    "NOTIFY": "side_effect", "DISCARD": "state", "SET": "state", "VACUUM": "state", "ANALYZE": "state",
    "CLUSTER": "state", "REINDEX": "state", "CHECKPOINT": "state", "COPY": "file_access", "GRANT": "ddl",
    "REVOKE": "ddl", "COMMENT": "ddl", "SECURITY": "ddl", "REFRESH": "state", "IMPORT": "ddl", "LOAD": "file_access",
    "ATTACH": "file_access", "DETACH": "state", "PREPARE": "state", "DEALLOCATE": "state", "BEGIN": "state",
    "START": "state", "SAVEPOINT": "state", "RELEASE": "state", "ABORT": "state", "END": "state",
}


def _gw_sqlglot():
    try:
        import sqlglot
        from sqlglot import exp
    except ImportError:
        raise QueryError("The gateway needs sqlglot in the kernel's environment for this engine: "
                         "run `%pip install sqlglot` in a cell.", package="sqlglot")
    return sqlglot, exp


def _gw_split_pg(sql):
    """PostgreSQL's own lexical rules (standard_conforming_strings on): the statement texts
    between top-level semicolons, comments and blanks removed. A second opinion on
    sqlglot's split: the two must agree on one statement."""
    out, cur, i, n = [], [], 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch == "-" and sql.startswith("--", i):
            j = sql.find("\n", i)
            i = n if j < 0 else j + 1
            cur.append(" ")
            continue
        if ch == "/" and sql.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if sql.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif sql.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    i += 1
            if depth:
                raise ValueError("unterminated comment")
            cur.append(" ")
            continue
        if ch in ("'", '"'):
            escape = ch == "'" and i > 0 and sql[i - 1] in "eE" and (i < 2 or not (sql[i - 2].isalnum() or sql[i - 2] == "_"))
            j = i + 1
            while True:
                if j >= n:
                    raise ValueError("unterminated quote")
                if escape and sql[j] == "\\":
                    j += 2
                    continue
                if sql[j] == ch:
                    if j + 1 < n and sql[j + 1] == ch:
                        j += 2
                        continue
                    break
                j += 1
            cur.append(sql[i:j + 1])
            i = j + 1
            continue
        if ch == "$":
            m = _gw_re.match(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$", sql[i:])
            if m and not (i > 0 and (sql[i - 1].isalnum() or sql[i - 1] == "_")):
                tag = m.group(0)
                j = sql.find(tag, i + len(tag))
                if j < 0:
                    raise ValueError("unterminated $-quote")
                cur.append(sql[i:j + len(tag)])
                i = j + len(tag)
                continue
        if ch == ";":
            out.append("".join(cur).strip())
            cur = []
            i += 1
            continue
        cur.append(ch)
        i += 1
    out.append("".join(cur).strip())
    return [s for s in out if s]


def _gw_split_sqlite(sql):
    """SQLite's lexical rules: '…', "…", `…`, […], -- and /* */ comments (not nested)."""
    out, cur, i, n = [], [], 0, len(sql)
    while i < n:
        ch = sql[i]
        if sql.startswith("--", i):
            j = sql.find("\n", i)
            i = n if j < 0 else j + 1
            cur.append(" ")
            continue
        if sql.startswith("/*", i):
            j = sql.find("*/", i + 2)
            i = n if j < 0 else j + 2
            cur.append(" ")
            continue
        if ch in ("'", '"', "`", "["):
            close = "]" if ch == "[" else ch
            j = i + 1
            while True:
                if j >= n:
                    raise ValueError("unterminated quote")
                if sql[j] == close:
                    if close != "]" and j + 1 < n and sql[j + 1] == close:
                        j += 2
                        continue
                    break
                j += 1
            cur.append(sql[i:j + 1])
            i = j + 1
            continue
        if ch == ";":
            out.append("".join(cur).strip())
            cur = []
            i += 1
            continue
        cur.append(ch)
        i += 1
    out.append("".join(cur).strip())
    return [s for s in out if s]


def _gw_classify_sqlglot(eng, sql, dialect, splitter):
    sqlglot, exp = _gw_sqlglot()
    try:
        pieces = splitter(sql) if splitter is not None else None
    except ValueError as e:
        return _gw_refuse("unparseable", "The SQL does not end cleanly (%s)." % e)
    try:
        statements = [s for s in sqlglot.parse(sql, read=dialect) if s is not None and type(s).__name__ != "Semicolon"]
    except Exception as e:
        return _gw_refuse("unparseable", "Could not parse it (%s dialect): %s" % (dialect, _gw_short(str(e).splitlines()[0], 200)))
    count = max(len(statements), len(pieces) if pieces is not None else 0)
    if count == 0:
        return _gw_refuse("unparseable", "There is no SQL statement.")
    if count > 1:
        return _gw_refuse("multi", "%d statements: only one read statement runs without approval." % count)
    root = statements[0]
    for name, kind in _GW_SQLGLOT_DENY:
        cls = getattr(exp, name, None)
        if cls is None:
            continue
        node = root if isinstance(root, cls) else root.find(cls)
        if node is not None and name == "Command":
            words = node.sql().split()
            word = (words[0] if words else "?").upper()
            kind = _GW_COMMAND_KINDS.get(word, "side_effect")
            if word == "VACUUM" and "INTO" in (w.upper() for w in words):
                kind = "file_access"
            return _gw_refuse(kind, "%s is not a plain read (%s)." % (word, kind.replace("_", " ")))
        if node is not None:
            what = {"Into": "SELECT ... INTO", "Lock": "FOR UPDATE/SHARE", "Command": _gw_short(node.sql(), 40).split(" ")[0].upper()}.get(
                name, name.upper())
            return _gw_refuse(kind, "%s is not a plain read (%s)." % (what, kind.replace("_", " ")))
    if not isinstance(root, (exp.Query, exp.Values)):
        return _gw_refuse("side_effect", "%s is not a plain read." % type(root).__name__.upper())
    functions = set()
    for f in root.find_all(exp.Func):
        functions.add((f.name if isinstance(f, exp.Anonymous) else f.sql_name()).lower())
        if isinstance(f, exp.Anonymous) and "." in str(f.name):
            functions.add(str(f.name).split(".")[-1].lower())
    for f in sorted(functions):
        verdict = _gw_function_refusal(f)
        if verdict is not None:
            return verdict
    ctes = {c.alias_or_name.lower() for c in root.find_all(exp.CTE)}
    relations = []
    for t in root.find_all(exp.Table):
        if not isinstance(t.this, exp.Identifier):
            fname = t.this.sql_name() if isinstance(t.this, exp.Func) and not isinstance(t.this, exp.Anonymous) else \
                (getattr(t.this, "name", None) or type(t.this).__name__)
            verdict = _gw_function_refusal(str(fname).lower())
            if verdict is not None:
                return verdict
            if str(fname).lower() in ("generate_series", "exploding_generate_series", "json_each", "json_tree", "unnest"):
                continue
            return _gw_refuse("side_effect", "Table function %s() is not a table of the catalog." % str(fname).lower())
        parts = [p for p in (t.args.get("catalog"), t.args.get("db"), t.this) if p is not None]
        if len(parts) == 1 and t.name.lower() in ctes:
            continue
        relations.append(tuple((p.this if getattr(p, "quoted", False) else str(p.this)) for p in parts)
                         + tuple(bool(getattr(p, "quoted", False)) for p in parts))
    for node in root.find_all(exp.Lateral):
        inner = node.this
        if isinstance(inner, exp.Func):
            fname = (inner.name if isinstance(inner, exp.Anonymous) else inner.sql_name()).lower()
            if fname not in ("generate_series", "unnest", "explode", "json_each", "json_tree"):
                return _gw_refuse("side_effect", "LATERAL %s() is not a table of the catalog." % fname)
    return _gw_sqlglot_relations(eng, relations, sql)


def _gw_sqlglot_relations(eng, relations, sql=None):
    found = []
    if isinstance(eng, _GwPolars):
        have = {str(n).lower() for n in eng.ctx.tables()}
        for rel in relations:
            parts = rel[: len(rel) // 2]
            label = ".".join(parts)
            if len(parts) != 1 or parts[0].lower() not in have:
                return _gw_refuse("read", "%s is not a frame registered in this SQLContext." % label)
            found.append(parts[0])
    elif eng.name == "postgresql":
        texts = []
        for rel in relations:
            n = len(rel) // 2
            parts, quoted = rel[:n], rel[n:]
            low = [p if q else p.lower() for p, q in zip(parts, quoted)]
            if low[-1] in _GW_PG_DENIED_RELATIONS:
                why = _GW_PG_DENIED_RELATIONS[low[-1]]
                return _gw_refuse("file_access" if "files" in why else "side_effect", "%s %s: not read without approval."
                                  % (low[-1], why))
            texts.append(".".join('"%s"' % p.replace('"', '""') for p in low))
        # PostgreSQL itself checks the rest: EXPLAIN resolves every relation (an unknown one is
        # an error) and names the functions as the server resolved them (quoting and U&
        # escapes undone, SQL functions inlined). Planning runs nothing volatile.
        with _gw_pg_tx(eng, 10) as cur:
            try:
                cur.execute("EXPLAIN (VERBOSE, FORMAT JSON) " + sql)
                planned = cur.fetchone()[0]
            except Exception as e:
                text = str(e).splitlines()[0] if str(e) else type(e).__name__
                if "does not exist" in text and "relation" in text:
                    return _gw_refuse("read", "Not a table or view of this connection's catalog (PostgreSQL: %s)."
                                      % _gw_short(text, 200))
                return _gw_refuse("unparseable", "PostgreSQL could not plan it: %s" % _gw_short(text, 200))
        verdict = _gw_pg_plan_check(planned)
        if verdict is not None:
            return verdict
        found = [t.replace('"', "") for t in texts]
    elif eng.name == "sqlite":
        names = _gw_sqlite_names(eng)
        for rel in relations:
            n = len(rel) // 2
            parts = [p.lower() for p in rel[:n]]
            label = ".".join(rel[:n])
            if len(parts) > 2 or not any(
                    (schema, parts[-1]) in names for schema in ([parts[0]] if len(parts) == 2 else ["temp", "main"])):
                if _gw_pathlike(parts[-1]):
                    return _gw_refuse("file_access", "%r looks like a file path, not a table of the catalog." % label)
                return _gw_refuse("read", "%s is not a table or view of this connection's catalog." % label)
            found.append(label)
    return _gw_verdict(True, "read", "One read statement over %s." % (", ".join(sorted(set(found))) or "no table"), found)


_GW_PG_CALL = _gw_re.compile(r'([A-Za-z_][A-Za-z0-9_$]*|"(?:[^"]|"")+")\s*\(')


def _gw_pg_plan_check(plan):
    """Refusal for a function found in PostgreSQL's own plan."""
    if isinstance(plan, str):
        plan = _gw_json.loads(plan)
    texts, relations = [], []

    def walk(v, key=None):
        if isinstance(v, dict):
            for k, x in v.items():
                walk(x, k)
        elif isinstance(v, list):
            for x in v:
                walk(x, key)
        elif isinstance(v, str):
            if key in ("Relation Name",):
                relations.append(v)
            elif key not in ("Node Type", "Strategy", "Parent Relationship", "Join Type", "Scan Direction",
                             "Partial Mode", "Sort Method", "Alias", "Schema", "Index Name", "Subplan Name",
                             "CTE Name"):
                texts.append(v)

    walk(plan)
    # Relations in the plan include the system views' own sources (pg_roles reads pg_authid
    # with the password masked): the protected ones are refused where the query names them.
    for text in texts:
        for m in _GW_PG_CALL.finditer(text):
            name = m.group(1)
            name = name[1:-1].replace('""', '"') if name.startswith('"') else name
            verdict = _gw_function_refusal(name.lower())
            if verdict is not None:
                return verdict
    return None


def _gw_sqlite_names(eng):
    cur = eng.dbapi.cursor()
    try:
        dbs = [r[1] for r in cur.execute("PRAGMA database_list").fetchall()]
        names = set()
        for db in dbs:
            master = "sqlite_temp_master" if db == "temp" else '"%s".sqlite_master' % db.replace('"', '""')
            for (name,) in cur.execute("SELECT name FROM %s WHERE type IN ('table', 'view')" % master).fetchall():
                names.add((db.lower(), str(name).lower()))
            names.add((db.lower(), "sqlite_master"))
            names.add((db.lower(), "sqlite_schema"))
        return names
    finally:
        cur.close()


# ---------------------------------------------------------------- classify: Spark

_GW_SPARK_PLAN_NODES = frozenset((
    "Project", "Filter", "Aggregate", "Join", "Sort", "GlobalLimit", "LocalLimit", "Limit", "Offset", "Distinct",
    "Union", "Intersect", "Except", "SubqueryAlias", "UnresolvedRelation", "UnresolvedWith", "CTERelationRef",
    "UnresolvedSubqueryColumnAliases", "Window", "UnresolvedHaving", "Deduplicate", "RepartitionByExpression",
    "Repartition", "Sample", "Generate", "OneRowRelation", "LocalRelation", "UnresolvedInlineTable", "Pivot",
    "Unpivot", "WithWindowDefinition", "Expand", "Tail", "LateralJoin", "UnresolvedTableValuedFunction",
    "UnresolvedTVFAliases", "LateralSubquery", "Range", "UnresolvedGenerator", "RebalancePartitions",
    "UnresolvedHint", "ResolvedHint", "WithCTE", "CTERelationDef", "NamedParametersSupport", "Subquery",
))
_GW_SPARK_TVFS = frozenset(("range", "explode", "explode_outer", "inline", "inline_outer", "posexplode",
                            "posexplode_outer", "stack", "json_tuple", "variant_explode", "variant_explode_outer"))
_GW_SPARK_FORMATS = frozenset(("csv", "json", "parquet", "orc", "text", "avro", "binaryfile", "delta", "jdbc",
                               "libsvm", "image", "xml", "iceberg", "hudi", "file", "noop", "console", "kafka"))


def _gw_spark_kind(cls):
    c = cls.lower()
    if any(w in c for w in ("insert", "overwrite", "append", "delete", "update", "merge", "replacedata",
                            "writedelta", "loaddata", "truncate")):
        return "write"
    if "jar" in c or "addfile" in c or "addarchive" in c or "addfiles" in c or "addarchives" in c:
        return "network"
    if any(w in c for w in ("create", "drop", "alter", "rename", "replace", "repair", "recover", "comment")):
        return "ddl"
    if any(w in c for w in ("set", "reset", "use", "cache", "refresh", "clear", "analyze")):
        return "state"
    return "side_effect"


def _gw_seq(seq):
    n = seq.size()
    return [seq.apply(i) for i in range(n)]


def _gw_classify_spark(eng, sql):
    jss = eng.spark._jsparkSession
    try:
        plan = jss.sessionState().sqlParser().parsePlan(sql)
    except Exception as e:
        lines = [ln.strip() for ln in str(e).splitlines() if ln.strip()]
        return _gw_refuse("unparseable", "Spark could not parse it as one statement (more than one statement, or a "
                          "syntax error)%s" % (": " + _gw_short(lines[0], 200) if lines else "."))
    relations, functions = [], set()
    stack, seen = [plan], 0
    while stack:
        p = stack.pop()
        seen += 1
        if seen > 5000:
            return _gw_refuse("unparseable", "The statement is too large to check.")
        cls = p.getClass().getSimpleName().rstrip("$")
        if cls not in _GW_SPARK_PLAN_NODES:
            kind = _gw_spark_kind(cls)
            return _gw_refuse(kind, "%s is not a plain read (%s)." % (cls, kind.replace("_", " ")))
        if cls == "UnresolvedRelation":
            parts = [str(x) for x in _gw_seq(p.multipartIdentifier())]
            if (len(parts) >= 2 and parts[0].lower() in _GW_SPARK_FORMATS) or \
                    any(c in x for x in parts for c in ("/", ":", "\\", "*", "?", "~")):
                return _gw_refuse(_gw_path_kind(parts[-1]), "%s reads a file or URL directly (%s), not a table of the catalog."
                                  % (".".join(parts), parts[0]))
            relations.append(parts)
        if cls == "UnresolvedTableValuedFunction":
            name = ".".join(str(x) for x in _gw_seq(p.name())) if hasattr(p, "name") else "?"
            if name.lower() not in _GW_SPARK_TVFS:
                return _gw_refuse("file_access" if "read" in name.lower() or "file" in name.lower() else "side_effect",
                                  "Table function %s() is not a table of the catalog." % name)
        for e in _gw_seq(p.expressions()):
            estack = [e]
            while estack:
                x = estack.pop()
                seen += 1
                if seen > 20000:
                    return _gw_refuse("unparseable", "The statement is too large to check.")
                ecls = x.getClass().getSimpleName()
                if ecls == "UnresolvedFunction":
                    nm = _gw_seq(x.nameParts())
                    functions.add(str(nm[-1]).lower() if nm else "?")
                estack.extend(_gw_seq(x.children()))
        stack.extend(_gw_seq(p.children()))
        stack.extend(_gw_seq(p.innerChildren()))
        stack.extend(_gw_seq(p.subqueries()))
    for f in sorted(functions):
        verdict = _gw_function_refusal(f)
        if verdict is not None:
            return verdict
    ctes = _gw_spark_cte_names(plan)
    found = []
    catalog = eng.spark.catalog
    for parts in relations:
        label = ".".join(parts)
        if len(parts) == 1 and parts[0].lower() in ctes:
            continue
        try:
            exists = catalog.tableExists(".".join("`%s`" % x.replace("`", "``") for x in parts))
        except Exception:
            exists = False
        if not exists:
            return _gw_refuse("read", "%s is not a table or view of this session's catalog." % label)
        found.append(label)
    return _gw_verdict(True, "read", "One read statement over %s." % (", ".join(sorted(set(found))) or "no table"), found)


def _gw_spark_cte_names(plan):
    names, stack = set(), [plan]
    while stack:
        p = stack.pop()
        if p.getClass().getSimpleName() == "UnresolvedWith":
            for pair in _gw_seq(p.cteRelations()):
                names.add(str(pair._1()).lower())
        stack.extend(_gw_seq(p.children()))
        stack.extend(_gw_seq(p.innerChildren()))
        stack.extend(_gw_seq(p.subqueries()))
    return names


# ---------------------------------------------------------------- classify

def classify(engine, sql):
    """{allowed, kind, reason, relations}: allowed only for exactly one read statement over
    named relations of the connection's catalog, by the engine's own parser. Fails closed."""
    if not isinstance(sql, str) or not sql.strip():
        return _gw_refuse("unparseable", "There is no SQL statement.")
    try:
        if isinstance(engine, _DuckDB):
            return _gw_classify_duckdb(engine, sql)
        if isinstance(engine, _Spark):
            return _gw_classify_spark(engine, sql)
        if isinstance(engine, _GwPolars):
            return _gw_classify_sqlglot(engine, sql, "postgres", None)
        if isinstance(engine, _DBAPI) and engine.name == "postgresql":
            return _gw_classify_sqlglot(engine, sql, "postgres", _gw_split_pg)
        if isinstance(engine, _DBAPI) and engine.name == "sqlite":
            return _gw_classify_sqlglot(engine, sql, "sqlite", _gw_split_sqlite)
    except QueryError as e:
        return _gw_refuse("unparseable", str(e))
    except Exception as e:
        return _gw_refuse("unparseable", "The statement could not be checked (%s: %s)." % (type(e).__name__, _gw_short(e, 200)))
    return _gw_refuse("unparseable", "The gateway does not know the %s engine." % getattr(engine, "name", "?"))


def gateway_refusal_text(verdict):
    """The sentence the agent and the user read when the gateway refuses a statement."""
    return "Refused by the SQL gateway (%s): %s This is final: do not run it another way (run_scratch, a cell)." % (
        verdict.get("kind", "unparseable"), verdict.get("reason", ""))


# ---------------------------------------------------------------- running, fenced by the engine

@_gw_contextlib.contextmanager
def _gw_pg_tx(eng, timeout_s=None):
    """A READ ONLY transaction on the adapter's PostgreSQL connection, always rolled back.
    A connection the user holds must be idle (their open transaction is not ours to end).
    Nested uses share the outer transaction (classify and run in one)."""
    outer = getattr(eng, "_gw_cur", None)
    if outer is not None:
        yield outer
        return
    conn = eng.dbapi
    info = getattr(conn, "info", None)
    status = getattr(info, "transaction_status", None)
    if getattr(eng, "_gw_user_conn", False) and status is not None and int(status) != 0:
        raise QueryError("The connection is inside a transaction of yours: commit or roll back first.")
    if getattr(eng, "_read_only", False) or (status is not None and int(status) != 0):
        conn.rollback()
        eng._read_only = False
    autocommit = bool(getattr(conn, "autocommit", False))
    cur = conn.cursor()
    ms = max(1, int(float(timeout_s or GATEWAY_TIMEOUT_S) * 1000))
    try:
        # One round trip (no parameters: psycopg sends it as a simple query).
        cur.execute("%s; SET LOCAL statement_timeout = %d; SET LOCAL idle_in_transaction_session_timeout = %d"
                    % ("BEGIN READ ONLY" if autocommit else "SET TRANSACTION READ ONLY", ms, ms + 5000))
        eng._gw_cur = cur
        yield cur
    finally:
        eng._gw_cur = None
        with _gw_contextlib.suppress(Exception):
            cur.close()
        if autocommit:
            with _gw_contextlib.suppress(Exception):
                c2 = conn.cursor()
                c2.execute("ROLLBACK")
                c2.close()
        with _gw_contextlib.suppress(Exception):
            conn.rollback()


_GW_SECRET_NAME = _gw_re.compile(r"(key|token|secret|passw|credential|auth|dsn|conn_str|api_?key)", _gw_re.I)
_GW_SECRET_VALUE = _gw_re.compile(r"(sk-[A-Za-z0-9_-]{16,}|AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{30,}|"
                                  r"xox[baprs]-[A-Za-z0-9-]{10,}|[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@)")


def _gw_cell(v, secret=False):
    if secret and v is not None:
        return "<redacted, %d chars>" % len(str(v))
    if v is None or isinstance(v, bool) or isinstance(v, int) and abs(v) < 2**53:
        return v
    if isinstance(v, float):
        return v if _gw_math.isfinite(v) else str(v)
    if isinstance(v, (bytes, bytearray, memoryview)):
        b = bytes(v)
        return "<%d bytes>" % len(b)
    if hasattr(v, "isoformat") and not isinstance(v, str):
        return v.isoformat()
    text = v if isinstance(v, str) else str(v)
    if _GW_SECRET_VALUE.search(text):
        return "<redacted, %d chars>" % len(text)
    return text if len(text) <= GATEWAY_CELL_CHARS else text[:GATEWAY_CELL_CHARS] + "…"


def _gw_take(columns, rows_iter, max_rows, max_bytes):
    """(rows, truncated) with values made JSON-safe, cut by count and by bytes."""
    secret = [bool(_GW_SECRET_NAME.search(str(c["name"]))) for c in columns]
    out, size, truncated = [], 2, False
    for r in rows_iter:
        if len(out) >= max_rows:
            truncated = True
            break
        row = [_gw_cell(v, secret[i] if i < len(secret) else False) for i, v in enumerate(r)]
        n = len(_gw_json.dumps(row, default=str, ensure_ascii=False)) + 1
        if out and size + n > max_bytes:
            truncated = True
            break
        size += n
        out.append(row)
    return out, truncated


class _GwTimer:
    """Calls `stop` once after `seconds` unless cancelled (DuckDB interrupt, Spark cancel)."""

    def __init__(self, seconds, stop):
        self.fired = False
        self._timer = None
        if seconds and seconds > 0:
            def fire():
                self.fired = True
                with _gw_contextlib.suppress(BaseException):
                    stop()
            self._timer = _gw_threading.Timer(float(seconds), fire)
            self._timer.daemon = True
            self._timer.start()

    def cancel(self):
        if self._timer is not None:
            self._timer.cancel()


def _gw_run_duckdb(eng, sql, max_rows, max_bytes, timeout_s):
    timer = _GwTimer(timeout_s, eng.con.interrupt)
    try:
        rel = eng.con.sql(sql)
        columns = [{"name": str(n), "type": str(t)} for n, t in zip(rel.columns, rel.types)]
        # A limit over the relation: the engine stops after max_rows + 1 rows.
        fetched = rel.limit(int(max_rows) + 1).fetchall()
    except Exception as e:
        if timer.fired:
            raise QueryError("Stopped after the %g s time limit." % timeout_s)
        raise
    finally:
        timer.cancel()
    rows, truncated = _gw_take(columns, fetched, max_rows, max_bytes)
    return columns, rows, truncated, (len(fetched) if len(fetched) <= max_rows and not truncated else None)


def _gw_run_pg(eng, sql, max_rows, max_bytes, timeout_s):
    import uuid as _uuid

    with _gw_pg_tx(eng, timeout_s) as _cur:
        conn = eng.dbapi
        name = "jlde_gw_" + _uuid.uuid4().hex[:12]
        # A server-side cursor: DECLARE ... CURSOR FOR accepts one SELECT/VALUES statement,
        # no data-modifying WITH, and rows come back only as fetched.
        try:
            cur = conn.cursor(name=name)
        except TypeError:
            cur = conn.cursor(name)
        try:
            cur.execute(sql)
            fetched = cur.fetchmany(int(max_rows) + 1)
            desc = cur.description or ()  # psycopg2's named cursors describe after the first fetch
            types = _gw_pg_type_names(conn, [getattr(d, "type_code", d[1]) for d in desc])
            columns = [{"name": str(d[0]), "type": types[i]} for i, d in enumerate(desc)]
        finally:
            with _gw_contextlib.suppress(Exception):
                cur.close()
    rows, truncated = _gw_take(columns, fetched, max_rows, max_bytes)
    return columns, rows, truncated, (len(fetched) if len(fetched) <= max_rows and not truncated else None)


def _gw_pg_type_names(conn, oids):
    adapters = getattr(conn, "adapters", None)
    out = []
    for oid in oids:
        info = None
        with _gw_contextlib.suppress(Exception):
            info = adapters.types.get(oid) if adapters is not None else None
        out.append(info.name if info is not None else str(oid))
    return out


def _gw_run_sqlite(eng, sql, max_rows, max_bytes, timeout_s):
    conn = eng.dbapi
    deadline = _gw_time.monotonic() + float(timeout_s or 0) if timeout_s else None
    stopped = []

    def progress():
        if deadline is not None and _gw_time.monotonic() > deadline:
            stopped.append(True)
            return 1
        return 0

    cur = conn.cursor()
    before = cur.execute("PRAGMA query_only").fetchone()[0]
    cur.execute("PRAGMA query_only = ON")
    if hasattr(conn, "set_progress_handler"):
        conn.set_progress_handler(progress, 5000)
    try:
        cur.execute(sql)
        desc = cur.description or ()
        columns = [{"name": str(d[0]), "type": ""} for d in desc]
        fetched = cur.fetchmany(int(max_rows) + 1)
        for i, c in enumerate(columns):
            c["type"] = next((type(r[i]).__name__ for r in fetched if r[i] is not None), "")
    except Exception as e:
        if stopped:
            raise QueryError("Stopped after the %g s time limit." % timeout_s)
        raise
    finally:
        with _gw_contextlib.suppress(Exception):
            cur.close()
        if hasattr(conn, "set_progress_handler"):
            conn.set_progress_handler(None, 0)
        if not before:
            conn.execute("PRAGMA query_only = OFF")
    rows, truncated = _gw_take(columns, fetched, max_rows, max_bytes)
    return columns, rows, truncated, (len(fetched) if len(fetched) <= max_rows and not truncated else None)


_GW_SPARK_WRITE_HINTS = ("Command", "Insert", "Write", "Overwrite", "Append", "Delete", "Update", "Merge", "Create",
                         "Drop", "Alter", "Cache", "Uncache", "Refresh", "Set", "Reset", "Load", "Truncate", "Replace")


def _gw_spark_plan_check(eng, sql):
    """The analysed plan, built without running commands: raises QueryError when any node
    of it is a command or a write."""
    jss = eng.spark._jsparkSession
    jvm = eng.spark._jvm
    parsed = jss.sessionState().sqlParser().parsePlan(sql)
    mode = jvm.org.apache.spark.sql.execution.CommandExecutionMode.SKIP()
    qe = jss.sessionState().executePlan(parsed, mode)
    stack = [qe.analyzed()]
    while stack:
        p = stack.pop()
        cls = p.getClass().getSimpleName()
        if any(h in cls for h in _GW_SPARK_WRITE_HINTS) and cls not in ("SetOperation",):
            raise QueryError("The analysed plan holds %s: not run." % cls)
        stack.extend(_gw_seq(p.children()))
        stack.extend(_gw_seq(p.innerChildren()))
        stack.extend(_gw_seq(p.subqueries()))


def _gw_run_spark(eng, sql, max_rows, max_bytes, timeout_s):
    _gw_spark_plan_check(eng, sql)
    sc = eng.spark.sparkContext
    timer = _GwTimer(timeout_s, lambda: sc.cancelJobGroup(eng.group))
    try:
        df = eng.spark.sql(sql)
        columns = [{"name": f.name, "type": f.dataType.simpleString()} for f in df.schema.fields]
        fetched = [tuple(r) for r in df.limit(int(max_rows) + 1).collect()]
    except Exception:
        if timer.fired:
            raise QueryError("Stopped after the %g s time limit." % timeout_s)
        raise
    finally:
        timer.cancel()
    rows, truncated = _gw_take(columns, fetched, max_rows, max_bytes)
    return columns, rows, truncated, (len(fetched) if len(fetched) <= max_rows and not truncated else None)


def _gw_run_polars(eng, sql, max_rows, max_bytes, timeout_s):
    lf = eng.ctx.execute(sql, eager=False)
    frame = lf.head(int(max_rows) + 1).collect()
    columns = [{"name": str(n), "type": str(t)} for n, t in frame.schema.items()]
    fetched = frame.rows()
    rows, truncated = _gw_take(columns, fetched, max_rows, max_bytes)
    return columns, rows, truncated, (len(fetched) if len(fetched) <= max_rows and not truncated else None)


def run_read_only(engine, sql, max_rows=GATEWAY_MAX_ROWS, max_bytes=GATEWAY_MAX_BYTES, timeout_s=GATEWAY_TIMEOUT_S,
                  verdict=None):
    """Classify, then run one allowed statement fenced by the engine. Returns
    {columns, rows, truncated, total_rows, elapsed_ms, verdict} or {error, verdict}."""
    started = _gw_time.perf_counter()
    if verdict is None and isinstance(engine, _DBAPI) and engine.name == "postgresql":
        # Classify and run in one READ ONLY transaction: fewer round trips.
        try:
            with _gw_pg_tx(engine, timeout_s or GATEWAY_TIMEOUT_S):
                return run_read_only(engine, sql, max_rows, max_bytes, timeout_s, classify(engine, sql))
        except QueryError as e:
            return {"error": str(e), "verdict": _gw_refuse("unparseable", str(e))}
    verdict = verdict or classify(engine, sql)
    if not verdict["allowed"]:
        return {"error": "Refused: %s" % verdict["reason"], "refused": True, "verdict": verdict}
    max_rows = max(0, min(int(max_rows if max_rows is not None else GATEWAY_MAX_ROWS), 10000))
    max_bytes = max(256, int(max_bytes if max_bytes is not None else GATEWAY_MAX_BYTES))
    timeout_s = float(timeout_s) if timeout_s else GATEWAY_TIMEOUT_S
    if isinstance(engine, _DuckDB):
        runner = _gw_run_duckdb
    elif isinstance(engine, _Spark):
        runner = _gw_run_spark
    elif isinstance(engine, _GwPolars):
        runner = _gw_run_polars
    elif engine.name == "postgresql":
        runner = _gw_run_pg
    else:
        runner = _gw_run_sqlite
    try:
        columns, rows, truncated, total = runner(engine, sql, max_rows, max_bytes, timeout_s)
    except QueryError as e:
        return {"error": str(e), "verdict": verdict, "elapsed_ms": round((_gw_time.perf_counter() - started) * 1000, 2)}
    except Exception as e:
        return {"error": "%s: %s" % (type(e).__name__, _gw_short(str(e), 500)), "verdict": verdict,
                "elapsed_ms": round((_gw_time.perf_counter() - started) * 1000, 2)}
    return {"columns": columns, "rows": rows, "truncated": bool(truncated), "total_rows": total,
            "elapsed_ms": round((_gw_time.perf_counter() - started) * 1000, 2), "verdict": verdict}


# ---------------------------------------------------------------- the catalog, from metadata only

def _gw_match(pattern, *names):
    """A glob (`*`, `?`) or, without wildcards, a case-insensitive substring."""
    if not pattern:
        return True
    import fnmatch

    p = str(pattern).lower()
    for n in names:
        n = str(n).lower()
        if ("*" in p or "?" in p) and fnmatch.fnmatchcase(n, p) or ("*" not in p and "?" not in p and p in n):
            return True
    return False


def _gw_duck_tables(eng):
    """[{name, schema, kind, columns, rows_estimate, bytes, comment}] of the user's tables and views."""
    con = eng.con
    cur_db = con.execute("SELECT current_database()").fetchall()[0][0]
    rows = con.execute(
        "SELECT database_name, schema_name, table_name, 'table', column_count, estimated_size, comment, temporary "
        "FROM duckdb_tables() WHERE NOT internal UNION ALL "
        "SELECT database_name, schema_name, view_name, 'view', column_count, NULL, comment, temporary "
        "FROM duckdb_views() WHERE NOT internal").fetchall()
    out = []
    for db, schema, name, kind, ncols, est, comment, temp in rows:
        if temp or (db == cur_db and schema == "main"):
            label = name
        elif db == cur_db:
            label = "%s.%s" % (schema, name)
        else:
            label = "%s.%s.%s" % (db, schema, name)
        out.append({"name": label, "schema": schema if db == cur_db else "%s.%s" % (db, schema), "kind": kind,
                    "columns": ncols, "rows_estimate": int(est) if est is not None else None, "bytes": None,
                    "comment": _gw_short(comment, 120) if comment else None, "_key": (db, schema, name)})
    return out


_GW_PG_TABLES = (
    "SELECT n.nspname, c.relname, c.relkind::text, c.relnatts, c.reltuples::bigint, "
    "CASE WHEN c.relkind IN ('r', 'm', 'p') THEN pg_total_relation_size(c.oid) END, "
    "obj_description(c.oid, 'pg_class'), pg_table_is_visible(c.oid), c.oid::bigint "
    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE c.relkind IN ('r', 'v', 'm', 'p', 'f') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
    "AND n.nspname NOT LIKE 'pg_toast%%' AND n.nspname NOT LIKE 'pg_temp%%' OR "
    "(c.relkind IN ('r', 'v', 'm', 'p', 'f') AND n.oid = pg_my_temp_schema())")
_GW_PG_KIND = {"r": "table", "p": "table", "v": "view", "m": "materialized view", "f": "foreign table"}


def _gw_pg_tables(eng):
    with _gw_pg_tx(eng, 10) as cur:
        cur.execute(_GW_PG_TABLES)
        rows = cur.fetchall()
    out = []
    for schema, name, kind, ncols, est, size, comment, visible, oid in rows:
        out.append({"name": name if visible else "%s.%s" % (schema, name), "schema": schema,
                    "kind": _GW_PG_KIND.get(kind, kind), "columns": ncols,
                    "rows_estimate": int(est) if est is not None and est >= 0 else None,
                    "bytes": int(size) if size is not None else None,
                    "comment": _gw_short(comment, 120) if comment else None, "_key": int(oid)})
    return out


def _gw_sqlite_tables(eng):
    cur = eng.dbapi.cursor()
    try:
        out = []
        stats = {}
        dbs = [r[1] for r in cur.execute("PRAGMA database_list").fetchall()]
        for db in dbs:
            q = '"%s".' % db.replace('"', '""')
            master = "sqlite_temp_master" if db == "temp" else q + "sqlite_master"
            with _gw_contextlib.suppress(Exception):
                for tbl, stat in cur.execute("SELECT tbl, stat FROM %ssqlite_stat1" % ("" if db == "temp" else q)).fetchall():
                    with _gw_contextlib.suppress(Exception):
                        stats.setdefault((db, tbl), int(str(stat).split()[0]))
            for name, kind in cur.execute("SELECT name, type FROM %s WHERE type IN ('table', 'view') AND name NOT LIKE "
                                          "'sqlite_%%' ORDER BY name" % master).fetchall():
                ncols = len(cur.execute("SELECT 1 FROM pragma_table_info(?, ?)", (name, db)).fetchall())
                out.append({"name": name if db in ("main", "temp") else "%s.%s" % (db, name), "schema": db, "kind": kind,
                            "columns": ncols, "rows_estimate": stats.get((db, name)), "bytes": None, "comment": None,
                            "_key": "%s.%s" % (db, name) if db != "main" else name})
        return out
    finally:
        cur.close()


def _gw_spark_tables(eng, schema=None):
    jcat = eng.spark._jsparkSession.sessionState().catalog()
    dbs = [schema] if schema else [str(d) for d in _gw_seq(jcat.listDatabases())]
    out, seen = [], set()
    for db in dbs:
        for ident in _gw_seq(jcat.listTables(db)):
            name = str(ident.table())
            dbpart = ident.database()
            db_name = str(dbpart.get()) if dbpart.isDefined() else None
            key = (db_name, name)
            if key in seen:
                continue
            seen.add(key)
            out.append({"name": name if db_name in (None, "default") else "%s.%s" % (db_name, name),
                        "schema": db_name or "(temporary)", "kind": "view" if db_name is None else "table",
                        "columns": None, "rows_estimate": None, "bytes": None, "comment": None})
    return out


def _gw_polars_tables(eng):
    out = []
    for name in eng.ctx.tables():
        out.append({"name": name, "schema": None, "kind": "frame", "columns": None, "rows_estimate": None,
                    "bytes": None, "comment": None})
    return out


def _gw_col_text(name, type_, nullable):
    return "%s %s%s" % (name, type_, "" if nullable else " NOT NULL")


def _gw_duck_details(eng, keys):
    """{(db, schema, table): detail} in three catalog queries for all of them."""
    con = eng.con
    out = {k: {"columns": [], "primary_key": [], "unique": [], "foreign_keys": []} for k in keys}
    for db, schema, table, col, type_, nullable in con.execute(
            "SELECT database_name, schema_name, table_name, column_name, data_type, is_nullable FROM duckdb_columns() "
            "WHERE NOT internal ORDER BY database_name, schema_name, table_name, column_index").fetchall():
        d = out.get((db, schema, table))
        if d is not None:
            d["columns"].append(_gw_col_text(col, type_, nullable))
    for db, schema, table, kind, cols, ref, refcols in con.execute(
            "SELECT database_name, schema_name, table_name, constraint_type, constraint_column_names, referenced_table, "
            "referenced_column_names FROM duckdb_constraints() WHERE constraint_type IN "
            "('PRIMARY KEY', 'UNIQUE', 'FOREIGN KEY')").fetchall():
        d = out.get((db, schema, table))
        if d is None:
            continue
        if kind == "PRIMARY KEY":
            d["primary_key"] = list(cols)
        elif kind == "UNIQUE":
            d["unique"].append(list(cols))
        elif ref:
            d["foreign_keys"].append({"columns": list(cols), "references": ref, "ref_columns": list(refcols or ())})
    return out


def _gw_pg_details(eng, keys):
    """{oid: detail} in two catalog queries for all of them."""
    out = {k: {"columns": [], "primary_key": [], "unique": [], "foreign_keys": []} for k in keys}
    if not keys:
        return out
    oids = sorted(keys)
    with _gw_pg_tx(eng, 10) as cur:
        cur.execute("SELECT a.attrelid::bigint, a.attname, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull "
                    "FROM pg_attribute a WHERE a.attrelid = ANY(%s::oid[]) AND a.attnum > 0 AND NOT a.attisdropped "
                    "ORDER BY a.attrelid, a.attnum", (oids,))
        cols = cur.fetchall()
        cur.execute(_DBAPI._PG_CONSTRAINTS.replace("k.conrelid = to_regclass(%s)", "k.conrelid = ANY(%s::oid[])")
                    .replace("SELECT k.contype,", "SELECT k.conrelid::bigint, k.contype,"), (oids,))
        cons = cur.fetchall()
    for oid, name, type_, nullable in cols:
        out[int(oid)]["columns"].append(_gw_col_text(name, type_, nullable))
    for oid, kind, colnames, ref, refcols in cons:
        d = out[int(oid)]
        if kind == "p":
            d["primary_key"] = list(colnames or ())
        elif kind == "u":
            d["unique"].append(list(colnames or ()))
        elif kind == "f" and ref:
            d["foreign_keys"].append({"columns": list(colnames or ()), "references": ref, "ref_columns": list(refcols or ())})
    return out


def _gw_details(eng, entries):
    """{entry key: {columns: ["name TYPE [NOT NULL]"], primary_key, unique, foreign_keys}}."""
    keys = [e["_key"] for e in entries if e.get("_key") is not None]
    if isinstance(eng, _DuckDB):
        return _gw_duck_details(eng, keys)
    if isinstance(eng, _DBAPI) and eng.name == "postgresql":
        return _gw_pg_details(eng, keys)
    return _GwLazyDetails(eng, entries)


class _GwLazyDetails:
    """Per-table details for engines without a catalog-wide query (SQLite pragmas, Spark,
    Polars), described only for the entries that make it onto the page."""

    def __init__(self, eng, entries):
        self.eng = eng
        self.names = {e.get("_key", e["name"]): e["name"] for e in entries}

    def get(self, key):
        name = self.names.get(key)
        if name is None:
            return None
        d = describe_table(self.eng, name, limit_bytes=1 << 30)
        if "error" in d:
            return None
        return {"columns": [_gw_col_text(c["name"], c["type"], c.get("nullable", True)) for c in d["columns"]],
                "primary_key": d.get("primary_key") or [], "unique": d.get("unique") or [],
                "foreign_keys": d.get("foreign_keys") or []}


def _gw_all_tables(eng, schema=None):
    if isinstance(eng, _DuckDB):
        return _gw_duck_tables(eng)
    if isinstance(eng, _Spark):
        return _gw_spark_tables(eng, schema)
    if isinstance(eng, _GwPolars):
        return _gw_polars_tables(eng)
    if eng.name == "postgresql":
        return _gw_pg_tables(eng)
    return _gw_sqlite_tables(eng)


_GW_SNAPSHOTS = {}  # next-token id -> (time, key, tables, details): the pages of one listing
_GW_SNAPSHOT_TTL_S = 60.0


def list_tables(engine, pattern=None, schema=None, limit_bytes=GATEWAY_CATALOG_BYTES, next=None, detail=False):
    """{engine, tables: [...], total, next, note}: the catalog's tables and views from metadata,
    at most `limit_bytes` of JSON; `next` is the token for the following page. With
    `detail`, each table also carries its columns ("name TYPE [NOT NULL]"), primary_key,
    unique and foreign_keys, read in a few catalog queries for the whole catalog (the way to
    describe a whole catalog; describe_table gives one table with comments and defaults).
    The catalog is read once per listing: the following pages (within a minute) come from
    that reading, so the pages are consistent with each other."""
    key = (id(getattr(engine, "con", None) or getattr(engine, "dbapi", None) or getattr(engine, "spark", None)
              or getattr(engine, "ctx", None)), engine.name, pattern, schema, bool(detail))
    start, snap, tables, details = 0, None, None, None
    if next:
        sid, _sep, off = str(next).rpartition(":")
        with _gw_contextlib.suppress(ValueError):
            start = max(0, int(off))
        cached = _GW_SNAPSHOTS.get(sid)
        if cached is not None and cached[1] == key and _gw_time.monotonic() - cached[0] < _GW_SNAPSHOT_TTL_S:
            snap, tables, details = sid, cached[2], cached[3]
    if tables is None:
        tables = _gw_all_tables(engine, schema)
        if schema:
            tables = [t for t in tables if str(t.get("schema") or "").lower() == str(schema).lower()
                      or str(t.get("schema") or "").lower().endswith("." + str(schema).lower())]
        tables = [t for t in tables if _gw_match(pattern, t["name"])]
        tables.sort(key=lambda t: (t["name"].count("."), t["name"].lower()))
        details = _gw_details(engine, tables) if detail and tables else {}
    out = {"engine": engine.name, "tables": [], "total": len(tables), "next": None, "note": None}
    budget = int(limit_bytes) - 300
    size = len(_gw_json.dumps(out))
    i = start
    while i < len(tables):
        t = tables[i]
        entry = {k: v for k, v in t.items() if v is not None and k != "_key"}
        d = details.get(t.get("_key", t["name"])) if detail else None
        if d is not None:
            entry.update({k: v for k, v in d.items() if v})
        n = len(_gw_json.dumps(entry, ensure_ascii=False, default=str)) + 1
        if d is not None and n > budget - size and not out["tables"]:
            cols = entry.get("columns") or []
            keep = len(cols)
            while keep > 1 and len(_gw_json.dumps(dict(entry, columns=cols[:keep]), default=str)) > budget - size - 60:
                keep = max(1, keep * 3 // 4)
            entry["columns"], entry["columns_cut"] = cols[:keep], len(cols) - keep
            n = len(_gw_json.dumps(entry, ensure_ascii=False, default=str)) + 1
        if out["tables"] and size + n > budget:
            break
        size += n
        out["tables"].append(entry)
        i += 1
    if i < len(tables):
        if snap is None:
            import uuid as _uuid

            snap = _uuid.uuid4().hex[:10]
            now = _gw_time.monotonic()
            for old in [k for k, v in _GW_SNAPSHOTS.items() if now - v[0] >= _GW_SNAPSHOT_TTL_S]:
                _GW_SNAPSHOTS.pop(old, None)
            while len(_GW_SNAPSHOTS) >= 8:
                _GW_SNAPSHOTS.pop(_gw_oldest(_GW_SNAPSHOTS))
            _GW_SNAPSHOTS[snap] = (now, key, tables, details)
        out["next"] = "%s:%d" % (snap, i)
        out["note"] = "%d more tables: ask again with next=%r, or narrow with a pattern or schema." % (
            len(tables) - i, out["next"])
    elif not tables:
        out["note"] = "No tables%s." % ((" matching %r" % pattern) if pattern else "")
    return out


def _gw_oldest(d):
    return min(d, key=lambda k: d[k][0])


def _gw_split_name(name):
    """Name parts of a dotted name; "double" or `back` quotes keep dots inside a part."""
    parts, cur, quote = [], "", None
    for ch in str(name).strip():
        if quote:
            if ch == quote:
                quote = None
            else:
                cur += ch
        elif ch in ('"', "`"):
            quote = ch
        elif ch == ".":
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return [p for p in parts if p != ""]


def _gw_duck_describe(eng, name):
    con = eng.con
    parts = _gw_split_name(name)
    names, current = _gw_duck_catalog_names(eng, parts[-1:])
    hit = _gw_duck_resolve(names, current, *([""] * (3 - len(parts)) + parts)) if 1 <= len(parts) <= 3 else None
    if hit is None:
        return None
    db, schema, table = hit
    info = con.execute(
        "SELECT 'table', estimated_size, comment FROM duckdb_tables() WHERE lower(database_name) = ? AND "
        "lower(schema_name) = ? AND lower(table_name) = ? UNION ALL SELECT 'view', NULL, comment FROM duckdb_views() "
        "WHERE lower(database_name) = ? AND lower(schema_name) = ? AND lower(view_name) = ?",
        [db, schema, table] * 2).fetchall()
    info = info[0] if info else None
    cols = con.execute(
        "SELECT column_name, data_type, is_nullable, comment, column_default FROM duckdb_columns() "
        "WHERE lower(database_name) = ? AND lower(schema_name) = ? AND lower(table_name) = ? ORDER BY column_index",
        [db, schema, table]).fetchall()
    cons = con.execute(
        "SELECT constraint_type, constraint_column_names, referenced_table, referenced_column_names "
        "FROM duckdb_constraints() WHERE lower(database_name) = ? AND lower(schema_name) = ? AND lower(table_name) = ?",
        [db, schema, table]).fetchall()
    out = {"name": name, "kind": info[0] if info else "table", "schema": schema,
           "rows_estimate": int(info[1]) if info and info[1] is not None else None, "bytes": None,
           "comment": info[2] if info and info[2] else None,
           "columns": [{"name": c[0], "type": c[1], "nullable": bool(c[2]), "comment": c[3] or None,
                        "default": c[4]} for c in cols],
           "primary_key": [], "unique": [], "foreign_keys": []}
    for kind, colnames, ref, refcols in cons:
        if kind == "PRIMARY KEY":
            out["primary_key"] = list(colnames)
        elif kind == "UNIQUE":
            out["unique"].append(list(colnames))
        elif kind == "FOREIGN KEY" and ref:
            out["foreign_keys"].append({"columns": list(colnames), "references": ref, "ref_columns": list(refcols or ())})
    return out


_GW_PG_DESCRIBE = (
    "SELECT c.oid, n.nspname, c.relname, c.relkind::text, c.reltuples::bigint, "
    "CASE WHEN c.relkind IN ('r', 'm', 'p') THEN pg_total_relation_size(c.oid) END, obj_description(c.oid, 'pg_class') "
    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass(%s)")
_GW_PG_COLUMNS = (
    "SELECT a.attname, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull, col_description(a.attrelid, a.attnum), "
    "pg_get_expr(d.adbin, d.adrelid) FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid "
    "AND d.adnum = a.attnum WHERE a.attrelid = %s AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum")


def _gw_pg_describe(eng, name):
    parts = _gw_split_name(name)
    raw = str(name).strip()
    text = raw if '"' in raw else ".".join('"%s"' % p.lower().replace('"', '""') for p in parts)
    with _gw_pg_tx(eng, 10) as cur:
        cur.execute(_GW_PG_DESCRIBE, (text,))
        row = cur.fetchone()
        if row is None:
            return None
        oid, schema, rel, kind, est, size, comment = row
        cur.execute(_GW_PG_COLUMNS, (oid,))
        cols = cur.fetchall()
        cur.execute(_DBAPI._PG_CONSTRAINTS.replace("to_regclass(%s)", "%s"), (oid,))
        cons = cur.fetchall()
    out = {"name": name, "kind": _GW_PG_KIND.get(kind, kind), "schema": schema,
           "rows_estimate": int(est) if est is not None and est >= 0 else None,
           "bytes": int(size) if size is not None else None, "comment": comment or None,
           "columns": [{"name": c[0], "type": c[1], "nullable": bool(c[2]), "comment": c[3] or None, "default": c[4]}
                       for c in cols],
           "primary_key": [], "unique": [], "foreign_keys": []}
    if est is not None and est < 0:
        out["note"] = "never analysed: no row estimate (ANALYZE %s)" % rel
    for kind_, colnames, ref, refcols in cons:
        if kind_ == "p":
            out["primary_key"] = list(colnames or ())
        elif kind_ == "u":
            out["unique"].append(list(colnames or ()))
        elif kind_ == "f" and ref:
            out["foreign_keys"].append({"columns": list(colnames or ()), "references": ref,
                                        "ref_columns": list(refcols or ())})
    return out


def _gw_sqlite_describe(eng, name):
    parts = _gw_split_name(name)
    db = parts[0] if len(parts) == 2 else "main"
    table = parts[-1]
    cur = eng.dbapi.cursor()
    try:
        q = '"%s".' % db.replace('"', '""')
        master = "sqlite_temp_master" if db == "temp" else q + "sqlite_master"
        row = cur.execute("SELECT type, name FROM %s WHERE type IN ('table', 'view') AND lower(name) = lower(?)" % master,
                          (table,)).fetchone()
        if row is None and len(parts) == 1:
            db, master = "temp", "sqlite_temp_master"
            row = cur.execute("SELECT type, name FROM %s WHERE type IN ('table', 'view') AND lower(name) = lower(?)" % master,
                              (table,)).fetchone()
        if row is None:
            return None
        kind, table = row
        cols = cur.execute("SELECT name, type, \"notnull\", pk, dflt_value FROM pragma_table_info(?, ?)", (table, db)).fetchall()
        fks = cur.execute("SELECT id, \"table\", \"from\", \"to\" FROM pragma_foreign_key_list(?, ?) ORDER BY id, seq",
                          (table, db)).fetchall()
        idx = cur.execute("SELECT name, \"unique\", origin FROM pragma_index_list(?, ?)", (table, db)).fetchall()
        uniques = []
        for iname, unique, origin in idx:
            if unique and origin == "u":
                uniques.append([r[0] for r in cur.execute("SELECT name FROM pragma_index_info(?, ?) ORDER BY seqno",
                                                          (iname, db)).fetchall()])
        est = None
        with _gw_contextlib.suppress(Exception):
            r = cur.execute("SELECT stat FROM %ssqlite_stat1 WHERE tbl = ? LIMIT 1" % q, (table,)).fetchone()
            est = int(str(r[0]).split()[0]) if r else None
    finally:
        cur.close()
    groups = {}
    for fid, ref, frm, to in fks:
        g = groups.setdefault(fid, {"columns": [], "references": ref, "ref_columns": []})
        g["columns"].append(frm)
        g["ref_columns"].append(to)
    return {"name": name, "kind": kind, "schema": db, "rows_estimate": est, "bytes": None, "comment": None,
            "columns": [{"name": c[0], "type": c[1] or "", "nullable": not c[2] and not c[3], "default": c[4]}
                        for c in cols],
            "primary_key": [c[0] for c in sorted(cols, key=lambda c: c[3]) if c[3]], "unique": uniques,
            "foreign_keys": list(groups.values())}


def _gw_spark_describe(eng, name):
    jss = eng.spark._jsparkSession
    parts = _gw_split_name(name)
    if not eng.spark.catalog.tableExists(".".join("`%s`" % p.replace("`", "``") for p in parts)):
        return None
    jcat = jss.sessionState().catalog()
    ident = jss.sessionState().sqlParser().parseTableIdentifier(".".join("`%s`" % p.replace("`", "``") for p in parts))
    meta = jcat.getTempViewOrPermanentTableMetadata(ident)
    fields = meta.schema().fields()
    cols = []
    for i in range(len(fields)):
        f = fields[i]
        c = f.getComment()
        cols.append({"name": f.name(), "type": f.dataType().simpleString(), "nullable": bool(f.nullable()),
                     "comment": str(c.get()) if c.isDefined() else None})
    out = {"name": name, "kind": str(meta.tableType().name()).lower(), "schema": str(meta.identifier().database().get())
           if meta.identifier().database().isDefined() else None, "rows_estimate": None, "bytes": None,
           "comment": str(meta.comment().get()) if meta.comment().isDefined() else None, "columns": cols,
           "primary_key": [], "unique": [], "foreign_keys": []}
    stats = meta.stats()
    if stats.isDefined():
        s = stats.get()
        out["bytes"] = int(str(s.sizeInBytes().toString()))
        if s.rowCount().isDefined():
            out["rows_estimate"] = int(str(s.rowCount().get().toString()))
    provider = meta.provider()
    if provider.isDefined():
        out["provider"] = str(provider.get())
    return out


def _gw_polars_describe(eng, name):
    if name not in eng.ctx.tables():
        return None
    # The registered frame's schema: a LazyFrame's collect_schema() resolves without running.
    lf = eng.ctx.execute("SELECT * FROM %s LIMIT 0" % '"%s"' % name.replace('"', '""'), eager=False)
    schema = lf.collect_schema()
    return {"name": name, "kind": "frame", "schema": None, "rows_estimate": None, "bytes": None, "comment": None,
            "columns": [{"name": k, "type": str(v), "nullable": True} for k, v in schema.items()],
            "primary_key": [], "unique": [], "foreign_keys": []}


def describe_table(engine, name, limit_bytes=GATEWAY_CATALOG_BYTES):
    """{name, kind, schema, columns: [{name, type, nullable, comment?, default?}], primary_key,
    unique, foreign_keys: [{columns, references, ref_columns}], rows_estimate, bytes, comment}
    from metadata only, or {error}. At most `limit_bytes` of JSON (columns cut, said)."""
    if isinstance(engine, _DuckDB):
        out = _gw_duck_describe(engine, name)
    elif isinstance(engine, _Spark):
        out = _gw_spark_describe(engine, name)
    elif isinstance(engine, _GwPolars):
        out = _gw_polars_describe(engine, name)
    elif engine.name == "postgresql":
        out = _gw_pg_describe(engine, name)
    else:
        out = _gw_sqlite_describe(engine, name)
    if out is None:
        return {"error": "No table or view %r in this connection's catalog: list_tables shows the names." % name}
    out["engine"] = engine.name
    for c in out["columns"]:
        for k in ("comment", "default"):
            if k in c and c[k] is None:
                del c[k]
            elif k in c:
                c[k] = _gw_short(c[k], 120)
    if out.get("comment"):
        out["comment"] = _gw_short(out["comment"], 300)
    cols = out["columns"]
    if len(_gw_json.dumps(out, default=str)) > limit_bytes:
        keep = len(cols)
        while keep > 1 and len(_gw_json.dumps(dict(out, columns=cols[:keep]), default=str)) > limit_bytes - 120:
            keep = max(1, keep * 3 // 4)
        out["columns"] = cols[:keep]
        out["note"] = "%d more columns not shown (of %d)." % (len(cols) - keep, len(cols))
    return out


# ---------------------------------------------------------------- cost before running

def _gw_duck_cost(eng, sql):
    rows = eng.con.execute("EXPLAIN (FORMAT JSON) " + sql).fetchall()
    text = rows[0][-1]
    plan = _gw_json.loads(text)
    roots = plan if isinstance(plan, list) else [plan]
    scans, all_nodes = [], []

    def card(node):
        extra = node.get("extra_info") or {}
        v = extra.get("Estimated Cardinality") if isinstance(extra, dict) else None
        if v is None:
            return None
        with _gw_contextlib.suppress(ValueError):
            return int(str(v).lstrip("~").replace(",", ""))
        return None

    filtered = []  # scans with pushed-down filters: their estimate is after the filter

    def walk(node):
        all_nodes.append(node)
        name = str(node.get("name", "")).upper()
        if "SCAN" in name:
            extra = node.get("extra_info") or {}
            table = extra.get("Table") if isinstance(extra, dict) else None
            if table and extra.get("Filters"):
                filtered.append(str(table))
            else:
                scans.append(card(node))
        for ch in node.get("children") or ():
            walk(ch)

    for r in roots:
        walk(r)
    if filtered:
        # Rows read by a filtered scan: the table's size (metadata, one query for all).
        parts = [t.split(".") for t in filtered]
        sizes = {}
        with _gw_contextlib.suppress(Exception):
            for db, schema, name, est in eng.con.execute(
                    "SELECT database_name, schema_name, table_name, estimated_size FROM duckdb_tables() "
                    "WHERE table_name IN (%s)" % ", ".join("?" for _ in parts), [p[-1] for p in parts]).fetchall():
                sizes["%s.%s.%s" % (db, schema, name)] = int(est or 0)
        scans.extend(sizes.get(t) for t in filtered)
    top = None
    for node in all_nodes:  # the topmost operator with an estimate
        top = card(node)
        if top is not None:
            break
    width = None
    with _gw_contextlib.suppress(Exception):
        types = eng.con.sql(sql).types
        width = sum(_gw_type_width(str(t)) for t in types)
    known = top is not None
    scan_rows = sum(s for s in scans if s is not None) if any(s is not None for s in scans) else None
    return {"rows": top, "bytes": top * width if known and width is not None else None, "cost": None,
            "scan_rows": scan_rows, "known": known,
            "note": "DuckDB's estimated cardinalities (EXPLAIN): rows of the result; scan_rows is the rows its table "
                    "scans read; DuckDB gives no cost figure." if known else "unknown: DuckDB gave no cardinality estimate for this plan."}


def _gw_type_width(t):
    t = t.upper()
    for key, w in (("BIGINT", 8), ("HUGEINT", 16), ("SMALLINT", 2), ("TINYINT", 1), ("INTEGER", 4), ("INT", 4),
                   ("DOUBLE", 8), ("FLOAT", 4), ("REAL", 4), ("DECIMAL", 16), ("NUMERIC", 16), ("TIMESTAMP", 8),
                   ("DATE", 4), ("TIME", 8), ("BOOL", 1), ("UUID", 16), ("INTERVAL", 16)):
        if key in t:
            return w
    return 32  # strings, blobs, nested: a guess


def _gw_pg_cost(eng, sql):
    with _gw_pg_tx(eng, 10) as cur:
        cur.execute("EXPLAIN (FORMAT JSON, VERBOSE) " + sql)
        plan = cur.fetchone()[0]
        if isinstance(plan, str):
            plan = _gw_json.loads(plan)
        top = plan[0]["Plan"]
        scans, unanalysed = [], []
        rels = set()

        def walk(node):
            if "Relation Name" in node:
                key = (node.get("Schema"), node["Relation Name"])
                rels.add(key)
                # A sequential scan reads the whole table; an index scan about what it returns.
                scans.append(key if node.get("Node Type") == "Seq Scan" else int(node.get("Plan Rows", 0)))
            for ch in node.get("Plans") or ():
                walk(ch)

        walk(top)
        tuples = {}
        if rels:
            cur.execute("SELECT n.nspname, c.relname, c.reltuples::bigint FROM pg_class c JOIN pg_namespace n "
                        "ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'm', 'p') AND (n.nspname, c.relname) IN (%s)"
                        % ", ".join("(%s, %s)" for _ in rels), [x for r in sorted(rels, key=str) for x in r])
            for schema, rel, n in cur.fetchall():
                tuples[(schema, rel)] = int(n)
            unanalysed = [rel for (schema, rel), n in tuples.items() if n < 0]
        scans = [tuples.get(x, 0) if isinstance(x, tuple) else x for x in scans]
        scans = [max(0, x) for x in scans]
    rows = int(top.get("Plan Rows", 0))
    width = int(top.get("Plan Width", 0))
    known = not unanalysed
    note = "PostgreSQL's planner estimate (EXPLAIN): rows and width of the result, cost in its units; scan_rows is " \
           "the rows its scans read (whole tables for sequential scans)."
    if unanalysed:
        note = "unknown: %s never analysed, so the planner's figures are default guesses (run ANALYZE)." % ", ".join(
            sorted(unanalysed))
    return {"rows": rows, "bytes": rows * width, "cost": float(top.get("Total Cost", 0.0)),
            "scan_rows": sum(scans) if scans else None, "known": known, "note": note}


def _gw_spark_cost(eng, sql):
    _gw_spark_plan_check(eng, sql)
    df = eng.spark.sql(sql)
    qe = df._jdf.queryExecution()
    stats = qe.optimizedPlan().stats()
    size = int(str(stats.sizeInBytes()))
    rc = stats.rowCount()
    rows = int(str(rc.get())) if rc.isDefined() else None
    unknown_size = size >= 2**62  # spark.sql.defaultSizeInBytes (Long.MaxValue): no statistics
    known = rows is not None
    if known:
        note = "Spark's optimised-plan statistics (row count from table statistics, cost-based optimiser)."
    elif not unknown_size:
        note = "unknown row count: Spark has no row statistics (ANALYZE TABLE ... COMPUTE STATISTICS and " \
               "spark.sql.cbo.enabled); bytes is its size estimate."
    else:
        note = "unknown: Spark has no statistics for these tables."
    return {"rows": rows, "bytes": None if unknown_size else size, "cost": None, "scan_rows": None, "known": known,
            "note": note}


def _gw_budget(out, budget_rows, budget_bytes):
    """within_budget: True / False / None (unknown: the engine has no estimate) and why."""
    if budget_rows is None and budget_bytes is None:
        return out
    if not out.get("known") and out.get("rows") is None and out.get("bytes") is None:
        out.update(within_budget=None, budget_note="No estimate: the budget cannot be checked (ask before running).")
        return out
    rows = max([x for x in (out.get("rows"), out.get("scan_rows")) if x is not None] or [0])
    over = []
    if budget_rows is not None and rows > int(budget_rows):
        over.append("about %s rows (budget %s)" % (format(rows, ","), format(int(budget_rows), ",")))
    if budget_bytes is not None and out.get("bytes") is not None and out["bytes"] > int(budget_bytes):
        over.append("about %s bytes (budget %s)" % (format(out["bytes"], ","), format(int(budget_bytes), ",")))
    out["within_budget"] = not over and bool(out.get("known"))
    out["budget_note"] = ("Over budget: " + " and ".join(over) + ".") if over else (
        "Within budget." if out.get("known") else "Within budget on the engine's guesses, but without statistics.")
    return out


def estimate_cost(engine, sql, verdict=None, budget_rows=None, budget_bytes=None):
    """{rows, bytes, cost, scan_rows, known, note} from the engine's own estimate, never by
    running; refused SQL is not explained ({known: false, refused: true, verdict}). With a
    budget: within_budget (True, False, or None when unknown) and budget_note; rows are
    compared as the larger of result rows and rows scanned."""
    verdict = verdict or classify(engine, sql)
    if not verdict["allowed"]:
        return {"rows": None, "bytes": None, "cost": None, "known": False, "refused": True, "verdict": verdict,
                "note": "Not estimated: %s" % verdict["reason"]}
    try:
        if isinstance(engine, _DuckDB):
            out = _gw_duck_cost(engine, sql)
        elif isinstance(engine, _Spark):
            out = _gw_spark_cost(engine, sql)
        elif isinstance(engine, _DBAPI) and engine.name == "postgresql":
            out = _gw_pg_cost(engine, sql)
        else:
            out = {"rows": None, "bytes": None, "cost": None, "scan_rows": None, "known": False,
                   "note": "unknown: %s gives no row estimates before running." % (
                       "SQLite" if engine.name == "sqlite" else engine.name)}
    except QueryError as e:
        out = {"rows": None, "bytes": None, "cost": None, "known": False, "note": "unknown: %s" % e}
    except Exception as e:
        out = {"rows": None, "bytes": None, "cost": None, "known": False,
               "note": "unknown: the engine could not estimate it (%s: %s)" % (type(e).__name__, _gw_short(e, 200))}
    out["verdict"] = verdict
    return _gw_budget(out, budget_rows, budget_bytes)


# ---------------------------------------------------------------- connections in the kernel

def _gw_describe_conn(name, obj):
    mro = _gw_mro(obj)
    tn = mro[0]
    if any(n.startswith("duckdb.") and "Connection" in n for n in mro) or tn == "_duckdb.DuckDBPyConnection":
        return {"name": name, "engine": "duckdb"}
    if any(n.startswith("pyspark.sql") and n.endswith("SparkSession") for n in mro):
        return {"name": name, "engine": "spark"}
    if any(n in ("sqlalchemy.engine.base.Engine", "sqlalchemy.engine.base.Connection") for n in mro):
        eng = obj if hasattr(obj, "dialect") else obj.engine
        return {"name": name, "engine": {"postgresql": "postgresql", "sqlite": "sqlite", "duckdb": "duckdb"}.get(
            eng.dialect.name, eng.dialect.name), "via": "sqlalchemy",
            "supported": eng.dialect.name in ("postgresql", "sqlite", "duckdb")}
    if tn == "sqlite3.Connection":
        return {"name": name, "engine": "sqlite"}
    if _gw_is_psycopg(obj):
        return {"name": name, "engine": "postgresql", "via": "psycopg"}
    if _gw_is_polars_ctx(obj):
        return {"name": name, "engine": "polars", "via": "SQLContext"}
    return None


def connections(ns):
    """[{name, engine, via?, default?}] of the connections in the user's namespace, plus
    DuckDB's default connection, the active SparkSession and jupysql's current connection."""
    out = []
    for name, obj in list((ns or {}).items()):
        if name.startswith("_") or isinstance(obj, type):
            continue
        with _gw_contextlib.suppress(Exception):
            d = _gw_describe_conn(name, obj)
            if d is not None:
                out.append(d)
    if _gw_sys.modules.get("duckdb") is not None:
        out.append({"name": None, "engine": "duckdb", "default": "duckdb.default_connection"})
    pyspark_sql = _gw_sys.modules.get("pyspark.sql")
    if pyspark_sql is not None:
        with _gw_contextlib.suppress(Exception):
            active = pyspark_sql.SparkSession.getActiveSession()
            if active is not None and not any(c["engine"] == "spark" for c in out):
                out.append({"name": None, "engine": "spark", "default": "active SparkSession"})
    current = _jupysql_current()
    if current is not None:
        with _gw_contextlib.suppress(Exception):
            inner = getattr(current, "_connection", None) or getattr(current, "connection", None)
            d = _gw_describe_conn(None, inner) or {"engine": "?"}
            out.append({"name": None, "engine": d["engine"], "default": "jupysql current connection"})
    return out


# ---------------------------------------------------------------- JSON entry points

class _GwText(str):
    """A str whose repr is itself: the kernel's text/plain is the bare JSON."""

    __slots__ = ()

    def __repr__(self):
        return str.__str__(self)


def _gw_dumps(obj):
    return _GwText(_gw_json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=str, allow_nan=False)
                   .translate({0x85: "\\u0085", 0x2028: "\\u2028", 0x2029: "\\u2029"}))


def _gw_call(ns, connection, fn, engine=None):
    out = None
    eng = None
    sink = _gw_io.StringIO()
    started = _gw_time.perf_counter()
    try:
        with _gw_contextlib.redirect_stdout(sink), _gw_contextlib.redirect_stderr(sink):
            eng = _gw_resolve(ns, connection, engine)
            out = fn(eng)
            if isinstance(out, dict):
                out.setdefault("engine", eng.name)
    except QueryError as e:
        out = {"error": str(e)}
    except BaseException as e:  # KeyboardInterrupt included: never raise into the kernel's reply
        out = {"error": "%s: %s" % (type(e).__name__, _gw_short(str(e), 500))}
    finally:
        _gw_close(eng)
    if isinstance(out, dict):
        out.setdefault("elapsed_ms", round((_gw_time.perf_counter() - started) * 1000, 2))
    return _gw_dumps(out)


def gateway_connections(ns):
    """JSON: {"connections": [{name, engine, via?, default?, supported?}]}."""
    try:
        return _gw_dumps({"connections": connections(ns)})
    except BaseException as e:
        return _gw_dumps({"error": "%s: %s" % (type(e).__name__, _gw_short(str(e), 300))})


def gateway_classify(ns, connection, sql, engine=None):
    """JSON: {allowed, kind, reason, relations, engine}."""
    return _gw_call(ns, connection, lambda eng: classify(eng, sql), engine)


def gateway_run(ns, connection, sql, max_rows=GATEWAY_MAX_ROWS, max_bytes=GATEWAY_MAX_BYTES, timeout_s=GATEWAY_TIMEOUT_S,
                engine=None):
    """JSON: {columns: [{name, type}], rows, truncated, total_rows, elapsed_ms, verdict} or
    {error, refused?, verdict}."""
    return _gw_call(ns, connection, lambda eng: run_read_only(eng, sql, max_rows, max_bytes, timeout_s), engine)


def gateway_list_tables(ns, connection, pattern=None, schema=None, next=None, detail=False, engine=None):
    """JSON: {engine, tables: [{name, schema, kind, columns, rows_estimate?, bytes?, comment?}],
    total, next, note}; with detail, columns is ["name TYPE [NOT NULL]", ...] and each table
    has primary_key, unique, foreign_keys where declared."""
    return _gw_call(ns, connection, lambda eng: list_tables(eng, pattern, schema, GATEWAY_CATALOG_BYTES, next, detail),
                    engine)


def gateway_describe(ns, connection, name, engine=None):
    """JSON: describe_table's dict or {error}."""
    return _gw_call(ns, connection, lambda eng: describe_table(eng, name), engine)


def gateway_estimate(ns, connection, sql, budget_rows=None, budget_bytes=None, engine=None):
    """JSON: {rows, bytes, cost, scan_rows, known, note, verdict, within_budget?, budget_note?}
    or {refused, verdict, note}."""
    return _gw_call(ns, connection, lambda eng: estimate_cost(eng, sql, None, budget_rows, budget_bytes), engine)
