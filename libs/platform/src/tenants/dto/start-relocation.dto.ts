import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';

export class StartRelocationDto {
  @ApiProperty({
    description: 'a database server of tenants.config.json',
    example: 'dedicated-1',
    pattern: '^[a-z][a-z0-9-]{0,30}$',
  })
  @IsString()
  @Matches(/^[a-z][a-z0-9-]{0,30}$/, { message: 'targetServer must name a database server of tenants.config.json' })
  targetServer: string;
}
