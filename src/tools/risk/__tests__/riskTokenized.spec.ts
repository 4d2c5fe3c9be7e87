/** @jest-environment node */
import { destructiveReason, destructiveReasonChecked } from '..';

/** The destructive-code check on tokens (issue 12, item 6). */

describe('destructiveReason (tokenized)', () => {
  const risky: Array<[string, string, RegExp]> = [
    [
      'rmtree imported under another name',
      'from shutil import rmtree as x\nx("warehouse")',
      /rmtree/
    ],
    ['shutil imported as sh', 'import shutil as sh\nsh.rmtree(p)', /rmtree/],
    ['os imported as o', 'import os as o\no.remove("a.csv")', /os\.remove/],
    [
      'os.system with rm',
      'import os\nos.system("rm data/old.csv")',
      /shell rm/
    ],
    [
      'os.system with an f-string rm -rf',
      'os.system(f"rm -rf {folder}")',
      /rm -r/
    ],
    [
      'subprocess list rm',
      'import subprocess\nsubprocess.run(["rm", "-r", "out"])',
      /rm -r/
    ],
    [
      'subprocess imported function',
      'from subprocess import check_call as cc\ncc("rm -f x", shell=True)',
      /shell rm/
    ],
    [
      'subprocess bash -c',
      'subprocess.run(["bash", "-c", "cd /d && rm -rf build"])',
      /rm -r/
    ],
    ['find -delete', '!find data -name "*.tmp" -delete', /find -delete/],
    ['find -exec rm', '!find . -name "*.pyc" -exec rm {} +', /find -delete/],
    ['git clean -fdx', '!git clean -fdx', /git clean/],
    [
      'git reset --hard',
      '%%bash\ngit fetch\ngit reset --hard origin/main',
      /git reset --hard/
    ],
    ['sudo rm in a bash cell', '%%bash\nsudo rm -rf /var/data', /rm -r/],
    ['rm after &&', '!cd out && rm -rf *', /rm -r/],
    ['x = !rm', 'files = !rm -v *.csv', /shell rm/],
    [
      'string-built SQL: f-string',
      'con.execute(f"SELECT * FROM {table}")',
      /built from strings/
    ],
    [
      'string-built SQL: concatenation',
      'cur.execute("SELECT * FROM " + table)',
      /built from strings/
    ],
    [
      'string-built SQL: % formatting',
      'cur.execute("DELETE FROM t WHERE id = %s" % x)',
      /built from strings/
    ],
    [
      'string-built SQL through a variable',
      'q = "DELETE FROM " + name\ncon.execute(q)',
      /DELETE FROM without WHERE|built from strings/
    ],
    [
      'string-built SQL: format()',
      'spark.sql("SELECT * FROM {}".format(t))',
      /built from strings/
    ],
    [
      'INSERT OVERWRITE',
      'spark.sql("INSERT OVERWRITE TABLE sales SELECT * FROM staging")',
      /INSERT OVERWRITE/
    ],
    [
      'CREATE OR REPLACE TABLE',
      'duckdb.sql("create or replace table t as select 1")',
      /CREATE OR REPLACE/
    ],
    ['lower-case truncate', 'con.execute("truncate events")', /TRUNCATE/],
    [
      'DELETE t without WHERE (no FROM)',
      'cur.execute("DELETE orders")',
      /DELETE FROM without WHERE/
    ],
    [
      'DELETE FROM, WHERE only in a subquery',
      'con.execute("DELETE FROM t USING (SELECT id FROM s WHERE x) u")',
      /DELETE FROM without WHERE/
    ],
    [
      'DROP in a %%sql cell after a connection line',
      '%%sql duckdb:///x.db\nDROP TABLE t',
      /DROP/
    ],
    ['DROP in a %sql line', '%sql postgresql://u@h/db DROP TABLE t', /DROP/],
    [
      'DROP through sqlalchemy text()',
      'from sqlalchemy import text\nconn.execute(text("drop table t"))',
      /DROP/
    ],
    ['plain SQL (a SQL kernel cell)', 'DROP TABLE staging;', /DROP/],
    [
      'SQL after a string with a semicolon',
      'con.execute("SELECT \';\' ; DROP TABLE t")',
      /DROP/
    ],
    [
      'SQL: backslash quote cannot hide a DROP',
      "spark.sql(\"SELECT 'it\\\\'s'; DROP TABLE t\")",
      /DROP/
    ],
    [
      'Spark mode("overwrite")',
      'df.write.mode("overwrite").saveAsTable("t")',
      /overwrite/
    ],
    [
      'if_exists="replace"',
      'df.to_sql("t", engine, if_exists="replace")',
      /if_exists/
    ],
    [
      'polars if_table_exists="replace"',
      'df.write_database("t", uri, if_table_exists="replace")',
      /if_exists/
    ],
    ['%%writefile', '%%writefile etl.py\nprint(1)', /writefile/],
    ['os.replace', 'os.replace("new.csv", "sales.csv")', /os\.replace/],
    ['%reset -f', '%reset -f', /reset/],
    [
      'Path().unlink on an expression',
      'Path("a").joinpath("b").unlink()',
      /unlink/
    ],
    ['inside %%time', '%%time\nshutil.rmtree("x")', /rmtree/],
    [
      'to_csv (no file check: counts)',
      'df.to_csv("sales.csv", index=False)',
      /to_csv\("sales\.csv"\)/
    ],
    [
      'COPY TO (no file check: counts)',
      'con.execute("COPY t TO \'out.parquet\' (FORMAT parquet)")',
      /COPY/
    ]
  ];
  it.each(risky)('flags %s', (_label, code, reason) => {
    expect(destructiveReason(code)).toMatch(reason);
  });

  const harmless: Array<[string, string]> = [
    [
      'rmtree in a comment',
      '# from shutil import rmtree as x\n# x("warehouse")\nprint(1)'
    ],
    ['DROP TABLE in a plain string', 'print("DROP TABLE users")'],
    ['rm -rf in a plain string', 'msg = "never run rm -rf /"\nprint(msg)'],
    ['os.system in a string', 'doc = "use os.system(\'rm -rf x\') carefully"'],
    [
      'git reset --hard in a docstring',
      'def f():\n    """Like git reset --hard, but safe."""\n    return 1'
    ],
    [
      'SQL words in a comment inside SQL',
      'con.execute("SELECT 1 -- DROP TABLE t")'
    ],
    [
      'DROP inside a SQL string literal',
      'con.execute("SELECT \'DROP TABLE t\' AS note")'
    ],
    ['DELETE with WHERE', 'con.execute("DELETE FROM t WHERE id = ?", [3])'],
    [
      'a parameterised query',
      'cur.execute("SELECT * FROM t WHERE id = %s", (x,))'
    ],
    ['pandas query with an f-string', 'df.query(f"price > {limit}")'],
    ['mode append', 'df.write.mode("append").saveAsTable("t")'],
    ['if_exists append', 'df.to_sql("t", engine, if_exists="append")'],
    ['%%writefile -a', '%%writefile -a log.txt\nline'],
    ['to_json without a path', 'payload = df.to_json()'],
    ['git status', '!git status && git log -1'],
    ['git checkout a branch', '!git checkout -b feature'],
    ['subprocess ls', 'subprocess.run(["ls", "-la"])'],
    ['Python with statement', 'with open("in.csv") as f:\n    rows = f.read()'],
    ['a variable named delete', 'delete = True\nupdate = 2'],
    ['html magic', '%%html\n<p>rm -rf</p>']
  ];
  it.each(harmless)('leaves %s alone', (_label, code) => {
    expect(destructiveReason(code)).toBeNull();
  });
});

