/**
 * Reading the parts of rich outputs the comparison needs: the cells of HTML tables
 * (pandas' and polars' `_repr_html_`) and image dimensions. No DOM: it runs in tests and
 * workers alike, and the HTML is never rendered.
 */

export interface ITable {
  /** Header and body rows, each a list of cell texts (tags stripped, entities decoded). */
  rows: string[][];
}

const ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' '
};

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (whole, body: string) => {
    if (body[0] === '#') {
      const code =
        body[1] === 'x' || body[1] === 'X'
          ? parseInt(body.slice(2), 16)
          : parseInt(body.slice(1), 10);
      return Number.isFinite(code) ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[body.toLowerCase()] ?? whole;
  });
}

function cellText(html: string): string {
  return decodeEntities(html.replace(/<[^>]*>/g, ''))
    .replace(/\s+/g, ' ')
    .trim();
}

/** The tables of an HTML fragment; style and script blocks are ignored. */
export function parseHtmlTables(html: string): ITable[] {
  const clean = html.replace(/<(style|script)\b[\s\S]*?<\/\1\s*>/gi, '');
  const tables: ITable[] = [];
  for (const table of clean.matchAll(/<table\b[\s\S]*?<\/table\s*>/gi)) {
    const rows: string[][] = [];
    for (const row of table[0].matchAll(
      /<tr\b[^>]*>([\s\S]*?)(?=<tr\b|<\/tr\s*>|<\/t(?:head|body|foot)\b|<\/table)/gi
    )) {
      const cells = [
        ...row[1].matchAll(
          /<t([hd])\b[^>]*>([\s\S]*?)(?=<t[hd]\b|<\/t[hd]\s*>|$)/gi
        )
      ].map(cell => cellText(cell[2]));
      rows.push(cells);
    }
    tables.push({ rows });
  }
  return tables;
}

function bytesOf(base64: string, limit: number): Uint8Array {
  const clean = base64.replace(/\s+/g, '');
  const take = Math.min(clean.length, Math.ceil(limit / 3) * 4);
  let binary: string;
  try {
    binary = atob(clean.slice(0, take - (take % 4)));
  } catch {
    return new Uint8Array();
  }
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) {
    out[i] = binary.charCodeAt(i);
  }
  return out;
}

function jpegSize(b: Uint8Array): string | undefined {
  let i = 2;
  while (i + 9 < b.length) {
    if (b[i] !== 0xff) {
      return undefined;
    }
    const marker = b[i + 1];
    const length = (b[i + 2] << 8) | b[i + 3];
    // SOF0..SOF15 except DHT (C4), JPG (C8), DAC (CC).
    if (
      marker >= 0xc0 &&
      marker <= 0xcf &&
      ![0xc4, 0xc8, 0xcc].includes(marker)
    ) {
      return `${(b[i + 7] << 8) | b[i + 8]}×${(b[i + 5] << 8) | b[i + 6]}`;
    }
    i += 2 + length;
  }
  return undefined;
}

/** "width×height" of an image output, or "unknown size" when the header does not say. */
export function imageSize(mime: string, data: string): string {
  if (mime === 'image/svg+xml') {
    const tag = /<svg\b[^>]*>/i.exec(data)?.[0] ?? '';
    const width = /\bwidth="([^"]+)"/.exec(tag)?.[1];
    const height = /\bheight="([^"]+)"/.exec(tag)?.[1];
    return width && height ? `${width}×${height}` : 'unknown size';
  }
  if (mime === 'image/png') {
    const b = bytesOf(data, 24);
    if (b.length >= 24 && b[12] === 0x49 && b[13] === 0x48) {
      const view = new DataView(b.buffer);
      return `${view.getUint32(16)}×${view.getUint32(20)}`;
    }
  } else if (mime === 'image/gif') {
    const b = bytesOf(data, 10);
    if (b.length >= 10) {
      return `${b[6] | (b[7] << 8)}×${b[8] | (b[9] << 8)}`;
    }
  } else if (mime === 'image/jpeg') {
    const size = jpegSize(bytesOf(data, 65536));
    if (size) {
      return size;
    }
  }
  return 'unknown size';
}
