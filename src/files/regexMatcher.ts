import { FileToolError } from './common';

/**
 * search_files with a user's regular expression, without freezing the page:
 * JavaScript regexes backtrack, and `^(\w+\s?)*$` on one long line can run
 * for minutes on the main thread. The matching runs in a Web Worker (built
 * from a Blob URL, so the bundler needs no worker support) and is stopped
 * after a time limit per file: the worker is terminated and the model told
 * why. Where Workers do not exist (jsdom, some embedded views) matching
 * runs on the page, but only for patterns without nested repetition, with
 * lines cut short and a time check between lines.
 */

/** Which lines of a file match. */
export interface IRegexMatcher {
  /** The indexes of the matching lines; throws a FileToolError when the time limit is hit. */
  match(lines: readonly string[], where: string): Promise<number[]>;
  dispose(): void;
}

/** Regexes only look at the start of very long lines (minified files). */
export const REGEX_LINE_CHARS = 10000;
/** Without a worker, lines are cut shorter still. */
export const FALLBACK_LINE_CHARS = 1000;

/** The worker's whole program (a string: bundlers and minifiers leave it alone). */
const WORKER_SOURCE = `
self.onmessage = function (event) {
  var data = event.data;
  var hits = [];
  try {
    var re = new RegExp(data.source, data.flags);
    for (var i = 0; i < data.lines.length; i++) {
      var line = data.lines[i];
      if (line.length > data.maxChars) line = line.slice(0, data.maxChars);
      re.lastIndex = 0;
      if (re.test(line)) hits.push(i);
    }
    self.postMessage({ id: data.id, hits: hits });
  } catch (error) {
    self.postMessage({ id: data.id, error: String(error && error.message || error) });
  }
};
`;

/** Makes a worker running `source`, or null where Workers are missing. */
export type WorkerFactory = (source: string) => Worker | null;

/** A Blob-URL worker (the default factory). */
export function blobWorkerFactory(source: string): Worker | null {
  if (
    typeof Worker === 'undefined' ||
    typeof Blob === 'undefined' ||
    typeof URL?.createObjectURL !== 'function'
  ) {
    return null;
  }
  const url = URL.createObjectURL(
    new Blob([source], { type: 'text/javascript' })
  );
  try {
    return new Worker(url);
  } catch {
    return null;
  } finally {
    // The worker has fetched its script once constructed; the URL may go.
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }
}

/**
 * True when the pattern repeats something that itself repeats without bound
 * (`(a+)*`, `(\w+\s?)*`, `(?:x*y)+`): the shape of catastrophic
 * backtracking. A syntactic check, used only where no worker can stop a
 * runaway match.
 */
export function hasNestedRepetition(source: string): boolean {
  // One entry per open group: whether it holds an unbounded quantifier.
  const stack: boolean[] = [false];
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const char = source[i];
    if (char === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (char === ']') {
        inClass = false;
      }
      continue;
    }
    if (char === '[') {
      inClass = true;
      continue;
    }
    if (char === '(') {
      stack.push(false);
      continue;
    }
    const unbounded =
      char === '*' ||
      char === '+' ||
      (char === '{' && /^\{\d*,\}/.test(source.slice(i)));
    if (char === ')') {
      const inner = stack.length > 1 ? stack.pop()! : false;
      const next = source[i + 1];
      const repeated =
        next === '*' ||
        next === '+' ||
        (next === '{' &&
          /^\{\d*,\d*\}/.test(source.slice(i + 1)) &&
          !/^\{\d+\}/.test(source.slice(i + 1)));
      if (inner && repeated) {
        return true;
      }
      stack[stack.length - 1] = stack[stack.length - 1] || inner;
      continue;
    }
    if (unbounded) {
      stack[stack.length - 1] = true;
    }
  }
  return false;
}

function timeoutMessage(what: string, where: string, seconds: number): string {
  return (
    `The regular expression ${what} took more than ${seconds} s on ${where} and was stopped, so the search was cancelled: ` +
    'it probably backtracks catastrophically (nested repetition such as (\\w+\\s?)* or (a+)+). ' +
    'Rewrite it without nested repetition, anchor it, or search for plain text (regex: false).'
  );
}

