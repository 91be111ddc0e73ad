import { Entity, Enum, Index, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';

export const FLEET_MIGRATION_STATUSES = ['running', 'done'] as const;
export type FleetMigrationStatus = (typeof FLEET_MIGRATION_STATUSES)[number];

/** A tenant a fleet migration could not bring to the latest version, and why. */
export interface FleetMigrationFailure {
  slug: string;
  from: string | null;
  error: string;
  at: string;
}

/**
 * One fleet migration started from the platform API (POST /platform/migrations): its counters move as
 * each tenant's job lands, so any instance can show the progress. At most one runs at a time (a
 * partial unique index on the running row).
 */
@Entity({ tableName: 'fleet_migration_runs' })
@Index({
  name: 'fleet_migration_runs_one_running',
  expression:
    'create unique index "fleet_migration_runs_one_running" on "fleet_migration_runs" ((true)) where "status" = \'running\'',
})
export class FleetMigrationRun {
  [OptionalProps]?: 'status' | 'done' | 'failed' | 'failures' | 'startedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Enum({ items: () => FLEET_MIGRATION_STATUSES, type: 'text' })
  status: FleetMigrationStatus = 'running';

  /** The schema version the run brings tenants to (the code's latest migration). */
  @Property({ type: 'text' })
  target: string;

  /** Tenants queued. */
  @Property({ type: 'integer' })
  total: number;

  /** Tenants finished, failed ones included. */
  @Property({ type: 'integer' })
  done: number = 0;

  @Property({ type: 'integer' })
  failed: number = 0;

  @Property({ type: 'json', defaultRaw: "'[]'" })
  failures: FleetMigrationFailure[] = [];

  /** The platform user who started it. */
  @Property({ type: 'text' })
  startedBy: string;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  startedAt: Date = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  finishedAt?: Date | null;
}
