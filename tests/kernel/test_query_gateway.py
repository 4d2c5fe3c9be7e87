"""The SQL gateway (src/kernel/query_gateway.py) on real engines: DuckDB, SQLite,
PostgreSQL (DE_TEST_PG_URL, from `bash scripts/pg.sh start`; skipped when unset) and
Spark local (tests with "spark" in their name; select them with -k spark).

The red-team corpus is one table: each statement with the verdict it must get. For every
refused statement the test also runs it through gateway_run and gateway_estimate and
proves that nothing happened: no file was opened (a named pipe whose opening is detected,
and a secret that must not appear in any answer), no connection was made (an HTTP
listener on 127.0.0.1 that counts connections; DuckDB's extension repository points at
it, so an INSTALL or an autoload would reach it too), and the data and settings are as
before.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
import uuid

import pytest
from gateway_helpers import FifoSentinel, Listener, call, load_gateway_module

pytestmark = pytest.mark.timeout(600)

SECRET = "JLDE-SECRET-" + uuid.uuid4().hex


@pytest.fixture(scope="module")
def gw():
    return load_gateway_module()


@pytest.fixture(scope="module")
def listener():
    server = Listener()
    yield server
    server.close()


@pytest.fixture(scope="module")
def sentinel(tmp_path_factory):
    s = FifoSentinel(tmp_path_factory.mktemp("gw-sentinel"), SECRET)
    yield s
    s.close()


@pytest.fixture(scope="module")
def duck(listener):
    import duckdb

    con = duckdb.connect()
    # An INSTALL or an extension autoload would fetch from the listener: counted.
    con.execute("SET custom_extension_repository = '%s'" % listener.url)
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, s VARCHAR)")
    con.execute("INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, NULL)")
    con.execute("CREATE TABLE u (id INTEGER REFERENCES t (id), x DOUBLE)")
    con.execute("INSERT INTO u VALUES (1, 1.5), (2, 2.5)")
    con.execute("CREATE VIEW v AS SELECT id FROM t")
    con.execute("CREATE SEQUENCE s")
    yield con
    con.close()


@pytest.fixture(scope="module")
def lite():
    con = sqlite3.connect(":memory:")
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT UNIQUE)")
    con.execute("CREATE TABLE u (id INTEGER REFERENCES t (id), x REAL)")
    con.executemany("INSERT INTO t VALUES (?, ?)", [(1, "a"), (2, "b"), (3, None)])
    con.executemany("INSERT INTO u VALUES (?, ?)", [(1, 1.5), (2, 2.5)])
    con.commit()
    yield con
    con.close()


def _pg_url():
    url = os.environ.get("DE_TEST_PG_URL")
    if not url:
        pytest.skip("DE_TEST_PG_URL is not set (start one with `bash scripts/pg.sh start`)")
    return url


@pytest.fixture(scope="module")
def pg_schema():
    """A schema of its own (dropped at the end) on the test cluster, and an admin connection."""
    import psycopg

    url = _pg_url()
    schema = "gw_" + uuid.uuid4().hex[:8]
    admin = psycopg.connect(url, autocommit=True)
    admin.execute("CREATE SCHEMA %s" % schema)
    admin.execute("SET search_path = %s" % schema)
    admin.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT UNIQUE)")
    admin.execute("CREATE TABLE u (id INTEGER REFERENCES t (id), x DOUBLE PRECISION)")
    admin.execute("INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, NULL)")
    admin.execute("INSERT INTO u VALUES (1, 1.5), (2, 2.5)")
    admin.execute("CREATE SEQUENCE s")
    admin.execute("ANALYZE t")
    admin.execute("ANALYZE u")
    yield url, schema, admin
    admin.execute("DROP SCHEMA %s CASCADE" % schema)
    admin.close()


@pytest.fixture(scope="module")
def pg(pg_schema):
    """A SQLAlchemy engine whose connections see the test schema first."""
    import sqlalchemy as sa

    url, schema, _admin = pg_schema
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"),
                              connect_args={"options": "-c search_path=%s,public" % schema})
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def spark_views(spark):
    spark.createDataFrame([(1, "a"), (2, "b"), (3, None)], "id INT, s STRING").createOrReplaceTempView("t")
    spark.createDataFrame([(1, 1.5), (2, 2.5)], "id INT, x DOUBLE").createOrReplaceTempView("u")
    spark.sql("CREATE TABLE IF NOT EXISTS gw_st (id INT, s STRING) USING parquet")
    yield spark
    spark.sql("DROP TABLE IF EXISTS gw_st")


# ---------------------------------------------------------------- the red-team corpus
# (engine, SQL, allowed, kind). {fifo}: the detected pipe; {file}: a file holding the
# secret; {dir}: their folder; {url}: the counting listener.

R = "refused"
A = "allowed"
CORPUS = [
    # DuckDB: files and URLs through table functions, replacement scans, hidden in subqueries
    ("duckdb", "SELECT * FROM read_csv('{file}', header=false, delim='\\t', quote='', escape='')", R, "file_access"),
    ("duckdb", "SELECT * FROM read_csv_auto('{fifo}')", R, "file_access"),
    ("duckdb", "SELECT * FROM read_text('{fifo}')", R, "file_access"),
    ("duckdb", "SELECT * FROM read_blob('{fifo}')", R, "file_access"),
    ("duckdb", "SELECT * FROM glob('{dir}/*')", R, "file_access"),
    ("duckdb", "SELECT * FROM parquet_scan('{fifo}')", R, "file_access"),
    ("duckdb", "SELECT * FROM read_parquet(['{fifo}', '{file}'])", R, "file_access"),
    ("duckdb", "SELECT * FROM read_json('{fifo}')", R, "file_access"),
    ("duckdb", "SELECT * FROM read_ndjson_objects('{fifo}')", R, "file_access"),
    ("duckdb", "SELECT * FROM sniff_csv('{fifo}')", R, "file_access"),
    ("duckdb", "SELECT * FROM iceberg_scan('{dir}')", R, "file_access"),
    ("duckdb", "FROM '{fifo}'", R, "file_access"),
    ("duckdb", "SELECT * FROM \"{fifo}\"", R, "file_access"),
    ("duckdb", "SELECT * FROM '{dir}/*.csv'", R, "file_access"),
    ("duckdb", "SELECT * FROM 'data.csv'", R, "file_access"),
    ("duckdb", "SELECT * FROM '/etc/passwd'", R, "file_access"),
    ("duckdb", "SELECT * FROM main.\"{fifo}\"", R, "file_access"),
    ("duckdb", "SELECT * FROM read_csv('{url}/x.csv')", R, "network"),
    ("duckdb", "FROM '{url}/x.csv'", R, "network"),
    ("duckdb", "SELECT * FROM t JOIN read_csv('{url}/x.csv') r ON r.a = t.id", R, "network"),
    ("duckdb", "SELECT * FROM t, read_text('{fifo}')", R, "file_access"),
    ("duckdb", "SELECT (SELECT content FROM read_text('{fifo}')) AS c", R, "file_access"),
    ("duckdb", "SELECT * FROM t WHERE id IN (SELECT 1 FROM glob('{dir}/*'))", R, "file_access"),
    ("duckdb", "WITH x AS (SELECT * FROM read_csv('{fifo}')) SELECT * FROM x", R, "file_access"),
    ("duckdb", "SELECT id, s FROM t UNION ALL SELECT * FROM read_csv('{fifo}')", R, "file_access"),
    ("duckdb", "WITH a AS (FROM '{fifo}'), \"{fifo}\" AS (SELECT 1) SELECT * FROM a", R, "file_access"),
    ("duckdb", "SELECT * FROM query_table('t')", R, "side_effect"),
    ("duckdb", "SELECT * FROM query('SELECT * FROM read_text(''{fifo}'')')", R, "file_access"),
    ("duckdb", "SELECT * FROM duckdb_secrets()", R, "side_effect"),
    ("duckdb", "SELECT [x FOR x IN (SELECT content FROM read_text('{fifo}'))]", R, "file_access"),
    ("duckdb", "SELECT list_transform([1], x -> (SELECT 1 FROM read_text('{fifo}')))", R, "file_access"),
    ("duckdb", "SELECT * FROM main.read_csv('{fifo}')", R, "file_access"),
    ("duckdb", "SELECT * FROM unnest((SELECT list(content) FROM read_text('{fifo}')))", R, "file_access"),
    ("duckdb", "SELECT current_setting('s3_secret_access_key')", R, "side_effect"),
    # DuckDB: statements that are not reads
    ("duckdb", "ATTACH '{dir}/x.db' AS x", R, "file_access"),
    ("duckdb", "DETACH x", R, "state"),
    ("duckdb", "INSTALL httpfs", R, "network"),
    ("duckdb", "LOAD httpfs", R, "network"),
    ("duckdb", "COPY t TO '{dir}/out.csv'", R, "file_access"),
    ("duckdb", "COPY t FROM '{fifo}'", R, "file_access"),
    ("duckdb", "COPY (SELECT 1) TO '{dir}/o.parquet'", R, "file_access"),
    ("duckdb", "EXPORT DATABASE '{dir}/exp'", R, "file_access"),
    ("duckdb", "CREATE TABLE x AS SELECT * FROM t", R, "ddl"),
    ("duckdb", "CREATE SECRET (TYPE s3, KEY_ID 'k', SECRET 's')", R, "ddl"),
    ("duckdb", "CREATE MACRO m() AS TABLE SELECT * FROM read_text('{fifo}')", R, "ddl"),
    ("duckdb", "PIVOT t ON s USING count(*)", R, "ddl"),
    ("duckdb", "WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d", R, "write"),
    ("duckdb", "INSERT INTO t VALUES (9, 'z')", R, "write"),
    ("duckdb", "UPDATE t SET s = 'x'", R, "write"),
    ("duckdb", "DELETE FROM t", R, "write"),
    ("duckdb", "SET threads = 1", R, "state"),
    ("duckdb", "SET VARIABLE p = '{fifo}'", R, "state"),
    ("duckdb", "RESET threads", R, "state"),
    ("duckdb", "PRAGMA enable_profiling", R, "state"),
    ("duckdb", "BEGIN TRANSACTION", R, "state"),
    ("duckdb", "CALL dbgen(sf = 0.01)", R, "side_effect"),
    ("duckdb", "SELECT 1; DROP TABLE t", R, "multi"),
    ("duckdb", "SELECT '--'; DELETE FROM t", R, "multi"),
    ("duckdb", "SELECT 1 /* ; */ ; DELETE FROM t -- ;", R, "multi"),
    ("duckdb", "SELECT setseed(0.5)", R, "side_effect"),
    ("duckdb", "SELECT nextval('s')", R, "side_effect"),
    ("duckdb", "SELECT getenv('HOME')", R, "side_effect"),
    ("duckdb", "SELECT * FROM read_csv(getvariable('p'))", R, "file_access"),
    ("duckdb", "SELECT * FROM t AT (VERSION => 1)", R, "side_effect"),
    ("duckdb", "DESCRIBE t", R, "side_effect"),
    ("duckdb", "SELECT * FROM no_such_table", R, "read"),
    ("duckdb", "SELECT * FROM t WHERE", R, "unparseable"),
    # DuckDB: reads of the catalog
    ("duckdb", "SELECT * FROM t", A, "read"),
    ("duckdb", "FROM t SELECT id WHERE s IS NOT NULL", A, "read"),
    ("duckdb", "WITH c AS (SELECT * FROM t) SELECT c.id, u.x FROM c JOIN u ON u.id = c.id", A, "read"),
    ("duckdb", "SELECT id, row_number() OVER (ORDER BY id DESC) AS rn, sum(id) OVER () FROM t", A, "read"),
    ("duckdb", "SELECT * FROM t WHERE id IN (SELECT id FROM u) AND EXISTS (SELECT 1 FROM u WHERE u.id = t.id)", A, "read"),
    ("duckdb", "SELECT s, count(*) FROM t GROUP BY ALL ORDER BY 2 DESC", A, "read"),
    ("duckdb", "SELECT * FROM t UNION ALL SELECT * FROM t", A, "read"),
    ("duckdb", "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT * FROM r", A, "read"),
    ("duckdb", "SELECT 'FROM read_csv(''{fifo}'')' AS text_only, (SELECT max(x) FROM u)", A, "read"),
    ("duckdb", "SELECT * FROM v JOIN main.t USING (id)", A, "read"),
    ("duckdb", "SELECT * FROM range(3)", A, "read"),
    ("duckdb", "SELECT table_name FROM information_schema.tables", A, "read"),
    # SQLite
    ("sqlite", "ATTACH '{dir}/x.db' AS x", R, "file_access"),
    ("sqlite", "DETACH x", R, "state"),
    ("sqlite", "PRAGMA query_only = 0", R, "state"),
    ("sqlite", "PRAGMA writable_schema = ON", R, "state"),
    ("sqlite", "SELECT load_extension('{dir}/x')", R, "file_access"),
    ("sqlite", "SELECT readfile('{fifo}')", R, "file_access"),
    ("sqlite", "SELECT \"load_extension\"('{dir}/x')", R, "file_access"),
    ("sqlite", "SELECT writefile('{dir}/w', 'x')", R, "file_access"),
    ("sqlite", "INSERT INTO t VALUES (9, 'z')", R, "write"),
    ("sqlite", "REPLACE INTO t VALUES (1, 'z')", R, "write"),
    ("sqlite", "DELETE FROM t RETURNING *", R, "write"),
    ("sqlite", "UPDATE t SET s = 'x'", R, "write"),
    ("sqlite", "CREATE TABLE x AS SELECT * FROM t", R, "ddl"),
    ("sqlite", "DROP TABLE u", R, "ddl"),
    ("sqlite", "VACUUM INTO '{dir}/v.db'", R, "file_access"),
    ("sqlite", "SELECT 1; DROP TABLE t", R, "multi"),
    ("sqlite", "SELECT 1 -- ;\n; DELETE FROM t", R, "multi"),
    ("sqlite", "SELECT '; '; DELETE FROM t", R, "multi"),
    ("sqlite", "SELECT * FROM '{fifo}'", R, "file_access"),
    ("sqlite", "SELECT * FROM pragma_table_info('t')", R, "side_effect"),
    ("sqlite", "BEGIN", R, "state"),
    ("sqlite", "SELECT * FROM t JOIN u ON u.id = t.id", A, "read"),
    ("sqlite", "WITH c AS (SELECT id FROM t) SELECT * FROM c WHERE id IN (SELECT id FROM u)", A, "read"),
    ("sqlite", "SELECT id, row_number() OVER (ORDER BY id) FROM t", A, "read"),
    ("sqlite", "SELECT value FROM json_each('[1, 2]')", A, "read"),
    # PostgreSQL
    ("postgresql", "COPY t TO '{dir}/out.csv'", R, "file_access"),
    ("postgresql", "COPY (SELECT 1) TO PROGRAM 'curl {url}/copy'", R, "file_access"),
    ("postgresql", "COPY t FROM '{fifo}'", R, "file_access"),
    ("postgresql", "SELECT pg_read_file('{file}')", R, "file_access"),
    ("postgresql", "SELECT pg_read_binary_file('{fifo}')", R, "file_access"),
    ("postgresql", "SELECT pg_catalog.pg_read_file('{file}')", R, "file_access"),
    ("postgresql", "SELECT \"pg_read_file\"('{file}')", R, "file_access"),
    ("postgresql", "SELECT U&\"pg\\005fread_file\"('{file}')", R, "file_access"),
    ("postgresql", "SELECT * FROM ROWS FROM (pg_ls_dir('.'))", R, "file_access"),
    ("postgresql", "SELECT array(SELECT pg_read_file('{file}'))", R, "file_access"),
    ("postgresql", "SELECT * FROM pg_ls_dir('.')", R, "file_access"),
    ("postgresql", "SELECT * FROM t, LATERAL pg_ls_dir('.') AS f", R, "file_access"),
    ("postgresql", "SELECT lo_import('{file}')", R, "file_access"),
    ("postgresql", "SELECT lo_export(1, '{dir}/lo')", R, "file_access"),
    ("postgresql", "SELECT * FROM dblink('host=127.0.0.1 port={port}', 'SELECT 1') AS x(a int)", R, "network"),
    ("postgresql", "SELECT dblink_exec('host=127.0.0.1 port={port}', 'DELETE FROM t')", R, "network"),
    ("postgresql", "SELECT nextval('s')", R, "side_effect"),
    ("postgresql", "SELECT setval('s', 10)", R, "side_effect"),
    ("postgresql", "SELECT setseed(0.5)", R, "side_effect"),
    ("postgresql", "SELECT pg_sleep(5)", R, "side_effect"),
    ("postgresql", "SELECT set_config('search_path', 'public', false)", R, "side_effect"),
    ("postgresql", "SELECT pg_terminate_backend(pg_backend_pid())", R, "side_effect"),
    ("postgresql", "SELECT pg_advisory_lock(1)", R, "side_effect"),
    ("postgresql", "SELECT txid_current()", R, "side_effect"),
    ("postgresql", "SELECT query_to_xml('DELETE FROM t RETURNING 1', true, true, '')", R, "side_effect"),
    ("postgresql", "WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d", R, "write"),
    ("postgresql", "SELECT * INTO x FROM t", R, "write"),
    ("postgresql", "CREATE TABLE x AS SELECT * FROM t", R, "ddl"),
    ("postgresql", "TRUNCATE t", R, "write"),
    ("postgresql", "SELECT 1; DROP TABLE t", R, "multi"),
    ("postgresql", "SELECT $$;$$; DELETE FROM t", R, "multi"),
    ("postgresql", "SELECT $a$ ; $b$ $a$; DELETE FROM t", R, "multi"),
    ("postgresql", "SELECT '\\'; DELETE FROM t; --'", R, "multi"),
    ("postgresql", "SELECT 1 /* ; /* nested ; */ ; */ ; DELETE FROM t", R, "multi"),
    ("postgresql", "SET search_path = public", R, "state"),
    ("postgresql", "RESET ALL", R, "state"),
    ("postgresql", "DO $$ BEGIN DELETE FROM t; END $$", R, "side_effect"),
    ("postgresql", "LOCK TABLE t", R, "state"),
    ("postgresql", "SELECT * FROM t FOR UPDATE", R, "state"),
    ("postgresql", "EXPLAIN ANALYZE DELETE FROM t", R, "side_effect"),
    ("postgresql", "SELECT * FROM pg_authid", R, "side_effect"),
    ("postgresql", "SELECT * FROM pg_file_settings", R, "file_access"),
    ("postgresql", "SELECT * FROM no_such_table", R, "read"),
    ("postgresql", "SELECT * FROM t JOIN u ON u.id = t.id", A, "read"),
    ("postgresql", "WITH c AS (SELECT * FROM t) SELECT id, row_number() OVER (ORDER BY id) FROM c", A, "read"),
    ("postgresql", "SELECT * FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.id = t.id)", A, "read"),
    ("postgresql", "TABLE t", A, "read"),
    ("postgresql", "SELECT * FROM generate_series(1, 3) AS g", A, "read"),
    ("postgresql", "SELECT relname FROM pg_class LIMIT 1", A, "read"),
    ("postgresql", "SELECT '$$;' || s AS x FROM t", A, "read"),
    # Spark
    ("spark", "SELECT * FROM csv.`{file}`", R, "file_access"),
    ("spark", "SELECT * FROM text.`{fifo}`", R, "file_access"),
    ("spark", "SELECT * FROM json.`{url}/x.json`", R, "network"),
    ("spark", "SELECT * FROM parquet.`{dir}`", R, "file_access"),
    ("spark", "SELECT * FROM `{fifo}`", R, "file_access"),
    ("spark", "SELECT * FROM read_files('{dir}')", R, "file_access"),
    ("spark", "SELECT * FROM t WHERE id IN (SELECT 1 FROM csv.`{file}`)", R, "file_access"),
    ("spark", "WITH x AS (SELECT * FROM text.`{fifo}`) SELECT * FROM x", R, "file_access"),
    ("spark", "INSERT OVERWRITE TABLE gw_st SELECT 1, 'a'", R, "write"),
    ("spark", "INSERT INTO gw_st VALUES (1, 'a')", R, "write"),
    ("spark", "INSERT OVERWRITE DIRECTORY '{dir}/o' USING csv SELECT 1", R, "write"),
    ("spark", "LOAD DATA LOCAL INPATH '{file}' INTO TABLE gw_st", R, "write"),
    ("spark", "CACHE TABLE t", R, "state"),
    ("spark", "UNCACHE TABLE t", R, "state"),
    ("spark", "CLEAR CACHE", R, "state"),
    ("spark", "REFRESH TABLE t", R, "state"),
    ("spark", "ADD JAR '{url}/x.jar'", R, "network"),
    ("spark", "ADD FILE '{file}'", R, "network"),
    ("spark", "SET spark.sql.shuffle.partitions = 3", R, "state"),
    ("spark", "RESET", R, "state"),
    ("spark", "CREATE FUNCTION f AS 'x.Y' USING JAR '{url}/f.jar'", R, "ddl"),
    ("spark", "CREATE TEMPORARY VIEW v2 AS SELECT 1", R, "ddl"),
    ("spark", "CREATE TABLE x USING parquet AS SELECT 1 AS a", R, "ddl"),
    ("spark", "DROP TABLE gw_st", R, "ddl"),
    ("spark", "USE default", R, "state"),
    ("spark", "ANALYZE TABLE gw_st COMPUTE STATISTICS", R, "state"),
    ("spark", "SELECT reflect('java.lang.System', 'getenv', 'HOME')", R, "network"),
    ("spark", "SELECT java_method('java.lang.Thread', 'sleep', 10000L)", R, "network"),
    ("spark", "SELECT input_file_name() FROM t", R, "side_effect"),
    ("spark", "SELECT xpath_string('<!DOCTYPE a [<!ENTITY e SYSTEM \"file://{file}\">]><a>&e;</a>', 'a')", R,
     "side_effect"),
    ("spark", "SELECT 1; SELECT 2", R, "unparseable"),
    ("spark", "EXPLAIN SELECT 1", R, "side_effect"),
    ("spark", "SELECT * FROM no_such_table", R, "read"),
    ("spark", "SELECT t.id, u.x FROM t JOIN u ON u.id = t.id", A, "read"),
    ("spark", "WITH c AS (SELECT * FROM t) SELECT id, row_number() OVER (ORDER BY id) FROM c "
              "WHERE id IN (SELECT id FROM u)", A, "read"),
    ("spark", "SELECT * FROM range(3)", A, "read"),
    ("spark", "SELECT * FROM t LATERAL VIEW explode(array(1, 2)) e AS y", A, "read"),
    ("spark", "SELECT * FROM gw_st", A, "read"),
]


def _cid(case):
    engine, sql, verdict, _kind = case
    return "%s-%s-%s" % (engine, verdict, "".join(ch if ch.isalnum() else "_" for ch in sql[:40]))


def _conn_for(request, engine):
    if engine == "duckdb":
        return "duck", request.getfixturevalue("duck")
    if engine == "sqlite":
        return "lite", request.getfixturevalue("lite")
    if engine == "postgresql":
        return "pg", request.getfixturevalue("pg")
    return "spark", request.getfixturevalue("spark_views")


def _state(engine, obj):
    """What a refused statement must leave as it was: rows, tables, settings."""
    if engine == "duckdb":
        return (obj.execute("SELECT count(*) FROM t").fetchall(), obj.execute("SELECT count(*) FROM u").fetchall(),
                obj.execute("SELECT database_name, schema_name, table_name FROM duckdb_tables() ORDER BY ALL").fetchall(),
                obj.execute("SELECT current_setting('threads')").fetchall(),
                obj.execute("SELECT database_name FROM duckdb_databases() ORDER BY 1").fetchall())
    if engine == "sqlite":
        return (obj.execute("SELECT count(*) FROM t").fetchall(), obj.execute("SELECT count(*) FROM u").fetchall(),
                obj.execute("SELECT name FROM sqlite_master ORDER BY 1").fetchall(),
                obj.execute("PRAGMA query_only").fetchall(), obj.execute("PRAGMA database_list").fetchall())
    if engine == "postgresql":
        with obj.connect() as c:
            import sqlalchemy as sa

            return tuple(c.execute(sa.text(q)).fetchall() for q in (
                "SELECT count(*) FROM t", "SELECT count(*) FROM u",
                "SELECT count(*) FROM pg_class WHERE relnamespace = (SELECT oid FROM pg_namespace WHERE "
                "nspname = current_schema())",
                "SELECT last_value, is_called FROM s", "SELECT count(*) FROM pg_largeobject_metadata"))
    return (sorted((r.name, r.tableType) for r in obj.catalog.listTables()),
            obj.conf.get("spark.sql.shuffle.partitions"), obj.catalog.isCached("t"),
            obj.sql("SELECT count(*) FROM gw_st").collect()[0][0])


@pytest.mark.parametrize("case", CORPUS, ids=[_cid(c) for c in CORPUS])
def test_red_team_corpus(case, request, gw, sentinel, listener, tmp_path):
    engine, template, expected, kind = case
    name, obj = _conn_for(request, engine)
    sql = template.format(fifo=sentinel.fifo, file=sentinel.file, dir=sentinel.dir, url=listener.url,
                          port=listener.port)
    ns = {name: obj}
    before = _state(engine, obj)
    opened, connections = sentinel.opened, listener.connections

    verdict = call(gw, "gateway_classify", ns, name, sql)
    assert "error" not in verdict, verdict
    assert verdict["allowed"] is (expected == A), verdict
    assert verdict["kind"] == kind, verdict
    assert verdict["reason"]
    ran = call(gw, "gateway_run", ns, name, sql, 5, 4096, 20)
    est = call(gw, "gateway_estimate", ns, name, sql)
    if expected == R:
        assert ran.get("refused") is True and "rows" not in ran, ran
        assert est.get("refused") is True and est["known"] is False, est
    else:
        assert "error" not in ran, ran
        assert isinstance(ran["rows"], list) and ran["columns"]
    time.sleep(0.02)  # the pipe watcher polls every millisecond
    texts = json.dumps(verdict) + json.dumps(ran) + json.dumps(est)
    assert SECRET not in texts
    assert sentinel.opened == opened, "a file was opened"
    assert listener.connections == connections, "a connection was made: %s" % listener.paths
    assert _state(engine, obj) == before


def test_corpus_size():
    refused = [c for c in CORPUS if c[2] == R]
    assert len(CORPUS) >= 60 and len(refused) >= 60
    assert {c[0] for c in CORPUS} == {"duckdb", "sqlite", "postgresql", "spark"}


def test_the_detectors_detect(sentinel, listener):
    """The sentinels are real: DuckDB reading the pipe is seen, and so is an INSTALL
    reaching the listener (on a separate connection with the same repository setting)."""
    import duckdb

    con = duckdb.connect()
    opened = sentinel.opened
    rows = con.execute("SELECT content FROM read_text('%s')" % sentinel.fifo).fetchall()
    time.sleep(0.05)
    assert sentinel.opened > opened and SECRET in rows[0][0]
    con.execute("SET custom_extension_repository = '%s'" % listener.url)
    before = listener.connections
    with pytest.raises(Exception):  # noqa: B017 (each engine and driver raises its own type)
        con.execute("INSTALL httpfs")
    assert listener.connections > before
    con.close()


# ---------------------------------------------------------------- the engine's own fence

def test_postgres_fence_without_the_parser(gw, pg, pg_schema):
    """Even if the classifier were wrong, PostgreSQL refuses: the statement runs in a READ ONLY
    transaction through a server-side cursor (one SELECT/VALUES, no data-modifying WITH),
    and is rolled back."""
    eng = gw.engine_for(pg)
    try:
        for sql in ("DELETE FROM t", "WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d",
                    "SELECT 1; DELETE FROM t", "SELECT nextval('s')", "CREATE TABLE x (a int)"):
            with pytest.raises(Exception):  # noqa: B017 (each engine and driver raises its own type)
                gw._gw_run_pg(eng, sql, 5, 4096, 5)
        cols, rows, truncated, total = gw._gw_run_pg(eng, "SELECT id FROM t ORDER BY id", 2, 4096, 5)
        assert rows == [[1], [2]] and truncated and total is None
    finally:
        eng.close()
    _url, _schema, admin = pg_schema
    assert admin.execute("SELECT count(*) FROM t").fetchone()[0] == 3
    assert admin.execute("SELECT is_called FROM s").fetchone()[0] is False


def test_postgres_timeout(gw, pg):
    ns = {"pg": pg}
    out = call(gw, "gateway_run", ns, "pg", "SELECT count(*) FROM generate_series(1, 500000000) AS g", 5, 4096, 0.3)
    assert "statement timeout" in out["error"] or "canceling statement" in out["error"], out
    again = call(gw, "gateway_run", ns, "pg", "SELECT count(*) FROM t", 5, 4096, 5)
    assert again["rows"] == [[3]]


def test_postgres_user_connection_in_a_transaction_is_left_alone(gw, pg_schema):
    import psycopg

    url, schema, _admin = pg_schema
    conn = psycopg.connect(url, options="-c search_path=%s" % schema)
    try:
        conn.execute("INSERT INTO u VALUES (3, 9.5)")  # the user's open transaction
        out = call(gw, "gateway_run", {"conn": conn}, "conn", "SELECT count(*) FROM u", 5, 4096, 5)
        assert "transaction" in out["error"]
        assert conn.execute("SELECT count(*) FROM u").fetchone()[0] == 3  # still there
        conn.rollback()
        out = call(gw, "gateway_run", {"conn": conn}, "conn", "SELECT count(*) FROM u", 5, 4096, 5)
        assert out["rows"] == [[2]]
        assert conn.info.transaction_status == 0
    finally:
        conn.close()


def test_sqlite_fence_without_the_parser(gw, lite):
    eng = gw.engine_for(lite)
    for sql in ("DELETE FROM t", "INSERT INTO t VALUES (8, 'y')", "SELECT 1; DELETE FROM t"):
        with pytest.raises(Exception):  # noqa: B017 (each engine and driver raises its own type)
            gw._gw_run_sqlite(eng, sql, 5, 4096, 5)
    assert lite.execute("SELECT count(*) FROM t").fetchone()[0] == 3
    assert lite.execute("PRAGMA query_only").fetchone()[0] == 0


def test_sqlite_user_transaction_kept(gw, tmp_path):
    con = sqlite3.connect(tmp_path / "user.db")
    con.execute("CREATE TABLE t (id INTEGER)")
    con.commit()
    con.execute("INSERT INTO t VALUES (1)")  # uncommitted
    out = call(gw, "gateway_run", {"con": con}, "con", "SELECT count(*) FROM t", 5, 4096, 5)
    assert out["rows"] == [[1]]
    assert con.in_transaction
    con.commit()
    assert con.execute("SELECT count(*) FROM t").fetchone()[0] == 1
    con.close()


def test_spark_plan_check_refuses_commands(gw, spark_views):
    eng = gw.engine_for(spark_views)
    try:
        for sql in ("CACHE TABLE t", "INSERT INTO gw_st VALUES (1, 'a')", "SET spark.sql.shuffle.partitions = 3"):
            with pytest.raises(gw.QueryError):
                gw._gw_spark_plan_check(eng, sql)
        assert not spark_views.catalog.isCached("t")
        gw._gw_spark_plan_check(eng, "SELECT * FROM t JOIN u USING (id)")
    finally:
        eng.close()


def test_spark_run_and_catalog(gw, spark_views):
    ns = {"spark": spark_views}
    out = call(gw, "gateway_run", ns, "spark", "SELECT id, s FROM t ORDER BY id", 2, 4096, 60)
    assert out["rows"] == [[1, "a"], [2, "b"]] and out["truncated"] is True
    assert [c["name"] for c in out["columns"]] == ["id", "s"]
    listed = call(gw, "gateway_list_tables", ns, "spark", None, None, None)
    names = {t["name"] for t in listed["tables"]}
    assert {"t", "u", "gw_st"} <= names
    detailed = call(gw, "gateway_list_tables", ns, "spark", "gw_st", None, None, True)
    assert detailed["tables"][0]["columns"] == ["id int", "s string"]
    d = call(gw, "gateway_describe", ns, "spark", "gw_st")
    assert [c["name"] for c in d["columns"]] == ["id", "s"] and d["provider"] == "parquet"
    est = call(gw, "gateway_estimate", ns, "spark", "SELECT * FROM gw_st")
    assert est["known"] is False and "unknown" in est["note"]


# ---------------------------------------------------------------- running

def test_duckdb_run_caps_and_types(gw, duck):
    ns = {"duck": duck}
    out = call(gw, "gateway_run", ns, "duck", "SELECT range AS n, repeat('x', 500) AS long FROM range(1000)", 10, 100000, 5)
    assert len(out["rows"]) == 10 and out["truncated"] is True and out["total_rows"] is None
    assert out["columns"] == [{"name": "n", "type": "BIGINT"}, {"name": "long", "type": "VARCHAR"}]
    assert len(out["rows"][0][1]) == 201  # 200 characters and an ellipsis
    small = call(gw, "gateway_run", ns, "duck", "SELECT range AS n, repeat('x', 150) FROM range(1000)", 50, 2000, 5)
    assert small["truncated"] is True and 5 <= len(small["rows"]) < 50
    assert len(json.dumps(small["rows"])) <= 2000
    full = call(gw, "gateway_run", ns, "duck", "SELECT * FROM t ORDER BY id", 50, 4096, 5)
    assert full["rows"] == [[1, "a"], [2, "b"], [3, None]] and full["total_rows"] == 3 and not full["truncated"]
    assert full["elapsed_ms"] >= 0


def test_duckdb_timeout(gw, duck):
    out = call(gw, "gateway_run", {"duck": duck}, "duck",
               "SELECT count(*) FROM range(1000000) a, range(1000000) b WHERE a.range + b.range = -1", 5, 4096, 0.3)
    assert "time limit" in out["error"] or "nterrupt" in out["error"], out
    assert call(gw, "gateway_run", {"duck": duck}, "duck", "SELECT 1 AS one", 5, 4096, 5)["rows"] == [[1]]


def test_secrets_redacted(gw):
    import duckdb

    con = duckdb.connect()
    con.execute("CREATE TABLE creds (username VARCHAR, api_key VARCHAR, note VARCHAR)")
    con.execute("INSERT INTO creds VALUES ('ann', 'abc123', 'postgresql://ann:hunter2@db/x')")
    out = call(gw, "gateway_run", {"con": con}, "con", "SELECT * FROM creds", 5, 4096, 5)
    assert out["rows"][0][0] == "ann"
    assert "abc123" not in json.dumps(out) and "hunter2" not in json.dumps(out)


# ---------------------------------------------------------------- the catalog, from metadata only

class _Recorder:
    """A DuckDB connection that records every statement sent through it."""

    def __init__(self, con):
        self._con = con
        self.statements = []

    def execute(self, sql, *a, **k):
        self.statements.append(sql)
        return self._con.execute(sql, *a, **k)

    def sql(self, sql, *a, **k):
        self.statements.append(sql)
        return self._con.sql(sql, *a, **k)

    def __getattr__(self, name):
        return getattr(self._con, name)


_METADATA = ("duckdb_tables()", "duckdb_views()", "duckdb_columns()", "duckdb_constraints()", "current_database()")


def test_duckdb_50_million_rows_described_without_a_scan(gw, tmp_path):
    import duckdb

    con = duckdb.connect(str(tmp_path / "big.duckdb"))
    con.execute("CREATE TABLE big (id BIGINT PRIMARY KEY, k INTEGER NOT NULL)")
    con.execute("INSERT INTO big SELECT range, range % 7 FROM range(50000000)")
    con.execute("CREATE TABLE child (big_id BIGINT REFERENCES big (id), note VARCHAR)")
    con.execute("COMMENT ON TABLE big IS 'fifty million'")
    rec = _Recorder(con)
    eng = gw._DuckDB(rec)
    best = None
    for _ in range(3):
        rec.statements.clear()
        t0 = time.perf_counter()
        d = gw.describe_table(eng, "big")
        best = min(best or 1e9, time.perf_counter() - t0)
    assert best < 0.1, best
    assert d["rows_estimate"] == 50_000_000 and d["primary_key"] == ["id"] and d["comment"] == "fifty million"
    assert [c["name"] for c in d["columns"]] == ["id", "k"] and d["columns"][1]["nullable"] is False
    assert rec.statements and all(any(m in s for m in _METADATA) for s in rec.statements), rec.statements
    assert all(" big" not in s.lower().split("from", 1)[-1] for s in rec.statements)
    child = gw.describe_table(eng, "child")
    assert child["foreign_keys"] == [{"columns": ["big_id"], "references": "big", "ref_columns": ["id"]}]
    rec.statements.clear()
    listed = gw.list_tables(eng)
    assert {t["name"]: t["rows_estimate"] for t in listed["tables"]}["big"] == 50_000_000
    assert all(any(m in s for m in _METADATA) for s in rec.statements), rec.statements
    con.close()


class _PgRecorder:
    """A psycopg connection whose cursors record the statements they send."""

    def __init__(self, conn):
        self._conn = conn
        self.statements = []

    def cursor(self, *a, **k):
        outer = self
        cur = self._conn.cursor(*a, **k)

        class Cur:
            def execute(self, sql, *args, **kw):
                outer.statements.append(str(sql))
                return cur.execute(sql, *args, **kw)

            def __getattr__(self, name):
                return getattr(cur, name)

        return Cur()

    def __getattr__(self, name):
        return getattr(self._conn, name)


def test_postgres_5_million_rows_described_without_a_scan(gw, pg_schema):
    import psycopg

    url, schema, admin = pg_schema
    admin.execute("CREATE TABLE big (id BIGINT PRIMARY KEY, t_id INTEGER REFERENCES t (id), v TEXT)")
    admin.execute("INSERT INTO big SELECT g, 1 + g % 3, 'v' FROM generate_series(1, 5000000) AS g")
    admin.execute("COMMENT ON TABLE big IS 'five million'")
    admin.execute("COMMENT ON COLUMN big.v IS 'a value'")
    admin.execute("ANALYZE big")
    conn = psycopg.connect(url, options="-c search_path=%s" % schema)
    rec = _PgRecorder(conn)
    eng = gw._DBAPI(rec, "postgresql", owned=False)

    def scans():
        admin.execute("SELECT pg_stat_force_next_flush()")
        admin.execute("SELECT pg_stat_clear_snapshot()")
        return admin.execute("SELECT coalesce(seq_scan, 0) + coalesce(idx_scan, 0) FROM pg_stat_user_tables "
                             "WHERE relid = 'big'::regclass").fetchone()[0]

    try:
        gw.describe_table(eng, "big")  # warm the connection
        conn.execute("SELECT pg_stat_force_next_flush()")
        conn.rollback()
        before = scans()
        best = None
        for _ in range(3):
            rec.statements.clear()
            t0 = time.perf_counter()
            d = gw.describe_table(eng, "big")
            best = min(best or 1e9, time.perf_counter() - t0)
        conn.execute("SELECT pg_stat_force_next_flush()")
        conn.rollback()
        assert scans() == before, "the table was scanned"
        assert best < 0.1, best
        assert abs(d["rows_estimate"] - 5_000_000) < 250_000 and d["bytes"] > 100_000_000
        assert d["primary_key"] == ["id"] and d["comment"] == "five million"
        assert d["foreign_keys"] == [{"columns": ["t_id"], "references": "t", "ref_columns": ["id"]}]
        assert {c["name"]: c.get("comment") for c in d["columns"]}["v"] == "a value"
        # Only catalog queries: transaction control and pg_class/pg_attribute/pg_constraint.
        sent = [s for s in rec.statements if not s.startswith(("SET ", "BEGIN", "ROLLBACK"))]
        assert len(sent) == 3 and all("pg_" in s and " big" not in s for s in sent), rec.statements
        listed = gw.list_tables(eng, pattern="bi*")
        assert [t["name"] for t in listed["tables"]] == ["big"]
        assert listed["tables"][0]["rows_estimate"] > 4_000_000
    finally:
        conn.close()
        admin.execute("DROP TABLE big")


def test_postgres_keys_reported(gw, pg):
    d = call(gw, "gateway_describe", {"pg": pg}, "pg", "u")
    assert d["foreign_keys"] == [{"columns": ["id"], "references": "t", "ref_columns": ["id"]}]
    t = call(gw, "gateway_describe", {"pg": pg}, "pg", "t")
    assert t["primary_key"] == ["id"] and t["unique"] == [["s"]]
    assert t["rows_estimate"] == 3
    listed = call(gw, "gateway_list_tables", {"pg": pg}, "pg", None, None, None, True)
    by = {x["name"]: x for x in listed["tables"]}
    assert by["u"]["foreign_keys"] == [{"columns": ["id"], "references": "t", "ref_columns": ["id"]}]
    assert by["t"]["columns"] == ["id integer NOT NULL", "s text"] and by["t"]["unique"] == [["s"]]


def test_sqlite_and_duckdb_keys_reported(gw, duck, lite):
    for name, obj in (("duck", duck), ("lite", lite)):
        u = call(gw, "gateway_describe", {name: obj}, name, "u")
        assert u["foreign_keys"] == [{"columns": ["id"], "references": "t", "ref_columns": ["id"]}], u
        t = call(gw, "gateway_describe", {name: obj}, name, "t")
        assert t["primary_key"] == ["id"], t
    assert call(gw, "gateway_describe", {"lite": lite}, "lite", "t")["unique"] == [["s"]]
    missing = call(gw, "gateway_describe", {"duck": duck}, "duck", "nope")
    assert "error" in missing


def test_catalog_output_is_bounded_and_pages(gw):
    import duckdb

    con = duckdb.connect()
    for i in range(300):
        con.execute("CREATE TABLE table_number_%03d (id INTEGER PRIMARY KEY, a VARCHAR, b DOUBLE)" % i)
    con.execute("CREATE TABLE wide (%s)" % ", ".join("column_with_a_long_name_%03d INTEGER" % i for i in range(600)))
    ns = {"con": con}
    seen, token, pages = [], None, 0
    while True:
        raw = gw.gateway_list_tables(ns, "con", None, None, token)
        assert len(raw.encode()) <= 8192
        page = json.loads(raw)
        seen += [t["name"] for t in page["tables"]]
        pages += 1
        token = page["next"]
        if token is None:
            break
        assert "more tables" in page["note"]
    assert len(seen) == len(set(seen)) == 301 and pages > 1
    stale = call(gw, "gateway_list_tables", ns, "con", None, None, "expired:5")  # read again, from offset 5
    assert stale["tables"][0]["name"] == sorted(seen)[5]
    narrowed = call(gw, "gateway_list_tables", ns, "con", "table_number_01*", None, None)
    assert [t["name"] for t in narrowed["tables"]] == ["table_number_%03d" % i for i in range(10, 20)]
    seen, token = {}, None
    while True:
        raw = gw.gateway_list_tables(ns, "con", "table_number_*", None, token, True)
        assert len(raw.encode()) <= 8192
        page = json.loads(raw)
        seen.update({t["name"]: t for t in page["tables"]})
        token = page["next"]
        if token is None:
            break
    assert len(seen) == 300
    assert seen["table_number_007"]["columns"] == ["id INTEGER NOT NULL", "a VARCHAR", "b DOUBLE"]
    assert seen["table_number_007"]["primary_key"] == ["id"]
    wide_page = json.loads(gw.gateway_list_tables(ns, "con", "wide", None, None, True))
    assert wide_page["tables"][0]["columns_cut"] > 0
    raw = gw.gateway_describe(ns, "con", "wide")
    assert len(raw.encode()) <= 8192
    wide = json.loads(raw)
    assert "more columns" in wide["note"] and 0 < len(wide["columns"]) < 600
    con.close()


# ---------------------------------------------------------------- cost

def test_estimates(gw, duck, lite, pg):
    d = call(gw, "gateway_estimate", {"duck": duck}, "duck", "SELECT * FROM t JOIN u USING (id)")
    assert d["known"] is True and d["rows"] is not None and d["scan_rows"] >= 2
    p = call(gw, "gateway_estimate", {"pg": pg}, "pg", "SELECT * FROM t")
    assert p["known"] is True and p["rows"] == 3 and p["cost"] > 0 and p["bytes"] > 0
    s = call(gw, "gateway_estimate", {"lite": lite}, "lite", "SELECT * FROM t")
    assert s["known"] is False and "unknown" in s["note"]
    # A filtered scan reads the whole table: scan_rows counts what is read, rows what comes out.
    f = call(gw, "gateway_estimate", {"duck": duck}, "duck", "SELECT * FROM t WHERE id = 1")
    assert f["scan_rows"] == 3 and f["rows"] <= 3
    f = call(gw, "gateway_estimate", {"pg": pg}, "pg", "SELECT * FROM t WHERE s = 'a'")
    assert f["scan_rows"] == 3 and f["rows"] == 1


def test_budget(gw, duck, lite):
    import duckdb

    con = duckdb.connect()
    con.execute("CREATE TABLE big AS SELECT range AS id FROM range(1000000)")
    ns = {"con": con, "lite": lite}
    over = call(gw, "gateway_estimate", ns, "con", "SELECT sum(id) FROM big", 100000, 10**9)
    assert over["within_budget"] is False and "Over budget" in over["budget_note"] and "1,000,000" in over["budget_note"]
    under = call(gw, "gateway_estimate", ns, "con", "SELECT * FROM big LIMIT 5", 10**7, 10**9)
    assert under["within_budget"] is True
    unknown = call(gw, "gateway_estimate", ns, "lite", "SELECT * FROM t", 10, 10)
    assert unknown["within_budget"] is None
    con.close()


def test_estimate_says_unknown_without_statistics(gw, pg_schema, pg):
    _url, _schema, admin = pg_schema
    admin.execute("CREATE TABLE never_analysed (a INTEGER)")
    try:
        e = call(gw, "gateway_estimate", {"pg": pg}, "pg", "SELECT * FROM never_analysed")
        assert e["known"] is False and "unknown" in e["note"] and "never_analysed" in e["note"]
    finally:
        admin.execute("DROP TABLE never_analysed")


def test_estimate_refuses_without_opening_the_file(gw, duck, sentinel):
    opened = sentinel.opened
    e = call(gw, "gateway_estimate", {"duck": duck}, "duck", "SELECT * FROM read_csv('%s', header=true)" % sentinel.fifo)
    time.sleep(0.02)
    assert e["refused"] is True and sentinel.opened == opened and SECRET not in json.dumps(e)


# ---------------------------------------------------------------- connections

def test_connections_found(gw, duck, lite, pg):
    import polars as pl
    import psycopg

    ctx = pl.SQLContext(frames={"frame": pl.DataFrame({"a": [1, 2, 3]})})
    raw = psycopg.connect(os.environ["DE_TEST_PG_URL"]) if os.environ.get("DE_TEST_PG_URL") else None
    ns = {"duck": duck, "lite": lite, "engine": pg, "ctx": ctx, "raw": raw, "_private": duck, "x": 1}
    got = call(gw, "gateway_connections", ns)["connections"]
    by = {c["name"]: c["engine"] for c in got}
    assert by["duck"] == "duckdb" and by["lite"] == "sqlite" and by["engine"] == "postgresql" and by["ctx"] == "polars"
    assert "_private" not in by and "x" not in by
    if raw is not None:
        assert by["raw"] == "postgresql"
        raw.close()
    assert any(c.get("default") == "duckdb.default_connection" for c in got)
    # Polars: the registered frames are the catalog; file readers are refused.
    assert call(gw, "gateway_classify", ns, "ctx", "SELECT a FROM frame")["allowed"] is True
    assert call(gw, "gateway_classify", ns, "ctx", "SELECT * FROM read_csv('/etc/passwd')")["allowed"] is False
    out = call(gw, "gateway_run", ns, "ctx", "SELECT a FROM frame ORDER BY a", 2, 4096, 5)
    assert out["rows"] == [[1], [2]] and out["truncated"] is True
    assert call(gw, "gateway_list_tables", ns, "ctx", None, None, None)["tables"][0]["name"] == "frame"
    assert call(gw, "gateway_describe", ns, "ctx", "frame")["columns"][0]["name"] == "a"


def test_entry_points_never_raise(gw):
    assert "error" in call(gw, "gateway_run", {}, "missing", "SELECT 1", 5, 4096, 5)
    assert "error" in call(gw, "gateway_classify", {"x": 1}, "x", "SELECT 1")
    v = call(gw, "gateway_classify", {"d": __import__("duckdb").connect()}, "d", "")
    assert v["allowed"] is False and v["kind"] == "unparseable"


def test_loads_with_the_other_query_helpers(tmp_path):
    """Concatenated right after query_engines.py and before the others (as the frontend will
    load it): no name is shadowed and both the gateway and the verifier answer."""
    import sys as _sys

    import duckdb
    from gateway_helpers import QUERY_MODULE, _find

    from conftest import bootstrap_template
    from query_helpers import QUERY_FILES

    files = list(QUERY_FILES)
    files.insert(files.index("query_engines.py") + 1, "query_gateway.py")
    source = "\n\n".join(_find(f).read_text(encoding="utf-8") for f in files)
    code = bootstrap_template().replace("__jl_data_engineer__", QUERY_MODULE).replace("<SOURCE>", json.dumps(source))
    _sys.modules.pop(QUERY_MODULE, None)
    exec(code, {"__builtins__": __builtins__, "__name__": "__main__"})
    mod = _sys.modules[QUERY_MODULE]
    try:
        con = duckdb.connect()
        con.execute("CREATE TABLE t AS SELECT range AS id FROM range(10)")
        ns = {"con": con}
        assert call(mod, "gateway_classify", ns, "con", "SELECT * FROM t")["allowed"] is True
        v = json.loads(mod.verify_rewrite(ns, "SELECT id FROM t", "SELECT id FROM t WHERE true", connection="con",
                                          time_budget=0.1))
        assert v["verdict"] == "same", v
    finally:
        _sys.modules.pop(QUERY_MODULE, None)


@pytest.mark.parametrize("scan_all_frames", [False, True])
def test_python_objects_are_not_the_catalog(gw, scan_all_frames):
    """A DataFrame or LazyFrame in the kernel is not a table of the connection: refused, and the
    lazy pipeline is not collected while checking (even when DuckDB scans all frames)."""
    import duckdb
    import pandas as pd
    import polars as pl

    calls = []

    def counted(df):
        calls.append(1)
        return df

    con = duckdb.connect()
    con.execute("SET python_scan_all_frames = %s" % ("true" if scan_all_frames else "false"))
    con.execute("CREATE TABLE t (a INTEGER)")
    frame = pd.DataFrame({"a": [1, 2]})  # noqa: F841 (found by DuckDB's replacement scan if it looked)
    lazy = pl.LazyFrame({"a": [1, 2]}).map_batches(counted)  # noqa: F841
    ns = {"con": con, "frame": frame, "lazy": lazy}
    for sql in ("SELECT * FROM frame", "SELECT * FROM lazy", "SELECT * FROM t JOIN lazy USING (a)"):
        v = call(gw, "gateway_classify", ns, "con", sql)
        assert v["allowed"] is False and v["kind"] == "read", v
        assert call(gw, "gateway_run", ns, "con", sql, 5, 4096, 5)["refused"] is True
    assert calls == []
    assert call(gw, "gateway_classify", ns, "con", "SELECT * FROM t")["allowed"] is True


def test_jupysql_current_connection(gw, tmp_path):
    from IPython.testing.globalipapp import get_ipython, start_ipython

    path = tmp_path / "j.sqlite"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, customer INTEGER)")
    con.executemany("INSERT INTO orders VALUES (?, ?)", [(1, None), (2, 7)])
    con.commit()
    con.close()
    # start_ipython() answers None when another test of the session started the shell already.
    ip = start_ipython() or get_ipython()
    ip.run_line_magic("load_ext", "sql")
    ip.run_line_magic("sql", "sqlite:///%s" % path)
    try:
        got = call(gw, "gateway_connections", ip.user_ns)["connections"]
        assert any(c.get("default") == "jupysql current connection" and c["engine"] == "sqlite" for c in got), got
        out = call(gw, "gateway_run", ip.user_ns, None, "SELECT count(*) AS n FROM orders WHERE customer IS NULL", 5, 4096, 5)
        assert out["rows"] == [[1]] and out["engine"] == "sqlite", out
        assert call(gw, "gateway_run", ip.user_ns, None, "DELETE FROM orders", 5, 4096, 5)["refused"] is True
        assert [t["name"] for t in call(gw, "gateway_list_tables", ip.user_ns, None, None, None, None)["tables"]] == ["orders"]
    finally:
        from sql.connection import ConnectionManager

        ConnectionManager.close_all()


def test_engine_picks_the_default_connection_without_a_variable(gw):
    """The frontend's tools name an engine when the cell used no variable (duckdb.sql, a
    SparkSession): the gateway resolves that engine, and says plainly when it is absent."""
    import duckdb

    default = duckdb.default_connection
    con = default() if callable(default) else default
    con.execute("CREATE OR REPLACE TABLE gw_engine_default AS SELECT 1 AS a")
    try:
        listed = call(gw, "gateway_list_tables", {}, None, "gw_engine_*", None, None, False, "duckdb")
        assert [t["name"] for t in listed["tables"]] == ["gw_engine_default"], listed
        run = call(gw, "gateway_run", {}, None, "SELECT a FROM gw_engine_default", 5, 4096, 5, "duckdb")
        assert run["rows"] == [[1]], run
        assert call(gw, "gateway_estimate", {}, None, "SELECT a FROM gw_engine_default", 10, 10, "duckdb")["known"]
        assert call(gw, "gateway_describe", {}, None, "gw_engine_default", "duckdb")["columns"][0]["name"] == "a"
        assert call(gw, "gateway_classify", {}, None, "SELECT a FROM gw_engine_default", "duckdb")["allowed"]
        if "pyspark.sql" not in __import__("sys").modules:
            err = call(gw, "gateway_classify", {}, None, "SELECT 1", "spark")
            assert "SparkSession" in err.get("error", ""), err
    finally:
        con.execute("DROP TABLE gw_engine_default")
