import {
  RELOCATION_METHODS,
  RELOCATION_STATUSES,
  type Relocation,
  type RelocationMethod,
  type RelocationStatus,
} from '@app/catalog';
import { IdProperty, TimeProperty } from '@app/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class RelocationTableView {
  @ApiProperty({ example: 'leads' })
  table: string;

  @ApiProperty({ type: 'integer', minimum: 0 })
  sourceRows: number;

  @ApiProperty({ type: 'integer', minimum: 0 })
  targetRows: number;

  @ApiProperty({ description: 'same rows and the same checksum of them in primary-key order' })
  checksumMatch: boolean;
}

export class RelocationVerificationView {
  @ApiProperty({ type: [RelocationTableView] })
  tables: RelocationTableView[];

  @ApiProperty({ description: "the audit chain's newest hash is the same on both servers" })
  auditHeadMatch: boolean;

  @ApiProperty({ description: 'the same schema migrations on both servers' })
  migrationsMatch: boolean;
}

export class RelocationPhaseView {
  @ApiProperty({ example: 'copy' })
  phase: string;

  @TimeProperty()
  at: string;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'how long the phase took, in ms' })
  ms: number;
}

/** A relocation as the platform API answers it. */
export class RelocationView {
  @IdProperty()
  id: string;

  @ApiProperty({ description: "the tenant's slug", example: 'acme' })
  tenant: string;

  @ApiProperty({ example: 'main' })
  fromServer: string;

  @ApiProperty({ example: 'dedicated-1' })
  toServer: string;

  @ApiProperty({ enum: RELOCATION_STATUSES, enumName: 'RelocationStatus' })
  status: RelocationStatus;

  @ApiProperty({
    type: 'string',
    enum: RELOCATION_METHODS,
    nullable: true,
    description:
      "logical: replication, writes refused only during the cut-over; freeze: the source's wal_level is not logical, writes refused for the whole copy",
  })
  method: RelocationMethod | null;

  @ApiProperty({ type: [RelocationPhaseView] })
  phases: RelocationPhaseView[];

  @TimeProperty()
  startedAt: string;

  @TimeProperty({ nullable: true })
  cutoverAt: string | null;

  @TimeProperty({ nullable: true })
  finishedAt: string | null;

  @ApiProperty({ type: 'integer', nullable: true, description: 'how long writes were refused, in ms' })
  writeFreezeMs: number | null;

  @ApiPropertyOptional({ type: RelocationVerificationView })
  verification?: RelocationVerificationView;

  @ApiPropertyOptional({ description: 'why it failed' })
  error?: string;

  @TimeProperty({ nullable: true, description: 'when the source database is dropped' })
  keepUntil: string | null;
}

export function toRelocationView(r: Relocation): RelocationView {
  const view: RelocationView = {
    id: r.id,
    tenant: r.tenant.slug,
    fromServer: r.fromServer.name,
    toServer: r.toServer.name,
    status: r.status,
    method: r.method ?? null,
    phases: r.phases,
    startedAt: r.startedAt.toISOString(),
    cutoverAt: r.cutoverAt?.toISOString() ?? null,
    finishedAt: r.finishedAt?.toISOString() ?? null,
    writeFreezeMs: r.writeFreezeMs ?? null,
    keepUntil: r.keepUntil?.toISOString() ?? null,
  };
  if (r.verification) view.verification = r.verification;
  if (r.error) view.error = r.error;
  return view;
}
