import type { EntityManager } from '@mikro-orm/postgresql';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromBuffer, type Entry, type ZipFile } from 'yauzl';
import { FETCH_ROWS, writeNdjsonZip } from './ndjson-zip';

/** An entity manager whose cursors serve `rows` lines per table, recording every statement. */
function fakeEm(rows: Record<string, number>, statements: string[]): EntityManager {
  const served = new Map<string, number>();
  const cursorTable = new Map<string, string>();
  const execute = (sql: string) => {
    statements.push(sql);
    const declared = /^declare (\S+) no scroll cursor for select '(\w+)'/.exec(sql);
    if (declared) cursorTable.set(declared[1], declared[2]);
    const fetch = /^fetch (\d+) from (\S+)/.exec(sql);
    if (!fetch) return Promise.resolve([]);
    const table = cursorTable.get(fetch[2])!;
    const from = served.get(table) ?? 0;
    const count = Math.max(0, Math.min(Number(fetch[1]), rows[table] - from));
    served.set(table, from + count);
    return Promise.resolve(
      Array.from({ length: count }, (_, i) => ({ line: JSON.stringify({ table, n: from + i, text: 'é"\\' }) })),
    );
  };
  return {
    getConnection: () => ({ execute }),
    getTransactionContext: () => undefined,
  } as unknown as EntityManager;
}

function unzip(buffer: Buffer): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    fromBuffer(buffer, { lazyEntries: true }, (error: Error | null, zip?: ZipFile) => {
      if (error || !zip) return reject(error ?? new Error('no zip'));
      const files = new Map<string, Buffer>();
      zip.on('entry', (entry: Entry) =>
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError || !stream) return reject(streamError ?? new Error('no stream'));
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('end', () => {
            files.set(entry.fileName, Buffer.concat(chunks));
            zip.readEntry();
          });
        }),
      );
      zip.on('end', () => resolve(files));
      zip.readEntry();
    });
  });
}

describe('writeNdjsonZip', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'tessera-ndjson-zip-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes one NDJSON file per table and a manifest whose rows and hashes match the files', async () => {
    const statements: string[] = [];
    const path = join(dir, 'out.zip');
    const rows = { leads: FETCH_ROWS * 2 + 7, deals: 0, users: 3 };
    const { manifest, bytes } = await writeNdjsonZip(
      fakeEm(rows, statements),
      path,
      Object.keys(rows).map((name) => ({ name, sql: `select '${name}' as line`, omittedColumns: [] })),
      { schemaVersion: 'Migration1', createdAt: '2026-12-07T00:00:00.000Z' },
    );
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(path).size).toBe(bytes);
    const files = await unzip(readFileSync(path));
    expect(JSON.parse(files.get('manifest.json')!.toString())).toEqual(manifest);
    expect(manifest.schemaVersion).toBe('Migration1');
    for (const table of manifest.tables) {
      const file = files.get(`${table.name}.ndjson`)!;
      expect(table.rows).toBe(rows[table.name as keyof typeof rows]);
      expect(table.sha256).toBe(createHash('sha256').update(file).digest('hex'));
      expect(file.toString('utf8').split('\n').filter(Boolean)).toHaveLength(table.rows);
      expect(table).not.toHaveProperty('omittedColumns');
    }
    // Each table is read through its own cursor, a batch at a time, and the cursor closed.
    expect(statements.filter((s) => s.startsWith('fetch ')).length).toBe(4 + 1 + 2); // 500, 500, 7, none · none · 3, none
    expect(statements.filter((s) => s.startsWith('close ')).length).toBe(3);
  });

  it('fails, without leaving a hanging stream, when a query fails', async () => {
    const em = {
      getConnection: () => ({ execute: () => Promise.reject(new Error('connection lost')) }),
      getTransactionContext: () => undefined,
    } as unknown as EntityManager;
    await expect(
      writeNdjsonZip(em, join(dir, 'broken.zip'), [{ name: 'leads', sql: 'select 1' }], {
        schemaVersion: 'x',
        createdAt: 'y',
      }),
    ).rejects.toThrow('connection lost');
  });
});
