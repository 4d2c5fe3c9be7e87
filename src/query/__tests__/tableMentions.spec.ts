/** @jest-environment node */
// The composer's `@` menu lists the catalog's tables (the query tools' cache), and a
// mentioned table's description (columns, keys, estimate; bounded) goes into the turn.
import '../../notebook/__tests__/jupyterlabMocks';
import { Signal } from '@lumino/signaling';
import { testAssistant } from '../../__tests__/assistantFixtures';
import { QueryService } from '../service';
import {
  createTableMentions,
  MAX_TABLE_MENTION_CHARS,
  tableMentionText
} from '../tableMentions';

const ORDERS = {
  name: 'orders',
  schema: 'main',
  kind: 'BASE TABLE',
  columns: [
    { name: 'o_orderkey', type: 'INTEGER', nullable: false },
    { name: 'o_custkey', type: 'INTEGER', nullable: false },
    { name: 'o_total', type: 'DECIMAL(12,2)', nullable: true }
  ],
  primary_key: ['o_orderkey'],
  foreign_keys: [
    {
      columns: ['o_custkey'],
      references: 'customer',
      ref_columns: ['c_custkey']
    }
  ],
  rows_estimate: 20000,
  engine: 'duckdb'
};

/** A kernel answering the query helper's calls (one JSON value each), with its status and iopub. */
function catalogKernel(answers: (expression: string) => unknown) {
  const expressions: string[] = [];
  const kernel = {
    expressions,
    status: 'idle',
    info: Promise.resolve({ language_info: { name: 'python' } }),
    iopubMessage: null as unknown as Signal<unknown, any>,
    interrupt: () => Promise.resolve(),
    requestExecute(content: any) {
      const expression = content.user_expressions?.result as string | undefined;
      if (expression) {
        expressions.push(expression);
      }
      const value = expression ? answers(expression) : null;
      return {
        done: Promise.resolve({
          content: {
            status: 'ok',
            user_expressions: expression
              ? {
                  result: {
                    status: 'ok',
                    data: { 'text/plain': JSON.stringify(value) }
                  }
                }
              : {}
          }
        })
      } as any;
    }
  };
  kernel.iopubMessage = new Signal<unknown, any>(kernel);
  return kernel;
}

function catalog(e: string): unknown {
  if (e.includes('.gateway_connections(')) {
    return {
      connections: [
        { name: 'con', engine: 'duckdb' },
        { name: null, engine: 'duckdb', default: 'duckdb.default_connection' }
      ]
    };
  }
  if (e.includes('.gateway_list_tables(')) {
    return e.includes('"con"')
      ? {
          engine: 'duckdb',
          tables: [
            { name: 'orders', schema: 'main', kind: 'table', columns: 3 },
            { name: 'customer', schema: 'main', kind: 'table', columns: 2 },
            { name: 'order view', schema: 'main', kind: 'view', columns: 1 }
          ],
          total: 3
        }
      : {
          engine: 'duckdb',
          tables: [
            { name: 'orders', kind: 'table', columns: 1 },
            { name: 'daily_orders', kind: 'VIEW', columns: 2 }
          ],
          total: 2
        };
  }
  if (e.includes('.gateway_describe(')) {
    return ORDERS;
  }
  return { error: 'unexpected' };
}

function setup(answers = catalog) {
  const kernel = catalogKernel(answers);
  const service = new QueryService({
    notebooks: null,
    settings: () => ({ tolerance: 0, timeBudgetS: 1 })
  });
  let active: typeof kernel | null = kernel;
  const source = createTableMentions(service, () => active as any);
  const calls = (what: string) =>
    kernel.expressions.filter(e => e.includes(what)).length;
  return {
    kernel,
    service,
    source,
    calls,
    setActive: (k: typeof kernel | null) => (active = k)
  };
}