export interface IRegexMatcherOptions {
  source: string;
  flags: string;
  /** The pattern as shown to the model ("/x+/"). */
  what: string;
  /** Time limit per file (ms). */
  timeMs: number;
  workerFactory?: WorkerFactory;
  now?: () => number;
}

/** A matcher in a worker, or on the page when no worker can be made. */
export function createRegexMatcher(
  options: IRegexMatcherOptions
): IRegexMatcher {
  const factory = options.workerFactory ?? blobWorkerFactory;
  let worker: Worker | null = null;
  try {
    worker = factory(WORKER_SOURCE);
  } catch {
    worker = null;
  }
  return worker
    ? new WorkerMatcher(worker, factory, options)
    : new PageMatcher(options);
}

class WorkerMatcher implements IRegexMatcher {
  constructor(
    worker: Worker,
    factory: WorkerFactory,
    options: IRegexMatcherOptions
  ) {
    this._worker = worker;
    this._factory = factory;
    this._options = options;
  }

  match(lines: readonly string[], where: string): Promise<number[]> {
    const worker = this._worker ?? this._factory(WORKER_SOURCE);
    if (!worker) {
      return Promise.reject(
        new FileToolError(
          'The background worker for regular expressions could not be started again.'
        )
      );
    }
    this._worker = worker;
    const id = ++this._id;
    return new Promise<number[]>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        worker.removeEventListener('message', onMessage);
        worker.removeEventListener('error', onError);
      };
      const onMessage = (event: MessageEvent) => {
        if (event.data?.id !== id) {
          return;
        }
        done();
        if (typeof event.data.error === 'string') {
          reject(
            new FileToolError(
              `Invalid regular expression ${this._options.what}: ${event.data.error}`
            )
          );
        } else {
          resolve(Array.isArray(event.data.hits) ? event.data.hits : []);
        }
      };
      const onError = (event: ErrorEvent) => {
        done();
        this.dispose();
        reject(
          new FileToolError(
            `The regular expression worker failed: ${event.message || 'unknown error'}`
          )
        );
      };
      const timer = setTimeout(() => {
        done();
        this.dispose(); // the only way to stop a running match
        reject(
          new FileToolError(
            timeoutMessage(
              this._options.what,
              where,
              this._options.timeMs / 1000
            )
          )
        );
      }, this._options.timeMs);
      worker.addEventListener('message', onMessage);
      worker.addEventListener('error', onError);
      worker.postMessage({
        id,
        source: this._options.source,
        flags: this._options.flags,
        lines,
        maxChars: REGEX_LINE_CHARS
      });
    });
  }

  dispose(): void {
    this._worker?.terminate();
    this._worker = null;
  }

  private _worker: Worker | null;
  private _factory: WorkerFactory;
  private _options: IRegexMatcherOptions;
  private _id = 0;
}

class PageMatcher implements IRegexMatcher {
  constructor(options: IRegexMatcherOptions) {
    this._options = options;
    this._now = options.now ?? (() => Date.now());
    if (hasNestedRepetition(options.source)) {
      this._refusal =
        `The regular expression ${options.what} repeats a group that itself repeats (e.g. (\\w+\\s?)*), which can freeze the page, ` +
        'and this browser has no background worker to stop it. Rewrite it without nested repetition, or search for plain text (regex: false).';
    } else {
      this._pattern = new RegExp(options.source, options.flags);
    }
  }

  async match(lines: readonly string[], where: string): Promise<number[]> {
    if (this._refusal || !this._pattern) {
      throw new FileToolError(this._refusal ?? 'No regular expression.');
    }
    const deadline = this._now() + this._options.timeMs;
    const hits: number[] = [];
    for (let i = 0; i < lines.length; i++) {
      const line =
        lines[i].length > FALLBACK_LINE_CHARS
          ? lines[i].slice(0, FALLBACK_LINE_CHARS)
          : lines[i];
      this._pattern.lastIndex = 0;
      if (this._pattern.test(line)) {
        hits.push(i);
      }
      if ((i & 63) === 63 && this._now() > deadline) {
        throw new FileToolError(
          timeoutMessage(this._options.what, where, this._options.timeMs / 1000)
        );
      }
    }
    return hits;
  }

  dispose(): void {
    // Nothing runs in the background.
  }

  private _options: IRegexMatcherOptions;
  private _now: () => number;
  private _pattern: RegExp | null = null;
  private _refusal: string | null = null;
}
