import {
  Entity,
  EntityRepositoryType,
  Enum,
  Index,
  ManyToOne,
  OptionalProps,
  PrimaryKey,
  Property,
  Unique,
} from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { DbServer } from './db-server.entity';
import { Plan } from './plan.entity';
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
// A unique index (not a constraint), as the migration made it.
@Unique({
  name: 'tenants_db_server_db_name_unique',
  expression: 'create unique index "tenants_db_server_db_name_unique" on "tenants" ("db_server", "db_name")',
})
export class Tenant {
  [EntityRepositoryType]?: TenantRepository;
  [OptionalProps]?: 'plan' | 'status' | 'steps' | 'attempts' | 'createdAt' | 'updatedAt' | 'writesFrozen';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'text', unique: true })
  slug: string;

  @Property({ type: 'text' })
  name: string;

  /** The plan's code: its limits and features apply to this tenant (PUT /platform/tenants/:slug/plan). */
  @Index()
  @ManyToOne(() => Plan, {
    fieldName: 'plan',
    deleteRule: 'restrict',
    mapToPk: true,
    foreignKeyName: 'tenants_plan_fkey',
  })
  plan: string = 'standard';

  @Index()
  @Enum({ items: () => TENANT_STATUSES, type: 'text' })
  status: TenantStatus = 'provisioning';

  @ManyToOne(() => DbServer, {
    fieldName: 'db_server',
    deleteRule: 'restrict',
    foreignKeyName: 'tenants_db_server_fkey',
  })
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

  /** The tenants list's default order (newest first), also under its filters. */
  @Index()
  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', defaultRaw: 'now()', onUpdate: () => new Date() })
  updatedAt: Date = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  activatedAt?: Date | null;

  /** Name of the newest tenant migration applied to its database. */
  @Index()
  @Property({ type: 'text', nullable: true })
  schemaVersion?: string | null;

  /** Completed steps of the provisioning saga (a retry skips none: every step is idempotent). */
  @Property({ type: 'json', defaultRaw: "'[]'" })
  steps: ProvisioningStep[] = [];

  /** Provisioning attempts so far. */
  @Property({ type: 'integer' })
  attempts: number = 0;

  @Property({ type: 'timestamptz', nullable: true })
  suspendedAt?: Date | null;

  @Property({ type: 'timestamptz', nullable: true })
  offboardedAt?: Date | null;

  /**
   * Writes refused (503 tenant-relocating) while a relocation copies under a freeze or cuts over;
   * the tenant role's sessions on the source are read-only meanwhile, so no instance can slip one in.
   */
  @Property({ type: 'boolean' })
  writesFrozen: boolean = false;

  /** The verified pg_dump taken at offboarding. */
  @Property({ type: 'text', nullable: true })
  backupPath?: string | null;
}
