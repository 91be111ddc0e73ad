import { IdProperty, NullableText, TimeProperty } from '@app/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { ExportManifest } from '../ndjson-zip';
import { EXPORT_STATUSES, type ExportStatus, type TenantExport } from './tenant-export.entity';

export class ManifestTableView {
  @ApiProperty({ example: 'leads' })
  name: string;

  @ApiProperty({ type: 'integer', minimum: 0, example: 1200 })
  rows: number;

  @ApiProperty({ pattern: '^[0-9a-f]{64}$', description: 'sha256 (hex) of the NDJSON file in the zip' })
  sha256: string;

  @ApiPropertyOptional({ type: [String], description: 'columns left out of every row (secrets)' })
  omittedColumns?: string[];
}

export class SkippedTableView {
  @ApiProperty({ example: 'refresh_tokens' })
  name: string;

  @ApiProperty({ example: 'sign-in secrets (hashes of refresh tokens)' })
  reason: string;
}

/** What `manifest.json` in the zip says. */
export class ExportManifestView {
  @ApiProperty({ example: 'Migration20261207181310', description: "the newest migration of the tenant's database" })
  schemaVersion: string;

  @TimeProperty()
  createdAt: string;

  @ApiProperty({ type: [ManifestTableView] })
  tables: ManifestTableView[];

  @ApiPropertyOptional({ type: [SkippedTableView], description: 'tables left out whole (secrets, bookkeeping)' })
  skippedTables?: SkippedTableView[];
}

/** An export of the tenant's database. */
export class ExportView {
  @IdProperty()
  id: string;

  @ApiProperty({ enum: EXPORT_STATUSES.filter((s) => s !== 'expired'), enumName: 'ExportStatus' })
  status: ExportStatus;

  @ApiPropertyOptional({ type: ExportManifestView, description: 'present once ready' })
  manifest?: ExportManifest;

  @ApiProperty({ type: 'integer', nullable: true, minimum: 0, description: 'size of the zip in bytes, once ready' })
  sizeBytes: number | null;

  @TimeProperty({ nullable: true, description: 'once ready: the zip is removed then (7 days)' })
  expiresAt: string | null;

  @TimeProperty()
  createdAt: string;

  @TimeProperty({ nullable: true })
  completedAt: string | null;

  @NullableText({ description: 'why it failed' })
  error: string | null;
}

export function toExportView(record: TenantExport): ExportView {
  return {
    id: record.id,
    status: record.status,
    ...(record.manifest ? { manifest: record.manifest } : {}),
    sizeBytes: record.sizeBytes == null ? null : Number(record.sizeBytes),
    expiresAt: record.expiresAt?.toISOString() ?? null,
    createdAt: record.createdAt.toISOString(),
    completedAt: record.completedAt?.toISOString() ?? null,
    error: record.error ?? null,
  };
}
