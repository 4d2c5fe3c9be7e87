/** @jest-environment node */
import {
  helperBootstrap,
  helperRef,
  IKernelHelper,
  KernelChannel,
  KernelUnavailable
} from '../kernelChannel';

/** A kernel whose requests start and end when the test says so. */
function manualKernel(options: { subshellId?: string } = {}) {
  const futures: any[] = [];
  const kernel: any = {
    subshellId: options.subshellId ?? null,
    interrupts: 0,
    async interrupt() {
      kernel.interrupts++;
    },
    requestExecute(content: any) {
      const future: any = { content, onIOPub: null };
      future.done = new Promise(resolve => {
        future.reply = (
          reply: any = { status: 'ok', user_expressions: {} }
        ) => {
          future.onIOPub?.({
            header: { msg_type: 'status' },
            content: { execution_state: 'idle' }
          });
          resolve({ content: reply });
        };
      });
      future.start = () =>
        future.onIOPub?.({
          header: { msg_type: 'status' },
          content: { execution_state: 'busy' }
        });
      futures.push(future);
      return future;
    }
  };
  return { kernel, futures };
}

const tick = () => new Promise(resolve => setTimeout(resolve, 0));

describe('KernelChannel.execute', () => {
  it('sends silent requests by default, scratch and cell ones when asked', async () => {
    const { kernel, futures } = manualKernel();
    const channel = new KernelChannel(kernel);
    const silent = channel.execute('x', { userExpressions: { a: '1' } });
    futures[0].reply();
    await silent;
    expect(futures[0].content).toEqual({
      code: 'x',
      silent: true,
      store_history: false,
      stop_on_error: false,
      allow_stdin: false,
      user_expressions: { a: '1' }
    });
    const scratch = channel.execute('y', { mode: 'scratch' });
    futures[1].reply();
    await scratch;
    expect(futures[1].content).toMatchObject({
      silent: false,
      store_history: false,
      stop_on_error: true
    });
    const cell = channel.execute('z', { mode: 'cell' });
    futures[2].reply();
    await cell;
    expect(futures[2].content).toMatchObject({
      silent: false,
      store_history: true,
      stop_on_error: true
    });
  });

  it('passes IOPub messages on and resolves to the reply', async () => {
    const { kernel, futures } = manualKernel();
    const seen: string[] = [];
    const running = new KernelChannel(kernel).execute('print(1)', {
      onIOPub: msg => seen.push(msg.header.msg_type)
    });
    futures[0].start();
    futures[0].onIOPub({
      header: { msg_type: 'stream' },
      content: { name: 'stdout', text: '1\n' }
    });
    futures[0].reply({ status: 'error', ename: 'E', evalue: 'v' });
    expect(await running).toMatchObject({ status: 'error', ename: 'E' });
    expect(seen).toEqual(['status', 'stream', 'status']);
  });

  it('Stop interrupts the kernel while the request runs, and rejects at once', async () => {
    const { kernel, futures } = manualKernel();
    const controller = new AbortController();
    const running = new KernelChannel(kernel).execute('sleep()', {
      signal: controller.signal
    });
    futures[0].start();
    controller.abort();
    const error = await running.catch(e => e);
    expect(error).toBeInstanceOf(KernelUnavailable);
    expect(error).toMatchObject({
      reason: 'cancelled',
      interrupted: true,
      message: 'Cancelled by the user.'
    });
    expect(kernel.interrupts).toBe(1);
  });

  it('does not send a request already stopped', async () => {
    const { kernel, futures } = manualKernel();
    const controller = new AbortController();
    controller.abort();
    await expect(
      new KernelChannel(kernel).execute('x', { signal: controller.signal })
    ).rejects.toMatchObject({ reason: 'cancelled' });
    expect(futures).toHaveLength(0);
  });

  it("never interrupts a user's cell: a queued request is interrupted when it starts", async () => {
    const { kernel, futures } = manualKernel();
    const controller = new AbortController();
    const running = new KernelChannel(kernel).execute('install()', {
      signal: controller.signal
    });
    controller.abort();
    await expect(running).rejects.toMatchObject({
      reason: 'cancelled',
      interrupted: false
    });
    expect(kernel.interrupts).toBe(0);
    futures[0].start();
    expect(kernel.interrupts).toBe(1);
  });

  it('a quick read: Stop interrupts it while it runs, never later, and a timeout leaves it to finish', async () => {
    const { kernel, futures } = manualKernel();
    const channel = new KernelChannel(kernel);
    const controller = new AbortController();
    const queued = channel.execute('', {
      signal: controller.signal,
      quickRead: true
    });
    controller.abort();
    await expect(queued).rejects.toMatchObject({ reason: 'cancelled' });
    futures[0].start();
    expect(kernel.interrupts).toBe(0);

    const slow = channel.execute('', { timeoutMs: 10, quickRead: true });
    futures[1].start();
    await expect(slow).rejects.toMatchObject({
      reason: 'busy',
      interrupted: false
    });
    expect(kernel.interrupts).toBe(0);

    const other = new AbortController();
    const running = channel.execute('', {
      signal: other.signal,
      quickRead: true
    });
    futures[2].start();
    other.abort();
    await expect(running).rejects.toMatchObject({
      reason: 'cancelled',
      interrupted: true
    });
    expect(kernel.interrupts).toBe(1);
  });

  it('does not interrupt for a subshell request (an interrupt reaches the main shell)', async () => {
    const { kernel, futures } = manualKernel({ subshellId: 's1' });
    const controller = new AbortController();
    const running = new KernelChannel(kernel).execute('', {
      signal: controller.signal
    });
    futures[0].start();
    controller.abort();
    await expect(running).rejects.toMatchObject({
      reason: 'cancelled',
      interrupted: false
    });
    expect(kernel.interrupts).toBe(0);
  });

  it('times out with a clear error, interrupting what runs', async () => {
    const { kernel, futures } = manualKernel();
    const running = new KernelChannel(kernel).execute('loop()', {
      timeoutMs: 20
    });
    futures[0].start();
    const error = await running.catch(e => e);
    expect(error).toMatchObject({
      reason: 'busy',
      interrupted: true,
      message: 'No answer from the kernel within 0 s.'
    });
    expect(kernel.interrupts).toBe(1);
  });

  it("with answersInterrupt, Stop interrupts and waits for the code's own answer", async () => {
    const { kernel, futures } = manualKernel();
    const controller = new AbortController();
    const running = new KernelChannel(kernel).execute('', {
      signal: controller.signal,
      answersInterrupt: true
    });
    futures[0].start();
    controller.abort();
    expect(kernel.interrupts).toBe(1);
    await tick();
    futures[0].reply({
      status: 'ok',
      user_expressions: { result: 'cancelled' }
    });
    expect(await running).toMatchObject({
      user_expressions: { result: 'cancelled' }
    });
  });

  it("rejects with the kernel's error when the request goes away (restart)", async () => {
    const { kernel } = manualKernel();
    kernel.requestExecute = () => ({
      done: Promise.reject(new Error('Canceled future for execute_request'))
    });
    await expect(new KernelChannel(kernel).execute('x')).rejects.toThrow(
      'Canceled future'
    );
  });
});

