import { IsOptionalButNotNull } from '@app/common';
import { CustomFieldsInput } from '../../custom-fields/custom-fields.property';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsIn, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { IsObject } from 'class-validator';
import { LEAD_STATUSES, type LeadStatus } from '../lead.entity';

export class CreateLeadDto {
  @ApiProperty({ example: 'Wile E. Coyote', maxLength: 200 })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name: string;

  @ApiPropertyOptional({ example: 'wile@acme.test', nullable: true })
  @IsOptional()
  @IsEmail({}, { message: 'email must be an email address' })
  @MaxLength(254)
  email?: string | null;

  @ApiPropertyOptional({ example: '+1 555 0100', nullable: true })
  @IsOptional()
  @Matches(/^[0-9+()\-. ]{3,40}$/, { message: 'phone must be 3-40 digits, spaces or + ( ) - .' })
  phone?: string | null;

  @ApiPropertyOptional({ example: 'Acme', nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  company?: string | null;

  @ApiPropertyOptional({ example: 'website', nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  source?: string | null;

  @ApiPropertyOptional({ enum: LEAD_STATUSES.filter((s) => s !== 'converted') })
  @IsOptionalButNotNull()
  @IsIn(LEAD_STATUSES.filter((s) => s !== 'converted'), {
    message: 'status must be one of new, contacted, qualified, lost',
  })
  status?: Exclude<LeadStatus, 'converted'>;

  @CustomFieldsInput()
  @IsOptionalButNotNull()
  @IsObject({ message: 'customFields must be an object' })
  customFields?: Record<string, unknown>;
}
