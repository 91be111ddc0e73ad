import { Entity, Enum, Index, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { DbServer } from './db-server.entity';
import { Tenant } from './tenant.entity';

export const RELOCATION_STATUSES = ['copying', 'verifying', 'cutting-over', 'done', 'failed', 'aborted'] as const;
export type RelocationStatus = (typeof RELOCATION_STATUSES)[number];
/** Statuses of a relocation under way: at most one per tenant (a partial unique index). */
export const ACTIVE_RELOCATION_STATUSES: readonly RelocationStatus[] = ['copying', 'verifying', 'cutting-over'];

/**
 * How the data moves: `logical` (publication on the source, subscription on the target; writes go
 * on until the cut-over) or `freeze` (writes refused for the whole copy, then COPY table by table),
 * when the source server's wal_level is not `logical`.
 */
export const RELOCATION_METHODS = ['logical', 'freeze'] as const;
export type RelocationMethod = (typeof RELOCATION_METHODS)[number];

/** One table compared before the catalog switches. */
export interface TableVerification {
  table: string;
  sourceRows: number;
  targetRows: number;
  checksumMatch: boolean;
}

export interface RelocationVerification {
  tables: TableVerification[];
  auditHeadMatch: boolean;
  migrationsMatch: boolean;
}

/** A completed phase of a relocation, as the job recorded it (a resumed job skips none it must redo). */
export interface RelocationPhase {
  phase: string;
  at: string;
  ms: number;
}

/**
 * A tenant's move to another database server, run as a resumable job (TenantRelocator). The catalog
 * row of the tenant switches to `toServer` only once the copy is verified; the source database is
 * kept until `keepUntil`, then dropped by a job (`sourceDroppedAt`).
 */
@Entity({ tableName: 'relocations' })
@Index({
  name: 'relocations_one_active',
  expression: `create unique index "relocations_one_active" on "relocations" ("tenant_id") where "status" in ('copying', 'verifying', 'cutting-over')`,
})
export class Relocation {
  [OptionalProps]?: 'status' | 'phases' | 'startedAt' | 'updatedAt' | 'method' | 'attempts' | 'abortRequested';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => Tenant, {
    fieldName: 'tenant_id',
    deleteRule: 'cascade',
    foreignKeyName: 'relocations_tenant_id_fkey',
  })
  tenant: Tenant;

  @ManyToOne(() => DbServer, {
    fieldName: 'from_server',
    deleteRule: 'restrict',
    foreignKeyName: 'relocations_from_server_fkey',
  })
  fromServer: DbServer;

  @ManyToOne(() => DbServer, {
    fieldName: 'to_server',
    deleteRule: 'restrict',
    foreignKeyName: 'relocations_to_server_fkey',
  })
  toServer: DbServer;

  @Enum({ items: () => RELOCATION_STATUSES, type: 'text' })
  status: RelocationStatus = 'copying';

  @Enum({ items: () => RELOCATION_METHODS, type: 'text', nullable: true })
  method?: RelocationMethod | null;

  /** Completed phases, in order. */
  @Property({ type: 'json', defaultRaw: "'[]'" })
  phases: RelocationPhase[] = [];

  @Property({ type: 'integer' })
  attempts: number = 0;

  /** Set by `abort`; the job stops at its next phase boundary and drops the target. */
  @Property({ type: 'boolean' })
  abortRequested: boolean = false;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  startedAt: Date = new Date();

  @Property({ type: 'timestamptz', defaultRaw: 'now()', onUpdate: () => new Date() })
  updatedAt: Date = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  cutoverAt?: Date | null;

  @Property({ type: 'timestamptz', nullable: true })
  finishedAt?: Date | null;

  /** How long writes were refused, from the freeze to the switch. */
  @Property({ type: 'integer', nullable: true })
  writeFreezeMs?: number | null;

  @Property({ type: 'json', nullable: true })
  verification?: RelocationVerification | null;

  @Property({ type: 'text', nullable: true })
  error?: string | null;

  /** When the source database may be dropped (RELOCATION_KEEP_HOURS after the switch). */
  @Property({ type: 'timestamptz', nullable: true })
  keepUntil?: Date | null;

  @Property({ type: 'timestamptz', nullable: true })
  sourceDroppedAt?: Date | null;
}
