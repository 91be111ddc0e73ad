import { NormalizedEmail } from '@app/common';
import { ApiProperty } from '@nestjs/swagger';
import { IsEmail, IsIn, MaxLength } from 'class-validator';
import { PRIVACY_REQUEST_TYPES, type PrivacyRequestType } from '../privacy-request.entity';

export class CreatePrivacyRequestDto {
  @ApiProperty({ enum: PRIVACY_REQUEST_TYPES, enumName: 'PrivacyRequestType' })
  @IsIn(PRIVACY_REQUEST_TYPES, { message: 'type must be access or erase' })
  type: PrivacyRequestType;

  @ApiProperty({
    format: 'email',
    maxLength: 254,
    example: 'wile@acme.test',
    description: "the person's e-mail address",
  })
  @NormalizedEmail()
  @IsEmail({}, { message: 'email must be an email address' })
  @MaxLength(254)
  email: string;
}
