/** @jest-environment node */
import * as fs from 'fs';
import * as path from 'path';

/**
 * What drawing a chat must not load (issue 30: the panel restored open at
 * start-up): these modules are reached only through `import()`. A static value
 * import (`import type` is fine) would put them back into the chat's chunk.
 */
const LAZY: { module: RegExp; what: string; allowedIn: string[] }[] = [
  {
    module: /^@anthropic-ai\/sdk(\/.*)?$/,
    what: 'the SDK (agent/client.ts loadSdk)',
    allowedIn: []
  },
  {
    module: /^ajv(\/.*)?$/,
    what: 'Ajv (ToolRegistry.validate)',
    allowedIn: []
  },
  {
    module: /^(gray-matter|js-yaml)$/,
    what: 'the YAML parser (loadFrontMatterParser)',
    allowedIn: ['personas/frontMatterParser.ts']
  },
  {
    module: /^diff$/,
    what: 'jsdiff (markdown/diff.ts loadDiff)',
    allowedIn: []
  },
  {
    module: /^jsonc-parser$/,
    what: 'jsonc-parser (parseTasksJson)',
    allowedIn: []
  },
  {
    module: /\.py$/,
    what: 'a kernel helper source',
    allowedIn: ['query/kernelQuerySources.ts']
  },
  {
    module: /^minimatch$/,
    what: 'minimatch (contents/globs.ts loadMinimatch)',
    allowedIn: []
  },
  {
    module: /\/(frontMatterParser|kernelQuerySources)$/,
    what: 'a lazily loaded module',
    allowedIn: []
  }
];

const SRC = path.resolve(__dirname, '..');

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap(entry => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      return entry.name === '__tests__' ? [] : sources(full);
    }
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts')
      ? [full]
      : [];
  });
}

/** The modules a file imports as values (static `import ... from`, `export ... from`, bare `import '...'`). */
function valueImports(text: string): string[] {
  const found: string[] = [];
  const statement =
    /^\s*(import|export)\s+(type\s+)?([^;'"]*?\sfrom\s+)?['"]([^'"]+)['"]/gm;
  for (const match of text.matchAll(statement)) {
    if (!match[2]) {
      found.push(match[4]);
    }
  }
  return found;
}

describe('modules loaded on first use stay out of the chat chunk', () => {
  it('are never imported statically as values', () => {
    const offending: string[] = [];
    for (const file of sources(SRC)) {
      const rel = path.relative(SRC, file).split(path.sep).join('/');
      for (const module of valueImports(fs.readFileSync(file, 'utf8'))) {
        const rule = LAZY.find(r => r.module.test(module));
        if (rule && !rule.allowedIn.includes(rel)) {
          offending.push(
            `${rel} imports ${module}: ${rule.what} is loaded with import()`
          );
        }
      }
    }
    expect(offending).toEqual([]);
  });

  it('finds a static import (the check works)', () => {
    expect(
      valueImports(
        "import Ajv from 'ajv';\nimport type { X } from 'diff';\nimport {\n  a,\n  b\n} from '@anthropic-ai/sdk';"
      )
    ).toEqual(['ajv', '@anthropic-ai/sdk']);
  });
});

/** The file a relative specifier names (`.ts`, `.tsx`, a folder's index), or null. */
function resolveLocal(from: string, specifier: string): string | null {
  const base = path.resolve(path.dirname(from), specifier);
  for (const candidate of [
    base,
    `${base}.ts`,
    `${base}.tsx`,
    path.join(base, 'index.ts'),
    path.join(base, 'index.tsx')
  ]) {
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) {
      return candidate;
    }
  }
  return null;
}

/** Everything a module pulls in through static value imports: our files (relative to src/) and packages. */
function staticClosure(entry: string): {
  files: Set<string>;
  packages: Set<string>;
} {
  const files = new Set<string>();
  const packages = new Set<string>();
  const queue = [path.join(SRC, entry)];
  while (queue.length) {
    const file = queue.pop()!;
    const rel = path.relative(SRC, file).split(path.sep).join('/');
    if (files.has(rel)) {
      continue;
    }
    files.add(rel);
    if (!/\.tsx?$/.test(file)) {
      continue;
    }
    for (const specifier of valueImports(fs.readFileSync(file, 'utf8'))) {
      if (specifier.startsWith('.')) {
        const target = resolveLocal(file, specifier);
        if (target) {
          queue.push(target);
        }
      } else {
        packages.add(specifier);
      }
    }
  }
  return { files, packages };
}

describe('drawing the chat loads no tool code (issue 30)', () => {
  // app/createChat.ts is the chat's chunk: what it imports statically is loaded to draw an empty chat.
  const { files, packages } = staticClosure('app/createChat.ts');
  const TOOL_CODE =
    /^(files\/(tools\/|editTools|readTools|searchTools|changeTools|walk)|kernel\/tools\/|notebook\/tools\/(index|tools|access|editTools|readTools|runTools|packageTools|binding)\.|app\/coreTools|query\/|etl\/|terminal\/|mcp\/)/;

  it("reaches none of the tools' modules: the chat's own tools and the families load on first need", () => {
    expect([...files].filter(file => TOOL_CODE.test(file))).toEqual([]);
    expect(
      [...packages].filter(name => /^(minimatch|shell-quote)$/.test(name))
    ).toEqual([]);
  });

  it('follows the imports it should (the check works)', () => {
    expect(files.has('chats/store.ts')).toBe(true);
    expect(files.has('files/service.ts')).toBe(true);
    // The tools' chunk does reach them.
    const tools = staticClosure('app/coreTools.ts');
    expect(tools.files.has('files/editTools.ts')).toBe(true);
    expect(tools.files.has('notebook/tools/access.ts')).toBe(true);
    expect(tools.files.has('kernel/tools/index.ts')).toBe(true);
  });
});
