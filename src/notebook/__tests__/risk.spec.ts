/** @jest-environment node */
import { destructiveReason } from '../../tools/risk';

describe('destructiveReason', () => {
  const risky: Array<[string, string, RegExp]> = [
    [
      'DROP TABLE',
      'con.execute("DROP TABLE IF EXISTS staging.orders")',
      /DROP/
    ],
    ['drop schema, lower case', "spark.sql('drop schema raw cascade')", /DROP/],
    ['DROP DATABASE', 'DROP DATABASE analytics;', /DROP/],
    ['DROP VIEW', 'cur.execute("DROP VIEW v_orders")', /DROP/],
    ['DROP MATERIALIZED VIEW', 'DROP MATERIALIZED VIEW mv', /DROP/],
    [
      'ALTER TABLE DROP COLUMN',
      'ALTER TABLE t DROP COLUMN email',
      /ALTER TABLE/
    ],
    ['TRUNCATE TABLE', 'cur.execute("truncate table events")', /TRUNCATE/],
    ['TRUNCATE name', '%%sql\nTRUNCATE events;', /TRUNCATE/],
    [
      'DELETE FROM without WHERE',
      'con.execute("DELETE FROM orders")',
      /DELETE FROM without WHERE/
    ],
    [
      'DELETE, WHERE in a later statement',
      'con.execute("DELETE FROM logs")\ncon.execute("UPDATE t SET a = 1 WHERE id = 2")',
      /DELETE FROM/
    ],
    [
      'DELETE; then WHERE',
      '%%sql\nDELETE FROM a; SELECT * FROM b WHERE x = 1',
      /DELETE FROM/
    ],
    [
      'UPDATE without WHERE',
      'cur.execute("UPDATE customers SET email = NULL")',
      /UPDATE without WHERE/
    ],
    [
      'UPDATE multi-line without WHERE',
      'q = """\nUPDATE sales.orders\nSET status = \'x\'\n"""',
      /UPDATE/
    ],
    ['rm -rf', '!rm -rf data/', /rm -r/],
    ['rm -fr in os.system', 'os.system("rm -fr /tmp/out")', /rm -r/],
    ['rm -v -r', '!rm -v -r build', /rm -r/],
    [
      'rm --recursive',
      'subprocess.run("rm --recursive out", shell=True)',
      /rm -r/
    ],
    ['rm -rf in a list', "subprocess.run(['rm', '-rf', path])", /rm -r/],
    ['!rm', '!rm output.csv', /shell rm/],
    ['%rm', '%rm old.parquet', /shell rm/],
    ['%%bash rm', '%%bash\ncd /data\nrm *.csv', /shell rm/],
    ['shutil.rmtree', 'import shutil\nshutil.rmtree("warehouse")', /rmtree/],
    ['rmtree imported', 'from shutil import rmtree\nrmtree(out)', /rmtree/],
    ['os.remove', 'os.remove("a.csv")', /os.remove/],
    ['os.unlink', 'os.unlink(p)', /os.remove/],
    ['Path.unlink', 'Path("a.csv").unlink(missing_ok=True)', /Path.unlink/],
    [
      "open(..., 'w')",
      "with open('report.csv', 'w') as f:\n    f.write(x)",
      /open/
    ],
    ['open mode="wb"', 'open(os.path.join(d, "x.bin"), mode="wb")', /open/],
    ['gzip.open wt', "gzip.open(path, 'wt')", /open/],
    ['write_text', 'Path("out.txt").write_text(s)', /write_text/],
    ['write_bytes', 'p.write_bytes(b)', /write_text/],
    [
      "Spark mode('overwrite')",
      'df.write.mode("overwrite").parquet("s3://b/x")',
      /overwrite/
    ],
    [
      "mode='overwrite' keyword",
      "df.write.saveAsTable('t', mode='overwrite')",
      /overwrite/
    ],
    [
      'delta write_deltalake overwrite',
      "write_deltalake(path, df, mode='overwrite')",
      /overwrite/
    ],
    [
      "to_sql if_exists='replace'",
      "df.to_sql('orders', engine, if_exists='replace')",
      /if_exists/
    ],
    ['dbutils.fs.rm', 'dbutils.fs.rm("/mnt/raw", True)', /deletes files/],
    ['code after a # inside a string', 's = "#"; os.remove(p)', /os.remove/],
    [
      'boto3 delete_objects',
      's3.delete_objects(Bucket=b, Delete=d)',
      /deletes files/
    ]
  ];

  it.each(risky)('flags %s', (_label, code, reason) => {
    expect(destructiveReason(code)).toMatch(reason);
  });

  const harmless: Array<[string, string]> = [
    ['a SELECT', 'con.execute("SELECT * FROM orders WHERE id = 1").df()'],
    [
      'DELETE with WHERE',
      'con.execute("DELETE FROM orders WHERE created < now() - interval 30 day")'
    ],
    [
      'multi-line DELETE with WHERE',
      'q = """\nDELETE FROM orders\nWHERE status = \'test\'\n"""'
    ],
    [
      'UPDATE with WHERE and quoted values',
      'cur.execute("UPDATE t SET name = \'x\', b = 2 WHERE id = 3")'
    ],
    ['SQL -- comment', '%%sql\n-- DROP TABLE orders;\nSELECT 1'],
    ['SQL /* */ comment', 'SELECT 1 /* TRUNCATE TABLE x */'],
    [
      'Python comment',
      '# shutil.rmtree("data")  -- cleanup later\nprint("ok")'
    ],
    ['trailing comment', 'x = 1  # os.remove(path)'],
    ['pandas drop', 'df = df.drop(columns=["a"])'],
    ['pandas truncate', 'df.truncate(before=2)'],
    ['dict.update', 'cfg.update({"a": 1})'],
    [
      'open for reading',
      "with open('in.csv') as f, open(p, 'rb') as g:\n    pass"
    ],
    ['append mode', "open('log.txt', 'a')"],
    ["mode='append'", 'df.write.mode("append").parquet(p)'],
    ['rm without -r in a string', 'print("rm is a unix command")'],
    ['a # inside a string', 'requests.get("http://x/#/tables")'],
    ['empty', '   ']
  ];

  it.each(harmless)('leaves %s alone', (_label, code) => {
    expect(destructiveReason(code)).toBeNull();
  });
});
