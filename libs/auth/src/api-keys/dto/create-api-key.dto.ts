import { IsStrictDate } from '@app/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMinSize, ArrayUnique, IsArray, IsIn, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { API_SCOPES, type ApiScope } from '../api-key.entity';

export class CreateApiKeyDto {
  @ApiProperty({ example: 'Zapier sync' })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name: string;

  @ApiProperty({ enum: API_SCOPES, isArray: true, example: ['leads:read'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(API_SCOPES, { each: true, message: `each scope must be one of ${API_SCOPES.join(', ')}` })
  scopes: ApiScope[];

  @ApiPropertyOptional({
    format: 'date-time',
    example: '2030-01-01T00:00:00Z',
    description: 'in the future; without it the key does not expire',
  })
  @IsOptional()
  @IsStrictDate('date-time')
  expiresAt?: string;
}
