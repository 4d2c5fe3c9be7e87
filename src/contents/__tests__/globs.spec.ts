/** @jest-environment node */
// Minimatch is a lazy chunk (issue 30): globs compile on the first check,
// after loadMinimatch; a check that runs too early throws instead of letting
// a path through. jest.setup.js preloads it for the other suites, so each
// test here takes fresh modules.
import type * as Globs from '../globs';
import type * as Sensitive from '../../files/sensitive';
import type * as UndoChecks from '../../files/undoChecks';
import type * as Instructions from '../../instructions/instructions';

function fresh<T>(path: string): { globs: typeof Globs; module: T } {
  let globs!: typeof Globs;
  let module!: T;
  jest.isolateModules(() => {
    globs = require('../globs');
    module = require(path);
  });
  return { globs, module };
}

describe('minimatch on first use', () => {
  it('the workspace-file guard does not load it when no file to check exists (drawing the chat needs none)', async () => {
    let guardModule!: typeof import('../../files/workspaceFiles');
    let globs!: typeof Globs;
    jest.isolateModules(() => {
      globs = require('../globs');
      guardModule = require('../../files/workspaceFiles');
    });
    const guard = guardModule.createWorkspaceFileGuard({
      rootCheck: {
        outside: async () => [],
        describe: async (paths: string[]) => ({
          checked: true,
          outside: [],
          stat: new Map(paths.map(path => [path, { kind: 'missing' as const }]))
        })
      } as any,
      contents: {} as any
    });
    const refused = await guard.refused(['AGENTS.md', '.env']);
    expect(refused.size).toBe(0);
    expect(() => globs.minimatchNow()).toThrow(/not loaded yet/);
  });

  it('the workspace-file guard loads it itself (instructions are read before any tool loads)', async () => {
    let guardModule!: typeof import('../../files/workspaceFiles');
    let globs!: typeof Globs;
    jest.isolateModules(() => {
      globs = require('../globs');
      guardModule = require('../../files/workspaceFiles');
    });
    const guard = guardModule.createWorkspaceFileGuard({
      rootCheck: null,
      contents: {
        get: async (path: string) =>
          ({ path, name: path, type: 'file', size: 10 }) as any
      } as any
    });
    const refused = await guard.refused(['.env', 'copilot.instructions.md']);
    expect(refused.get('.env')).toMatch(/sensitive/);
    expect(refused.has('copilot.instructions.md')).toBe(false);
    expect(() => globs.minimatchNow()).not.toThrow();
  });

  it('sensitive-path rules refuse to answer before it loads, and match after', async () => {
    const { globs, module } = fresh<typeof Sensitive>('../../files/sensitive');
    const rules = new module.SensitivePaths({ extra: ['secrets/**'] });
    expect(() => rules.check('.env', 'read')).toThrow(/not loaded yet/);
    await globs.loadMinimatch();
    expect(rules.check('.env', 'read')?.level).toBe('ask');
    expect(rules.check('secrets/a/b.txt', 'read')?.pattern).toBe('secrets/**');
    expect(rules.check('data/orders.csv', 'read')).toBeNull();
  });

  it("Undo's record checks load it themselves", async () => {
    let checks!: typeof UndoChecks;
    let sensitive!: typeof Sensitive;
    jest.isolateModules(() => {
      checks = require('../../files/undoChecks');
      sensitive = require('../../files/sensitive');
    });
    const rules = new sensitive.SensitivePaths({
      protectedFolders: [{ folder: '.jupyter/chats', what: 'saved chats' }]
    });
    expect(() => rules.check('.jupyter/chats/a.json', 'write')).toThrow(
      /not loaded yet/
    );
    const service = {
      limits: { snapshotMaxBytes: 1024 },
      rootCheck: null,
      sensitive: rules
    };
    const problems = await checks.validateRecords(service, [
      {
        id: 'c1',
        kind: 'write',
        path: '.jupyter/chats/a.json',
        before: null,
        after: 'x'
      } as any
    ]);
    expect(problems.get('c1')).toMatch(/protected \(saved chats\)/);
  });

  it("scoped instructions' applyTo needs it loaded", async () => {
    const { globs, module } = fresh<typeof Instructions>(
      '../../instructions/instructions'
    );
    expect(module.appliesTo('**', 'a.py')).toBe(true); // no glob to match
    expect(() => module.appliesTo('*.py', 'a.py')).toThrow(/not loaded yet/);
    await globs.loadMinimatch();
    expect(module.appliesTo('*.py', 'src/a.py')).toBe(true);
    expect(module.appliesTo('*.sql', 'src/a.py')).toBe(false);
  });
});
