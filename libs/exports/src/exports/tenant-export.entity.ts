import { Entity, Enum, Index, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import type { ExportManifest } from '../ndjson-zip';

export const EXPORT_STATUSES = ['pending', 'running', 'ready', 'failed', 'expired'] as const;
export type ExportStatus = (typeof EXPORT_STATUSES)[number];

/** One export of the tenant's database: a zip of NDJSON files under DATA_DIR, kept until `expiresAt`. */
@Entity({ tableName: 'exports' })
@Index({ name: 'exports_created_at_index', properties: ['createdAt'] })
export class TenantExport {
  [OptionalProps]?: 'status' | 'createdAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Enum({ items: () => EXPORT_STATUSES, type: 'text' })
  status: ExportStatus = 'pending';

  /** The user (or `api-key:<id>`) who asked for it. */
  @Property({ type: 'text' })
  requestedBy: string;

  @Property({ type: 'json', nullable: true })
  manifest?: ExportManifest | null;

  /** Size of the zip in bytes. */
  @Property({ type: 'bigint', nullable: true })
  sizeBytes?: string | null;

  /** Why it failed (no values). */
  @Property({ type: 'text', nullable: true })
  error?: string | null;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  completedAt?: Date | null;

  /** After this the file is removed and the export answers 404. */
  @Property({ type: 'timestamptz', nullable: true })
  expiresAt?: Date | null;
}
