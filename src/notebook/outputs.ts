import { maskSecrets } from '../secretText';
import type {
  ImageBlockParam,
  TextBlockParam
} from '@anthropic-ai/sdk/resources/messages';

/**
 * Cell outputs (nbformat JSON) turned into what the model reads: text with
 * ANSI codes removed and a size cap, plots as image blocks, errors with
 * their traceback and a hint when the fix is known. Pure functions.
 */

/** One nbformat output, loosely typed: kernels send more than the spec says. */
export interface IOutputJSON {
  output_type: string;
  [key: string]: unknown;
}

export interface IOutputFormatOptions {
  /** Cap on the text, in characters (head and tail kept). Default 8,000. */
  maxTextChars?: number;
  /** At most this many images become image blocks. Default 2. */
  maxImages?: number;
  /** An image whose base64 data is longer than this is replaced by a note. Default 1.5 MB. */
  maxImageChars?: number;
  /** Cap on HTML shown as text when an output has no text/plain. Default 1,500. */
  maxHtmlChars?: number;
}

/** The outputs, ready for a tool result. */
export interface IFormattedOutputs {
  /** Every output as text, in order; '' when there was nothing textual. */
  text: string;
  images: ImageBlockParam[];
  /** The first error output, if any. */
  error: { ename: string; evalue: string } | null;
  /** What to do about the error, when we know (e.g. install a missing module). */
  hint: string | null;
  /** True when the text was cut to its cap. */
  truncated: boolean;
}

const DEFAULTS: Required<IOutputFormatOptions> = {
  maxTextChars: 8000,
  maxImages: 2,
  maxImageChars: 1_500_000,
  maxHtmlChars: 1500
};

const IMAGE_TYPES = [
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp'
] as const;
type ImageMediaType = (typeof IMAGE_TYPES)[number];

// CSI sequences (colours, cursor moves), OSC sequences (titles, links), and lone two-byte escapes.
// eslint-disable-next-line no-control-regex
const ANSI =
  /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;

/** Remove ANSI escape codes (IPython colours its tracebacks). */
export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

/** Keep the head and tail of a long text, with a notice of how much was cut. */
export function truncateMiddle(text: string, maxChars: number): string {
  if (text.length <= maxChars) {
    return text;
  }
  const keep = Math.max(0, maxChars - 50);
  const head = Math.ceil(keep / 2);
  const tail = keep - head;
  const cut = text.length - head - tail;
  return `${text.slice(0, head)}\n[… ${cut} characters truncated …]\n${tail > 0 ? text.slice(-tail) : ''}`;
}

/** Progress bars rewrite their line with `\r`: keep what the user finally sees. */
export function collapseCarriageReturns(text: string): string {
  if (!text.includes('\r')) {
    return text;
  }
  return text
    .replace(/\r\n/g, '\n')
    .split('\n')
    .map(line => {
      const parts = line.split('\r').filter(part => part !== '');
      return parts.length ? parts[parts.length - 1] : '';
    })
    .join('\n');
}

/** Import names whose pip package is named differently. */
const PIP_NAMES: Record<string, string> = {
  sklearn: 'scikit-learn',
  cv2: 'opencv-python',
  PIL: 'pillow',
  yaml: 'pyyaml',
  bs4: 'beautifulsoup4',
  dateutil: 'python-dateutil',
  dotenv: 'python-dotenv',
  psycopg2: 'psycopg2-binary',
  google: 'the matching google-cloud-* package',
  jwt: 'pyjwt',
  snowflake: 'snowflake-connector-python',
  pyspark: 'pyspark',
  duckdb: 'duckdb'
};

