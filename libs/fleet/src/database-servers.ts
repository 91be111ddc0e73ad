import { CATALOG_URL, parsePostgresUrl, PgTarget } from '@app/catalog';
import { APP_CONFIG, AppConfig, ResolvedDbServer } from '@app/config';
import { Inject, Injectable } from '@nestjs/common';

/** The database servers of tenants.config.json with their admin credentials (never exported from fleet). */
@Injectable()
export class DatabaseServers {
  private readonly catalog: PgTarget;
  private readonly servers: Map<string, ResolvedDbServer>;

  constructor(@Inject(APP_CONFIG) config: AppConfig, @Inject(CATALOG_URL) catalogUrl: string) {
    this.catalog = parsePostgresUrl(catalogUrl);
    this.servers = new Map(config.tenants.servers.map((server) => [server.name, server]));
  }

  names(): string[] {
    return [...this.servers.keys()];
  }

  get(name: string): ResolvedDbServer {
    const server = this.servers.get(name);
    if (!server) throw new Error(`database server "${name}" is not in tenants.config.json`);
    return server;
  }

  /** Admin connection to one database of a server (DDL, migrations, seeding). */
  admin(name: string, database = 'postgres'): PgTarget {
    const server = this.get(name);
    if (server.useCatalogServer) return { ...this.catalog, database };
    return {
      host: server.host!,
      port: server.port!,
      user: server.adminUser!,
      password: server.adminPassword,
      database,
    };
  }
}
