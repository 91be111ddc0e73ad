import { IsOptionalButNotNull } from '@app/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

const COUNT = { type: 'integer', minimum: 0, maximum: 1_000_000_000 } as const;
const RATE = { type: 'integer', minimum: 1, maximum: 100_000 } as const;
const STREAMS = { type: 'integer', minimum: 1, maximum: 100_000, example: 20 } as const;

/** A plan's limits: each one left out is unlimited. */
export class PlanLimitsDto {
  @ApiPropertyOptional({ ...COUNT, description: 'active users, company admins included', example: 5 })
  @IsOptionalButNotNull()
  @IsInt()
  @Min(0)
  @Max(1_000_000_000)
  users?: number;

  @ApiPropertyOptional({ ...COUNT, example: 1000 })
  @IsOptionalButNotNull()
  @IsInt()
  @Min(0)
  @Max(1_000_000_000)
  leads?: number;

  @ApiPropertyOptional({ ...COUNT, example: 500 })
  @IsOptionalButNotNull()
  @IsInt()
  @Min(0)
  @Max(1_000_000_000)
  deals?: number;

  @ApiPropertyOptional({ ...COUNT, description: 'API keys not revoked', example: 2 })
  @IsOptionalButNotNull()
  @IsInt()
  @Min(0)
  @Max(1_000_000_000)
  apiKeys?: number;

  @ApiPropertyOptional({ ...COUNT, example: 5 })
  @IsOptionalButNotNull()
  @IsInt()
  @Min(0)
  @Max(1_000_000_000)
  customFields?: number;

  @ApiPropertyOptional({ ...COUNT, example: 1 })
  @IsOptionalButNotNull()
  @IsInt()
  @Min(0)
  @Max(1_000_000_000)
  webhooks?: number;

  @ApiPropertyOptional({ ...RATE, description: 'the tenant rate limit (else TENANT_RATE_LIMIT_RPS)', example: 20 })
  @IsOptionalButNotNull()
  @IsInt()
  @Min(1)
  @Max(100_000)
  requestsPerSecond?: number;

  @ApiPropertyOptional({
    ...STREAMS,
    description: 'open GET /events/stream connections (else EVENT_STREAMS_PER_TENANT)',
  })
  @IsOptionalButNotNull()
  @IsInt()
  @Min(1)
  @Max(100_000)
  eventStreams?: number;
}

/** Limits to change: a number sets one, `null` removes it (unlimited), a limit left out stays as it is. */
export class PlanLimitsPatchDto {
  @ApiPropertyOptional({ ...COUNT, nullable: true })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000_000)
  users?: number | null;

  @ApiPropertyOptional({ ...COUNT, nullable: true })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000_000)
  leads?: number | null;

  @ApiPropertyOptional({ ...COUNT, nullable: true })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000_000)
  deals?: number | null;

  @ApiPropertyOptional({ ...COUNT, nullable: true })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000_000)
  apiKeys?: number | null;

  @ApiPropertyOptional({ ...COUNT, nullable: true })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000_000)
  customFields?: number | null;

  @ApiPropertyOptional({ ...COUNT, nullable: true })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000_000)
  webhooks?: number | null;

  @ApiPropertyOptional({ ...RATE, nullable: true })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100_000)
  requestsPerSecond?: number | null;

  @ApiPropertyOptional({ ...STREAMS, nullable: true })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100_000)
  eventStreams?: number | null;
}
