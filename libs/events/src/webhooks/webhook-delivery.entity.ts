import { Entity, Index, ManyToOne, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { WebhookEndpoint } from './webhook-endpoint.entity';

export const DELIVERY_STATUSES = ['pending', 'succeeded', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * One event to one endpoint, written by the relay. Pending deliveries of the same endpoint and
 * entity go out in seq order; `nextAttemptAt` is also the lease of an attempt in flight.
 */
@Entity({ tableName: 'webhook_deliveries' })
@Unique({ name: 'webhook_deliveries_endpoint_event_unique', properties: ['endpoint', 'eventId'] })
@Index({ name: 'webhook_deliveries_entity_order_index', properties: ['endpoint', 'entityKey', 'seq'] })
@Index({ name: 'webhook_deliveries_due_index', properties: ['status', 'nextAttemptAt'] })
export class WebhookDelivery {
  [OptionalProps]?: 'status' | 'attempts' | 'createdAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne({ entity: () => WebhookEndpoint, deleteRule: 'cascade', fieldName: 'endpoint_id' })
  endpoint: WebhookEndpoint;

  /** The outbox event's id: the `webhook-id` of every attempt. */
  @Property({ type: 'uuid' })
  eventId: string;

  @Property({ type: 'bigint' })
  seq: string;

  /** `<entity>:<entity id>`: deliveries of one key go out in seq order. */
  @Property({ type: 'text' })
  entityKey: string;

  @Property({ type: 'text', default: 'pending' })
  status: DeliveryStatus = 'pending';

  @Property({ type: 'integer', default: 0 })
  attempts: number = 0;

  @Property({ type: 'timestamptz' })
  nextAttemptAt: Date;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  completedAt?: Date | null;
}
