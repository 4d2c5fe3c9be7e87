"""Kernel-side query helper of jupyterlab-data-engineer, part 1 of 4: engine adapters.

The query helper is four files (query_engines, query_probe, query_verify, query_explain)
concatenated in that order and loaded like inspector.py, into the private module
`sys.modules['__jl_data_engineer_query__']` (see query_verify.py for the calls). They
share one namespace: no imports between them.

An adapter wraps one connection the user already has (a DuckDB connection, a SQLAlchemy
engine or connection, a sqlite3 connection, a SparkSession, jupysql's current connection)
and offers what the verifier needs: fetch rows, run to completion (timing), EXCEPT ALL
counts in the engine when it has them, the catalog's schemas and declared constraints,
temporary probe tables that are rolled back, EXPLAIN, and cancel from another thread.
Nothing here imports a data library that the user has not imported.
"""

import contextlib
import sys
import threading
import time
import uuid


def _type_name(obj):
    t = type(obj)
    return "%s.%s" % (t.__module__, t.__qualname__)


def _mro_names(obj):
    return ["%s.%s" % (c.__module__, c.__qualname__) for c in type(obj).__mro__]


class QueryError(Exception):
    """A failure with a message meant for the user and the model. `package`: the pip package
    missing from the kernel's environment, when that is the failure (the card offers its install)."""

    def __init__(self, message, package=None):
        super().__init__(message)
        self.package = package


class _Table:
    """A referenced table's schema and the constraints its catalog declares."""

    def __init__(self, name, columns):
        self.name = name
        self.columns = columns  # [(name, type_text, nullable)]
        self.primary_key = []  # column names
        self.uniques = []  # [[column names]]
        self.foreign_keys = []  # [([cols], ref_table, [ref_cols])]
        self.rows_estimate = None

    def constraint_texts(self):
        out = []
        for c, _t, nullable in self.columns:
            if not nullable and c not in self.primary_key:
                out.append("%s.%s NOT NULL" % (self.name, c))
        if self.primary_key:
            out.append("%s PRIMARY KEY (%s)" % (self.name, ", ".join(self.primary_key)))
        for u in self.uniques:
            out.append("%s UNIQUE (%s)" % (self.name, ", ".join(u)))
        for cols, ref, rcols in self.foreign_keys:
            out.append("%s (%s) REFERENCES %s (%s)" % (self.name, ", ".join(cols), ref, ", ".join(rcols)))
        return out


class _Engine:
    """The interface; subclasses fill it in per engine."""

    name = "?"
    dialect = None
    has_except_all = True
    timed_runs_fetch = True  # run() fetches the rows: its warm-up run can feed the comparison
    quote = '"'

    def q(self, ident):
        return self.quote + str(ident).replace(self.quote, self.quote * 2) + self.quote

    def rows(self, sql):
        """(column names, list of row tuples)."""
        raise NotImplementedError

    def run(self, sql):
        """Run to completion, results discarded (for timing)."""
        self.rows(sql)

    def except_counts(self, a, b, ncols):
        """(rows of a, rows of b, rows only in a, rows only in b), multiset semantics:
        what EXCEPT ALL both ways counts, in one pass over each query. (A CTE read
        twice would be materialised, and DuckDB does not stop a materialisation when
        interrupted; two EXCEPT ALL statements would run each query twice.) GROUP BY
        puts NULLs together, as EXCEPT ALL does."""
        cols = ", ".join("c%d" % i for i in range(ncols))
        sql = (
            "SELECT sum(na), sum(nb), sum(CASE WHEN na > nb THEN na - nb ELSE 0 END), "
            "sum(CASE WHEN nb > na THEN nb - na ELSE 0 END) FROM ("
            "SELECT sum(CASE WHEN s = 1 THEN 1 ELSE 0 END) AS na, sum(CASE WHEN s = 2 THEN 1 ELSE 0 END) AS nb "
            "FROM (SELECT *, 1 AS s FROM (\n%s\n) AS x(%s) UNION ALL SELECT *, 2 AS s FROM (\n%s\n) AS y(%s)) u "
            "GROUP BY %s) g" % (a, cols, b, cols, cols)
        )
        _cols, rows = self.rows(sql)
        return tuple(int(v or 0) for v in rows[0])

    def columns(self, sql):
        """Output column names without running the query (where the engine can)."""
        return self.rows("SELECT * FROM (\n%s\n) __jlde_c LIMIT 0" % sql)[0]

    def table(self, name):
        """A _Table for a referenced name, or None when the catalog has no such table."""
        raise NotImplementedError

    def tables(self, names):
        """{name: _Table or None} for several names (engines may read the catalog once)."""
        return {name: self.table(name) for name in names}

    @contextlib.contextmanager
    def probe(self):
        """A scope where load() creates temporary tables; all of them go at the end."""
        raise NotImplementedError
        yield

    def load(self, name, table, rows):
        raise NotImplementedError

    def explain(self, sql, analyze=False):
        raise NotImplementedError

    def cancel(self):
        """Stop the running statement (called from another thread)."""

    def after_interrupt(self):
        """Called after a KeyboardInterrupt: stop what the engine still runs."""

    def is_cancel(self, e):
        return isinstance(e, KeyboardInterrupt) or "interrupt" in str(e).lower() or "cancel" in str(e).lower()

    def close(self):
        pass


