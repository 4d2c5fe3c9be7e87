import type { IAttachment, IMentionItem, IMentionSource } from '../tokens';
import type { IConnectionRef, IQueryKernel, QueryKernel } from './kernelQuery';
import { catalogKey, ICatalogFilter, QueryService } from './service';
import type { IGatewayConnection, ITableDescription } from './types';

/** The description a mention puts into the turn is cut at this many characters. */
export const MAX_TABLE_MENTION_CHARS = 3000;

/** Connections of a kernel whose tables the menu lists (the first page of each). */
const MAX_CONNECTIONS = 4;

/** A catalog call from the menu waits at most this long (the tools allow 30 s). */
const CALL_TIMEOUT_MS = 10000;

/** The first page of a connection's catalog: the list_tables tool's own cache entry. */
const FIRST_PAGE: ICatalogFilter = {
  pattern: null,
  schema: null,
  next: null,
  detail: false
};

const MENTIONABLE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** One table of the menu and the connection it was found on. */
interface ITableEntry extends IMentionItem {
  ref: IConnectionRef;
  engine: string;
  connectionLabel: string;
}

function refOf(connection: IGatewayConnection): IConnectionRef {
  return connection.name
    ? { connection: connection.name, engine: null }
    : { connection: null, engine: connection.engine };
}

function labelOf(connection: IGatewayConnection): string {
  return connection.name
    ? `connection \`${connection.name}\``
    : `the ${connection.engine} default connection`;
}

function count(n: number | null | undefined): string | null {
  return typeof n === 'number' && Number.isFinite(n)
    ? Math.round(n).toLocaleString('en-US')
    : null;
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * A table's description as text for the model: columns with types, keys,
 * row estimate and size, from the catalog's metadata only; at most
 * `maxChars` (the columns that do not fit are counted, not listed).
 */
export function tableMentionText(
  table: ITableDescription,
  where: { name: string; engine: string; connectionLabel: string },
  maxChars = MAX_TABLE_MENTION_CHARS
): string {
  const name = table.schema
    ? `${table.schema}.${table.name ?? where.name}`
    : (table.name ?? where.name);
  const facts: string[] = [];
  const rows = count(table.rows_estimate);
  facts.push(rows !== null ? `about ${rows} rows` : 'row count unknown');
  const bytes = count(table.bytes);
  if (bytes !== null) {
    facts.push(`${bytes} bytes on disk`);
  }
  const head = `${table.kind ? clip(String(table.kind).toLowerCase(), 20) : 'table'} ${name} (${table.engine ?? where.engine}, ${where.connectionLabel}): ${facts.join(', ')}.`;
  const tail: string[] = [];
  if (table.primary_key?.length) {
    tail.push(`Primary key: ${clip(table.primary_key.join(', '), 300)}`);
  }
  for (const unique of (table.unique ?? []).slice(0, 5)) {
    tail.push(`Unique: ${clip(unique.join(', '), 300)}`);
  }
  for (const fk of (table.foreign_keys ?? []).slice(0, 10)) {
    tail.push(
      clip(
        `Foreign key: ${fk.columns.join(', ')} → ${fk.references}(${fk.ref_columns.join(', ')})`,
        300
      )
    );
  }
  if (table.comment) {
    tail.push(`Comment: ${clip(table.comment, 300)}`);
  }
  tail.push(
    "From the catalog's metadata (nothing was scanned). Query it with run_query; describe_table gives every detail."
  );
  const columns = table.columns ?? [];
  const lines = [head, `Columns (${columns.length}):`];
  let used = [...lines, ...tail].join('\n').length;
  let shown = 0;
  for (const column of columns) {
    const line = clip(
      `- ${column.name} ${column.type}${column.nullable === false ? ' NOT NULL' : ''}${column.comment ? ` -- ${column.comment}` : ''}`,
      200
    );
    // Room for this line and the "… more" line.
    if (used + line.length + 1 + 60 > maxChars) {
      break;
    }
    lines.push(line);
    used += line.length + 1;
    shown++;
  }
  if (shown < columns.length) {
    lines.push(
      `- … ${columns.length - shown} more columns (describe_table lists them)`
    );
  }
  return clip([...lines, ...tail].join('\n'), maxChars);
}

/**
 * The `@` menu's tables: the catalog of the active notebook's kernel, read
 * through the query tools' cache (so the menu costs no kernel call until a
 * cell runs again). A kernel that is missing, busy, starting or dead gives
 * no tables; so does one without connections. Nothing here throws.
 */
export function createTableMentions(
  service: QueryService,
  activeKernel: () => IQueryKernel | null
): IMentionSource {
  const ready = (): QueryKernel | null => {
    const kernel = activeKernel();
    if (!kernel || kernel.status !== 'idle') {
      return null;
    }
    return service.helperFor(kernel);
  };
  const tables = async (helper: QueryKernel): Promise<ITableEntry[]> => {
    const found = await service.cachedCatalog(
      helper,
      catalogKey.connections,
      () => helper.connections({ timeoutMs: CALL_TIMEOUT_MS })
    );
    const connections = (found?.connections ?? [])
      .filter(c => c.supported !== false)
      .slice(0, MAX_CONNECTIONS);
    const listings = await Promise.all(
      connections.map(async connection => {
        const ref = refOf(connection);
        const listing = await service
          .cachedCatalog(helper, catalogKey.list(ref, FIRST_PAGE), () =>
            helper.listTables(ref, FIRST_PAGE, { timeoutMs: CALL_TIMEOUT_MS })
          )
          .catch(() => null);
        return { connection, ref, listing };
      })
    );
    const entries: ITableEntry[] = [];
    const seen = new Set<string>();
    for (const { connection, ref, listing } of listings) {
      const engine = listing?.engine ?? connection.engine;
      for (const table of listing?.tables ?? []) {
        // Only names an `@` can carry; the first connection holding a name wins.
        if (!MENTIONABLE.test(table.name) || seen.has(table.name)) {
          continue;
        }
        seen.add(table.name);
        const rows = count(table.rows_estimate);
        const label = labelOf(connection);
        entries.push({
          name: table.name,
          kind: table.kind?.toLowerCase().includes('view') ? 'view' : 'table',
          detail: `${engine}, ${label}${rows !== null ? `, about ${rows} rows` : ''}`,
          ref,
          engine,
          connectionLabel: label
        });
      }
    }
    return entries;
  };
  return {
    id: 'tables',
    items: async () => {
      const helper = ready();
      if (!helper) {
        return [];
      }
      try {
        return (await tables(helper)).map(({ name, kind, detail }) => ({
          name,
          kind,
          detail
        }));
      } catch {
        return [];
      }
    },
    attachment: async (name: string): Promise<IAttachment | null> => {
      const helper = ready();
      if (!helper) {
        return null;
      }
      try {
        const entry = (await tables(helper)).find(t => t.name === name);
        if (!entry) {
          return null;
        }
        const table = await service.cachedCatalog(
          helper,
          catalogKey.describe(entry.ref, name),
          () => helper.describe(name, entry.ref, { timeoutMs: CALL_TIMEOUT_MS })
        );
        if (!table || table.error) {
          return null;
        }
        return {
          label: `@${name} (${entry.kind})`,
          text: tableMentionText(table, entry)
        };
      } catch {
        return null;
      }
    }
  };
}
