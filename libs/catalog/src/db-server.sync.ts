import { APP_CONFIG, AppConfig } from '@app/config';
import { MikroORM } from '@mikro-orm/postgresql';
import { Inject, Injectable } from '@nestjs/common';
import { DbServer } from './db-server.entity';

/** Mirrors the servers of tenants.config.json into the catalog; servers no longer listed are kept but inactive. */
@Injectable()
export class DbServerSync {
  constructor(
    private readonly orm: MikroORM,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async sync(): Promise<void> {
    const em = this.orm.em.fork();
    const existing = new Map((await em.find(DbServer, {})).map((server) => [server.name, server]));
    for (const server of this.config.tenants.servers) {
      const row = existing.get(server.name) ?? em.create(DbServer, { name: server.name, capacity: server.capacity });
      em.assign(row, {
        useCatalogServer: server.useCatalogServer,
        host: server.host ?? null,
        port: server.port ?? null,
        capacity: server.capacity,
        tags: server.tags,
        active: true,
      });
      existing.delete(server.name);
    }
    for (const gone of existing.values()) gone.active = false;
    await em.flush();
    await this.restrictCatalogServer();
  }

  /**
   * Tenant roles may CONNECT to their own database only: PUBLIC loses CONNECT (and TEMPORARY) on
   * the catalog database and on the catalog server's maintenance and template databases. The
   * admin keeps its access as superuser or owner. Idempotent; run at every start-up.
   */
  async restrictCatalogServer(): Promise<void> {
    await this.orm.em.getConnection().execute(`do $$
      declare db text;
      begin
        for db in select datname from pg_database where datname in (current_database(), 'postgres', 'template1', 'template0') loop
          execute format('revoke connect, temporary on database %I from public', db);
        end loop;
        -- Catalog sessions log failed statements tersely and without their text (MikroORM inlines
        -- values: a failed insert of a platform user would leave its hash in the server log).
        begin
          execute format('alter database %I set log_min_error_statement = %L', current_database(), 'panic');
          execute format('alter database %I set log_error_verbosity = %L', current_database(), 'terse');
        exception when insufficient_privilege then null; -- not a superuser: the operator sets these
        end;
      end
    $$`);
  }
}
