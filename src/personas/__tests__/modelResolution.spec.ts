/** @jest-environment node */
import { ModelCatalog } from '../modelCatalog';
import { IModelInfo, parseModelName, resolveModel } from '../modelResolution';

const MODELS: IModelInfo[] = [
  {
    id: 'claude-sonnet-4-20250514',
    display_name: 'Claude Sonnet 4',
    created_at: '2025-05-22T00:00:00Z'
  },
  {
    id: 'claude-sonnet-4-5-20250929',
    display_name: 'Claude Sonnet 4.5',
    created_at: '2025-09-29T00:00:00Z'
  },
  {
    id: 'claude-sonnet-4-6',
    display_name: 'Claude Sonnet 4.6',
    created_at: '2026-02-17T00:00:00Z'
  },
  {
    id: 'claude-opus-4-20250514',
    display_name: 'Claude Opus 4',
    created_at: '2025-05-22T00:00:00Z'
  },
  {
    id: 'claude-opus-4-1-20250805',
    display_name: 'Claude Opus 4.1',
    created_at: '2025-08-05T00:00:00Z'
  },
  {
    id: 'claude-3-5-haiku-20241022',
    display_name: 'Claude Haiku 3.5',
    created_at: '2024-10-22T00:00:00Z'
  },
  {
    id: 'claude-haiku-4-5-20251001',
    display_name: 'Claude Haiku 4.5',
    created_at: '2025-10-01T00:00:00Z'
  }
];
const FALLBACK = 'claude-sonnet-5';

describe('parseModelName', () => {
  it.each([
    ['claude-4-sonnet', 'sonnet', [4]],
    ['Claude Sonnet 4', 'sonnet', [4]],
    ['claude-sonnet-4', 'sonnet', [4]],
    ['claude-sonnet-4-20250514', 'sonnet', [4]],
    ['Sonnet 4.5', 'sonnet', [4, 5]],
    ['claude-3.5-haiku', 'haiku', [3, 5]],
    ['claude-3-5-haiku', 'haiku', [3, 5]],
    ['claude-3-5-sonnet-latest', 'sonnet', [3, 5]],
    ['Claude Sonnet 4.5 (copilot)', 'sonnet', [4, 5]],
    ['anthropic/claude-opus-4.1', 'opus', [4, 1]],
    ['opus', 'opus', []],
    ['claude-instant-1', 'instant', [1]]
  ])('%s -> %s %j', (name, family, version) => {
    expect(parseModelName(name)).toEqual({ family, version });
  });

  it('needs a family word', () => {
    expect(parseModelName('claude-4')).toBeNull();
    expect(parseModelName('')).toBeNull();
  });
});

