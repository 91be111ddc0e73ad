import { IdProperty, NullableText, TimeProperty } from '@app/common';
import { ApiProperty } from '@nestjs/swagger';
import { DELIVERY_STATUSES, type DeliveryStatus } from './webhook-delivery.entity';
import type { WebhookEndpoint } from './webhook-endpoint.entity';
import { EVENT_FILTERS, type EventFilter } from './webhook-event-types';
import { ATTEMPT_STATUSES, type AttemptStatus } from './dto/list-webhook-attempts.query';

/** An endpoint as answered: never its secret. */
export class WebhookView {
  @IdProperty()
  id: string;

  @ApiProperty({ example: 'https://hooks.example.com/tessera' })
  url: string;

  @ApiProperty({ enum: EVENT_FILTERS, enumName: 'WebhookEventFilter', isArray: true })
  events: EventFilter[];

  @ApiProperty({ description: 'false when turned off, or disabled after failing for 5 days' })
  active: boolean;

  @TimeProperty({ nullable: true, description: 'the first failure since the last success' })
  failingSince: string | null;

  @TimeProperty({ nullable: true })
  disabledAt: string | null;

  @NullableText({ example: 'failing for 5 days' })
  disabledReason: string | null;

  @TimeProperty({ nullable: true, description: 'until then the secret before the last rotation signs too' })
  previousSecretExpiresAt: string | null;

  @TimeProperty()
  createdAt: string;

  @TimeProperty()
  updatedAt: string;
}

/** A new endpoint: the only answer besides a rotation that shows its secret. */
export class CreatedWebhookView extends WebhookView {
  @ApiProperty({ example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', description: 'shown once; stored encrypted' })
  secret: string;
}

/** A rotation: the new secret (shown once) and until when the old one still signs. */
export class RotatedSecretView {
  @ApiProperty({ example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' })
  secret: string;

  @TimeProperty({ description: 'deliveries carry both signatures until then' })
  previousSecretExpiresAt: string;
}

/** One attempt to deliver one event. */
export class WebhookAttemptView {
  @IdProperty({ description: 'the attempt; POST …/deliveries/{id}/retry sends its delivery again' })
  id: string;

  @IdProperty({ description: 'the event (the `webhook-id` header)' })
  eventId: string;

  @ApiProperty({ type: 'integer', minimum: 1 })
  attempt: number;

  @ApiProperty({ enum: ATTEMPT_STATUSES, enumName: 'WebhookAttemptStatus' })
  status: AttemptStatus;

  @ApiProperty({ type: 'integer', nullable: true, description: 'null when no answer came' })
  responseCode: number | null;

  @ApiProperty({ type: 'integer', minimum: 0 })
  ms: number;

  @TimeProperty()
  at: string;
}

/** A delivery queued again by hand. */
export class RetriedDeliveryView {
  @IdProperty({ description: 'the delivery (one event to one endpoint)' })
  id: string;

  @IdProperty()
  eventId: string;

  @ApiProperty({ enum: DELIVERY_STATUSES, enumName: 'WebhookDeliveryStatus' })
  status: DeliveryStatus;

  @TimeProperty()
  nextAttemptAt: string;
}

const iso = (at: Date | null | undefined) => at?.toISOString() ?? null;

export function toWebhookView(endpoint: WebhookEndpoint): WebhookView {
  return {
    id: endpoint.id,
    url: endpoint.url,
    events: endpoint.events as EventFilter[],
    active: endpoint.active,
    failingSince: iso(endpoint.failingSince),
    disabledAt: iso(endpoint.disabledAt),
    disabledReason: endpoint.disabledReason ?? null,
    previousSecretExpiresAt: iso(endpoint.previousSecretExpiresAt),
    createdAt: endpoint.createdAt.toISOString(),
    updatedAt: endpoint.updatedAt.toISOString(),
  };
}
