import {
  buildCompletionPrompt,
  CURSOR,
  openString,
  sensitiveDocument,
  selectSchemas,
  shortInstructions,
  sqlSpot,
  trimSuggestion,
  type ISchemaEntry
} from '../context';
import { SensitivePaths } from '../../files';

const orders: ISchemaEntry = {
  name: 'orders',
  kind: 'pandas.DataFrame',
  rows: 1200,
  columns: [
    { name: 'order_id', dtype: 'int64' },
    { name: 'customer_id', dtype: 'int64' },
    { name: 'amount', dtype: 'float64' }
  ]
};
const customers: ISchemaEntry = {
  name: 'customers',
  kind: 'polars.DataFrame',
  columns: [{ name: 'segment', dtype: 'str' }]
};
const unrelated: ISchemaEntry = {
  name: 'weather',
  kind: 'pandas.DataFrame',
  columns: [{ name: 'temp' }]
};
const con: ISchemaEntry = {
  name: 'con',
  kind: 'duckdb.DuckDBPyConnection',
  tables: [
    {
      name: 'memory.main.events',
      columns: [
        { name: 'ts', dtype: 'TIMESTAMP' },
        { name: 'kind', dtype: 'VARCHAR' }
      ]
    }
  ]
};

describe('openString', () => {
  it('knows comments, escapes, triple quotes and closed strings', () => {
    expect(openString('x = "abc')).toEqual({ start: 4, body: 'abc' });
    expect(openString('x = "a\\"b')).toEqual({ start: 4, body: 'a\\"b' });
    expect(openString('x = "done" + y')).toBeNull();
    expect(openString('# a "quote in a comment\nx = 1')).toBeNull();
    expect(openString('q = """\nSELECT *\nFROM t')?.body).toBe(
      '\nSELECT *\nFROM t'
    );
    expect(openString("s = '''one''' + f'{a}")?.body).toBe('{a}');
    expect(openString('s = "ends at the line\nt = 2')).toBeNull();
  });
});

describe('sqlSpot', () => {
  it('finds SQL in magics and in strings passed to SQL calls, not in other strings', () => {
    expect(sqlSpot('%%sql\nSELECT * FROM ', 'python')).toEqual({
      before: 'SELECT * FROM ',
      via: 'cell-magic'
    });
    expect(sqlSpot('%%sql', 'python')).toBeNull();
    expect(sqlSpot('x = 1\n%sql SELECT count(*) FROM ev', 'python')?.via).toBe(
      'line-magic'
    );
    const duck = sqlSpot(
      'rel = duckdb.sql("SELECT amount FROM orders WHERE ',
      'python'
    );
    expect(duck).toEqual({
      before: 'SELECT amount FROM orders WHERE ',
      via: 'string',
      call: 'duckdb.sql'
    });
    expect(sqlSpot('df = con.execute("""\n  SELECT k', 'python')?.call).toBe(
      'con.execute'
    );
    expect(
      sqlSpot('df = spark.sql(f"SELECT * FROM {t} WHERE ', 'python')?.call
    ).toBe('spark.sql');
    expect(sqlSpot('pd.read_sql(sql="SELECT ', 'python')?.call).toBe(
      'pd.read_sql'
    );
    expect(sqlSpot('conn.execute(text("SELECT ', 'python')?.call).toBe('text');
    expect(sqlSpot('print("SELECT ', 'python')).toBeNull();
    expect(sqlSpot('duckdb.sql("SELECT 1") + "more', 'python')).toBeNull();
    expect(sqlSpot('SELECT * FROM ', 'sql')?.via).toBe('cell-magic');
  });
});

describe('selectSchemas', () => {
  it('puts names of the current cell first, then the cells above nearest first, and leaves the rest out', () => {
    const picked = selectSchemas(
      {
        prefix: 'orders.groupby("',
        suffix: '',
        previousCells: ['x = customers.head()', 'weather2 = 1'],
        schemas: [unrelated, customers, orders]
      },
      null
    );
    expect(picked.map(e => e.name)).toEqual(['orders', 'customers']);
  });

  it('in SQL, includes connections whose tables are named, and connections as a fallback', () => {
    const sql = sqlSpot('con.sql("SELECT kind FROM events WHERE ', 'python');
    const picked = selectSchemas(
      {
        prefix: 'con.sql("SELECT kind FROM events WHERE ',
        suffix: '',
        previousCells: [],
        schemas: [unrelated, con]
      },
      sql
    );
    expect(picked.map(e => e.name)).toEqual(['con']);
    const fallback = selectSchemas(
      {
        prefix: '%%sql\nSELECT ',
        suffix: '',
        previousCells: [],
        schemas: [con]
      },
      sqlSpot('%%sql\nSELECT ', 'python')
    );
    expect(fallback.map(e => e.name)).toEqual(['con']);
  });
});