describe('resolveModel', () => {
  it('passes ids on the list, case aside', () => {
    expect(resolveModel('claude-sonnet-4-20250514', MODELS, FALLBACK)).toEqual({
      model: 'claude-sonnet-4-20250514',
      how: 'exact'
    });
    expect(resolveModel(' Claude-Sonnet-4-6 ', MODELS, FALLBACK)).toEqual({
      model: 'claude-sonnet-4-6',
      how: 'exact'
    });
  });

  it('passes an alias the list contains', () => {
    const list = [
      ...MODELS,
      { id: 'claude-sonnet-4-5', created_at: '2025-09-29T00:00:00Z' }
    ];
    expect(resolveModel('claude-sonnet-4-5', list, FALLBACK)).toEqual({
      model: 'claude-sonnet-4-5',
      how: 'exact'
    });
  });

  it.each([
    ['claude-4-sonnet', 'claude-sonnet-4-6'],
    ['Claude Sonnet 4', 'claude-sonnet-4-6'],
    ['claude-sonnet-4', 'claude-sonnet-4-6'],
    ['Sonnet 4.5', 'claude-sonnet-4-5-20250929'],
    ['claude-sonnet-4.0', 'claude-sonnet-4-20250514'],
    ['claude-3.5-haiku', 'claude-3-5-haiku-20241022'],
    ['claude-3-5-haiku', 'claude-3-5-haiku-20241022'],
    ['claude-3-haiku', 'claude-3-5-haiku-20241022'],
    ['haiku', 'claude-haiku-4-5-20251001'],
    ['opus', 'claude-opus-4-1-20250805'],
    ['Claude Opus 4 (copilot)', 'claude-opus-4-1-20250805'],
    ['claude-opus-4-20250101', 'claude-opus-4-1-20250805']
  ])('matches %s to the newest served %s', (requested, model) => {
    const result = resolveModel(requested, MODELS, FALLBACK);
    expect(result).toEqual({
      model,
      how: 'matched',
      note: `${requested}: using ${model}, the newest matching model on this endpoint`
    });
  });

  it('breaks created_at ties by version, then by id', () => {
    const list: IModelInfo[] = [
      { id: 'claude-sonnet-4-1-b' },
      { id: 'claude-sonnet-4-2-a' },
      { id: 'claude-sonnet-4-2-b' },
      { id: 'claude-sonnet-4-1-z' }
    ];
    expect(resolveModel('sonnet 4', list, FALLBACK).model).toBe(
      'claude-sonnet-4-2-b'
    );
    // created_at beats version.
    const dated = [
      ...list,
      { id: 'claude-sonnet-4-0-old', created_at: '2025-01-01T00:00:00Z' }
    ];
    expect(resolveModel('sonnet 4', dated, FALLBACK).model).toBe(
      'claude-sonnet-4-0-old'
    );
  });

  it('matches on display_name when an id says nothing', () => {
    const list = [
      { id: 'my-proxy-model-a', display_name: 'Claude Sonnet 4.5' },
      { id: 'sonnet-fast', display_name: 'Claude Sonnet 4' }
    ];
    expect(resolveModel('Sonnet 4.5', list, FALLBACK)).toMatchObject({
      model: 'my-proxy-model-a',
      how: 'matched'
    });
    // sonnet-fast: its id has no version, its display name has one.
    expect(resolveModel('Sonnet 4.0', list, FALLBACK)).toMatchObject({
      model: 'sonnet-fast',
      how: 'matched'
    });
  });

  it.each([
    'claude-opus-5',
    'Sonnet 4.7',
    'claude-2-haiku',
    'Haiku 4.6',
    'GPT-5 (copilot)',
    'claude-4',
    'mystery'
  ])('falls back when nothing matches %s', requested => {
    expect(resolveModel(requested, MODELS, FALLBACK)).toEqual({
      model: FALLBACK,
      how: 'fallback',
      note: `${requested}: no matching model on this endpoint; using ${FALLBACK} from settings`
    });
  });

  it('falls back silently when the persona names no model', () => {
    expect(resolveModel(null, MODELS, FALLBACK)).toEqual({
      model: FALLBACK,
      how: 'fallback'
    });
    expect(resolveModel('  ', null, FALLBACK)).toEqual({
      model: FALLBACK,
      how: 'fallback'
    });
    expect(resolveModel(undefined, [], FALLBACK)).toEqual({
      model: FALLBACK,
      how: 'fallback'
    });
  });

  it('without a list, passes id-shaped names unchanged and falls back for display names', () => {
    expect(resolveModel('claude-4-sonnet', null, FALLBACK)).toEqual({
      model: 'claude-4-sonnet',
      how: 'exact'
    });
    expect(resolveModel('claude-sonnet-4-5-20250929', null, FALLBACK)).toEqual({
      model: 'claude-sonnet-4-5-20250929',
      how: 'exact'
    });
    const result = resolveModel('Claude Sonnet 4', null, FALLBACK);
    expect(result).toMatchObject({ model: FALLBACK, how: 'fallback' });
    expect(result.note).toContain('Claude Sonnet 4');
    expect(result.note).toContain(FALLBACK);
    expect(resolveModel('opus', null, FALLBACK).how).toBe('fallback');
  });

  it('falls back when the endpoint serves no models at all', () => {
    expect(resolveModel('claude-4-sonnet', [], FALLBACK).how).toBe('fallback');
  });
});

