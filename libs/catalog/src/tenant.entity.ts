import { Entity, EntityRepositoryType, Index, OptionalProps, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { DbServer } from './db-server.entity';
import { TenantRepository } from './tenant.repository';

export const TENANT_STATUSES = ['provisioning', 'active', 'suspended', 'failed', 'offboarded'] as const;
export type TenantStatus = (typeof TENANT_STATUSES)[number];

/** The company admin to seed, kept (hashed) only until provisioning has created it. */
export interface PendingAdmin {
  email: string;
  name: string;
  passwordHash: string;
}

@Entity({ tableName: 'tenants', repository: () => TenantRepository })
export class Tenant {
  [EntityRepositoryType]?: TenantRepository;
  [OptionalProps]?: 'plan' | 'status' | 'createdAt' | 'updatedAt';

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
}
