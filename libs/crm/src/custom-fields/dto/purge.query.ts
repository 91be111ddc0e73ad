import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';

export class ArchiveCustomFieldQuery {
  @ApiPropertyOptional({ enum: ['true', 'false'], description: 'true: also remove every stored value (a job)' })
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'purge must be true or false' })
  purge?: 'true' | 'false';
}
