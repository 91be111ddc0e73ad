import { PageQueryDto } from '@app/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';

export const ATTEMPT_STATUSES = ['succeeded', 'failed'] as const;
export type AttemptStatus = (typeof ATTEMPT_STATUSES)[number];

/** The attempts of an endpoint, newest first; `?status=` keeps one outcome. */
export class ListWebhookAttemptsQuery extends PageQueryDto {
  @ApiPropertyOptional({ enum: ATTEMPT_STATUSES })
  @IsOptional()
  @IsIn(ATTEMPT_STATUSES, { message: 'status must be one of succeeded, failed' })
  status?: AttemptStatus;
}
