/**
 * @jest-environment node
 *
 * The guard's frontend half against a real Python: a stand-in kernel that runs each execute
 * request's code and user expressions in one python3 process (as a kernel would, in its main
 * namespace), so the real KernelChannel loads the real reproduce_guard.py and calls it.
 * The guard in a real ipykernel is tests/kernel/test_reproduce_guard_kernel.py.
 */
import { ChildProcessWithoutNullStreams, spawn } from 'child_process';

import { KernelChannel } from '../../kernelChannel';
import { checkHiddenState, GUARD_MODULE } from '../index';

const REPL = `
import json, sys, __main__
for line in sys.stdin:
    req = json.loads(line)
    reply = {"status": "ok", "user_expressions": {}}
    try:
        exec(compile(req["code"], "<cell>", "exec"), __main__.__dict__)
    except Exception as e:
        reply = {"status": "error", "ename": type(e).__name__, "evalue": str(e), "user_expressions": {}}
    for key, expr in req["user_expressions"].items():
        try:
            reply["user_expressions"][key] = {"status": "ok", "data": {"text/plain": repr(eval(expr, __main__.__dict__))}}
        except Exception as e:
            reply["user_expressions"][key] = {"status": "error", "ename": type(e).__name__, "evalue": str(e)}
    print(json.dumps(reply), flush=True)
`;

function pythonKernel() {
  const proc: ChildProcessWithoutNullStreams = spawn('python3', ['-c', REPL]);
  const waiting: ((reply: any) => void)[] = [];
  let buffered = '';
  proc.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf-8');
    let end: number;
    while ((end = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, end);
      buffered = buffered.slice(end + 1);
      waiting.shift()?.(JSON.parse(line));
    }
  });
  const codes: string[] = [];
  const kernel: any = {
    subshellId: null,
    async interrupt() {
      /* nothing runs long here */
    },
    requestExecute(content: any) {
      codes.push(content.code);
      const future: any = { onIOPub: null };
      future.done = new Promise(resolve => {
        waiting.push(reply => {
          future.onIOPub?.({
            header: { msg_type: 'status' },
            content: { execution_state: 'idle' }
          });
          resolve({ content: reply });
        });
        setTimeout(() => {
          future.onIOPub?.({
            header: { msg_type: 'status' },
            content: { execution_state: 'busy' }
          });
          proc.stdin.write(
            JSON.stringify({
              code: content.code,
              user_expressions: content.user_expressions ?? {}
            }) + '\n'
          );
        }, 0);
      });
      return future;
    }
  };
  return { kernel, codes, stop: () => proc.kill() };
}

describe('checkHiddenState', () => {
  it('loads the guard once and flags names from a deleted or a later cell', async () => {
    const { kernel, codes, stop } = pythonKernel();
    try {
      const channel = new KernelChannel(kernel);
      // The user's session: a cell since deleted defined `rate`; `later` ran early.
      await channel.execute('prices = [10, 20]\nrate = 0.2\nlater = 1');
      const cells = [
        { cell_type: 'code', source: ['prices = [10, 20]\n'] },
        { cell_type: 'markdown', source: 'Totals with "quotes" and \\ é' },
        {
          cell_type: 'code',
          source: 'total = sum(prices) * (1 + rate) + later'
        },
        { cell_type: 'code', source: 'later = 2\nprint(undefined_here)' }
      ];
      const report = await checkHiddenState(channel, cells);
      expect(report).toEqual({
        hidden: [
          {
            cell: 2,
            name: 'rate',
            reason: 'defined_nowhere',
            defined_below: []
          },
          {
            cell: 2,
            name: 'later',
            reason: 'defined_below',
            defined_below: [3]
          }
        ],
        unknown_sources: [],
        errors: [],
        cells: 3
      });
      const again = await checkHiddenState(channel, cells.slice(0, 1));
      expect(again.hidden).toEqual([]);
      // One bootstrap (the module registered under its private name), then plain calls.
      const bootstraps = codes.filter(code => code.includes(GUARD_MODULE));
      expect(bootstraps).toHaveLength(1);
    } finally {
      stop();
    }
  });
});
