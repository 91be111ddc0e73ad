import { describeError } from '@app/common';
import { APP_CONFIG, AppConfig } from '@app/config';
import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit, StreamableFile } from '@nestjs/common';
import { createReadStream, type ReadStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';

/** How long an export (or an access request's zip) is kept. */
export const EXPORT_TTL_MS = 7 * 24 * 3600 * 1000;

/** How often the folder is swept for expired files. */
const SWEEP_INTERVAL_MS = 3600 * 1000;

/** A `.part` file older than this belongs to a job that died. */
const STALE_PART_MS = 24 * 3600 * 1000;

export type ZipKind = 'export' | 'privacy';

/**
 * The zips of exports and access requests: `DATA_DIR/exports/<tenant id>/<kind>-<id>.zip`, folders
 * 0700 and files 0600. A finished file's modification time is set to its expiry, so the sweep (every
 * hour where workers run, and at start) removes expired files from the folder alone, without reading
 * any tenant's database; reads check the expiry in the database as well (the lazy check).
 */
@Injectable()
export class ExportFiles implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('ExportFiles');
  readonly root: string;
  private timer?: NodeJS.Timeout;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.root = join(config.dataDir, 'exports');
  }

  onModuleInit(): void {
    if (!this.config.workers) return;
    this.timer = setInterval(() => void this.sweep(), SWEEP_INTERVAL_MS);
    this.timer.unref();
    void this.sweep();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  path(tenantId: string, kind: ZipKind, id: string): string {
    return join(this.root, tenantId, `${kind}-${id}.zip`);
  }

  /** Where a job writes before the file is complete (its tenant's folder is made, 0700). */
  async partFor(tenantId: string, kind: ZipKind, id: string): Promise<string> {
    await mkdir(this.root, { recursive: true, mode: 0o700 });
    await mkdir(join(this.root, tenantId), { recursive: true, mode: 0o700 });
    return `${this.path(tenantId, kind, id)}.part`;
  }

  /** Moves a complete file in place; its modification time becomes its expiry. */
  async publish(part: string, path: string, expiresAt: Date): Promise<void> {
    await utimes(part, expiresAt, expiresAt);
    await rename(part, path);
  }

  /** The file and its size, or null when it is gone. */
  async open(path: string): Promise<{ stream: ReadStream; size: number } | null> {
    try {
      const { size } = await stat(path);
      return { stream: createReadStream(path), size };
    } catch {
      return null;
    }
  }

  async remove(path: string): Promise<void> {
    await rm(path, { force: true });
    await rm(`${path}.part`, { force: true });
  }

  /** Removes every expired zip and every stale `.part`; returns how many files went. */
  async sweep(now = Date.now()): Promise<number> {
    let removed = 0;
    try {
      const tenants = await readdir(this.root).catch(() => [] as string[]);
      for (const tenant of tenants) {
        const folder = join(this.root, tenant);
        for (const name of await readdir(folder).catch(() => [] as string[])) {
          const file = join(folder, name);
          const { mtimeMs } = await stat(file).catch(() => ({ mtimeMs: Infinity }));
          const expired = name.endsWith('.zip') ? mtimeMs <= now : mtimeMs < now - STALE_PART_MS;
          if (!expired) continue;
          await rm(file, { force: true });
          removed++;
        }
      }
    } catch (error) {
      this.logger.warn(`could not sweep expired exports: ${describeError(error)}`);
    }
    return removed;
  }
}

/** A zip to download (an export, a privacy access answer): its stream, size and file name. */
export interface ZipDownload {
  stream: ReadStream;
  size: number;
  filename: string;
}

/** The HTTP answer of a zip download: `application/zip`, its length, an attachment. */
export function zipAnswer(file: ZipDownload): StreamableFile {
  return new StreamableFile(file.stream, {
    type: 'application/zip',
    length: file.size,
    disposition: `attachment; filename="${file.filename}"`,
  });
}
