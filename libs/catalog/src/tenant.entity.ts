import { Entity, EntityRepositoryType, Index, OptionalProps, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { DbServer } from './db-server.entity';
import { TenantRepository } from './tenant.repository';

export const TENANT_STATUSES = ['provisioning', 'active', 'suspended', 'failed', 'offboarded'] as const;
export type TenantStatus = (typeof TENANT_STATUSES)[number];

/** The company admin to seed, kept (hashed) only until provisioning has created it. */
/** One completed step of the provisioning saga. */
export interface ProvisioningStep {
  step: string;
  at: string;
  ms: number;
}

export interface PendingAdmin {
  email: string;
  name: string;
  passwordHash: string;
}

@Entity({ tableName: 'tenants', repository: () => TenantRepository })
export class Tenant {
  [EntityRepositoryType]?: TenantRepository;
  [OptionalProps]?: 'plan' | 'status' | 'steps' | 'attempts' | 'createdAt' | 'updatedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'text', unique: true })
  slug: string;

  @Property({ type: 'text' })
  name: string;

  @Property({ type: 'text' })
  plan: string = 'standard';

  @Index()
  @Property({ type: 'text' })
  status: TenantStatus = 'provisioning';

  @ManyToOne(() => DbServer, { fieldName: 'db_server', deleteRule: 'restrict' })
  dbServer: DbServer;

  @Property({ type: 'text' })
  dbName: string;

  @Property({ type: 'text' })
  dbRole: string;

  /** The tenant role's password, encrypted with the tenant secrets key (SecretBox). */
  @Property({ type: 'text', hidden: true })
  dbPasswordEnc: string;

  @Property({ type: 'json', nullable: true, hidden: true })
  pendingAdmin?: PendingAdmin | null;

  @Property({ type: 'text', nullable: true })
  lastError?: string | null;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', onUpdate: () => new Date() })
  updatedAt: Date = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  activatedAt?: Date | null;

  /** Name of the newest tenant migration applied to its database. */
  @Property({ type: 'text', nullable: true })
  schemaVersion?: string | null;

  /** Completed steps of the provisioning saga (a retry skips none: every step is idempotent). */
  @Property({ type: 'json' })
  steps: ProvisioningStep[] = [];

  /** Provisioning attempts so far. */
  @Property({ type: 'integer' })
  attempts: number = 0;

  @Property({ type: 'timestamptz', nullable: true })
  suspendedAt?: Date | null;

  @Property({ type: 'timestamptz', nullable: true })
  offboardedAt?: Date | null;

  /** The verified pg_dump taken at offboarding. */
  @Property({ type: 'text', nullable: true })
  backupPath?: string | null;
}
