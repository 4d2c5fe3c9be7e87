import type { IColumn, ISchemaEntry } from './context';

/** The inspector calls the cache needs (a `KernelInspector`). */
export interface ISchemaSource {
  listVariables(options?: { timeoutMs?: number }): Promise<any>;
  inspectVariable(
    name: string,
    sampleRows?: number,
    options?: { timeoutMs?: number }
  ): Promise<any>;
}

export interface ISchemaCacheOptions {
  /** How many variables are inspected for their columns per refresh (default 12). */
  maxInspected?: number;
  /** Kernel wait per call, ms (default 3000). */
  timeoutMs?: number;
}

/** Kinds whose columns or tables a completion can use. */
const SCHEMA_KIND =
  /DataFrame|LazyFrame|Table|Relation|ResultSet|Series|Connection|Engine|Spark/i;

function columnsOf(raw: unknown): IColumn[] | undefined {
  if (!Array.isArray(raw)) {
    return undefined;
  }
  return raw
    .filter(c => c && typeof c.name !== 'undefined')
    .map(c => ({
      name: String(c.name),
      ...(c.dtype ? { dtype: String(c.dtype) } : {})
    }));
}

/** One inspector summary as a schema entry. */
export function schemaEntryOf(
  name: string,
  kind: string,
  facts: any
): ISchemaEntry {
  const entry: ISchemaEntry = { name, kind };
  const columns = columnsOf(facts?.columns);
  if (columns?.length) {
    entry.columns = columns;
  }
  if (Array.isArray(facts?.tables)) {
    entry.tables = facts.tables
      .filter((t: any) => t && t.name)
      .map((t: any) => ({
        name: String(t.name),
        columns: columnsOf(t.columns)
      }));
  }
  const rows = Array.isArray(facts?.shape) ? facts.shape[0] : facts?.rows;
  if (typeof rows === 'number') {
    entry.rows = rows;
  }
  return entry;
}

/**
 * The schemas of a kernel's variables, for completions: read from the cache
 * on every keystroke (never a kernel round trip then), refreshed in the
 * background after an execution. A refresh lists the variables, then asks
 * the columns of the data-like ones the notebook's code names (the others
 * keep only their kind). One refresh per kernel runs at a time; asking again
 * meanwhile runs one more afterwards.
 */
export class SchemaCache {
  constructor(options: ISchemaCacheOptions = {}) {
    this._options = options;
  }

  /** What is known of the kernel now (empty before the first refresh). */
  get(kernelId: string): ISchemaEntry[] {
    return this._entries.get(kernelId) ?? [];
  }

  /** How many refreshes completed (tests and the bench wait on it). */
  get refreshes(): number {
    return this._refreshes;
  }

  /** Refresh in the background; resolves when this refresh (or the one it joined) is done. */
  refresh(
    kernelId: string,
    source: ISchemaSource,
    referenced: Set<string>
  ): Promise<void> {
    const state = this._running.get(kernelId);
    if (state) {
      state.again = { source, referenced };
      return state.done;
    }
    const run: {
      again: { source: ISchemaSource; referenced: Set<string> } | null;
      done: Promise<void>;
    } = {
      again: null,
      done: Promise.resolve()
    };
    run.done = (async () => {
      let next: { source: ISchemaSource; referenced: Set<string> } | null = {
        source,
        referenced
      };
      while (next) {
        run.again = null;
        await this._refreshOnce(kernelId, next.source, next.referenced).catch(
          () => undefined
        );
        next = run.again;
      }
      this._running.delete(kernelId);
    })();
    this._running.set(kernelId, run);
    return run.done;
  }

  /** Forget a kernel (shut down or restarted). */
  forget(kernelId: string): void {
    this._entries.delete(kernelId);
  }

  private async _refreshOnce(
    kernelId: string,
    source: ISchemaSource,
    referenced: Set<string>
  ): Promise<void> {
    const timeoutMs = this._options.timeoutMs ?? 3000;
    const listing = await source.listVariables({ timeoutMs });
    const variables: any[] = Array.isArray(listing?.variables)
      ? listing.variables
      : [];
    const previous = new Map(this.get(kernelId).map(e => [e.name, e]));
    const entries: ISchemaEntry[] = [];
    const toInspect: { name: string; kind: string }[] = [];
    for (const v of variables) {
      const name = String(v?.name ?? '');
      const kind = String(v?.kind ?? '');
      if (!name || !SCHEMA_KIND.test(kind)) {
        continue;
      }
      const entry = schemaEntryOf(name, kind, v);
      const known = previous.get(name);
      // Columns stay from the last inspection until this one replaces them.
      if (known && known.kind === kind && !entry.columns && !entry.tables) {
        entry.columns = known.columns;
        entry.tables = known.tables;
      }
      entries.push(entry);
      if (referenced.has(name)) {
        toInspect.push({ name, kind });
      }
    }
    this._entries.set(kernelId, entries);
    const byName = new Map(entries.map(e => [e.name, e]));
    for (const { name, kind } of toInspect.slice(
      0,
      this._options.maxInspected ?? 12
    )) {
      const facts = await source
        .inspectVariable(name, 0, { timeoutMs })
        .catch(() => null);
      if (facts && !facts.error) {
        const fresh = schemaEntryOf(name, kind, facts);
        Object.assign(byName.get(name)!, fresh);
      }
    }
    this._refreshes++;
  }

  private _options: ISchemaCacheOptions;
  private _entries = new Map<string, ISchemaEntry[]>();
  private _running = new Map<
    string,
    {
      again: { source: ISchemaSource; referenced: Set<string> } | null;
      done: Promise<void>;
    }
  >();
  private _refreshes = 0;
}
