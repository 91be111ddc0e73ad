import { ApiProperty } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';

export class AssignOwnerDto {
  @ApiProperty({ format: 'uuid', description: 'an active user of this tenant' })
  @IsUUID('all', { message: 'ownerId must be a UUID' })
  ownerId: string;
}
