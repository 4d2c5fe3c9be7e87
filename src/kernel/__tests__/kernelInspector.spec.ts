/** @jest-environment node */
import { mentionsOf } from '../../agent/assistant';
import {
  bootstrapCode,
  inspectExpression,
  KernelInspector,
  pythonStringLiteral,
  scratchCode
} from '../kernelInspector';
import { KernelUnavailable } from '../../kernelChannel';
import { variablesSummary } from '../tools';

/** A kernel that answers execute requests with a scripted function. */
function fakeKernel(
  answer: (content: any) => any,
  options: { language?: string; status?: string; delayMs?: number } = {}
) {
  const requests: any[] = [];
  const kernel: any = {
    id: 'k1',
    isDisposed: false,
    status: options.status ?? 'idle',
    info: Promise.resolve({
      language_info: { name: options.language ?? 'python' }
    }),
    requestExecute(content: any) {
      requests.push(content);
      const done = new Promise(resolve =>
        setTimeout(
          () => resolve({ content: answer(content) }),
          options.delayMs ?? 0
        )
      );
      return { done, onIOPub: null };
    }
  };
  return { kernel, requests };
}

const ok = (json: unknown) => ({
  status: 'ok',
  user_expressions: {
    result: { status: 'ok', data: { 'text/plain': JSON.stringify(json) } }
  }
});

describe('KernelInspector', () => {
  it('bootstraps the helper once, silently, when the module is missing', async () => {
    let loaded = false;
    const { kernel, requests } = fakeKernel(content => {
      if (content.code) {
        loaded = true;
        return { status: 'ok', user_expressions: {} };
      }
      return loaded
        ? ok({
            variables: [{ name: 'df', kind: 'pandas.DataFrame', shape: [3, 2] }]
          })
        : {
            status: 'ok',
            user_expressions: {
              result: {
                status: 'error',
                ename: 'KeyError',
                evalue: "'__jl_data_engineer__'"
              }
            }
          };
    });
    const inspector = new KernelInspector(kernel);
    const listing = await inspector.listVariables();
    expect(listing.variables[0].name).toBe('df');
    await inspector.listVariables();
    expect(requests.filter(r => r.code)).toHaveLength(1);
    for (const request of requests) {
      expect(request).toMatchObject({
        silent: true,
        store_history: false,
        allow_stdin: false
      });
    }
    expect(requests[1].code).toBe(await bootstrapCode());
  });

  it('refuses non-Python and dead kernels with a clear message', async () => {
    await expect(
      new KernelInspector(
        fakeKernel(() => ok({}), { language: 'R' }).kernel
      ).listVariables()
    ).rejects.toThrow("Python kernels only; this notebook's kernel runs R");
    await expect(
      new KernelInspector(
        fakeKernel(() => ok({}), { status: 'dead' }).kernel
      ).listVariables()
    ).rejects.toThrow('not running');
  });

  it('reports a busy kernel instead of hanging', async () => {
    const { kernel } = fakeKernel(() => ok({}), { delayMs: 500 });
    const error = await new KernelInspector(kernel)
      .listVariables({ timeoutMs: 50 })
      .catch(e => e);
    expect(error).toBeInstanceOf(KernelUnavailable);
    expect(error.reason).toBe('busy');
  });

  it('builds expressions and a bootstrap that survive any source text', async () => {
    expect(inspectExpression('orders', 3)).toBe(
      "(lambda m: m if getattr(m, 'PROTOCOL', 0) == 2 else {}['stale'])(__import__('sys').modules['__jl_data_engineer__'])" +
        '.inspect_variable(get_ipython().user_ns, "orders", sample_rows=3)'
    );
    expect(inspectExpression('Out[3]')).toContain('"Out[3]")');
    const code = await bootstrapCode('x = \'$&\' + "\\n"');
    expect(code).toContain(JSON.stringify('x = \'$&\' + "\\n"'));
    expect(code.startsWith('(lambda m:')).toBe(true);
  });

  it('wraps scratch code in the helper call that keeps _, _N and Out', () => {
    const source = '%time df.head()\nprint(\'$&\', "x")';
    expect(scratchCode(source)).toBe(
      "(lambda m: m if getattr(m, 'PROTOCOL', 0) == 2 else {}['stale'])(__import__('sys').modules['__jl_data_engineer__'])" +
        `.run_scratch(${JSON.stringify(source)})`
    );
  });

  it('loads the helper on demand and answers its protocol', async () => {
    let loaded = false;
    const { kernel, requests } = fakeKernel(content => {
      if (content.code) {
        loaded = true;
        return { status: 'ok', user_expressions: {} };
      }
      return loaded
        ? {
            status: 'ok',
            user_expressions: {
              result: { status: 'ok', data: { 'text/plain': "'2'" } }
            }
          }
        : {
            status: 'ok',
            user_expressions: {
              result: { status: 'error', ename: 'KeyError', evalue: '' }
            }
          };
    });
    expect(await new KernelInspector(kernel).ensureLoaded()).toBe(2);
    expect(requests.map(r => Boolean(r.code))).toEqual([false, true, false]);
    expect(requests[0].user_expressions.result).toContain(
      "getattr(m, 'PROTOCOL', 0) == 2"
    );
  });

  it('reads bare JSON and quoted Python literals', () => {
    expect(pythonStringLiteral('{"a": 1}')).toBe('{"a": 1}');
    expect(pythonStringLiteral('\'{"a": "it\\\'s\\n"}\'')).toBe(
      '{"a": "it\'s\n"}'
    );
    expect(() => pythonStringLiteral('<object>')).toThrow();
  });
});

