import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/** The relay's cursor (one row): every outbox event up to `lastSeq` has its deliveries written. */
@Entity({ tableName: 'webhook_relay' })
export class WebhookRelay {
  @PrimaryKey({ type: 'smallint', autoincrement: false })
  id: number = 1;

  @Property({ type: 'bigint' })
  lastSeq: string;
}
