/** @jest-environment node */
import { mentionsOf } from '../agent/assistant';
import {
  bootstrapCode,
  inspectExpression,
  InspectorUnavailable,
  KernelInspector,
  pythonStringLiteral
} from '../kernel/kernelInspector';
import { variablesSummary } from '../tools/kernel';

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
    info: Promise.resolve({ language_info: { name: options.language ?? 'python' } }),
    requestExecute(content: any) {
      requests.push(content);
      const done = new Promise(resolve =>
        setTimeout(() => resolve({ content: answer(content) }), options.delayMs ?? 0)
      );
      return { done, onIOPub: null };
    }
  };
  return { kernel, requests };
}

const ok = (json: unknown) => ({
  status: 'ok',
  user_expressions: { result: { status: 'ok', data: { 'text/plain': JSON.stringify(json) } } }
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
        ? ok({ variables: [{ name: 'df', kind: 'pandas.DataFrame', shape: [3, 2] }] })
        : { status: 'ok', user_expressions: { result: { status: 'error', ename: 'KeyError', evalue: "'__jl_data_engineer__'" } } };
    });
    const inspector = new KernelInspector(kernel);
    const listing = await inspector.listVariables();
    expect(listing.variables[0].name).toBe('df');
    await inspector.listVariables();
    expect(requests.filter(r => r.code)).toHaveLength(1);
    for (const request of requests) {
      expect(request).toMatchObject({ silent: true, store_history: false, allow_stdin: false });
    }
    expect(requests[1].code).toBe(bootstrapCode());
  });

  it('refuses non-Python and dead kernels with a clear message', async () => {
    await expect(new KernelInspector(fakeKernel(() => ok({}), { language: 'R' }).kernel).listVariables())
      .rejects.toThrow('Python kernels only; this notebook\'s kernel runs R');
    await expect(new KernelInspector(fakeKernel(() => ok({}), { status: 'dead' }).kernel).listVariables())
      .rejects.toThrow('not running');
  });

  it('reports a busy kernel instead of hanging', async () => {
    const { kernel } = fakeKernel(() => ok({}), { delayMs: 500 });
    const error = await new KernelInspector(kernel).listVariables({ timeoutMs: 50 }).catch(e => e);
    expect(error).toBeInstanceOf(InspectorUnavailable);
    expect(error.reason).toBe('busy');
  });

  it('builds expressions and a bootstrap that survive any source text', () => {
    expect(inspectExpression('orders', 3)).toBe(
      "__import__('sys').modules['__jl_data_engineer__'].inspect_variable(get_ipython().user_ns, \"orders\", sample_rows=3)"
    );
    expect(inspectExpression('Out[3]')).toContain('"Out[3]")');
    const code = bootstrapCode("x = '$&' + \"\\n\"");
    expect(code).toContain(JSON.stringify("x = '$&' + \"\\n\""));
    expect(code.startsWith('(lambda m:')).toBe(true);
  });

  it('reads bare JSON and quoted Python literals', () => {
    expect(pythonStringLiteral('{"a": 1}')).toBe('{"a": 1}');
    expect(pythonStringLiteral("'{\"a\": \"it\\'s\\n\"}'")).toBe('{"a": "it\'s\n"}');
    expect(() => pythonStringLiteral('<object>')).toThrow();
  });
});

describe('mentions and the variables summary', () => {
  it('finds @mentions', () => {
    expect(mentionsOf('compare @orders with @customers, and (@orders) again; mail a@b.c')).toEqual([
      'orders',
      'customers'
    ]);
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
    expect(variablesSummary({ variables: [{ name: 'n', kind: 'int' }] })).toBeNull();
    const many = { variables: Array.from({ length: 200 }, (_, i) => ({ name: `frame_${i}`, kind: 'pandas.DataFrame', shape: [1, 1] })) };
    const text = variablesSummary(many, 400)!;
    expect(text.length).toBeLessThan(500);
    expect(text).toMatch(/… \d+ more$/);
  });
});
