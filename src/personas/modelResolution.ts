/** One entry of the endpoint's model list (`/v1/models`). */
export interface IModelInfo {
  id: string;
  display_name?: string;
  created_at?: string;
}

/** The model to request, and how it was chosen. */
export interface IModelResolution {
  model: string;
  /** Set when the persona's model was replaced or not checked; worth showing the user. */
  note?: string;
  how: 'exact' | 'matched' | 'fallback';
}

/** A model name reduced to its family word and version numbers. */
export interface IModelName {
  family: string;
  /** [major] or [major, minor]; empty when the name has no version. */
  version: number[];
}

/** Words that say nothing about which model is meant. */
const NOISE = new Set([
  'claude',
  'anthropic',
  'latest',
  'copilot',
  'preview',
  'model'
]);
const REAL_ID = /^claude-[a-z0-9][a-z0-9.-]*$/i;

/**
 * Reduce a model id or display name to family + version:
 * "claude-4-sonnet", "Claude Sonnet 4", "claude-sonnet-4-20250514" -> sonnet [4];
 * "claude-3-5-haiku", "claude-3.5-haiku" -> haiku [3, 5]; "opus" -> opus [].
 * Null when there is no family word.
 */
export function parseModelName(name: string): IModelName | null {
  const tokens = name
    .toLowerCase()
    .replace(/\([^)]*\)/g, ' ')
    .split(/[\s/_:-]+/)
    .filter(Boolean);
  let family = '';
  const version: number[] = [];
  for (const token of tokens) {
    if (/^\d+(\.\d+)*$/.test(token)) {
      // Dates (20250514) and other long numbers are snapshots, not versions.
      const parts = token.split('.');
      if (parts.every(part => part.length <= 2) && version.length < 2) {
        version.push(...parts.slice(0, 2 - version.length).map(Number));
      }
    } else if (/^[a-z]+$/.test(token) && !NOISE.has(token) && !family) {
      family = token;
    }
  }
  return family ? { family, version } : null;
}

function versionMatches(requested: number[], candidate: number[]): boolean {
  return requested.every((part, index) => (candidate[index] ?? 0) === part);
}

function compareVersions(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) {
      return diff;
    }
  }
  return 0;
}

function createdTime(model: IModelInfo): number {
  const time = model.created_at ? Date.parse(model.created_at) : NaN;
  return Number.isNaN(time) ? -Infinity : time;
}

/** Newest first: highest created_at, then highest version, then the id sorting last. */
interface IMatch {
  model: IModelInfo;
  name: IModelName;
}

function newestFirst(a: IMatch, b: IMatch): number {
  const byTime = createdTime(b.model) - createdTime(a.model);
  if (byTime !== 0 && !Number.isNaN(byTime)) {
    return byTime;
  }
  const byVersion = compareVersions(b.name.version, a.name.version);
  if (byVersion !== 0) {
    return byVersion;
  }
  return b.model.id < a.model.id ? -1 : b.model.id > a.model.id ? 1 : 0;
}

/** How a served model reads as `wanted` (by its id, else its display name); null if it doesn't match. */
function matchingName(
  model: IModelInfo,
  wanted: IModelName
): IModelName | null {
  for (const text of [model.id, model.display_name]) {
    const name = text ? parseModelName(text) : null;
    if (
      name &&
      name.family === wanted.family &&
      versionMatches(wanted.version, name.version)
    ) {
      return name;
    }
  }
  return null;
}

/**
 * Pick the model for a request. Ids on the list pass as they are; names
 * ("claude-4-sonnet", "Sonnet 4.5", "opus") resolve to the newest served
 * model of that family and version; otherwise `fallback` (the settings' model)
 * with a note. Without a list, only names shaped like real ids pass unchecked.
 */
export function resolveModel(
  requested: string | null | undefined,
  available: readonly IModelInfo[] | null,
  fallback: string
): IModelResolution {
  const wanted = (requested ?? '').trim();
  if (!wanted) {
    return { model: fallback, how: 'fallback' };
  }
  if (available === null) {
    if (REAL_ID.test(wanted)) {
      return { model: wanted, how: 'exact' };
    }
    return {
      model: fallback,
      how: 'fallback',
      note: `${wanted}: could not get the list of models from this endpoint; using ${fallback} from settings`
    };
  }
  const exact = available.find(
    model => model.id.toLowerCase() === wanted.toLowerCase()
  );
  if (exact) {
    return { model: exact.id, how: 'exact' };
  }
  const name = parseModelName(wanted);
  if (name) {
    const matches = available
      .map(model => ({ model, name: matchingName(model, name) }))
      .filter((entry): entry is IMatch => entry.name !== null)
      .sort(newestFirst);
    if (matches.length) {
      const model = matches[0].model.id;
      const note = `${wanted}: using ${model}, the newest matching model on this endpoint`;
      return { model, how: 'matched', note };
    }
  }
  return {
    model: fallback,
    how: 'fallback',
    note: `${wanted}: no matching model on this endpoint; using ${fallback} from settings`
  };
}

/**
 * A prioritized list (`model: [a, b]`, VS Code's fallback list): the first
 * name the endpoint serves (exactly or by family and version) is used, and
 * the note says which and why the ones before it were passed over. When
 * none is served, the settings' model (as `resolveModel` does).
 */
export function resolveModelList(
  requested: string | readonly string[] | null | undefined,
  available: readonly IModelInfo[] | null,
  fallback: string
): IModelResolution {
  const names = (
    typeof requested === 'string' ? [requested] : (requested ?? [])
  )
    .map(name => name.trim())
    .filter(Boolean);
  if (names.length <= 1) {
    return resolveModel(names[0] ?? null, available, fallback);
  }
  const skipped: string[] = [];
  for (const name of names) {
    const resolution = resolveModel(name, available, fallback);
    if (resolution.how !== 'fallback') {
      const position = names.indexOf(name) + 1;
      const how =
        resolution.how === 'exact'
          ? `${name}`
          : `${name} as ${resolution.model}, the newest matching model`;
      const why = skipped.length
        ? `; ${skipped.join(', ')} ${skipped.length === 1 ? 'is' : 'are'} not served by this endpoint`
        : '';
      const unchecked =
        available === null
          ? ' (the endpoint lists no models: not checked)'
          : '';
      return {
        model: resolution.model,
        how: resolution.how,
        note: `${how}: choice ${position} of ${names.length} in the persona's model list${why}${unchecked}`
      };
    }
    skipped.push(name);
  }
  const why =
    available === null
      ? 'could not get the list of models from this endpoint'
      : 'none is served by this endpoint';
  return {
    model: fallback,
    how: 'fallback',
    note: `${names.join(', ')}: ${why}; using ${fallback} from settings`
  };
}
