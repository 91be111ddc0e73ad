import { NormalizedEmail } from '@app/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';

export class CreateTenantDto {
  @ApiProperty({ example: 'acme', pattern: '^[a-z][a-z0-9-]{1,38}[a-z0-9]$' })
  @IsString()
  @Matches(/^[a-z][a-z0-9-]{1,38}[a-z0-9]$/, {
    message: 'slug must be 3-40 lower-case letters, digits or dashes, starting with a letter',
  })
  slug: string;

  @ApiProperty({ example: 'Acme Corporation' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name: string;

  @ApiPropertyOptional({ example: 'standard' })
  @IsOptional()
  @Matches(/^[a-z][a-z0-9-]{0,30}$/, { message: 'plan must be a lower-case word' })
  plan?: string;

  @ApiProperty({ example: 'admin@acme.test' })
  @NormalizedEmail()
  @IsEmail({}, { message: 'adminEmail must be an email address' })
  @MaxLength(254)
  adminEmail: string;

  @ApiProperty({ example: 'Ada Admin' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  adminName: string;

  @ApiProperty({ minLength: 12, maxLength: 256 })
  @IsString()
  @MinLength(12, { message: 'adminPassword must be at least 12 characters' })
  @MaxLength(256)
  adminPassword: string;

  @ApiPropertyOptional({ example: 'main', description: 'pin the tenant to a server of tenants.config.json' })
  @IsOptional()
  @Matches(/^[a-z][a-z0-9-]{0,30}$/, { message: 'dbServer must name a database server' })
  dbServer?: string;
}
