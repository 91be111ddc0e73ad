import { IsOptionalButNotNull } from '@app/common';
import { ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { IsBoolean } from 'class-validator';
import { CreateUserDto } from './create-user.dto';

/** Any field of a user; none is nullable, so `null` is a 400. */
export class UpdateUserDto extends PartialType(CreateUserDto, { skipNullProperties: false }) {
  @ApiPropertyOptional({ description: 'false deactivates the user (their tokens stop working at once)' })
  @IsOptionalButNotNull()
  @IsBoolean()
  active?: boolean;
}
