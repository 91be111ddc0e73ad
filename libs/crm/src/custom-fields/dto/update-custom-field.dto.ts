import { IsOptionalButNotNull } from '@app/common';
import { ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { Equals } from 'class-validator';
import { CustomFieldTermsDto } from './create-custom-field.dto';

/**
 * Any term of a definition. A type or options change is refused (409) while stored values do not
 * fit; `archived: false` restores an archived definition (an extension of API.md).
 */
export class UpdateCustomFieldDto extends PartialType(CustomFieldTermsDto, { skipNullProperties: false }) {
  @ApiPropertyOptional({ enum: [false], description: 'false restores an archived definition and its values' })
  @IsOptionalButNotNull()
  @Equals(false, { message: 'archived may only be false (DELETE archives)' })
  archived?: false;
}
