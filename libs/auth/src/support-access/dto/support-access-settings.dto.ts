import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsInt, Max, Min } from 'class-validator';
import { MAX_SUPPORT_MINUTES, SUPPORT_ACCESS_MODES, type SupportAccessMode } from '../support-access-settings.entity';

/** Whether the platform team may act as the tenant's users (`GET` answers it, `PUT` replaces it whole). */
export class SupportAccessSettingsDto {
  @ApiProperty({
    enum: SUPPORT_ACCESS_MODES,
    enumName: 'SupportAccessMode',
    description:
      '`off`: never (the default); `approval`: each request waits for a company admin; `always`: a request starts at once',
  })
  @IsIn(SUPPORT_ACCESS_MODES, { message: `mode must be one of ${SUPPORT_ACCESS_MODES.join(', ')}` })
  mode: SupportAccessMode;

  @ApiProperty({
    type: 'integer',
    minimum: 1,
    maximum: MAX_SUPPORT_MINUTES,
    example: 60,
    description: 'the longest a support session may last, in minutes',
  })
  @IsInt({ message: 'maxMinutes must be an integer' })
  @Min(1)
  @Max(MAX_SUPPORT_MINUTES)
  maxMinutes: number;
}