describe('tables in the @ menu', () => {
  it("lists every connection's tables (mentionable names, first connection wins), cached until a cell runs", async () => {
    const { kernel, source, calls } = setup();
    expect(await source.items()).toEqual([
      {
        name: 'orders',
        kind: 'table',
        detail: 'duckdb, connection `con`'
      },
      { name: 'customer', kind: 'table', detail: 'duckdb, connection `con`' },
      {
        name: 'daily_orders',
        kind: 'view',
        detail: 'duckdb, the duckdb default connection'
      }
    ]);
    expect(calls('.gateway_connections(')).toBe(1);
    expect(calls('.gateway_list_tables(')).toBe(2);
    // The menu again: the cache answers.
    await source.items();
    expect(kernel.expressions.length).toBe(3);
    // A cell ran: the catalog is read again.
    kernel.iopubMessage.emit({ header: { msg_type: 'execute_input' } });
    await source.items();
    expect(calls('.gateway_list_tables(')).toBe(4);
  });

  it('shares the cache with list_tables (one key for the same connection and page)', async () => {
    const { kernel, service, source } = setup();
    const helper = service.helperFor(kernel as any);
    await source.items();
    const before = kernel.expressions.length;
    const { catalogKey } = await import('../service');
    const answer = await service.cachedCatalog(
      helper,
      catalogKey.list(
        { connection: 'con', engine: null },
        { pattern: null, schema: null, next: null, detail: false }
      ),
      async () => ({ tables: [] })
    );
    expect((answer as any).tables.map((t: any) => t.name)).toContain('orders');
    expect(kernel.expressions.length).toBe(before);
  });

  it('gives no tables, without asking the kernel, when it is busy, dead or missing; none without connections', async () => {
    const { kernel, source, setActive } = setup();
    kernel.status = 'busy';
    expect(await source.items()).toEqual([]);
    expect(await source.attachment('orders')).toBeNull();
    kernel.status = 'dead';
    expect(await source.items()).toEqual([]);
    setActive(null);
    expect(await source.items()).toEqual([]);
    expect(kernel.expressions).toEqual([]);

    const empty = setup(e =>
      e.includes('.gateway_connections(') ? { connections: [] } : catalog(e)
    );
    expect(await empty.source.items()).toEqual([]);
    expect(empty.calls('.gateway_list_tables(')).toBe(0);

    const failing = setup(() => ({ error: 'ModuleNotFoundError: duckdb' }));
    expect(await failing.source.items()).toEqual([]);
  });

  it("a mention's attachment: columns with types, keys and the row estimate, from describe", async () => {
    const { source, calls, kernel } = setup();
    const attachment = await source.attachment('orders');
    expect(attachment!.label).toBe('@orders (table)');
    const text = attachment!.text;
    expect(text).toContain(
      'base table main.orders (duckdb, connection `con`): about 20,000 rows.'
    );
    expect(text).toContain('- o_orderkey INTEGER NOT NULL');
    expect(text).toContain('- o_total DECIMAL(12,2)\n');
    expect(text).toContain('Primary key: o_orderkey');
    expect(text).toContain('Foreign key: o_custkey → customer(c_custkey)');
    const describe = kernel.expressions.find(e =>
      e.includes('.gateway_describe(')
    )!;
    expect(describe).toContain('"con"');
    expect(describe).toContain('"orders"');
    // Not one of the catalog's tables: nothing, and no describe.
    expect(await source.attachment('df')).toBeNull();
    expect(calls('.gateway_describe(')).toBe(1);
  });

  it('bounds the text: a wide table lists the columns that fit and counts the rest', () => {
    const wide = {
      ...ORDERS,
      columns: Array.from({ length: 2000 }, (_, i) => ({
        name: `column_with_a_long_name_${i}`,
        type: 'VARCHAR',
        comment: 'x'.repeat(400)
      }))
    };
    const text = tableMentionText(wide, {
      name: 'orders',
      engine: 'duckdb',
      connectionLabel: 'connection `con`'
    });
    expect(text.length).toBeLessThanOrEqual(MAX_TABLE_MENTION_CHARS);
    expect(text).toMatch(/- … \d+ more columns \(describe_table lists them\)/);
    expect(text).toContain('Primary key: o_orderkey');
    expect(text).toContain('Columns (2000):');
    for (const line of text.split('\n')) {
      expect(line.length).toBeLessThanOrEqual(300);
    }
  });

  it('the assistant offers the tables after the variables and attaches a mentioned table to the turn', async () => {
    const { source } = setup();
    const { assistant, requests } = testAssistant({
      replies: [{ text: 'ok' }],
      variables: {
        names: async () => ['df'],
        summary: async name => `variable ${name}`
      }
    });
    assistant.mentionSources.add(source);
    expect((await assistant.mentionItems()).map(i => i.name)).toEqual([
      'df',
      'orders',
      'customer',
      'daily_orders'
    ]);
    await assistant.send('How many @orders per @df row? @nothing');
    const sent = JSON.stringify(requests[0].body.messages);
    expect(sent).toContain('@orders (table)');
    expect(sent).toContain('o_custkey INTEGER NOT NULL');
    expect(sent).toContain('variable df');
    expect(sent).not.toContain('@nothing (');
  });
});
