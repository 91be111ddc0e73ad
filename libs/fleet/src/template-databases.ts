import { APP_CONFIG, AppConfig } from '@app/config';
import { templateDbName } from '@app/tenancy';
import { Inject, Injectable } from '@nestjs/common';
import { DatabaseAdmin } from './database-admin';
import { TenantMigrator } from './tenant-migrator';

const TEMPLATE_LOCK = 7_312_002;

/**
 * One migrated template database per server: new tenant databases are cloned from it
 * (`CREATE DATABASE … TEMPLATE`), so onboarding costs the same whatever the number of
 * migrations. Maintenance holds an exclusive advisory lock, clones a shared one, so no
 * clone ever meets a connection to the template.
 */
@Injectable()
export class TemplateDatabases {
  private readonly ready = new Map<string, Promise<void>>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly admin: DatabaseAdmin,
    private readonly migrator: TenantMigrator,
  ) {}

  name(): string {
    return templateDbName(this.config.tenantDbPrefix);
  }

  /** Brings the server's template to the latest migration (once per process, single-flight). */
  ensureReady(server: string): Promise<void> {
    let ready = this.ready.get(server);
    if (!ready) {
      ready = this.refresh(server).catch((error: unknown) => {
        this.ready.delete(server);
        throw error;
      });
      this.ready.set(server, ready);
    }
    return ready;
  }

  /** Clones the template under a shared lock (template maintenance takes it exclusively). */
  async cloneInto(server: string, database: string, role: string): Promise<void> {
    await this.ensureReady(server);
    await this.admin.ensureDatabaseFromTemplate(server, database, this.name(), role, TEMPLATE_LOCK);
  }

  /** Clones the template into a spare database (SpareDatabases), under the same shared lock. */
  async cloneSpare(server: string, database: string): Promise<void> {
    await this.ensureReady(server);
    await this.admin.createSpareDatabase(server, database, this.name(), TEMPLATE_LOCK);
  }

  private async refresh(server: string): Promise<void> {
    // The lock is held on its own short-lived connection, so the pooled ones stay free for the DDL.
    await this.admin.withDatabase(server, 'postgres', async (lock) => {
      await lock.query('select pg_advisory_lock($1)', [TEMPLATE_LOCK]);
      try {
        await this.admin.ensureEmptyDatabase(server, this.name());
        await this.admin.restrictSharedDatabases(server, [this.name()]);
        await this.migrator.migrate(server, this.name());
      } finally {
        await lock.query('select pg_advisory_unlock($1)', [TEMPLATE_LOCK]);
      }
    });
  }
}
