import { Entity, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';

/**
 * A tenant's webhook endpoint. Its signing secrets are sealed (SecretBox) and never leave the
 * process again after the create or rotate answer; `afterSeq` is the outbox head when it was
 * created: it receives only events committed after that.
 */
@Entity({ tableName: 'webhook_endpoints' })
export class WebhookEndpoint {
  [OptionalProps]?: 'active' | 'createdAt' | 'updatedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'text' })
  url: string;

  /** Event types (`lead.created`) or `<entity>.*`. */
  @Property({ type: 'text[]' })
  events: string[];

  @Property({ type: 'boolean', default: true })
  active: boolean = true;

  /** The sealed `whsec_…` secret that signs every delivery. */
  @Property({ type: 'text', hidden: true })
  secret: string;

  /** The sealed secret before the last rotation: it signs too until `previousSecretExpiresAt`. */
  @Property({ type: 'text', hidden: true, nullable: true })
  previousSecret?: string | null;

  @Property({ type: 'timestamptz', nullable: true })
  previousSecretExpiresAt?: Date | null;

  /** Events with a seq above this one are delivered here. */
  @Property({ type: 'bigint' })
  afterSeq: string;

  /** The first failed attempt since the last success; five days of it disable the endpoint. */
  @Property({ type: 'timestamptz', nullable: true })
  failingSince?: Date | null;

  @Property({ type: 'timestamptz', nullable: true })
  disabledAt?: Date | null;

  @Property({ type: 'text', nullable: true })
  disabledReason?: string | null;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', defaultRaw: 'now()', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}
