/**
 * Saved vs. fresh outputs of a notebook's code cells (issue 29): same or different, the
 * first cell that fails or differs with both sides (bounded), and the masks used.
 *
 * Rules: stream text (per stream) and text/plain exactly after masking volatile parts;
 * HTML tables (pandas, polars) by shape and cell values (masked); images by presence and
 * size (PNG/JPEG/GIF dimensions from their headers, SVG from its attributes); errors by
 * name and masked message. Execution counts and output metadata are ignored.
 */
import type * as nbformat from '@jupyterlab/nbformat';

import { maskText, OUTPUT_MASKS } from './masks';
import { imageSize, parseHtmlTables, type ITable } from './outputParts';

/** One side of a code cell: its index in the notebook and its outputs. */
export interface ICellOutputs {
  index: number;
  outputs: readonly nbformat.IOutput[];
}

export type CellVerdict = 'same' | 'different' | 'failed';

export interface ICellComparison {
  index: number;
  verdict: CellVerdict;
  /** Why it differs, e.g. "stdout differs at line 3" or "the fresh run raised NameError". */
  reason?: string;
}

export interface IFirstDifference extends ICellComparison {
  /** The saved outputs as text, bounded. */
  saved: string;
  /** The fresh outputs as text, bounded. */
  fresh: string;
}

export interface IComparisonReport {
  compared: number;
  same: number;
  different: number;
  failed: number;
  /** The first cell that failed or differs, top to bottom. */
  firstDifference?: IFirstDifference;
  cells: ICellComparison[];
  /** The masks that hid something, with their descriptions (for the card). */
  masksUsed: { id: string; description: string }[];
}

export interface ICompareOptions {
  /** Bound of each side's text in `firstDifference` (characters). */
  maxChars?: number;
}

/** A normalised output part: what is compared. */
type Part =
  | { kind: 'stream'; name: string; text: string }
  | { kind: 'error'; text: string }
  | { kind: 'text'; mime: string; text: string }
  | { kind: 'table'; tables: ITable[] }
  | { kind: 'image'; mime: string; size: string }
  | { kind: 'present'; mime: string };

const IMAGE_MIMES = ['image/png', 'image/jpeg', 'image/gif', 'image/svg+xml'];
/** Rich outputs whose content is random by nature (widget model ids): presence only. */
const PRESENCE_ONLY = ['application/vnd.jupyter.widget-view+json'];

function joinText(value: unknown): string {
  if (Array.isArray(value)) {
    return value.join('');
  }
  return typeof value === 'string' ? value : JSON.stringify(value ?? '');
}

function richPart(data: nbformat.IMimeBundle, used: Set<string>): Part {
  for (const mime of PRESENCE_ONLY) {
    if (mime in data) {
      return { kind: 'present', mime };
    }
  }
  const html = data['text/html'];
  if (html !== undefined) {
    const tables = parseHtmlTables(joinText(html));
    if (tables.length) {
      for (const table of tables) {
        table.rows = table.rows.map(row => row.map(c => maskText(c, used)));
      }
      return { kind: 'table', tables };
    }
  }
  for (const mime of IMAGE_MIMES) {
    if (data[mime] !== undefined) {
      return {
        kind: 'image',
        mime,
        size: imageSize(mime, joinText(data[mime]))
      };
    }
  }
  if (data['text/plain'] !== undefined) {
    return {
      kind: 'text',
      mime: 'text/plain',
      text: maskText(joinText(data['text/plain']), used)
    };
  }
  const mime = Object.keys(data).sort()[0] ?? '';
  return { kind: 'text', mime, text: maskText(joinText(data[mime]), used) };
}

/** Outputs as comparable parts: consecutive stream chunks of one stream are merged. */
function parts(
  outputs: readonly nbformat.IOutput[],
  used: Set<string>
): Part[] {
  const out: Part[] = [];
  for (const output of outputs) {
    switch (output.output_type) {
      case 'stream': {
        const name = String(output.name ?? 'stdout');
        const text = joinText(output.text);
        const last = out[out.length - 1];
        if (last?.kind === 'stream' && last.name === name) {
          last.text += text;
        } else {
          out.push({ kind: 'stream', name, text });
        }
        break;
      }
      case 'error':
        out.push({
          kind: 'error',
          text: maskText(`${output.ename}: ${output.evalue}`, used)
        });
        break;
      case 'execute_result':
      case 'display_data':
        out.push(richPart((output.data ?? {}) as nbformat.IMimeBundle, used));
        break;
      default:
        break;
    }
  }
  for (const part of out) {
    if (part.kind === 'stream') {
      part.text = maskText(part.text, used);
    }
  }
  return out;
}

function partLabel(part: Part): string {
  switch (part.kind) {
    case 'stream':
      return part.name;
    case 'error':
      return 'error';
    case 'text':
      return part.mime;
    case 'table':
      return 'table';
    case 'image':
      return part.mime;
    case 'present':
      return part.mime;
  }
}

