/** @jest-environment node */
import { Worker as ThreadWorker } from 'worker_threads';
import { createRegexMatcher, hasNestedRepetition, WorkerFactory } from '..';
import { setup } from './fakeContents';

const CATASTROPHIC = String.raw`^(\w+\s?)*$`;
/** Words, then a character that makes the whole-line match fail after exponential backtracking. */
const LONG_LINE = `${'word '.repeat(500)}!`;

/**
 * A Web Worker made of a real Node thread: the same program and messages
 * as in the browser, so a runaway regex really runs (and is really
 * terminated) off the main thread.
 */
class ThreadAsWebWorker {
  constructor(source: string) {
    this.thread = new ThreadWorker(
      `const { parentPort } = require('worker_threads');
       const self = { postMessage: m => parentPort.postMessage(m) };
       parentPort.on('message', data => self.onmessage({ data }));
       ${source}`,
      { eval: true }
    );
    this.thread.on('message', data =>
      this.listeners.forEach(listener => listener({ data }))
    );
  }

  addEventListener(type: string, listener: (event: any) => void): void {
    if (type === 'message') {
      this.listeners.add(listener);
    }
  }

  removeEventListener(type: string, listener: (event: any) => void): void {
    this.listeners.delete(listener);
  }

  postMessage(data: unknown): void {
    this.thread.postMessage(data);
  }

  terminate(): void {
    this.terminated = true;
    void this.thread.terminate();
  }

  readonly thread: ThreadWorker;
  terminated = false;
  private listeners = new Set<(event: any) => void>();
}

const made: ThreadAsWebWorker[] = [];
const threadFactory: WorkerFactory = source => {
  const worker = new ThreadAsWebWorker(source);
  made.push(worker);
  return worker as unknown as Worker;
};

afterAll(() => made.forEach(worker => worker.terminate()));

describe('nested repetition check (the fallback without workers)', () => {
  it.each([
    CATASTROPHIC,
    '(a+)+$',
    '(?:x*y)*z',
    '((ab)*c)+',
    '(\\d+,?){2,}',
    '([a-z]+\\.)*com'
  ])('flags %s', pattern => {
    expect(hasNestedRepetition(pattern)).toBe(true);
  });

  it.each([
    'foo.*bar',
    '^\\w+\\s*=',
    '(ab)+',
    '(a|b)*c',
    '[(]+x[)]*',
    '\\(a+\\)*',
    '(a+){3}',
    'def (\\w+)\\('
  ])('lets %s through', pattern => {
    expect(hasNestedRepetition(pattern)).toBe(false);
  });
});

describe('regex search in a worker', () => {
  it('stops a catastrophic regex after the time limit, terminates the worker, the main thread stays free', async () => {
    const matcher = createRegexMatcher({
      source: CATASTROPHIC,
      flags: 'u',
      what: `/${CATASTROPHIC}/`,
      timeMs: 500,
      workerFactory: threadFactory
    });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 20);
    const started = Date.now();
    const outcome = await matcher.match([LONG_LINE], 'long.txt').then(
      () => 'matched',
      (error: Error) => error.message
    );
    clearInterval(timer);
    expect(outcome).toContain(
      `The regular expression /${CATASTROPHIC}/ took more than 0.5 s on long.txt and was stopped`
    );
    expect(outcome).toContain('nested repetition');
    expect(made[made.length - 1].terminated).toBe(true);
    // The page's event loop kept running while the regex spun in the worker.
    expect(ticks).toBeGreaterThanOrEqual(10);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('answers normal regexes from the worker, and starts a new one after a timeout', async () => {
    const matcher = createRegexMatcher({
      source: 'def (\\w+)',
      flags: 'u',
      what: '/def/',
      timeMs: 5000,
      workerFactory: threadFactory
    });
    expect(
      await matcher.match(['x = 1', 'def load():', '  def inner():'], 'a.py')
    ).toEqual([1, 2]);
    matcher.dispose();
    expect(await matcher.match(['def again'], 'b.py')).toEqual([0]);
    matcher.dispose();
  });

  it('search_files runs the regex in the worker and reports the timeout to the model', async () => {
    const { fails, ok } = setup({
      files: { 'long.txt': `${LONG_LINE}\n`, 'short.txt': 'word word\n' },
      limits: { regexTimeMs: 500 },
      service: { workerFactory: threadFactory }
    });
    const text = await fails('search_files', {
      pattern: CATASTROPHIC,
      regex: true,
      path: 'long.txt'
    });
    expect(text).toContain(
      'took more than 0.5 s on long.txt and was stopped, so the search was cancelled'
    );
    expect(
      await ok('search_files', { pattern: '^word\\b', regex: true })
    ).toContain('short.txt:1:word word');
  });
});

describe('regex search without workers (jsdom, embedded views)', () => {
  it('refuses a pattern with nested repetition at once instead of freezing', async () => {
    const { fails } = setup({
      files: { 'long.txt': `${LONG_LINE}\n` },
      service: { workerFactory: () => null }
    });
    const started = Date.now();
    const text = await fails('search_files', {
      pattern: CATASTROPHIC,
      regex: true
    });
    expect(text).toContain('repeats a group that itself repeats');
    expect(text).toContain('no background worker');
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('still runs ordinary regexes on the page', async () => {
    const { ok } = setup({
      files: { 'a.py': 'def load():\n  pass\n' },
      service: { workerFactory: () => null }
    });
    expect(
      await ok('search_files', { pattern: 'def \\w+\\(', regex: true })
    ).toContain('a.py:1:def load():');
  });

  it('is what runs where no Worker global exists (jsdom, Node)', () => {
    expect(typeof (globalThis as any).Worker).toBe('undefined');
    const matcher = createRegexMatcher({
      source: CATASTROPHIC,
      flags: 'u',
      what: 'x',
      timeMs: 100
    });
    return expect(matcher.match(['a'], 'f')).rejects.toThrow(
      'no background worker'
    );
  });
});
