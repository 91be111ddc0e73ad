import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsString, IsUUID, Max, MaxLength, Min, MinLength } from 'class-validator';
import { MAX_SUPPORT_MINUTES } from '../support-access-settings.entity';

/** A platform user asks to act as one of a tenant's users. */
export class RequestImpersonationDto {
  @ApiProperty({ format: 'uuid', description: 'the tenant user to act as (active)' })
  @IsUUID('all', { message: 'userId must be a UUID' })
  userId: string;

  @ApiProperty({ minLength: 1, maxLength: 500, example: 'Ticket 4521: the pipeline report shows no deals' })
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  reason: string;

  @ApiProperty({
    type: 'integer',
    minimum: 1,
    maximum: MAX_SUPPORT_MINUTES,
    example: 30,
    description: "how long the session may last once started; more than the tenant's `maxMinutes` is a 400",
  })
  @IsInt({ message: 'minutes must be an integer' })
  @Min(1)
  @Max(MAX_SUPPORT_MINUTES)
  minutes: number;
}
