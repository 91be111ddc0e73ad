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
  MaxLength,
} from 'class-validator';
import { EVENT_FILTERS, type EventFilter } from '../webhook-event-types';

export class CreateWebhookDto {
  @ApiProperty({
    example: 'https://hooks.example.com/tessera',
    maxLength: 2000,
    description: 'https; must not resolve to a loopback, private, link-local or metadata address',
  })
  @IsString()
  @MaxLength(2000)
  url: string;

  @ApiProperty({ enum: EVENT_FILTERS, isArray: true, example: ['lead.*'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(EVENT_FILTERS.length)
  @ArrayUnique()
  @IsIn(EVENT_FILTERS, { each: true, message: 'each event must be an event type or <lead|deal|user>.*' })
  events: EventFilter[];

  @ApiPropertyOptional({ description: 'true unless given (deliveries go only to active endpoints)' })
  @IsOptionalButNotNull()
  @IsBoolean()
  active?: boolean;
}
