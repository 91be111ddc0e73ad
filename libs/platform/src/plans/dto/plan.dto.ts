import { PLAN_CODE_PATTERN, PLAN_FEATURES, type PlanFeature } from '@app/catalog';
import { IsOptionalButNotNull } from '@app/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayUnique,
  IsArray,
  IsIn,
  IsObject,
  IsString,
  Matches,
  MaxLength,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { PlanLimitsDto, PlanLimitsPatchDto } from './plan-limits.dto';

const FEATURES = {
  enum: [...PLAN_FEATURES],
  isArray: true,
  uniqueItems: true,
  description: 'routes the plan turns on; any other of them answers 403 feature-not-in-plan',
  example: ['exports'],
};

export class CreatePlanDto {
  @ApiProperty({ pattern: PLAN_CODE_PATTERN.source, example: 'growth' })
  @IsString()
  @Matches(PLAN_CODE_PATTERN, {
    message: 'code must be 1-31 lower-case letters, digits or dashes, starting with a letter',
  })
  code: string;

  @ApiProperty({ minLength: 1, maxLength: 100, example: 'Growth' })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name: string;

  @ApiPropertyOptional({ type: PlanLimitsDto, description: 'a limit left out is unlimited' })
  @IsOptionalButNotNull()
  @IsObject()
  @ValidateNested()
  @Type(() => PlanLimitsDto)
  limits?: PlanLimitsDto;

  @ApiPropertyOptional(FEATURES)
  @IsOptionalButNotNull()
  @IsArray()
  @ArrayUnique()
  @IsIn(PLAN_FEATURES, { each: true, message: `features must be among ${PLAN_FEATURES.join(', ')}` })
  features?: PlanFeature[];
}

export class UpdatePlanDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 100, example: 'Growth' })
  @IsOptionalButNotNull()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name?: string;

  @ApiPropertyOptional({ type: PlanLimitsPatchDto })
  @IsOptionalButNotNull()
  @IsObject()
  @ValidateNested()
  @Type(() => PlanLimitsPatchDto)
  limits?: PlanLimitsPatchDto;

  @ApiPropertyOptional({ ...FEATURES, description: 'the whole new list of features' })
  @IsOptionalButNotNull()
  @IsArray()
  @ArrayUnique()
  @IsIn(PLAN_FEATURES, { each: true, message: `features must be among ${PLAN_FEATURES.join(', ')}` })
  features?: PlanFeature[];
}

export class SetTenantPlanDto {
  @ApiProperty({ pattern: PLAN_CODE_PATTERN.source, example: 'starter' })
  @IsString()
  @Matches(PLAN_CODE_PATTERN, { message: 'plan must be the code of a plan' })
  plan: string;
}
