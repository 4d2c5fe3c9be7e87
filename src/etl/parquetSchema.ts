import type { ColumnType, IContractColumn } from './types';

/**
 * The columns of a Parquet file from its footer only (two small HTTP range
 * reads: the last 8 bytes, then the footer): the Thrift compact encoding of
 * `FileMetaData`, of which we read `schema` and `num_rows` and skip the rest.
 */

/** Reads bytes [start, end] (inclusive) of a server file, or the last `-start` bytes when start < 0. */
export type ReadRange = (
  path: string,
  start: number,
  end?: number
) => Promise<{ bytes: Uint8Array; total: number }>;

export interface IParquetSchema {
  columns: IContractColumn[];
  rows: number;
}

class Reader {
  constructor(private readonly b: Uint8Array) {}
  pos = 0;

  byte(): number {
    if (this.pos >= this.b.length) {
      throw new Error('Parquet footer ends early');
    }
    return this.b[this.pos++];
  }

  varint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const byte = this.byte();
      result += (byte & 0x7f) * 2 ** shift;
      if (!(byte & 0x80)) {
        return result;
      }
      shift += 7;
      if (shift > 63) {
        throw new Error('bad varint in the Parquet footer');
      }
    }
  }

  zigzag(): number {
    const n = this.varint();
    return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
  }

  binary(): Uint8Array {
    const length = this.varint();
    const out = this.b.subarray(this.pos, this.pos + length);
    this.pos += length;
    return out;
  }

  skip(type: number): void {
    switch (type) {
      case 1:
      case 2:
        return;
      case 3:
        this.pos++;
        return;
      case 4:
      case 5:
      case 6:
        this.varint();
        return;
      case 7:
        this.pos += 8;
        return;
      case 8:
        this.binary();
        return;
      case 9:
      case 10: {
        const { size, elementType } = this.listHeader();
        for (let i = 0; i < size; i++) {
          if (elementType === 1 || elementType === 2) {
            this.pos++;
          } else {
            this.skip(elementType);
          }
        }
        return;
      }
      case 11: {
        const size = this.varint();
        if (size) {
          const kinds = this.byte();
          for (let i = 0; i < size; i++) {
            this.skip(kinds >> 4);
            this.skip(kinds & 0x0f);
          }
        }
        return;
      }
      case 12:
        this.struct(() => false);
        return;
      default:
        throw new Error(`unknown Thrift type ${type} in the Parquet footer`);
    }
  }

  listHeader(): { size: number; elementType: number } {
    const header = this.byte();
    const short = header >> 4;
    return {
      size: short === 15 ? this.varint() : short,
      elementType: header & 0x0f
    };
  }

  /** Read a struct's fields; `onField` handles (and consumes) a field or returns false to skip it. */
  struct(onField: (id: number, type: number) => boolean): void {
    let last = 0;
    for (;;) {
      const header = this.byte();
      if (header === 0) {
        return;
      }
      const type = header & 0x0f;
      const delta = header >> 4;
      const id = delta ? last + delta : this.zigzag();
      last = id;
      if (!onField(id, type)) {
        this.skip(type);
      }
    }
  }
}

interface IElement {
  name: string;
  type?: number;
  repetition?: number;
  children: number;
  converted?: number;
  logical?: number;
}

function columnType(e: IElement): ColumnType {
  if (e.children > 0) {
    return 'any';
  }
  if (e.logical === 6 || e.converted === 6) {
    return 'date';
  }
  if (
    e.logical === 8 ||
    e.converted === 9 ||
    e.converted === 10 ||
    e.type === 3
  ) {
    return 'timestamp';
  }
  if (e.logical === 5 || e.converted === 5) {
    return 'float';
  }
  switch (e.type) {
    case 0:
      return 'bool';
    case 1:
    case 2:
      return 'int';
    case 4:
    case 5:
      return 'float';
    case 6:
      return 'string';
    default:
      return 'any';
  }
}

/** Parse a Thrift-compact `FileMetaData`: top-level columns and the row count. */
export function parseFooter(bytes: Uint8Array): IParquetSchema {
  const r = new Reader(bytes);
  const elements: IElement[] = [];
  let rows = 0;
  const decoder = new TextDecoder();
  r.struct((id, type) => {
    if (id === 2 && type === 9) {
      const { size } = r.listHeader();
      for (let i = 0; i < size; i++) {
        const e: IElement = { name: '', children: 0 };
        r.struct((fid, ftype) => {
          if (fid === 1 && ftype === 5) {
            e.type = r.zigzag();
          } else if (fid === 3 && ftype === 5) {
            e.repetition = r.zigzag();
          } else if (fid === 4 && ftype === 8) {
            e.name = decoder.decode(r.binary());
          } else if (fid === 5 && ftype === 5) {
            e.children = r.zigzag();
          } else if (fid === 6 && ftype === 5) {
            e.converted = r.zigzag();
          } else if (fid === 10 && ftype === 12) {
            // LogicalType is a union: the id of its one field says which.
            r.struct(lid => {
              e.logical = lid;
              return false;
            });
          } else {
            return false;
          }
          return true;
        });
        elements.push(e);
      }
      return true;
    }
    if (id === 3 && type === 6) {
      rows = r.zigzag();
      return true;
    }
    return false;
  });
  // elements[0] is the root; walk its children, skipping the leaves of nested groups.
  const columns: IContractColumn[] = [];
  let i = 1;
  const skipSubtree = (count: number) => {
    for (let k = 0; k < count; k++) {
      const e = elements[i++];
      if (e?.children) {
        skipSubtree(e.children);
      }
    }
  };
  const top = elements[0]?.children ?? 0;
  for (let k = 0; k < top && i < elements.length; k++) {
    const e = elements[i++];
    columns.push({
      name: e.name,
      type: columnType(e),
      nullable: e.repetition !== 0
    });
    if (e.children) {
      skipSubtree(e.children);
    }
  }
  return { columns, rows };
}

/** The schema of a Parquet file on the server, from its footer. */
export async function readParquetSchema(
  path: string,
  readRange: ReadRange
): Promise<IParquetSchema> {
  const tail = await readRange(path, -8);
  const t = tail.bytes;
  if (
    t.length !== 8 ||
    String.fromCharCode(t[4], t[5], t[6], t[7]) !== 'PAR1'
  ) {
    throw new Error(`${path} is not a Parquet file (no PAR1 at its end)`);
  }
  const length = t[0] | (t[1] << 8) | (t[2] << 16) | (t[3] << 24);
  const end = tail.total - 9;
  const footer = await readRange(path, end - length + 1, end);
  return parseFooter(footer.bytes);
}
