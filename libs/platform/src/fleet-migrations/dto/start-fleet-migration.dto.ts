import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export class StartFleetMigrationDto {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: 32,
    default: 4,
    description: 'most tenants of one database server migrated at once',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(32)
  perServer?: number;
}
