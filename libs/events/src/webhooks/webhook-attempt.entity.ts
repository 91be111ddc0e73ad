import { Entity, Index, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { WebhookDelivery } from './webhook-delivery.entity';
import { WebhookEndpoint } from './webhook-endpoint.entity';

/** One attempt of a delivery: what the endpoint answered and how long it took (never a secret or a body). */
@Entity({ tableName: 'webhook_attempts' })
@Index({ name: 'webhook_attempts_endpoint_at_index', properties: ['endpoint', 'at'] })
export class WebhookAttempt {
  [OptionalProps]?: 'at';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne({ entity: () => WebhookDelivery, deleteRule: 'cascade', fieldName: 'delivery_id' })
  delivery: WebhookDelivery;

  @ManyToOne({ entity: () => WebhookEndpoint, deleteRule: 'cascade', fieldName: 'endpoint_id' })
  endpoint: WebhookEndpoint;

  @Property({ type: 'uuid' })
  eventId: string;

  /** 1 for the first attempt of the delivery. */
  @Property({ type: 'integer' })
  attempt: number;

  /** `succeeded` or `failed`. */
  @Property({ type: 'text' })
  status: string;

  @Property({ type: 'integer', nullable: true })
  responseCode?: number | null;

  @Property({ type: 'integer' })
  ms: number;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  at: Date = new Date();

  /** Why it failed, in words (timeout, refused address, connection error): no secret, no body. */
  @Property({ type: 'text', nullable: true })
  error?: string | null;
}
