import type { EntityManager } from '@mikro-orm/postgresql';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { ZipFile } from 'yazl';

/** One table of a zip: a query whose single column `line` is one JSON object per row. */
export interface TableQuery {
  name: string;
  sql: string;
  params?: unknown[];
  /** Columns left out of every row (secrets), said in the manifest. */
  omittedColumns?: string[];
}

export interface ManifestTable {
  name: string;
  rows: number;
  /** sha256 (hex) of the table's NDJSON file, as stored in the zip. */
  sha256: string;
  omittedColumns?: string[];
}

export interface SkippedTable {
  name: string;
  reason: string;
}

export interface ExportManifest {
  /** The newest migration applied to the tenant's database. */
  schemaVersion: string;
  createdAt: string;
  tables: ManifestTable[];
  skippedTables?: SkippedTable[];
}

/** Rows fetched from a cursor at a time: what one table holds in memory at once. */
export const FETCH_ROWS = 500;

/**
 * Writes `<table>.ndjson` per query and then `manifest.json` into a zip at `path` (mode 0600),
 * streaming: each query runs as a server-side cursor read FETCH_ROWS rows at a time, and the
 * next batch is fetched only when the zip (and the file behind it) took the previous one. `em`
 * must be in a transaction (a cursor lives in one); a REPEATABLE READ one gives every table the
 * same snapshot.
 */
export async function writeNdjsonZip(
  em: EntityManager,
  path: string,
  tables: TableQuery[],
  header: Omit<ExportManifest, 'tables'>,
): Promise<{ manifest: ExportManifest; bytes: number }> {
  const zip = new ZipFile();
  const out = createWriteStream(path, { mode: 0o600, flags: 'w' });
  let bytes = 0;
  zip.outputStream.on('data', (chunk: Buffer) => (bytes += chunk.length));
  const written = pipeline(zip.outputStream, out);
  written.catch(() => undefined); // awaited below; a failure before then must not go unhandled
  const manifest: ExportManifest = { ...header, tables: [] };
  try {
    for (const [index, table] of tables.entries()) {
      manifest.tables.push(await addTable(em, zip, table, `export_cursor_${index}`));
    }
    zip.addBuffer(Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`), 'manifest.json');
    zip.end();
    await written;
  } catch (error) {
    out.destroy();
    throw error;
  }
  return { manifest, bytes };
}

async function addTable(em: EntityManager, zip: ZipFile, table: TableQuery, cursor: string): Promise<ManifestTable> {
  const connection = em.getConnection();
  const trx = em.getTransactionContext();
  const hash = createHash('sha256');
  let rows = 0;
  await connection.execute(`declare ${cursor} no scroll cursor for ${table.sql}`, table.params ?? [], 'run', trx);
  async function* lines(): AsyncGenerator<Buffer> {
    for (;;) {
      const batch = await connection.execute<{ line: string }[]>(`fetch ${FETCH_ROWS} from ${cursor}`, [], 'all', trx);
      if (!batch.length) break;
      const chunk = Buffer.from(batch.map((row) => `${row.line}\n`).join(''), 'utf8');
      hash.update(chunk);
      rows += batch.length;
      yield chunk;
    }
    await connection.execute(`close ${cursor}`, [], 'run', trx);
  }
  const source = Readable.from(lines(), { objectMode: false });
  const done = finished(source);
  zip.addReadStream(source, `${table.name}.ndjson`);
  await done;
  return {
    name: table.name,
    rows,
    sha256: hash.digest('hex'),
    ...(table.omittedColumns?.length ? { omittedColumns: table.omittedColumns } : {}),
  };
}
