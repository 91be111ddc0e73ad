import { Entity, Index, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { DbServer } from './db-server.entity';
import { Tenant } from './tenant.entity';

/**
 * A spare tenant database: cloned ahead of time from its server's migrated template, with no role
 * and no connection, waiting for onboarding to claim it (rename it to the tenant's database)
 * instead of cloning. `schemaVersion` is the template's newest migration when it was cloned; only
 * spares at the running code's version are claimed, older ones are dropped and rebuilt. A claim
 * sets `claimedBy` before the rename and deletes the row after it, so an attempt killed in between
 * finds its spare again and no spare serves two tenants.
 */
@Entity({ tableName: 'spare_databases' })
@Index({ name: 'spare_databases_unclaimed_idx', properties: ['dbServer', 'schemaVersion', 'createdAt'] })
export class SpareDatabase {
  [OptionalProps]?: 'createdAt' | 'claimedBy' | 'claimedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => DbServer, {
    fieldName: 'db_server',
    deleteRule: 'restrict',
    foreignKeyName: 'spare_databases_db_server_fkey',
  })
  dbServer: DbServer;

  @Property({ type: 'text', unique: true })
  dbName: string;

  /** The newest tenant migration of the template it was cloned from. */
  @Property({ type: 'text' })
  schemaVersion: string;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  /** The tenant whose onboarding is turning it into its database. */
  @ManyToOne(() => Tenant, {
    fieldName: 'claimed_by',
    nullable: true,
    deleteRule: 'set null',
    foreignKeyName: 'spare_databases_claimed_by_fkey',
  })
  claimedBy?: Tenant | null;

  @Property({ type: 'timestamptz', nullable: true })
  claimedAt?: Date | null;
}
