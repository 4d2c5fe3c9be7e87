import { readParquetSchema, ReadRange } from './parquetSchema';
import type {
  ColumnType,
  IContractColumn,
  IEtlSource,
  SourceFormat
} from './types';

/**
 * Source schemas read cheaply: the first bytes of a CSV (header and a
 * sample of rows), the first lines of JSON Lines. Nothing here runs code
 * or reads a whole file. The values are data for the model, never
 * instructions.
 */

/** Bytes read from the start of a file for its schema. */
export const SAMPLE_BYTES = 64 * 1024;

const EXTENSIONS: Record<string, SourceFormat> = {
  csv: 'csv',
  tsv: 'csv',
  parquet: 'parquet',
  pq: 'parquet',
  json: 'json',
  jsonl: 'json',
  ndjson: 'json',
  xlsx: 'excel',
  xls: 'excel'
};

/** The source format of a file name, or null when it is not a data file. */
export function formatOf(path: string): SourceFormat | null {
  const ext = /\.([A-Za-z0-9]+)$/.exec(path)?.[1]?.toLowerCase() ?? '';
  return EXTENSIONS[ext] ?? null;
}

/** A Python identifier from a file name: `daily orders.csv` → `daily_orders`. */
export function sourceName(path: string): string {
  const stem = (path.split('/').pop() ?? 'source').replace(/\.[^.]*$/, '');
  let name =
    stem
      .replace(/[^A-Za-z0-9_]+/g, '_')
      .replace(/^_+|_+$/g, '')
      .toLowerCase() || 'source';
  if (/^\d/.test(name)) {
    name = `src_${name}`;
  }
  return name;
}