# ---------------------------------------------------------------- DuckDB

class _DuckDB(_Engine):
    name = "duckdb"
    dialect = "duckdb"

    def __init__(self, con):
        self.con = con

    def rows(self, sql):
        cur = self.con.execute(sql)
        cols = [d[0] for d in cur.description or ()]
        return cols, cur.fetchall()

    def columns(self, sql):
        return list(self.con.sql(sql).columns)

    def table(self, name):
        return self.tables([name])[name]

    def tables(self, names):
        """Three catalog queries for all the names (columns, constraints, sizes), not
        three per table: each statement costs more than its work on a busy machine."""
        wanted = {}
        for name in names:
            parts = name.split(".")
            wanted[name] = (parts[-1], parts[-2] if len(parts) > 1 else None)
        tnames = sorted({t for t, _s in wanted.values()})
        if not tnames:
            return {}
        marks = ", ".join("?" for _ in tnames)
        # The current database's tables first, then its main schema (as an unqualified name resolves).
        cols = self.con.execute(
            "SELECT table_name, database_name, schema_name, column_name, data_type, is_nullable FROM duckdb_columns() "
            "WHERE table_name IN (%s) ORDER BY database_name = current_database() DESC, schema_name = 'main' DESC, "
            "database_name, schema_name, column_index" % marks, tnames).fetchall()
        found = {}
        for name, (tname, schema) in wanted.items():
            mine = [c for c in cols if c[0] == tname and (schema is None or c[2] == schema)]
            if not mine:
                found[name] = None
                continue
            where = mine[0][1:3]
            found[name] = (where, _Table(name, [(c[3], c[4], bool(c[5])) for c in mine if c[1:3] == where]))
        tables = {n: v[1] for n, v in found.items() if v is not None}
        if tables:
            cons = self.con.execute(
                "SELECT table_name, database_name, schema_name, constraint_type, constraint_column_names, "
                "referenced_table, referenced_column_names FROM duckdb_constraints() WHERE table_name IN (%s)"
                % marks, tnames).fetchall()
            sizes = self.con.execute(
                "SELECT table_name, database_name, schema_name, estimated_size FROM duckdb_tables() "
                "WHERE table_name IN (%s)" % marks, tnames).fetchall()
            for name, t in tables.items():
                key = (wanted[name][0],) + tuple(found[name][0])
                for row in cons:
                    if tuple(row[:3]) != key:
                        continue
                    kind, colnames, ref, refcols = row[3:]
                    if kind == "PRIMARY KEY":
                        t.primary_key = list(colnames)
                    elif kind == "UNIQUE":
                        t.uniques.append(list(colnames))
                    elif kind == "FOREIGN KEY" and ref:
                        t.foreign_keys.append((list(colnames), ref, list(refcols or ())))
                for row in sizes:
                    if tuple(row[:3]) == key:
                        t.rows_estimate = int(row[3] or 0)
        return {n: (v[1] if v is not None else None) for n, v in found.items()}

    @contextlib.contextmanager
    def probe(self):
        self.created = []
        began = False
        try:
            self.con.execute("BEGIN TRANSACTION")
            began = True
        except Exception:
            pass  # already in the user's transaction: drop the tables at the end instead
        try:
            yield self
        finally:
            if began:
                self.con.execute("ROLLBACK")
            else:
                for n in self.created:
                    self.con.execute("DROP TABLE IF EXISTS temp.%s" % self.q(n))

    def load(self, name, table, rows):
        if name in self.created:
            self.con.execute("DELETE FROM temp.%s" % self.q(name))
        else:
            self.con.execute("CREATE OR REPLACE TEMP TABLE %s (%s)" % (
                self.q(name), ", ".join("%s %s" % (self.q(c), ty) for c, ty, _n in table.columns)))
            self.created.append(name)
        if rows:  # one statement (executemany runs one per row)
            row = "(%s)" % ", ".join("?" for _ in table.columns)
            self.con.execute("INSERT INTO temp.%s VALUES %s" % (self.q(name), ", ".join(row for _ in rows)),
                             [v for r in rows for v in r])

    def explain(self, sql, analyze=False):
        rows = self.con.execute(("EXPLAIN ANALYZE " if analyze else "EXPLAIN ") + sql).fetchall()
        return "\n".join(str(r[-1]) for r in rows)

    def cancel(self):
        self.con.interrupt()


