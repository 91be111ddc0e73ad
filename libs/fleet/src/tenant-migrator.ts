import { CompanyAdminSeed, latestMigration, TENANT_SCHEMA, TenantOrmFactory, TenantSchema } from '@app/tenancy';
import { Injectable } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/postgresql';
import { DatabaseAdmin, SqlRunner } from './database-admin';
import { Inject } from '@nestjs/common';

/** One admin connection to a tenant database, for several steps in a row (TenantMigrator.session). */
export interface AdminSession {
  migrate(): Promise<string[]>;
  /** Creates the company admin (idempotent); nothing to do without one. */
  seed(admin?: CompanyAdminSeed): Promise<void>;
  /** Runs `work` in one transaction, its statements through `run`. */
  transaction(work: (run: SqlRunner) => Promise<void>): Promise<void>;
}

/** Applies the tenant schema's migrations to one database with the server's admin credentials. */
@Injectable()
export class TenantMigrator {
  constructor(
    private readonly admin: DatabaseAdmin,
    private readonly factory: TenantOrmFactory,
    @Inject(TENANT_SCHEMA) private readonly schema: TenantSchema,
  ) {}

  /** Name of the newest migration: the schema version a migrated database is at. */
  latestVersion(): string {
    return latestMigration(this.schema);
  }

  async migrate(server: string, database: string): Promise<string[]> {
    return this.withAdminOrm(server, database, async (orm) => (await orm.getMigrator().up()).map((m) => m.name));
  }

  /** Creates the company admin (idempotent); nothing to do without a pending admin. */
  async seed(server: string, database: string, admin?: CompanyAdminSeed): Promise<void> {
    if (!admin) return;
    await this.withAdminOrm(server, database, (orm) => this.schema.seedCompanyAdmin(orm.em.fork(), admin));
  }

  /**
   * Several steps on one admin connection to the database (the provisioning saga's migrations,
   * grants and company admin): one backend and one sign-in instead of one per step.
   */
  async session<T>(server: string, database: string, fn: (session: AdminSession) => Promise<T>): Promise<T> {
    return this.withAdminOrm(server, database, (orm) =>
      fn({
        migrate: async () => (await orm.getMigrator().up()).map((m) => m.name),
        seed: async (admin) => {
          if (admin) await this.schema.seedCompanyAdmin(orm.em.fork(), admin);
        },
        transaction: (work) =>
          orm.em
            .fork()
            .transactional((em) =>
              work((sql) => em.getConnection().execute(sql, [], 'all', em.getTransactionContext())),
            ),
      }),
    );
  }

  async pending(server: string, database: string): Promise<string[]> {
    return this.withAdminOrm(server, database, async (orm) =>
      (await orm.getMigrator().getPendingMigrations()).map((m) => m.name),
    );
  }

  private async withAdminOrm<T>(server: string, database: string, fn: (orm: MikroORM) => Promise<T>): Promise<T> {
    const target = this.admin.adminTarget(server, database);
    const orm = await this.factory.create({
      host: target.host,
      port: target.port,
      user: target.user,
      password: target.password,
      dbName: database,
      poolSize: 1,
      applicationName: 'tessera-migrate',
      statementTimeoutMs: 30_000,
    });
    try {
      return await fn(orm);
    } finally {
      await orm.close(true);
    }
  }
}