/** Split CSV text into rows (quotes, doubled quotes, CRLF). A cut last line is dropped by the caller. */
export function parseCsv(text: string, delimiter = ','): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') {
        quoted = false;
      } else {
        field += ch;
      }
    } else if (ch === '"') {
      quoted = true;
    } else if (ch === delimiter) {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') {
        i++;
      }
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else {
      field += ch;
    }
  }
  if (field || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

const INT = /^[-+]?\d+$/;
const FLOAT = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const BOOL = /^(true|false)$/i;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIMESTAMP =
  /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;

function typeOfValue(value: string): ColumnType {
  if (INT.test(value)) {
    return 'int';
  }
  if (FLOAT.test(value)) {
    return 'float';
  }
  if (BOOL.test(value)) {
    return 'bool';
  }
  if (DATE.test(value)) {
    return 'date';
  }
  if (TIMESTAMP.test(value)) {
    return 'timestamp';
  }
  return 'string';
}

function widen(a: ColumnType | null, b: ColumnType): ColumnType {
  if (a === null || a === b) {
    return b;
  }
  const pair = new Set([a, b]);
  if (pair.has('int') && pair.has('float')) {
    return 'float';
  }
  if (pair.has('date') && pair.has('timestamp')) {
    return 'timestamp';
  }
  return 'string';
}

/** What a CSV sample tells: columns with types, nullability, sample rows, a likely key. */
export interface ICsvSchema {
  columns: IContractColumn[];
  sampleRows: string[][];
  /** Rows in the sample (the whole file when `complete`). */
  rows: number;
  /** The sample is the whole file. */
  complete: boolean;
  keys: string[];
}

/**
 * Infer the contract of a CSV from its first bytes. A column is not-null
 * only when the sample is the whole file and has no empty value (or when
 * it is the key); types widen int → float, date → timestamp, else string.
 */
export function csvSchema(
  text: string,
  complete: boolean,
  stem: string
): ICsvSchema {
  const delimiter =
    (text.split('\n', 1)[0].match(/\t/g)?.length ?? 0) >
    (text.split('\n', 1)[0].match(/,/g)?.length ?? 0)
      ? '\t'
      : ',';
  let rows = parseCsv(text, delimiter);
  if (!complete && rows.length > 1) {
    rows = rows.slice(0, -1); // the last line may be cut
  }
  const header = (rows[0] ?? []).map(h => h.trim());
  const body = rows.slice(1).filter(r => r.length > 1 || r[0] !== '');
  const columns: IContractColumn[] = header.map((name, i) => {
    let type: ColumnType | null = null;
    let empty = false;
    for (const row of body) {
      const value = (row[i] ?? '').trim();
      if (!value) {
        empty = true;
        continue;
      }
      type = widen(type, typeOfValue(value));
    }
    return { name, type: type ?? 'string', nullable: empty || !complete };
  });
  const keys = guessKey(header, body, stem);
  for (const column of columns) {
    if (keys.includes(column.name)) {
      column.nullable = false;
    }
  }
  return {
    columns,
    sampleRows: body.slice(0, 5),
    rows: body.length,
    complete,
    keys
  };
}

/** `orders` → `order_id`, else `id`, else the first `*_id` column that is (nearly) unique in the sample. */
export function guessKey(
  header: string[],
  body: string[][],
  stem: string
): string[] {
  const singular = stem.replace(/ies$/, 'y').replace(/s$/, '');
  for (const candidate of [`${singular}_id`, 'id']) {
    if (header.includes(candidate)) {
      return [candidate];
    }
  }
  for (let i = 0; i < header.length; i++) {
    if (/_id$/.test(header[i]) && body.length) {
      const distinct = new Set(body.map(r => r[i])).size;
      if (distinct >= 0.95 * body.length) {
        return [header[i]];
      }
    }
  }
  return [];
}

/** Reads the first bytes of a server file (HTTP Range on /files/). */
export type ReadHead = (
  path: string,
  bytes: number
) => Promise<{ text: string; complete: boolean }>;

/** An ETL source for a data file, with its schema when it can be read cheaply. */
export async function readSource(
  path: string,
  relativePath: string,
  readHead: ReadHead,
  readRange?: ReadRange
): Promise<IEtlSource & { note?: string; sample?: string[][] }> {
  const format = formatOf(path) ?? 'csv';
  const name = sourceName(path);
  const base = {
    name,
    path: relativePath,
    format,
    columns: [] as IContractColumn[],
    keys: [] as string[]
  };
  if (format === 'csv') {
    const head = await readHead(path, SAMPLE_BYTES);
    const schema = csvSchema(head.text, head.complete, name);
    return {
      ...base,
      columns: schema.columns,
      keys: schema.keys,
      sample: schema.sampleRows,
      note: `types from ${schema.complete ? 'the whole file' : `the first ${schema.rows} rows`} (${schema.rows} rows read)`
    };
  }
  if (format === 'json') {
    const head = await readHead(path, SAMPLE_BYTES);
    const first = head.text
      .split('\n')
      .find(line => line.trim().startsWith('{'));
    try {
      const record = first
        ? (JSON.parse(first) as Record<string, unknown>)
        : {};
      const columns = Object.entries(record).map(([key, value]) => ({
        name: key,
        type: (typeof value === 'number'
          ? Number.isInteger(value)
            ? 'int'
            : 'float'
          : typeof value === 'boolean'
            ? 'bool'
            : typeof value === 'string'
              ? typeOfValue(value)
              : 'any') as ColumnType,
        nullable: true
      }));
      return { ...base, columns, note: 'types from the first record' };
    } catch {
      return {
        ...base,
        note: 'not JSON Lines: read the schema in the extract cell'
      };
    }
  }
  if (format === 'parquet' && readRange) {
    const schema = await readParquetSchema(path, readRange);
    const names = schema.columns.map(c => c.name);
    const keys = guessKey(names, [], name);
    return {
      ...base,
      columns: schema.columns.map(c =>
        keys.includes(c.name) ? { ...c, nullable: false } : c
      ),
      keys,
      note: `schema from the Parquet footer (${schema.rows} rows)`
    };
  }
  return {
    ...base,
    note: `${format} schema not read in the browser: read it in the extract cell and fill CONTRACT`
  };
}
