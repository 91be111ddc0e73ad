import type { EntityClass, EventSubscriber, MigrationObject } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';

export interface CompanyAdminSeed {
  email: string;
  name: string;
  passwordHash: string;
}

/** What every tenant database holds: composed by the application from the domain libs. */
export interface TenantSchema {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- MikroORM's own entity list type
  entities: EntityClass<any>[];
  migrations: MigrationObject[];
  /** Flush subscribers of every tenant ORM (the audit trail). */
  subscribers: EventSubscriber[];
  /** Tables the runtime role may only read and append to (no UPDATE, DELETE, TRUNCATE). */
  appendOnlyTables: string[];
  /** Per append-only table, the columns the database sets itself (e.g. a hash chain): the runtime role may insert only the others. */
  databaseSetColumns?: Record<string, string[]>;
  /** Creates the first company admin; must be idempotent (provisioning may run again). */
  seedCompanyAdmin(em: EntityManager, admin: CompanyAdminSeed): Promise<void>;
}

export const TENANT_SCHEMA = Symbol('TENANT_SCHEMA');