/** A kernel that keeps helper modules in its `sys.modules` and forgets them on restart. */
function helperKernel() {
  const modules = new Set<string>();
  const requests: any[] = [];
  const kernel: any = {
    modules,
    requests,
    restart: () => modules.clear(),
    interrupt: async () => undefined,
    requestExecute(content: any) {
      requests.push(content);
      const future: any = { onIOPub: null };
      let reply: any = { status: 'ok', user_expressions: {} };
      const loaded = /ModuleType\('([^']+)'\)\)$/.exec(content.code);
      if (loaded) {
        modules.add(loaded[1]);
      }
      const expression: string | undefined = content.user_expressions?.result;
      if (expression) {
        const module = /modules\['([^']+)'\]/.exec(expression)![1];
        reply = {
          status: 'ok',
          user_expressions: {
            result: modules.has(module)
              ? {
                  status: 'ok',
                  data: {
                    'text/plain': expression.endsWith('.__name__')
                      ? `'${module}'`
                      : '{"answer": 42}'
                  }
                }
              : { status: 'error', ename: 'KeyError', evalue: `'${module}'` }
          }
        };
      }
      future.done = Promise.resolve({ content: reply });
      return future;
    }
  };
  return kernel;
}

const HELPER = {
  module: '__test_helper__',
  source: 'def answer(): ...',
  filename: '<test>',
  label: 'test helper'
} satisfies IKernelHelper;

