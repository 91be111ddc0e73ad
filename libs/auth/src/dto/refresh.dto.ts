import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';

export class RefreshDto {
  @ApiProperty({ description: 'the refresh token of the last sign-in or refresh' })
  @IsString()
  @MinLength(10)
  @MaxLength(200)
  refreshToken: string;
}
