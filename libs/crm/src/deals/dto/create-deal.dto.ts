import { IsOptionalButNotNull, IsStrictDate } from '@app/common';
import { CustomFieldsInput } from '../../custom-fields/custom-fields.property';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  MinLength,
  Validate,
  ValidatorConstraint,
  ValidatorConstraintInterface,
} from 'class-validator';
import { IsObject } from 'class-validator';
import { AMOUNT_PATTERN, isCurrency } from '../../money';
import { DEAL_STAGES, type DealStage } from '../deal.entity';

@ValidatorConstraint({ name: 'currency' })
export class CurrencyConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return isCurrency(value);
  }

  defaultMessage(): string {
    return 'currency must be an ISO-4217 code such as USD or EUR';
  }
}

export class CreateDealDto {
  @ApiProperty({ example: 'Acme annual licence' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  title: string;

  @ApiProperty({ example: '12500.00', description: 'decimal string, up to 2 decimals' })
  @IsString({ message: 'amount must be a decimal string such as "12500.00"' })
  @Matches(AMOUNT_PATTERN, {
    message: 'amount must be a decimal string such as "12500.00" (at most 12 digits and 2 decimals)',
  })
  amount: string;

  @ApiProperty({ example: 'USD', pattern: '^[A-Z]{3}$', description: 'ISO-4217 code' })
  @Validate(CurrencyConstraint)
  currency: string;

  @ApiPropertyOptional({ enum: DEAL_STAGES })
  @IsOptionalButNotNull()
  @IsIn(DEAL_STAGES, { message: `stage must be one of ${DEAL_STAGES.join(', ')}` })
  stage?: DealStage;

  @ApiPropertyOptional({ format: 'uuid', nullable: true })
  @IsOptional()
  @IsUUID('all', { message: 'leadId must be a UUID' })
  leadId?: string | null;

  @ApiPropertyOptional({ example: '2026-12-31', nullable: true })
  @IsOptional()
  @IsStrictDate('date', { message: 'expectedCloseDate must be a real date such as 2026-12-31' })
  expectedCloseDate?: string | null;

  @CustomFieldsInput()
  @IsOptionalButNotNull()
  @IsObject({ message: 'customFields must be an object' })
  customFields?: Record<string, unknown>;
}