describe('mentions and the variables summary', () => {
  it('finds @mentions', () => {
    expect(
      mentionsOf(
        'compare @orders with @customers, and (@orders) again; mail a@b.c'
      )
    ).toEqual(['orders', 'customers']);
  });

  it('lists data frames compactly within a budget', () => {
    const listing = {
      variables: [
        { name: 'orders', kind: 'pandas.DataFrame', shape: [500, 9] },
        { name: 'lazy', kind: 'polars.LazyFrame', n_columns: 4 },
        { name: 'n', kind: 'int', value: 3 }
      ]
    };
    expect(variablesSummary(listing)).toBe(
      '## Data in the kernel (use inspect_variable for columns and samples)\n' +
        '- orders: pandas.DataFrame 500×9\n' +
        '- lazy: polars.LazyFrame, 4 columns'
    );
    expect(
      variablesSummary({ variables: [{ name: 'n', kind: 'int' }] })
    ).toBeNull();
    const many = {
      variables: Array.from({ length: 200 }, (_, i) => ({
        name: `frame_${i}`,
        kind: 'pandas.DataFrame',
        shape: [1, 1]
      }))
    };
    const text = variablesSummary(many, 400)!;
    expect(text.length).toBeLessThan(500);
    expect(text).toMatch(/… \d+ more$/);
  });
});

