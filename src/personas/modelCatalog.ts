import {
  IModelInfo,
  IModelResolution,
  resolveModel,
  resolveModelList
} from './modelResolution';

/** Fetches every model the endpoint serves (all pages), e.g. through `client.models.list()`. */
export type ModelLister = () => Promise<readonly IModelInfo[]>;

export interface IModelCatalogOptions {
  /** How long a failed fetch is remembered before the next call tries again (ms). */
  failureTtlMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

/**
 * The models an endpoint serves, fetched once per session and shared by all
 * callers. Never throws: when the list can't be had it answers null.
 */
export class ModelCatalog {
  constructor(list: ModelLister, options: IModelCatalogOptions = {}) {
    this._list = list;
    this._failureTtlMs = options.failureTtlMs ?? 60_000;
    this._now = options.now ?? Date.now;
  }

  /** The cached list, or null while unknown or after a failure. */
  get cached(): IModelInfo[] | null {
    return this._models;
  }

  /** The served models (cached for the session); null when they can't be listed. */
  models(): Promise<IModelInfo[] | null> {
    if (this._models) {
      return Promise.resolve(this._models);
    }
    if (this._pending) {
      return this._pending;
    }
    if (
      this._failedAt !== null &&
      this._now() - this._failedAt < this._failureTtlMs
    ) {
      return Promise.resolve(null);
    }
    return this._fetch();
  }

  /** Forget the cache and fetch the list again. */
  refresh(): Promise<IModelInfo[] | null> {
    this._models = null;
    this._failedAt = null;
    return this._fetch();
  }

  /** Resolve a persona's model (a name or a prioritized list) against the served list (see resolveModelList). */
  async resolve(
    requested: string | readonly string[] | null | undefined,
    fallback: string
  ): Promise<IModelResolution> {
    const names = (
      typeof requested === 'string' ? [requested] : (requested ?? [])
    ).filter(name => name.trim());
    if (!names.length) {
      return resolveModel(null, null, fallback);
    }
    return resolveModelList(names, await this.models(), fallback);
  }

  private _fetch(): Promise<IModelInfo[] | null> {
    const generation = ++this._generation;
    const pending = (async () => {
      let models: IModelInfo[] | null;
      try {
        models = sanitize(await this._list());
      } catch (error) {
        models = null;
      }
      // A refresh() started meanwhile owns the cache now.
      if (generation === this._generation) {
        this._pending = null;
        this._models = models;
        this._failedAt = models ? null : this._now();
      }
      return models;
    })();
    this._pending = pending;
    return pending;
  }

  private _list: ModelLister;
  private _failureTtlMs: number;
  private _now: () => number;
  private _models: IModelInfo[] | null = null;
  private _pending: Promise<IModelInfo[] | null> | null = null;
  private _failedAt: number | null = null;
  private _generation = 0;
}

/** Keep well-formed entries only; null when the answer is not a list at all. */
function sanitize(value: unknown): IModelInfo[] | null {
  if (!Array.isArray(value)) {
    return null;
  }
  return value
    .filter(
      item =>
        item &&
        typeof item === 'object' &&
        typeof item.id === 'string' &&
        item.id
    )
    .map(item => {
      const info: IModelInfo = { id: item.id };
      if (typeof item.display_name === 'string') {
        info.display_name = item.display_name;
      }
      if (typeof item.created_at === 'string') {
        info.created_at = item.created_at;
      }
      return info;
    });
}