/** A next step for the model when an error has a known fix, else null. */
export function errorHint(ename: string, evalue: string): string | null {
  const missing = /No module named ['"]?([\w.]+)['"]?/.exec(evalue);
  if (ename === 'ModuleNotFoundError' || (ename === 'ImportError' && missing)) {
    const module = missing ? missing[1].split('.')[0] : null;
    if (!module) {
      return 'Hint: a module is missing from the kernel environment; install it with install_packages.';
    }
    const pip = PIP_NAMES[module] ?? module;
    return (
      `Hint: module '${module}' is not installed in the kernel's environment. ` +
      `Install it with install_packages (pip name: ${pip}), then run the cell again.`
    );
  }
  return null;
}

function joinText(value: unknown): string {
  if (Array.isArray(value)) {
    return value.join('');
  }
  return typeof value === 'string'
    ? value
    : value === undefined || value === null
      ? ''
      : JSON.stringify(value);
}

/** Reduce HTML to its visible text (tables become rows of cells). */
export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, '')
    .replace(/<\/(?:td|th)>/gi, '\t')
    .replace(/<\/(?:tr|p|div|li|h\d)>|<br\s*\/?>/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** Mime types in the order a summary names them: the richest first. */
const MIME_RANK = [
  'application/vnd.jupyter.widget-view+json',
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'image/svg+xml',
  'application/vnd.plotly.v1+json',
  'text/html',
  'text/markdown',
  'text/latex',
  'application/json',
  'text/plain'
];

/** The main mime type of a mime bundle (what the user sees). */
export function primaryMimeType(data: Record<string, unknown>): string | null {
  const keys = Object.keys(data);
  if (!keys.length) {
    return null;
  }
  for (const mime of MIME_RANK) {
    if (mime in data) {
      return mime;
    }
  }
  return keys[0];
}

/** A short label for an output: `stream`, `stream(stderr)`, `display_data(image/png)`, `error`. */
export function outputKind(output: IOutputJSON): string {
  switch (output.output_type) {
    case 'stream':
      return output.name === 'stderr' ? 'stream(stderr)' : 'stream';
    case 'execute_result':
    case 'display_data':
    case 'update_display_data': {
      const mime = primaryMimeType(
        (output.data as Record<string, unknown>) ?? {}
      );
      return mime ? `${output.output_type}(${mime})` : output.output_type;
    }
    default:
      return String(output.output_type);
  }
}

interface IImageState {
  images: ImageBlockParam[];
}

function formatBundle(
  data: Record<string, unknown>,
  options: Required<IOutputFormatOptions>,
  state: IImageState
): string[] {
  const parts: string[] = [];
  const image = IMAGE_TYPES.find(
    mime => typeof data[mime] === 'string' || Array.isArray(data[mime])
  );
  if (image) {
    const base64 = joinText(data[image]).replace(/\s+/g, '');
    if (state.images.length >= options.maxImages) {
      parts.push(
        `[${image} image not shown: at most ${options.maxImages} images per result]`
      );
    } else if (base64.length > options.maxImageChars) {
      parts.push(
        `[${image} image not shown: ${(base64.length / 1e6).toFixed(1)} MB is too large]`
      );
    } else {
      state.images.push({
        type: 'image',
        source: {
          type: 'base64',
          media_type: image as ImageMediaType,
          data: base64
        }
      });
      parts.push(`[${image} image ${state.images.length} attached]`);
    }
  } else if ('image/svg+xml' in data) {
    parts.push('[SVG image not shown]');
  }
  if ('text/plain' in data) {
    parts.push(joinText(data['text/plain']));
  } else if ('text/html' in data) {
    const text = htmlToText(joinText(data['text/html']));
    parts.push(
      `[text/html output, shown as text]\n${truncateMiddle(text, options.maxHtmlChars)}`
    );
  } else if ('text/markdown' in data || 'text/latex' in data) {
    parts.push(joinText(data['text/markdown'] ?? data['text/latex']));
  } else if ('application/json' in data) {
    parts.push(
      truncateMiddle(joinText(data['application/json']), options.maxHtmlChars)
    );
  } else if (!image) {
    const mime = primaryMimeType(data);
    if (mime === 'application/vnd.jupyter.widget-view+json') {
      parts.push('[interactive widget: not visible to you]');
    } else if (mime && mime !== 'image/svg+xml') {
      parts.push(`[${mime} output not shown]`);
    }
  }
  return parts;
}

/** Turn a cell's outputs into text, image blocks, the first error and a hint. */
export function formatOutputs(
  outputs: readonly IOutputJSON[],
  options: IOutputFormatOptions = {}
): IFormattedOutputs {
  const opts = { ...DEFAULTS, ...options };
  const state: IImageState = { images: [] };
  const chunks: string[] = [];
  let error: IFormattedOutputs['error'] = null;
  let lastStream: string | null = null;

  for (const output of outputs) {
    switch (output.output_type) {
      case 'stream': {
        const name = output.name === 'stderr' ? 'stderr' : 'stdout';
        const text = collapseCarriageReturns(stripAnsi(joinText(output.text)));
        if (lastStream === name && chunks.length) {
          chunks[chunks.length - 1] += text;
        } else {
          chunks.push(name === 'stderr' ? `[stderr]\n${text}` : text);
        }
        lastStream = name;
        continue;
      }
      case 'execute_result':
      case 'display_data':
      case 'update_display_data': {
        const parts = formatBundle(
          (output.data as Record<string, unknown>) ?? {},
          opts,
          state
        );
        if (parts.length) {
          chunks.push(stripAnsi(parts.join('\n')));
        }
        break;
      }
      case 'error': {
        const ename = String(output.ename ?? 'Error');
        const evalue = stripAnsi(String(output.evalue ?? ''));
        error = error ?? { ename, evalue };
        const traceback = Array.isArray(output.traceback)
          ? output.traceback.map(String)
          : [];
        const text = stripAnsi(traceback.join('\n')).trim();
        chunks.push(
          text && text.includes(ename)
            ? text
            : [`${ename}: ${evalue}`, text].filter(Boolean).join('\n')
        );
        break;
      }
      default:
        chunks.push(`[${String(output.output_type)} output]`);
    }
    lastStream = null;
  }

  // A printed key or connection string is masked as the variable summaries mask it.
  const joined = maskSecrets(
    chunks.map(chunk => chunk.replace(/\s+$/, '')).join('\n')
  );
  return {
    text: truncateMiddle(joined, opts.maxTextChars),
    truncated: joined.length > opts.maxTextChars,
    images: state.images,
    error,
    hint: error ? errorHint(error.ename, error.evalue) : null
  };
}

/** Tool-result content: the header, the outputs' text and hint, then the images. */
export function outputsToContent(
  header: string,
  formatted: IFormattedOutputs
): string | Array<TextBlockParam | ImageBlockParam> {
  const lines = [header];
  if (formatted.text) {
    lines.push(formatted.text);
  }
  if (formatted.hint) {
    lines.push(formatted.hint);
  }
  const text = lines.join('\n');
  if (!formatted.images.length) {
    return text;
  }
  const textBlock: TextBlockParam = { type: 'text', text };
  return [textBlock, ...formatted.images];
}
