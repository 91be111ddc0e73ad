import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptionalButNotNull } from '@app/common';
import { IsInt, Max, Min } from 'class-validator';

export class StartFleetMigrationDto {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: 32,
    description: 'most tenants of one database server migrated at once (default 4)',
  })
  @IsOptionalButNotNull()
  @IsInt()
  @Min(1)
  @Max(32)
  perServer?: number;
}
