import { IsOptionalButNotNull } from '@app/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsString,
  Matches,
  MaxLength,
  MinLength,
} from 'class-validator';
import {
  CUSTOM_FIELD_ENTITIES,
  CUSTOM_FIELD_KEY,
  CUSTOM_FIELD_TYPES,
  MAX_OPTION_LENGTH,
  MAX_OPTIONS,
  type CustomFieldEntity,
  type CustomFieldType,
} from '../custom-field-types';

/** What may change of a definition (PATCH); the entity and key never change. */
export class CustomFieldTermsDto {
  @ApiProperty({ example: 'Industry', maxLength: 100 })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  label: string;

  @ApiProperty({ enum: CUSTOM_FIELD_TYPES, enumName: 'CustomFieldType' })
  @IsIn(CUSTOM_FIELD_TYPES, { message: `type must be one of ${CUSTOM_FIELD_TYPES.join(', ')}` })
  type: CustomFieldType;

  @ApiPropertyOptional({ description: 'a value must be given on create; null never removes it (default false)' })
  @IsOptionalButNotNull()
  @IsBoolean()
  required?: boolean;

  @ApiPropertyOptional({
    type: [String],
    maxItems: MAX_OPTIONS,
    uniqueItems: true,
    description: 'the allowed values of select and multiselect (required for them, refused for others)',
  })
  @IsOptionalButNotNull()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_OPTIONS)
  @ArrayUnique()
  @IsString({ each: true })
  @MinLength(1, { each: true })
  @MaxLength(MAX_OPTION_LENGTH, { each: true })
  options?: string[];

  @ApiPropertyOptional({ description: 'builds an index: filters and sort on cf.<key> need it (default false)' })
  @IsOptionalButNotNull()
  @IsBoolean()
  indexed?: boolean;

  @ApiPropertyOptional({ description: 'no two records may hold the same value (needs indexed; default false)' })
  @IsOptionalButNotNull()
  @IsBoolean()
  unique?: boolean;
}

export class CreateCustomFieldDto extends CustomFieldTermsDto {
  @ApiProperty({ enum: CUSTOM_FIELD_ENTITIES, enumName: 'CustomFieldEntity' })
  @IsIn(CUSTOM_FIELD_ENTITIES, { message: 'entity must be lead or deal' })
  entity: CustomFieldEntity;

  @ApiProperty({ pattern: CUSTOM_FIELD_KEY.source, example: 'industry', description: 'immutable' })
  @IsString()
  @Matches(CUSTOM_FIELD_KEY, { message: 'key must be a lower-case letter then up to 39 letters, digits or _' })
  key: string;
}