describe('KernelChannel helpers', () => {
  it('loads a helper once, silently, and calls it', async () => {
    const kernel = helperKernel();
    const channel = new KernelChannel(kernel);
    await channel.ensureHelper(HELPER);
    await channel.ensureHelper(HELPER);
    expect(await channel.callHelper(HELPER, ref => `${ref}.answer()`)).toEqual({
      answer: 42
    });
    const loads = kernel.requests.filter((r: any) => r.code);
    expect(loads.map((r: any) => r.code)).toEqual([helperBootstrap(HELPER)]);
    for (const request of kernel.requests) {
      expect(request).toMatchObject({
        silent: true,
        store_history: false,
        allow_stdin: false
      });
    }
  });

  it('loads it again after a kernel restart', async () => {
    const kernel = helperKernel();
    const channel = new KernelChannel(kernel);
    await channel.callHelper(HELPER, ref => `${ref}.answer()`);
    kernel.restart();
    expect(await channel.callHelper(HELPER, ref => `${ref}.answer()`)).toEqual({
      answer: 42
    });
    expect(kernel.requests.filter((r: any) => r.code)).toHaveLength(2);
    await channel.ensureHelper(HELPER);
    expect(kernel.requests.filter((r: any) => r.code)).toHaveLength(2);
  });

  it('says when the helper cannot load or fails', async () => {
    const kernel = helperKernel();
    const requestExecute = kernel.requestExecute;
    kernel.requestExecute = (content: any) =>
      content.code
        ? {
            done: Promise.resolve({
              content: { status: 'error', ename: 'SyntaxError', evalue: 'bad' }
            })
          }
        : requestExecute(content);
    await expect(
      new KernelChannel(kernel).ensureHelper(HELPER)
    ).rejects.toThrow(
      'The test helper could not be loaded in the kernel: SyntaxError bad'
    );
  });

  it('checks the PROTOCOL of a versioned helper, so an old one is replaced', () => {
    expect(helperRef(HELPER)).toBe(
      "__import__('sys').modules['__test_helper__']"
    );
    const versioned = { ...HELPER, protocol: 3 };
    expect(helperRef(versioned)).toBe(
      "(lambda m: m if getattr(m, 'PROTOCOL', 0) == 3 else {}['stale'])(__import__('sys').modules['__test_helper__'])"
    );
    const code = helperBootstrap({ ...versioned, source: "x = '$&'" });
    expect(code).toContain(JSON.stringify("x = '$&'"));
    expect(code).toContain("ModuleType('__test_helper__')");
    expect(code).toContain("'<test>'");
  });
});

describe('KernelChannel helpers with a lazily loaded source', () => {
  it('loads the source the first time a kernel needs the helper, and only then', async () => {
    const load = jest.fn(async () => HELPER.source);
    const lazy: IKernelHelper = { ...HELPER, source: load };
    const kernel = helperKernel();
    const channel = new KernelChannel(kernel);
    expect(load).not.toHaveBeenCalled();
    expect(await channel.callHelper(lazy, ref => `${ref}.answer()`)).toEqual({
      answer: 42
    });
    expect(load).toHaveBeenCalledTimes(1);
    expect(
      kernel.requests.filter((r: any) => r.code).map((r: any) => r.code)
    ).toEqual([helperBootstrap(HELPER)]);
  });
});