function firstLineDiff(a: string, b: string): number {
  const left = a.split('\n');
  const right = b.split('\n');
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    if (left[i] !== right[i]) {
      return i + 1;
    }
  }
  return 0;
}

function compareTables(saved: ITable[], fresh: ITable[]): string | undefined {
  if (saved.length !== fresh.length) {
    return `${saved.length} table(s) saved, ${fresh.length} now`;
  }
  for (let t = 0; t < saved.length; t++) {
    const a = saved[t].rows;
    const b = fresh[t].rows;
    const shapeA = `${a.length}×${Math.max(0, ...a.map(r => r.length))}`;
    const shapeB = `${b.length}×${Math.max(0, ...b.map(r => r.length))}`;
    if (shapeA !== shapeB) {
      return `table shape ${shapeA} saved, ${shapeB} now`;
    }
    for (let r = 0; r < a.length; r++) {
      for (let c = 0; c < a[r].length; c++) {
        if (a[r][c] !== b[r][c]) {
          return `table value at row ${r + 1}, column ${c + 1}: ${JSON.stringify(a[r][c])} saved, ${JSON.stringify(b[r][c])} now`;
        }
      }
    }
  }
  return undefined;
}

/** Why two part lists differ, or undefined when they are the same. */
function difference(saved: Part[], fresh: Part[]): string | undefined {
  const n = Math.max(saved.length, fresh.length);
  for (let i = 0; i < n; i++) {
    const a = saved[i];
    const b = fresh[i];
    if (!a || !b) {
      return a
        ? `output ${i + 1} (${partLabel(a)}) is missing now`
        : `output ${i + 1} (${partLabel(b)}) is new`;
    }
    if (a.kind !== b.kind || partLabel(a) !== partLabel(b)) {
      return `output ${i + 1} was ${partLabel(a)}, now ${partLabel(b)}`;
    }
    if (a.kind === 'table' && b.kind === 'table') {
      const why = compareTables(a.tables, b.tables);
      if (why) {
        return why;
      }
    } else if (a.kind === 'image' && b.kind === 'image') {
      if (a.size !== b.size) {
        return `image size ${a.size} saved, ${b.size} now`;
      }
    } else if ('text' in a && 'text' in b && a.text !== b.text) {
      return `${partLabel(a)} differs at line ${firstLineDiff(a.text, b.text)}`;
    }
  }
  return undefined;
}

/** Outputs as text for the side-by-side view, bounded to `maxChars`. */
export function outputsText(
  outputs: readonly nbformat.IOutput[],
  maxChars = 2000
): string {
  const pieces = parts(outputs, new Set()).map(part => {
    switch (part.kind) {
      case 'table':
        return part.tables
          .map(t => t.rows.map(r => r.join(' | ')).join('\n'))
          .join('\n\n');
      case 'image':
        return `[${part.mime} ${part.size}]`;
      case 'present':
        return `[${part.mime}]`;
      default:
        return part.text;
    }
  });
  const text = pieces.join('\n');
  return text.length > maxChars
    ? `${text.slice(0, maxChars)}\n… (${text.length - maxChars} more characters)`
    : text;
}

/**
 * Compares the saved outputs of each code cell with a fresh run's. Cells are matched by
 * index; a cell missing from `fresh` (the run stopped before it) is not counted.
 */
export function compareOutputs(
  saved: readonly ICellOutputs[],
  fresh: readonly ICellOutputs[],
  options: ICompareOptions = {}
): IComparisonReport {
  const maxChars = options.maxChars ?? 2000;
  const used = new Set<string>();
  const freshByIndex = new Map(fresh.map(cell => [cell.index, cell]));
  const cells: ICellComparison[] = [];
  let firstDifference: IFirstDifference | undefined;
  for (const cell of saved) {
    const now = freshByIndex.get(cell.index);
    if (!now) {
      continue;
    }
    const a = parts(cell.outputs, used);
    const b = parts(now.outputs, used);
    const freshError = b.find(p => p.kind === 'error');
    const savedError = a.find(p => p.kind === 'error');
    let result: ICellComparison;
    if (freshError && (!savedError || savedError.text !== freshError.text)) {
      result = {
        index: cell.index,
        verdict: 'failed',
        reason: `the fresh run raised ${'text' in freshError ? freshError.text : 'an error'}`
      };
    } else {
      const why = difference(a, b);
      result = why
        ? { index: cell.index, verdict: 'different', reason: why }
        : { index: cell.index, verdict: 'same' };
    }
    cells.push(result);
    if (result.verdict !== 'same' && !firstDifference) {
      firstDifference = {
        ...result,
        saved: outputsText(cell.outputs, maxChars),
        fresh: outputsText(now.outputs, maxChars)
      };
    }
  }
  return {
    compared: cells.length,
    same: cells.filter(c => c.verdict === 'same').length,
    different: cells.filter(c => c.verdict === 'different').length,
    failed: cells.filter(c => c.verdict === 'failed').length,
    firstDifference,
    cells,
    masksUsed: OUTPUT_MASKS.filter(m => used.has(m.id)).map(m => ({
      id: m.id,
      description: m.description
    }))
  };
}
