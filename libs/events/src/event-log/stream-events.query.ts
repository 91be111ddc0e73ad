import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import { SEQ_PATTERN } from './list-events.query';

export class StreamEventsQuery {
  @ApiPropertyOptional({
    type: 'string',
    pattern: SEQ_PATTERN.source,
    description: 'resume after this seq (the Last-Event-ID header wins); absent: only events from now on',
  })
  @IsOptional()
  @Matches(SEQ_PATTERN, { message: 'after must be a non-negative integer (a seq)' })
  after?: string;
}
