import { IsSortField, IsStrictDate, PageQueryDto, SortParam } from '@app/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches, MaxLength } from 'class-validator';
import { AUDIT_OUTCOMES, type AuditOutcome } from '../audit-log.entity';

/** Entries are listed by time, newest first unless `?sort=at`. */
export const AUDIT_SORT_FIELDS = ['at'] as const;

export class ListAuditLogsQuery extends PageQueryDto {
  @ApiPropertyOptional()
  @IsOptional()
  @MaxLength(100)
  actorId?: string;

  @ApiPropertyOptional({ description: 'entries written in support sessions of this platform user' })
  @IsOptional()
  @MaxLength(100)
  impersonatorId?: string;

  @ApiPropertyOptional({ example: 'lead.update', description: '`<entity>.<verb>`' })
  @IsOptional()
  @Matches(/^[a-z][a-z0-9._-]{0,80}$/, { message: 'action must look like lead.update' })
  action?: string;

  @ApiPropertyOptional({ example: 'lead', description: 'singular: lead, deal, user, api_key' })
  @IsOptional()
  @Matches(/^[a-z][a-z0-9_-]{0,40}$/, { message: 'entity must be an entity name' })
  entity?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @MaxLength(100)
  entityId?: string;

  @ApiPropertyOptional({ enum: AUDIT_OUTCOMES })
  @IsOptional()
  @IsIn(AUDIT_OUTCOMES)
  outcome?: AuditOutcome;

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsStrictDate('date-or-date-time')
  from?: string;

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsStrictDate('date-or-date-time')
  to?: string;

  @IsOptional()
  @IsSortField(AUDIT_SORT_FIELDS)
  sort?: SortParam<(typeof AUDIT_SORT_FIELDS)[number]>;
}
