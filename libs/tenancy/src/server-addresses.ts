import { CATALOG_URL, parsePostgresUrl } from '@app/catalog';
import { APP_CONFIG, AppConfig } from '@app/config';
import { Inject, Injectable } from '@nestjs/common';

/**
 * Where tenant request traffic connects on each database server of tenants.config.json. Holds
 * no credentials: tenant pools log in as the tenant's own role, and the servers' admin
 * credentials stay in `fleet`.
 */
@Injectable()
export class ServerAddresses {
  private readonly catalog: { host: string; port: number };
  private readonly servers: Map<string, { host: string; port: number } | 'catalog'>;

  constructor(@Inject(APP_CONFIG) config: AppConfig, @Inject(CATALOG_URL) catalogUrl: string) {
    const { host, port } = parsePostgresUrl(catalogUrl);
    this.catalog = { host, port };
    this.servers = new Map(
      config.tenants.servers.map((server) => [
        server.name,
        server.useCatalogServer ? 'catalog' : { host: server.host!, port: server.port! },
      ]),
    );
  }

  address(name: string): { host: string; port: number } {
    const server = this.servers.get(name);
    if (!server) throw new Error(`database server "${name}" is not in tenants.config.json`);
    return server === 'catalog' ? this.catalog : server;
  }
}

/**
 * The connections a database server accepts (its max_connections), from which the ORM registry
 * derives its budget of tenant pools. `fleet` provides it: asking needs the admin credentials.
 */
export abstract class ServerCapacity {
  abstract maxConnections(server: string): Promise<number>;
}