describe('ModelCatalog', () => {
  function deferred<T>() {
    let resolve!: (value: T) => void;
    let reject!: (reason: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  }

  it('fetches once, shares the in-flight request and caches the list', async () => {
    const lister = jest.fn(async () => MODELS);
    const catalog = new ModelCatalog(lister);
    expect(catalog.cached).toBeNull();
    const [a, b] = await Promise.all([catalog.models(), catalog.models()]);
    expect(a).toEqual(MODELS);
    expect(b).toBe(a);
    expect(await catalog.models()).toBe(a);
    expect(catalog.cached).toBe(a);
    expect(lister).toHaveBeenCalledTimes(1);
  });

  it('refresh() fetches again', async () => {
    const lister = jest
      .fn()
      .mockResolvedValueOnce(MODELS.slice(0, 1))
      .mockResolvedValueOnce(MODELS);
    const catalog = new ModelCatalog(lister);
    expect(await catalog.models()).toHaveLength(1);
    expect(await catalog.refresh()).toHaveLength(MODELS.length);
    expect(await catalog.models()).toHaveLength(MODELS.length);
    expect(lister).toHaveBeenCalledTimes(2);
  });

  it('returns null on failure, never throws, and retries after a while', async () => {
    let now = 0;
    const lister = jest
      .fn()
      .mockRejectedValueOnce(new Error('404 not found'))
      .mockResolvedValueOnce(MODELS);
    const catalog = new ModelCatalog(lister, {
      failureTtlMs: 1000,
      now: () => now
    });
    expect(await catalog.models()).toBeNull();
    now = 500;
    expect(await catalog.models()).toBeNull();
    expect(lister).toHaveBeenCalledTimes(1);
    now = 1500;
    expect(await catalog.models()).toEqual(MODELS);
    expect(lister).toHaveBeenCalledTimes(2);
  });

  it('survives a lister that throws synchronously or answers garbage', async () => {
    const throwing = new ModelCatalog(() => {
      throw new Error('boom');
    });
    expect(await throwing.models()).toBeNull();
    const garbage = new ModelCatalog(async () => ({ data: [] }) as any);
    expect(await garbage.models()).toBeNull();
    const mixed = new ModelCatalog(
      async () =>
        [
          { id: 'claude-x-1', extra: 1 },
          null,
          { id: 3 },
          { display_name: 'n' }
        ] as any
    );
    expect(await mixed.models()).toEqual([{ id: 'claude-x-1' }]);
  });

  it('keeps the newest answer when refresh() overtakes a slow request', async () => {
    const slow = deferred<IModelInfo[]>();
    const lister = jest
      .fn()
      .mockReturnValueOnce(slow.promise)
      .mockResolvedValueOnce(MODELS);
    const catalog = new ModelCatalog(lister);
    const first = catalog.models();
    const refreshed = await catalog.refresh();
    slow.resolve([]);
    expect(await first).toEqual([]);
    expect(refreshed).toEqual(MODELS);
    expect(await catalog.models()).toEqual(MODELS);
  });

  it('resolves a persona model against the cached list', async () => {
    const lister = jest.fn(async () => MODELS);
    const catalog = new ModelCatalog(lister);
    expect(await catalog.resolve(null, FALLBACK)).toEqual({
      model: FALLBACK,
      how: 'fallback'
    });
    expect(lister).not.toHaveBeenCalled();
    expect((await catalog.resolve('claude-4-sonnet', FALLBACK)).model).toBe(
      'claude-sonnet-4-6'
    );
    const failing = new ModelCatalog(async () => {
      throw new Error('offline');
    });
    expect(await failing.resolve('claude-4-sonnet', FALLBACK)).toEqual({
      model: 'claude-4-sonnet',
      how: 'exact'
    });
  });
});
