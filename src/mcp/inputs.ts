/**
 * Values for `${input:ID}` variables of mcp.json: asked once, kept in this browser tab's
 * sessionStorage only (gone when the tab closes), sent with the calls that need them.
 * Never written to settings, the chat file or the server.
 */

const KEY = 'jupyterlab-data-engineer:mcp-inputs';

export class McpInputValues {
  constructor(private _storage: Storage | null = safeSessionStorage()) {
    try {
      const raw = this._storage?.getItem(KEY);
      const parsed = raw ? JSON.parse(raw) : {};
      if (parsed && typeof parsed === 'object') {
        for (const [id, value] of Object.entries(parsed)) {
          if (typeof value === 'string') {
            this._values.set(id, value);
          }
        }
      }
    } catch {
      // A broken entry is asked for again.
    }
  }

  has(id: string): boolean {
    return this._values.has(id);
  }

  /** The values of the given ids that are known. */
  valuesFor(ids: readonly string[]): Record<string, string> {
    const out: Record<string, string> = {};
    for (const id of ids) {
      const value = this._values.get(id);
      if (value !== undefined) {
        out[id] = value;
      }
    }
    return out;
  }

  missing(ids: readonly string[]): string[] {
    return ids.filter(id => !this._values.has(id));
  }

  set(values: Record<string, string>): void {
    for (const [id, value] of Object.entries(values)) {
      this._values.set(id, value);
    }
    this._save();
  }

  forget(ids: readonly string[]): void {
    ids.forEach(id => this._values.delete(id));
    this._save();
  }

  private _save(): void {
    try {
      this._storage?.setItem(
        KEY,
        JSON.stringify(Object.fromEntries(this._values))
      );
    } catch {
      // Storage off: the values live in this page only.
    }
  }

  private _values = new Map<string, string>();
}

function safeSessionStorage(): Storage | null {
  try {
    return typeof window !== 'undefined' ? window.sessionStorage : null;
  } catch {
    return null;
  }
}
