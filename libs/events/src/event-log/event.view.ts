import { IdProperty, PageMeta, TimeProperty } from '@app/common';
import { ApiProperty } from '@nestjs/swagger';
import { EVENT_TYPES, type EventType } from '../outbox/event-types';

export { EVENT_TYPES, type EventType };

/** One event of the tenant's log (`GET /events`, and the `data:` of a stream message). */
export class EventView {
  @ApiProperty({ type: 'integer', minimum: 1, example: 42, description: 'gap-free, in commit order, per tenant' })
  seq: number;

  @IdProperty({ description: 'the event id (the webhook-id of its deliveries)' })
  id: string;

  @ApiProperty({ enum: EVENT_TYPES, enumName: 'EventType' })
  type: EventType;

  @TimeProperty()
  occurredAt: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: "the record's API view after the change (for *.deleted: its last view)",
  })
  data: Record<string, unknown>;
}

/** A cursor page: `page` is always 1; `nextAfter` is the `after` of the next call. */
export class EventPageMeta extends PageMeta {
  @ApiProperty({
    type: 'integer',
    minimum: 0,
    example: 42,
    description: 'the seq to pass as `after` next (the last seq of this page, else the `after` given)',
  })
  nextAfter: number;
}

/** `{ data, meta }`: events after the cursor, `total` counting those visible (capped at 10 000). */
export class EventPage {
  @ApiProperty({ type: [EventView] })
  data: EventView[];

  @ApiProperty({ type: EventPageMeta })
  meta: EventPageMeta;
}