describe('buildCompletionPrompt', () => {
  it('puts real column names in the stable part and the cursor in the dynamic part', () => {
    const prompt = buildCompletionPrompt({
      prefix: 'orders.groupby("',
      suffix: '")',
      language: 'python',
      previousCells: ['orders = pd.read_csv("orders.csv")'],
      schemas: [orders, unrelated],
      instructions:
        '---\napplyTo: "**"\n---\nWe use DuckDB for SQL and polars for dataframes.',
      budgetChars: 6000
    });
    expect(prompt.stable).toContain('order_id: int64');
    expect(prompt.stable).toContain('customer_id');
    expect(prompt.stable).not.toContain('weather');
    expect(prompt.stable).toContain('We use DuckDB');
    expect(prompt.stable).not.toContain('applyTo');
    expect(prompt.dynamic).toContain(`orders.groupby("${CURSOR}")`);
    expect(prompt.dynamic).toContain('orders = pd.read_csv');
    expect(prompt.schemaNames).toEqual(['orders']);
    expect(prompt.sql).toBeNull();
  });

  it('keeps within the budget: long prefixes cut from the start, the nearest cells kept first', () => {
    const long = Array.from({ length: 400 }, (_, i) => `line_${i} = ${i}`).join(
      '\n'
    );
    const cells = Array.from(
      { length: 30 },
      (_, i) => `cell_${i} = "${'x'.repeat(200)}"`
    );
    const prompt = buildCompletionPrompt({
      prefix: long + '\ntotal = ',
      suffix: '',
      language: 'python',
      previousCells: cells,
      schemas: [],
      budgetChars: 2000
    });
    expect(prompt.dynamic.length).toBeLessThan(2000 + 400);
    expect(prompt.dynamic).toContain(`total = ${CURSOR}`);
    expect(prompt.dynamic).not.toContain('line_0 =');
    expect(prompt.dynamic).toContain('cell_0 =');
    expect(prompt.dynamic).not.toContain('cell_29 =');
  });

  it('says when the cursor is in SQL', () => {
    const prompt = buildCompletionPrompt({
      prefix: 'duckdb.sql("SELECT kind FROM events WHERE ',
      suffix: '")',
      language: 'python',
      previousCells: [],
      schemas: [con],
      budgetChars: 4000
    });
    expect(prompt.dynamic).toContain('a string passed to duckdb.sql');
    expect(prompt.stable).toContain(
      'table memory.main.events: ts: TIMESTAMP, kind: VARCHAR'
    );
  });
});

describe('trimSuggestion and shortInstructions', () => {
  it('drops fences, the marker, and an ending the suffix already has', () => {
    expect(trimSuggestion('customer_id")', '")')).toBe('customer_id');
    expect(trimSuggestion('```python\namount").sum()\n```', '")')).toBe(
      'amount").sum()'
    );
    expect(trimSuggestion(`x + 1${CURSOR}`, '')).toBe('x + 1');
    expect(trimSuggestion('a, b)\nprint(c)', ')\nprint(c)')).toBe('a, b');
    expect(trimSuggestion('value', '')).toBe('value');
  });

  it('keeps the instructions short', () => {
    const text = 'First paragraph.\n' + 'word '.repeat(400);
    expect(shortInstructions(text, 100).length).toBeLessThanOrEqual(100);
    expect(shortInstructions(null)).toBe('');
  });
});

describe('buildCompletionPrompt and secrets', () => {
  it('masks literal secrets in the cell, the cells above and the instructions', () => {
    const key = 'sk-live-4f9a8b7c6d5e4f3a2b1c0d9e';
    const prompt = buildCompletionPrompt({
      prefix: `api_token = "${key}"\nresp = requests.get(url, headers={"Authorization": api_`,
      suffix: ')\npassword = "hunter2"',
      language: 'python',
      previousCells: ['conn = psycopg.connect("postgresql://etl:pw123@db/x")'],
      schemas: [],
      instructions: 'Our staging key is AKIAABCDEFGHIJKLMNOP.',
      budgetChars: 6000
    });
    const sent = prompt.stable + prompt.dynamic;
    for (const secret of [key, 'hunter2', 'pw123', 'AKIAABCDEFGHIJKLMNOP']) {
      expect(sent).not.toContain(secret);
    }
    expect(prompt.dynamic).toContain(
      `api_token = "<redacted, 32 chars>"\nresp = requests.get(url, headers={"Authorization": api_${CURSOR})`
    );
  });
});

describe('sensitiveDocument', () => {
  it("applies the file tools' sensitive-path rules (and the setting) to the open document", () => {
    const rules = new SensitivePaths({ extra: ['secrets/'] });
    const doc = (path: string) => ({ context: { path } });
    expect(sensitiveDocument(doc('.env.production.py'), rules)?.what).toMatch(
      /environment file/
    );
    expect(sensitiveDocument(doc('home/.aws/loader.py'), rules)).not.toBeNull();
    expect(
      sensitiveDocument(doc('secrets/warehouse.sql'), rules)
    ).not.toBeNull();
    expect(sensitiveDocument(doc('etl/load.py'), rules)).toBeNull();
    expect(sensitiveDocument({}, rules)).toBeNull();
  });
});