describe('run_scratch', () => {
  const { createKernelTools, KERNELS_SERVICE, KernelInspectors } =
    jest.requireActual('../tools');
  const tool = createKernelTools().find((t: any) => t.name === 'run_scratch');

  /** A kernel whose execution emits the given IOPub messages, then replies. */
  function kernelEmitting(
    messages: { type: string; content: any }[],
    options: { hang?: boolean; helper?: boolean } = {}
  ) {
    const sent: any[] = [];
    let interrupted = false;
    const kernel: any = {
      status: 'idle',
      info: Promise.resolve({ language_info: { name: 'python' } }),
      interrupt: async () => {
        interrupted = true;
      },
      requestExecute(content: any) {
        const future: any = { onIOPub: null };
        if (content.user_expressions?.result) {
          // The helper's protocol check: answered when the helper is "loaded".
          future.done = Promise.resolve({
            content: options.helper
              ? {
                  status: 'ok',
                  user_expressions: {
                    result: { status: 'ok', data: { 'text/plain': "'2'" } }
                  }
                }
              : {
                  status: 'ok',
                  user_expressions: {
                    result: { status: 'error', ename: 'NameError', evalue: 'x' }
                  }
                }
          });
          return future;
        }
        sent.push(content);
        future.done = new Promise(resolve => {
          setTimeout(() => {
            future.onIOPub?.({
              header: { msg_type: 'status' },
              content: { execution_state: 'busy' }
            });
            for (const m of messages) {
              future.onIOPub?.({
                header: { msg_type: m.type },
                content: m.content
              });
            }
            if (!options.hang) {
              resolve({ content: { status: 'ok' } });
            }
          }, 5);
        });
        return future;
      }
    };
    const services = {
      notebooks: {
        resolve: async () => ({
          path: 'a.ipynb',
          kernelConnection: () => kernel
        })
      },
      [KERNELS_SERVICE]: new KernelInspectors()
    };
    return { kernel, sent, services, wasInterrupted: () => interrupted };
  }

  it('returns printed output and results without creating a cell or history', async () => {
    const { sent, services } = kernelEmitting([
      {
        type: 'stream',
        content: { name: 'stdout', text: 'IT    2\nFR    1\n' }
      },
      {
        type: 'execute_result',
        content: {
          data: { 'text/plain': 'Name: country' },
          metadata: {},
          execution_count: null
        }
      }
    ]);
    const result = await tool.run(
      { code: "df['country'].value_counts()" },
      { signal: new AbortController().signal, services }
    );
    expect(sent[0]).toMatchObject({ store_history: false, allow_stdin: false });
    expect(result.isError).toBe(false);
    expect(JSON.stringify(result.content)).toContain('IT    2');
    expect(JSON.stringify(result.content)).toContain('Name: country');
  });

  it('reports errors, and Stop interrupts the kernel', async () => {
    const failing = kernelEmitting([
      {
        type: 'error',
        content: {
          ename: 'KeyError',
          evalue: "'amount'",
          traceback: ['KeyError']
        }
      }
    ]);
    const error = await tool.run(
      { code: "df['amount']" },
      { signal: new AbortController().signal, services: failing.services }
    );
    expect(error.isError).toBe(true);
    expect(JSON.stringify(error.content)).toContain('KeyError');

    const hanging = kernelEmitting([], { hang: true, helper: true });
    const controller = new AbortController();
    const running = tool.run(
      { code: 'import time; time.sleep(60)' },
      { signal: controller.signal, services: hanging.services }
    );
    setTimeout(() => controller.abort(), 30);
    const cancelled = await running;
    expect(cancelled.isError).toBe(true);
    expect(JSON.stringify(cancelled.content)).toContain(
      'Cancelled by the user'
    );
    expect(hanging.wasInterrupted()).toBe(true);
  });

  it("runs the code through the helper when it is loaded, so _ and Out stay the user's", async () => {
    const { sent, services } = kernelEmitting([], { helper: true });
    await tool.run(
      { code: 'df.head()' },
      { signal: new AbortController().signal, services }
    );
    expect(sent.map(c => c.code)).toEqual([scratchCode('df.head()')]);
    // Without the helper (it could not load) the code runs as it is.
    const bare = kernelEmitting([]);
    await tool.run(
      { code: 'df.head()' },
      { signal: new AbortController().signal, services: bare.services }
    );
    expect(bare.sent.map(c => c.code)).toEqual(['df.head()']);
  });

  it('does not run the code when Stop came while the helper was loading', async () => {
    const { sent, services } = kernelEmitting([], { helper: true });
    const controller = new AbortController();
    controller.abort();
    const result = await tool.run(
      { code: 'df.head()' },
      { signal: controller.signal, services }
    );
    expect(result.isError).toBe(true);
    expect(sent).toEqual([]);
  });

  it('asks before destructive scratch code', () => {
    expect(tool.defaultApproval).toBe('ask');
    expect(tool.riskOf({ code: 'con.sql("DROP TABLE orders")' })).toBeTruthy();
    expect(tool.riskOf({ code: 'df.head()' })).toBeNull();
  });
});
