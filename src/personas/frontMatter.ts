/** gray-matter's call, as used here. */
type Matter = (
  text: string,
  options: object
) => { data: unknown; content: string };

let matter: Matter | null = null;
let loading: Promise<void> | null = null;

/**
 * Load the YAML front matter parser (gray-matter, js-yaml and the Buffer
 * polyfill: ~33 KB gzip, in their own chunk) before the first parse; drawing a
 * chat needs none of it (the bundled personas are parsed at build time, see
 * `bundledFrontMatter.ts`). Call it before `parseFrontMatter`; later calls
 * resolve at once.
 */
export function loadFrontMatterParser(): Promise<void> {
  if (matter) {
    return Promise.resolve();
  }
  if (!loading) {
    loading = import(
      /* webpackChunkName: "front-matter" */ './frontMatterParser'
    ).then(module => {
      matter = module.matter as Matter;
    });
    loading.catch(() => (loading = null)); // a failed chunk load is tried again next time
  }
  return loading;
}

/** Whether `parseFrontMatter` can read front matter now (see `loadFrontMatterParser`). */
export function frontMatterParserLoaded(): boolean {
  return matter !== null;
}

/** Set the parser directly (jest.setup.js: tests parse without awaiting the chunk). */
export function setFrontMatterParser(parser: Matter | null): void {
  matter = parser;
  loading = null;
}

/** Front matter and the text after it. */
export interface IFrontMatter {
  /** The YAML mapping; `{}` when there is none. */
  data: Record<string, unknown>;
  /** The text after the closing `---`, or the whole text when there is no front matter. */
  content: string;
  /** True when the text opens with a front matter block. */
  hasFrontMatter: boolean;
}

/** Why a front matter block could not be read; `line` is 1-based in the whole file. */
export class FrontMatterError extends Error {
  constructor(
    message: string,
    readonly line?: number
  ) {
    super(message);
    this.name = 'FrontMatterError';
  }
}

const JS_REFUSED = 'JavaScript front matter is not allowed';

function refuse(message: string) {
  return () => {
    throw new FrontMatterError(message);
  };
}

/**
 * gray-matter merges these over its own engines. Only YAML stays usable: the
 * `js`/`javascript` engine runs `eval` on text users can edit, and nothing
 * else is needed for personas.
 */
const SAFE_OPTIONS = {
  language: 'yaml',
  delimiters: '---' as const,
  excerpt: false,
  engines: {
    javascript: refuse(JS_REFUSED),
    js: refuse(JS_REFUSED),
    json: refuse('JSON front matter is not supported: use YAML'),
    coffee: refuse('CoffeeScript front matter is not supported: use YAML'),
    cson: refuse('CoffeeScript front matter is not supported: use YAML'),
    toml: refuse('TOML front matter is not supported: use YAML')
  }
};

/** The language named after the opening `---` (`---js`), lower-cased; '' for none. */
function declaredLanguage(text: string): string | null {
  if (!text.startsWith('---') || text.charAt(3) === '-') {
    return null;
  }
  const end = text.search(/\r?\n/);
  return text
    .slice(3, end === -1 ? undefined : end)
    .trim()
    .toLowerCase();
}

/**
 * Split markdown into YAML front matter and body. Throws FrontMatterError for
 * bad YAML, unclosed blocks and any language but YAML (never evaluates `---js`),
 * and for a front matter block read before `loadFrontMatterParser` resolved.
 */
export function parseFrontMatter(text: string): IFrontMatter {
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const language = declaredLanguage(source);
  if (language === null) {
    return { data: {}, content: source, hasFrontMatter: false };
  }
  // Checked here as well as through the engines, so no name gray-matter
  // might resolve oddly (`constructor`, `toString`) ever reaches it.
  if (language === 'js' || language === 'javascript') {
    throw new FrontMatterError(JS_REFUSED, 1);
  }
  if (language !== '' && language !== 'yaml' && language !== 'yml') {
    throw new FrontMatterError(
      `Front matter in "${language}" is not supported: use YAML`,
      1
    );
  }
  if (!/\r?\n---/.test(source.slice(3))) {
    throw new FrontMatterError(
      'The front matter opened by --- on line 1 is never closed by a --- line',
      1
    );
  }

  if (!matter) {
    throw new FrontMatterError(
      'The front matter parser is not loaded yet (loadFrontMatterParser)',
      1
    );
  }
  let file: { data: unknown; content: string };
  try {
    // Always with options: without them gray-matter caches and shares result objects.
    file = matter(source, { ...SAFE_OPTIONS });
  } catch (error) {
    throw toFrontMatterError(error);
  }
  const data = file.data ?? {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new FrontMatterError(
      'The front matter must be YAML "key: value" lines, not a list or a single value',
      2
    );
  }
  return {
    data: { ...(data as Record<string, unknown>) },
    content: file.content,
    hasFrontMatter: true
  };
}

/** Turn a js-yaml exception into a message naming the line in the whole file. */
function toFrontMatterError(error: unknown): FrontMatterError {
  if (error instanceof FrontMatterError) {
    return error;
  }
  const yaml = error as {
    name?: string;
    reason?: string;
    message?: string;
    mark?: { line?: number };
  };
  if (yaml?.name === 'YAMLException') {
    // The block gray-matter hands to js-yaml starts with the rest of the `---` line,
    // so js-yaml's 0-based line is the file's 1-based line minus one.
    const line =
      typeof yaml.mark?.line === 'number' ? yaml.mark.line + 1 : undefined;
    const reason = yaml.reason || 'invalid YAML';
    const where = line ? ` at line ${line}` : '';
    return new FrontMatterError(
      `Invalid YAML in the front matter${where}: ${reason}`,
      line
    );
  }
  return new FrontMatterError(
    `The front matter could not be read: ${yaml?.message ?? String(error)}`
  );
}
