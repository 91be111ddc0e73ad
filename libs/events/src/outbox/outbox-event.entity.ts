import { Check, Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * One domain event in the tenant's transactional outbox, written in the transaction of the change
 * it describes. `seq` is allocated from `outbox_head` just before COMMIT: gap-free, in commit order.
 * The table doubles as the 30-day event log (`GET /events`) and feeds the webhook relay.
 */
@Entity({ tableName: 'outbox' })
@Index({ name: 'outbox_occurred_at_index', properties: ['occurredAt'] })
export class OutboxEvent {
  @PrimaryKey({ type: 'bigint', autoincrement: false })
  seq: string;

  @Property({ type: 'uuid', unique: 'outbox_id_unique' })
  id: string;

  @Property({ type: 'text' })
  type: string;

  @Property({ type: 'text' })
  entity: string;

  @Property({ type: 'uuid' })
  entityId: string;

  /** Who among staff may see it: the record's owner before and after the change, or the user itself. */
  @Property({ columnType: 'uuid[]', type: 'string[]' })
  visibleTo: string[];

  @Property({ type: 'jsonb' })
  data: object;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  occurredAt: Date;
}

/** The outbox's one head row: the last seq handed out in this tenant. */
@Entity({ tableName: 'outbox_head' })
@Check({ name: 'outbox_head_id_check', expression: '"id" = 1' })
export class OutboxHead {
  @PrimaryKey({ type: 'smallint', autoincrement: false })
  id: number;

  @Property({ type: 'bigint' })
  lastSeq: string;
}
