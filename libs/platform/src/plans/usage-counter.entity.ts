import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * How many records of one kind the tenant holds now (`users`: active users; `apiKeys`: keys not
 * revoked). Kept by triggers in the tenant's database, in the transaction that adds or removes a
 * record; the same trigger refuses an addition past the plan's limit (SQLSTATE TQ001).
 */
@Entity({ tableName: 'usage_counters' })
export class UsageCounter {
  @PrimaryKey({ type: 'text' })
  resource: string;

  @Property({ type: 'bigint', default: 0 })
  used: number = 0;
}
