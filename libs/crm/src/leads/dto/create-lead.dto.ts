import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsIn, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { LEAD_STATUSES, type LeadStatus } from '../lead.entity';

export class CreateLeadDto {
  @ApiProperty({ example: 'Wile E. Coyote', maxLength: 200 })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name: string;

  @ApiPropertyOptional({ example: 'wile@acme.test' })
  @IsOptional()
  @IsEmail({}, { message: 'email must be an email address' })
  @MaxLength(254)
  email?: string;

  @ApiPropertyOptional({ example: '+1 555 0100' })
  @IsOptional()
  @Matches(/^[0-9+()\-. ]{3,40}$/, { message: 'phone must be 3-40 digits, spaces or + ( ) - .' })
  phone?: string;

  @ApiPropertyOptional({ example: 'Acme' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  company?: string;

  @ApiPropertyOptional({ example: 'website' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  source?: string;

  @ApiPropertyOptional({ enum: LEAD_STATUSES.filter((s) => s !== 'converted') })
  @IsOptional()
  @IsIn(LEAD_STATUSES.filter((s) => s !== 'converted'), { message: 'status must be one of new, contacted, qualified, lost' })
  status?: Exclude<LeadStatus, 'converted'>;
}
