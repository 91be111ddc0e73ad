import { CATALOG_URL, parsePostgresUrl } from '@app/catalog';
import { APP_CONFIG, AppConfig, ResolvedPooler } from '@app/config';
import { Inject, Injectable } from '@nestjs/common';

export interface TenantAddress {
  host: string;
  port: number;
  /** Set when the address is a PgBouncer (transaction mode) in front of the server. */
  pooler?: Pick<ResolvedPooler, 'maxDbConnections' | 'serverIdleTimeout'>;
}

/**
 * Where tenant request traffic connects on each database server of tenants.config.json: the
 * server's `pooler` when it names one, else the server itself. Admin work never asks here (fleet
 * connects directly). Holds no credentials: tenant pools log in as the tenant's own role, and
 * the servers' admin credentials stay in `fleet`.
 */
@Injectable()
export class ServerAddresses {
  private readonly catalog: { host: string; port: number };
  private readonly servers: Map<string, TenantAddress | 'catalog'>;
  private readonly poolers: Map<string, TenantAddress>;

  constructor(@Inject(APP_CONFIG) config: AppConfig, @Inject(CATALOG_URL) catalogUrl: string) {
    const { host, port } = parsePostgresUrl(catalogUrl);
    this.catalog = { host, port };
    this.servers = new Map(
      config.tenants.servers.map((server) => [
        server.name,
        server.useCatalogServer ? 'catalog' : { host: server.host!, port: server.port! },
      ]),
    );
    this.poolers = new Map(
      config.tenants.servers.flatMap(({ name, pooler }) =>
        pooler
          ? [
              [
                name,
                {
                  host: pooler.host,
                  port: pooler.port,
                  pooler: { maxDbConnections: pooler.maxDbConnections, serverIdleTimeout: pooler.serverIdleTimeout },
                },
              ] as const,
            ]
          : [],
      ),
    );
  }

  /** The address tenant request traffic (and jobs run in a tenant's context) connects to. */
  address(name: string): TenantAddress {
    const server = this.servers.get(name);
    if (!server) throw new Error(`database server "${name}" is not in tenants.config.json`);
    return this.poolers.get(name) ?? (server === 'catalog' ? this.catalog : server);
  }
}

/**
 * The connections a database server accepts (its max_connections), from which the ORM registry
 * derives its budget of tenant pools. `fleet` provides it: asking needs the admin credentials.
 */
export abstract class ServerCapacity {
  abstract maxConnections(server: string): Promise<number>;
}