# ---------------------------------------------------------------- DBAPI (PostgreSQL, SQLite)

class _DBAPI(_Engine):
    """A DBAPI connection of its own (from a SQLAlchemy engine, or the user's sqlite3
    connection). PostgreSQL reads run in a READ ONLY transaction, rolled back."""

    def __init__(self, dbapi, name, owned, sqlalchemy_engine=None):
        self.dbapi = dbapi
        self.name = name
        self.dialect = {"postgresql": "postgres"}.get(name, name)
        self.has_except_all = name == "postgresql"
        self.owned = owned
        self.sa = sqlalchemy_engine
        self._read_only = False

    def _begin_read_only(self):
        if self.name == "postgresql" and not self._read_only:
            cur = self.dbapi.cursor()
            cur.execute("SET TRANSACTION READ ONLY")
            self._read_only = True

    def _progress(self):
        # Runs on this (the main) thread inside SQLite's loop: a pending SIGINT (kernel
        # interrupt) is raised here, and a cancel() from a subshell is seen here.
        return 1 if Cancel.requested else 0

    def rows(self, sql):
        if not getattr(self, "_in_probe", False):
            self._begin_read_only()
        cur = self.dbapi.cursor()
        if self.name == "sqlite" and hasattr(self.dbapi, "set_progress_handler"):
            self.dbapi.set_progress_handler(self._progress, 2000)
        try:
            cur.execute(sql)
            cols = [d[0] for d in cur.description or ()]
            return cols, [tuple(r) for r in cur.fetchall()]
        except Exception:
            if self.name == "postgresql":
                self.dbapi.rollback()
                self._read_only = False
            raise
        finally:
            cur.close()
            if self.name == "sqlite" and hasattr(self.dbapi, "set_progress_handler"):
                self.dbapi.set_progress_handler(None, 0)

    def table(self, name):
        if self.name == "postgresql":
            return self._pg_table(name)
        if self.sa is None:
            return self._sqlite_table(name)
        sa = sys.modules["sqlalchemy"]
        insp = sa.inspect(self.sa)
        parts = name.split(".")
        schema = parts[-2] if len(parts) > 1 else None
        try:
            cols = insp.get_columns(parts[-1], schema=schema)
        except Exception:
            return None
        if not cols:
            return None
        dialect = self.sa.dialect
        t = _Table(name, [(c["name"], c["type"].compile(dialect=dialect), bool(c.get("nullable", True))) for c in cols])
        with contextlib.suppress(Exception):
            t.primary_key = list(insp.get_pk_constraint(parts[-1], schema=schema).get("constrained_columns") or [])
        with contextlib.suppress(Exception):
            t.uniques = [list(u["column_names"]) for u in insp.get_unique_constraints(parts[-1], schema=schema)]
        with contextlib.suppress(Exception):
            for fk in insp.get_foreign_keys(parts[-1], schema=schema):
                t.foreign_keys.append((list(fk["constrained_columns"]), fk["referred_table"], list(fk["referred_columns"])))
        if self.name == "postgresql":
            with contextlib.suppress(Exception):
                r = self.rows("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass" % _sql_string(name))
                t.rows_estimate = max(0, int(r[1][0][0]))
        return t

    _PG_COLUMNS = (
        "SELECT a.attname, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull, c.reltuples::bigint "
        "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
        "WHERE a.attrelid = to_regclass(%s) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum")
    _PG_CONSTRAINTS = (
        "SELECT k.contype, (SELECT array_agg(a.attname ORDER BY u.i) FROM unnest(k.conkey) WITH ORDINALITY u(n, i) "
        "JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n), "
        "k.confrelid::regclass::text, (SELECT array_agg(a.attname ORDER BY u.i) FROM unnest(k.confkey) WITH ORDINALITY "
        "u(n, i) JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.n) "
        "FROM pg_constraint k WHERE k.conrelid = to_regclass(%s) AND k.contype IN ('p', 'u', 'f')")

    def _pg_table(self, name):
        """Columns, keys and the size estimate in two catalog queries (the SQLAlchemy
        inspector needs about ten per table)."""
        self._begin_read_only()
        cur = self.dbapi.cursor()
        try:
            cur.execute(self._PG_COLUMNS, (name,))
            cols = cur.fetchall()
            if not cols:
                return None
            t = _Table(name, [(c[0], c[1], bool(c[2])) for c in cols])
            t.rows_estimate = max(0, int(cols[0][3] or 0))
            cur.execute(self._PG_CONSTRAINTS, (name,))
            for kind, colnames, ref, refcols in cur.fetchall():
                if kind == "p":
                    t.primary_key = list(colnames or ())
                elif kind == "u":
                    t.uniques.append(list(colnames or ()))
                elif kind == "f" and ref:
                    t.foreign_keys.append((list(colnames or ()), ref, list(refcols or ())))
            return t
        finally:
            cur.close()

    def _sqlite_table(self, name):
        tname = name.split(".")[-1]
        _c, cols = self.rows("PRAGMA table_info(%s)" % self.q(tname))
        if not cols:
            return None
        t = _Table(name, [(c[1], c[2] or "", not c[3] and not c[5]) for c in cols])
        t.primary_key = [c[1] for c in sorted(cols, key=lambda c: c[5]) if c[5]]
        _c, fks = self.rows("PRAGMA foreign_key_list(%s)" % self.q(tname))
        groups = {}
        for fk in fks:
            groups.setdefault(fk[0], (fk[2], [], []))
            groups[fk[0]][1].append(fk[3])
            groups[fk[0]][2].append(fk[4])
        t.foreign_keys = [(cols_, ref, rcols) for ref, cols_, rcols in groups.values()]
        return t

    @contextlib.contextmanager
    def probe(self):
        self.created = []
        self._in_probe = True
        if self.name == "postgresql":
            self.dbapi.rollback()
            self._read_only = False
        cur = self.dbapi.cursor()
        if self.name == "sqlite":
            cur.execute("SAVEPOINT jlde_probe")
        try:
            yield self
        finally:
            self._in_probe = False
            if self.name == "sqlite":
                cur.execute("ROLLBACK TO jlde_probe")
                cur.execute("RELEASE jlde_probe")
                for n in self.created:
                    cur.execute("DROP TABLE IF EXISTS temp.%s" % self.q(n))
            else:
                self.dbapi.rollback()
            cur.close()

    def load(self, name, table, rows):
        cur = self.dbapi.cursor()
        if name in self.created:
            cur.execute("DELETE FROM %s" % self.q(name))
        else:
            cur.execute("DROP TABLE IF EXISTS %s" % self.q(name))
            cur.execute("CREATE TEMP TABLE %s (%s)" % (
                self.q(name), ", ".join("%s %s" % (self.q(c), ty) for c, ty, _n in table.columns)))
            self.created.append(name)
        if rows:
            mark = "?" if self.name == "sqlite" else "%s"
            row = "(%s)" % ", ".join(mark for _ in table.columns)
            if self.name == "sqlite" and len(rows) * len(table.columns) > 999:  # SQLite's old variable limit
                cur.executemany("INSERT INTO %s VALUES %s" % (self.q(name), row), [tuple(r) for r in rows])
            else:  # one statement, one round trip
                cur.execute("INSERT INTO %s VALUES %s" % (self.q(name), ", ".join(row for _ in rows)),
                            [v for r in rows for v in r])
        cur.close()

    def explain(self, sql, analyze=False):
        if self.name == "sqlite":
            _c, rows = self.rows("EXPLAIN QUERY PLAN " + sql)
            return "\n".join(" | ".join(str(v) for v in r) for r in rows)
        if analyze:
            # EXPLAIN ANALYZE runs the query: still inside the read-only transaction.
            _c, rows = self.rows("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        else:
            _c, rows = self.rows("EXPLAIN " + sql)
        return "\n".join(str(r[0]) for r in rows)

    def cancel(self):
        if self.name == "sqlite":
            self.dbapi.interrupt()
        elif hasattr(self.dbapi, "cancel"):
            self.dbapi.cancel()

    def close(self):
        with contextlib.suppress(Exception):
            self.dbapi.rollback()
        if self.owned:
            # Back to the pool it came from (closing the driver's connection under the
            # pool would make the pool's reset fail later).
            with contextlib.suppress(Exception):
                getattr(self, "_pool_record", self.dbapi).close()


def _sql_string(s):
    return "'" + str(s).replace("'", "''") + "'"


# ---------------------------------------------------------------- Spark

class _Spark(_Engine):
    name = "spark"
    dialect = "spark"
    quote = "`"
    timed_runs_fetch = False  # timed runs write to "noop"; results compare with exceptAll

    def __init__(self, spark):
        self.spark = spark
        self.group = "jlde-verify-" + uuid.uuid4().hex[:8]
        sc = self.spark.sparkContext
        self._saved = {k: sc.getLocalProperty(k) for k in
                       ("spark.jobGroup.id", "spark.job.description", "spark.job.interruptOnCancel")}
        sc.setJobGroup(self.group, "jupyterlab-data-engineer query verification", True)

    def rows(self, sql):
        df = self.spark.sql(sql)
        return list(df.columns), [tuple(r) for r in df.collect()]

    def run(self, sql):
        self.spark.sql(sql).write.format("noop").mode("overwrite").save()

    def except_counts(self, a, b, ncols):
        da, db = self.spark.sql(a), self.spark.sql(b)
        return da.count(), db.count(), da.exceptAll(db).count(), db.exceptAll(da).count()

    def columns(self, sql):
        return list(self.spark.sql(sql).columns)

    def table(self, name):
        if not self.spark.catalog.tableExists(name):
            return None
        cols = self.spark.table(name).schema
        return _Table(name, [(f.name, f.dataType.simpleString(), bool(f.nullable)) for f in cols.fields])

    @contextlib.contextmanager
    def probe(self):
        self.created = []
        try:
            yield self
        finally:
            for n in self.created:
                self.spark.catalog.dropTempView(n)

    def load(self, name, table, rows):
        schema = ", ".join("%s %s" % (self.q(c), ty) for c, ty, _n in table.columns)
        self.spark.createDataFrame([tuple(r) for r in rows], schema=schema).createOrReplaceTempView(name)
        if name not in self.created:
            self.created.append(name)

    def explain(self, sql, analyze=False):
        df = self.spark.sql(sql)
        return df._jdf.queryExecution().explainString(
            self.spark._jvm.org.apache.spark.sql.execution.ExplainMode.fromString("formatted"))

    def cancel(self):
        self.spark.sparkContext.cancelJobGroup(self.group)

    def after_interrupt(self):
        self.cancel()

    def close(self):
        # Leave the thread's job properties as they were: the user's next jobs are not ours.
        sc = self.spark.sparkContext
        for key, value in self._saved.items():
            with contextlib.suppress(Exception):
                sc.setLocalProperty(key, value)


# ---------------------------------------------------------------- resolving a connection

def _jupysql_current():
    mod = sys.modules.get("sql.connection")
    if mod is None:
        return None
    manager = getattr(mod, "ConnectionManager", None)
    return getattr(manager, "current", None) if manager is not None else None


def _from_jupysql(conn):
    """jupysql's current connection: a SQLAlchemy one, or a DBAPI one (DuckDB native)."""
    inner = getattr(conn, "_connection", None)
    if inner is None:
        inner = getattr(conn, "connection", None)
    if inner is None:
        raise QueryError("jupysql has a current connection but it could not be read.")
    return engine_for(inner)


def engine_for(obj):
    """The adapter for a connection-like object. Raises QueryError with the remedy."""
    names = _mro_names(obj)
    if any(n.startswith("duckdb.") and "Connection" in n for n in names) or _type_name(obj) == "_duckdb.DuckDBPyConnection":
        return _DuckDB(obj)
    if any(n.startswith("pyspark.sql") and n.endswith("SparkSession") for n in names):
        return _Spark(obj)
    if any(n == "sqlalchemy.engine.base.Engine" for n in names):
        return _from_sqlalchemy(obj)
    if any(n == "sqlalchemy.engine.base.Connection" for n in names):
        return _from_sqlalchemy(obj.engine)
    if _type_name(obj) == "sqlite3.Connection":
        return _DBAPI(obj, "sqlite", owned=False)
    if any(n.startswith("psycopg.") and n.endswith("Connection") for n in names):
        raise QueryError("A bare psycopg connection is not supported; pass a SQLAlchemy engine for it.")
    if any(n.startswith("sql.connection") for n in names):
        return _from_jupysql(obj)
    raise QueryError("%s is not a connection the verifier knows (DuckDB, SQLAlchemy, sqlite3, SparkSession, jupysql)."
                     % _type_name(obj))


def _from_sqlalchemy(engine):
    dialect = engine.dialect.name
    if dialect == "duckdb":
        raw = engine.raw_connection()
        con = getattr(raw, "driver_connection", None) or getattr(raw, "dbapi_connection", raw)
        inner = getattr(con, "_ConnectionWrapper__c", None) or getattr(con, "c", None) or con
        return _DuckDB(inner) if "duckdb" in _type_name(inner).lower() else _DuckDB(con)
    if dialect not in ("postgresql", "sqlite"):
        raise QueryError("SQLAlchemy dialect %r: the verifier supports PostgreSQL, SQLite and DuckDB." % dialect)
    raw = engine.raw_connection()
    dbapi = getattr(raw, "driver_connection", None) or raw
    if dialect == "sqlite" and engine.url.database in (None, "", ":memory:"):
        # An in-memory database exists once per pooled connection: use the pool's.
        return _DBAPI(dbapi, "sqlite", owned=False, sqlalchemy_engine=engine)
    e = _DBAPI(dbapi, dialect, owned=True, sqlalchemy_engine=engine)
    e._pool_record = raw
    return e


def resolve_engine(ns, connection=None, engine=None):
    """The adapter for a named variable, else by the engine's name: DuckDB's default
    connection, the only SparkSession, jupysql's current connection."""
    if connection:
        if connection not in ns:
            raise QueryError("No variable %r in the kernel: name the connection the cell uses." % connection)
        return engine_for(ns[connection])
    want = (engine or "").lower()
    if want in ("", "jupysql", "sql"):
        current = _jupysql_current()
        if current is not None:
            return _from_jupysql(current)
        if want:
            raise QueryError("jupysql has no current connection: run a %sql cell that connects first.")
    if want in ("", "duckdb"):
        duckdb = sys.modules.get("duckdb")
        if duckdb is not None:
            dc = duckdb.default_connection
            return _DuckDB(dc() if callable(dc) else dc)
        if want:
            raise QueryError("duckdb is not imported in this kernel.")
    if want in ("", "spark"):
        pyspark_sql = sys.modules.get("pyspark.sql")
        if pyspark_sql is not None:
            active = pyspark_sql.SparkSession.getActiveSession()
            if active is not None:
                return _Spark(active)
        if want:
            raise QueryError("No active SparkSession in this kernel.")
    raise QueryError("No connection found: name the variable that holds the connection (engine, con, spark).")


class Cancel:
    """The running verification's engine, so that cancel() from another thread (a
    subshell) can stop its statement. A kernel interrupt works too."""

    active = None
    requested = False

    @classmethod
    def check(cls):
        if cls.requested:
            raise KeyboardInterrupt("verification cancelled")


def cancel():
    """Stop the running verification (call from a subshell). Returns True when one ran."""
    engine = Cancel.active
    Cancel.requested = True
    if engine is None:
        return False
    with contextlib.suppress(Exception):
        engine.cancel()
    return True
