import type { AppConfig } from '@app/config';
import { existsSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExportFiles } from './export-files';

describe('ExportFiles (zips under DATA_DIR/exports)', () => {
  let dataDir: string;
  let files: ExportFiles;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'tessera-export-files-'));
    files = new ExportFiles({ dataDir, workers: false } as AppConfig);
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it("keeps each tenant's files in a folder of its own that only the process can enter", async () => {
    const part = await files.partFor('tenant-a', 'export', 'e1');
    expect(part).toBe(join(dataDir, 'exports', 'tenant-a', 'export-e1.zip.part'));
    expect(statSync(join(dataDir, 'exports')).mode & 0o777).toBe(0o700);
    expect(statSync(join(dataDir, 'exports', 'tenant-a')).mode & 0o777).toBe(0o700);
    expect(files.path('tenant-b', 'privacy', 'p1')).toBe(join(dataDir, 'exports', 'tenant-b', 'privacy-p1.zip'));
  });

  it('publishes a finished file under its name, its modification time set to its expiry', async () => {
    const part = await files.partFor('tenant-a', 'export', 'e1');
    writeFileSync(part, 'zip', { mode: 0o600 });
    const expiresAt = new Date(Date.now() + 7 * 24 * 3600 * 1000);
    await files.publish(part, files.path('tenant-a', 'export', 'e1'), expiresAt);
    expect(existsSync(part)).toBe(false);
    const published = statSync(files.path('tenant-a', 'export', 'e1'));
    expect(Math.abs(published.mtimeMs - expiresAt.getTime())).toBeLessThan(1000);
    expect(published.mode & 0o777).toBe(0o600);
    const opened = await files.open(files.path('tenant-a', 'export', 'e1'));
    expect(opened?.size).toBe(3);
    opened?.stream.destroy();
    expect(await files.open(files.path('tenant-a', 'export', 'missing'))).toBeNull();
  });

  it('sweeps zips past their expiry and parts older than a day, and keeps the rest', async () => {
    const now = Date.now();
    const make = async (name: string, mtime: number) => {
      const part = await files.partFor('tenant-a', 'export', name);
      const file = name.endsWith('-part') ? part : part.replace(/\.part$/, '');
      writeFileSync(file, 'x');
      utimesSync(file, new Date(mtime), new Date(mtime));
      return file;
    };
    const expired = await make('expired', now - 1000);
    const live = await make('live', now + 3600_000);
    const stale = await make('stale-part', now - 2 * 24 * 3600_000);
    const running = await make('running-part', now - 60_000);
    expect(await files.sweep(now)).toBe(2);
    expect(existsSync(expired)).toBe(false);
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(live)).toBe(true);
    expect(existsSync(running)).toBe(true);
  });

  it('sweeps nothing, without failing, before the first export', async () => {
    expect(await files.sweep()).toBe(0);
  });
});