describe('destructiveReasonChecked (file writes looked up)', () => {
  const existing = new Set([
    'sales.csv',
    'out.parquet',
    'etl.py',
    'data/report.xlsx'
  ]);
  const exists = async (path: string) => existing.has(path);

  it.each([
    ['df.to_csv("sales.csv")'],
    ['df.to_parquet("out.parquet")'],
    ['pl_df.write_parquet("out.parquet")'],
    ['df.to_excel(excel_writer="data/report.xlsx")'],
    ['con.execute("COPY t TO \'out.parquet\' (FORMAT parquet)")'],
    ['%%writefile etl.py\nprint(1)'],
    ["open('sales.csv', 'w').write(x)"]
  ])('flags a write over an existing file: %s', async code => {
    expect(await destructiveReasonChecked(code, exists)).toMatch(/it exists/);
  });

  it.each([
    ['df.to_csv("new.csv")'],
    ['pl_df.write_parquet("fresh.parquet")'],
    ['con.execute("COPY t TO \'new.parquet\'")'],
    ['%%writefile new_module.py\nprint(1)'],
    ["open('new.txt', 'w')"]
  ])('leaves a write to a new file alone: %s', async code => {
    expect(await destructiveReasonChecked(code, exists)).toBeNull();
  });

  it('asks when the check cannot tell (unknown or failing)', async () => {
    expect(
      await destructiveReasonChecked('df.to_csv("x.csv")', async () => null)
    ).toMatch(/could not be checked/);
    expect(
      await destructiveReasonChecked('df.to_csv("x.csv")', async () => {
        throw new Error('server down');
      })
    ).toMatch(/could not be checked/);
  });

  it('reports a sure finding without looking files up', async () => {
    let asked = 0;
    const reason = await destructiveReasonChecked(
      'df.to_csv("sales.csv")\nshutil.rmtree("x")',
      async () => {
        asked++;
        return true;
      }
    );
    expect(reason).toMatch(/rmtree/);
    expect(asked).toBe(0);
  });
});
