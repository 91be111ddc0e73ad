import { DbServer } from '@app/catalog';
import { type Page, pageOf, pageWindow, PageQueryDto } from '@app/common';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { type ServerPoolStats, TenantOrmRegistry } from '@app/tenancy';
import { MikroORM } from '@mikro-orm/postgresql';
import { Inject, Injectable } from '@nestjs/common';
import { ServerView } from './server.view';

/** The database servers: the catalog's rows, their tenants, and this instance's pools and connections on each. */
@Injectable()
export class ServersService {
  constructor(
    private readonly orm: MikroORM,
    private readonly registry: TenantOrmRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async list(query: PageQueryDto): Promise<Page<ServerView>> {
    const em = this.orm.em.fork();
    const found = await em.findAndCount(DbServer, {}, { orderBy: { name: 'asc' }, ...pageWindow(query) });
    const names = found[0].map((server) => server.name);
    const counts = names.length
      ? await em
          .getConnection()
          .execute<{ db_server: string; n: string }[]>(
            `select db_server, count(*) as n from tenants where db_server in (${names.map(() => '?').join(', ')}) and status <> 'offboarded' group by db_server`,
            names,
          )
      : [];
    const tenants = new Map(counts.map((row) => [row.db_server, Number(row.n)]));
    const stats = new Map((await this.registry.stats()).map((s) => [s.server, s]));
    return pageOf(query, found, (server) => this.view(server, tenants.get(server.name) ?? 0, stats.get(server.name)));
  }

  private view(server: DbServer, tenants: number, stats?: ServerPoolStats): ServerView {
    const pooler = this.config.tenants.servers.find((s) => s.name === server.name)?.pooler;
    return {
      name: server.name,
      tags: server.tags,
      capacity: server.capacity,
      tenants,
      active: server.active,
      pooler: pooler ? `${pooler.host}:${pooler.port}` : null,
      pools: {
        open: stats?.open ?? 0,
        connected: stats?.connected ?? 0,
        inUse: stats?.inUse ?? 0,
        waiting: stats?.waiting ?? 0,
        max: stats?.maxPools ?? 0,
        evictions: stats?.evictions ?? 0,
      },
      connections: {
        held: stats?.connections ?? 0,
        reserved: stats?.reserved ?? 0,
        budget: stats?.maxConnections ?? null,
      },
    };
  }
}
