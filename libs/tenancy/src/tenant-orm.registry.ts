import { describeError } from '@app/common';
import { SecretBox } from '@app/catalog';
import { boundedShutdownStep } from '@app/common';
import { APP_CONFIG, AppConfig } from '@app/config';
import { MikroORM } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { CatalogEvents } from './catalog-events';
import { Lease, PoolBusyError, PoolRegistry, PoolRegistryStats } from './pool-registry';
import { ResolvedTenant } from './resolved-tenant';
import { ServerAddresses, ServerCapacity } from './server-addresses';
import { TenancyErrors } from './tenancy.exception';
import { TenantContext } from './tenant-context';
import { TenantOrmFactory } from './tenant-orm.factory';

const ACQUIRE_TIMEOUT_MS = 2_000;
/** Connections kept out of the tenant budget on each server: catalog, admin work, migrations. */
const RESERVED_CONNECTIONS = 10;

export interface ServerPoolStats extends PoolRegistryStats {
  server: string;
  maxPools: number;
  maxConnections: number;
  connections: number;
}

interface ServerPools {
  registry: PoolRegistry<MikroORM>;
  maxPools: number;
}

/**
 * One MikroORM instance (one pg pool of at most TENANT_POOL_SIZE connections) per active
 * tenant database, in a bounded least-recently-used registry per database server. A server's
 * budget comes from its max_connections: at most DB_CONNECTION_SHARE of it, split between
 * API_INSTANCES processes, never more than TENANT_POOLS_MAX pools — so the connections this
 * process opens never exceed the budget, whatever the number of tenants. A request waits
 * briefly for a slot (an idle pool is evicted) rather than fail.
 */
@Injectable()
export class TenantOrmRegistry implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(TenantOrmRegistry.name);
  private readonly servers = new Map<string, Promise<ServerPools>>();
  private sweeper?: NodeJS.Timeout;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly factory: TenantOrmFactory,
    private readonly addresses: ServerAddresses,
    private readonly capacity: ServerCapacity,
    private readonly secrets: SecretBox,
    private readonly context: TenantContext,
    events: CatalogEvents,
  ) {
    events.on((change) => (change.kind === 'changed' ? undefined : this.evictTenant(change.tenantId)));
  }

  onModuleInit(): void {
    const every = Math.min(60_000, Math.max(1_000, Math.floor(this.config.tenantPoolIdleMs / 2)));
    this.sweeper = setInterval(() => void this.each((pools) => pools.sweepIdle()), every);
    this.sweeper.unref();
  }

  /** Graceful shutdown: requests and jobs still holding a tenant pool finish first (within half of SHUTDOWN_TIMEOUT_MS). */
  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.sweeper);
    const bound = this.config.shutdownTimeoutMs / 2;
    await boundedShutdownStep(
      'tenant pools: requests and jobs still holding one',
      () => this.each((pools) => pools.drain(bound)),
      bound,
    );
    // A database dropped under a pool, or a server gone, must not hold the process.
    await boundedShutdownStep('tenant pools: closing connections', () => this.each((pools) => pools.closeAll()), bound);
  }

  /** Runs `fn` inside the tenant's context with its EntityManager available; the pool is held until it settles. */
  async run<T>(tenant: ResolvedTenant, fn: () => Promise<T>): Promise<T> {
    const lease = await this.acquire(tenant);
    try {
      return await this.context.run(tenant, lease.value, fn);
    } finally {
      lease.release();
    }
  }

  async acquire(tenant: ResolvedTenant): Promise<Lease<MikroORM>> {
    try {
      const { registry } = await this.server(tenant.dbServer);
      return await registry.acquire(this.key(tenant), () => this.open(tenant));
    } catch (error) {
      if (error instanceof PoolBusyError) throw TenancyErrors.busy();
      this.logger.warn(`tenant ${tenant.slug}: cannot open its database: ${describeError(error)}`);
      throw TenancyErrors.unavailable();
    }
  }

  /** Closes every pool of a tenant (by id) once unused. */
  async evictTenant(tenantId: string): Promise<void> {
    await this.each((pools) =>
      Promise.all(
        pools
          .keys()
          .filter((key) => key.endsWith(`/${tenantId}`))
          .map((key) => pools.evict(key)),
      ),
    );
  }

  /** Per server: pools open, in use, waiting, evictions, and the connections they hold. */
  async stats(): Promise<ServerPoolStats[]> {
    const out: ServerPoolStats[] = [];
    for (const [server, pending] of this.servers) {
      const pools = await pending.catch(() => undefined);
      if (!pools) continue;
      out.push({
        server,
        ...pools.registry.stats(),
        maxPools: pools.maxPools,
        maxConnections: pools.maxPools * this.config.tenantPoolSize,
        connections: pools.registry.values().reduce((n, orm) => n + connectionsOf(orm), 0),
      });
    }
    return out;
  }

  private key(tenant: Pick<ResolvedTenant, 'id' | 'dbServer' | 'dbName'>): string {
    return `${tenant.dbServer}/${tenant.dbName}/${tenant.id}`;
  }

  private server(name: string): Promise<ServerPools> {
    let pools = this.servers.get(name);
    if (!pools) {
      pools = this.budget(name).then((maxPools) => ({
        maxPools,
        registry: new PoolRegistry<MikroORM>({
          maxPools,
          idleMs: this.config.tenantPoolIdleMs,
          acquireTimeoutMs: ACQUIRE_TIMEOUT_MS,
        }),
      }));
      pools.catch(() => this.servers.delete(name));
      this.servers.set(name, pools);
    }
    return pools;
  }

  /** Tenant pools this process may open on a server, from its max_connections. */
  private async budget(server: string): Promise<number> {
    const max = await this.capacity.maxConnections(server);
    const { share, instances } = this.config.connectionBudget;
    const connections = Math.floor((max * share) / instances) - RESERVED_CONNECTIONS;
    const pools = Math.max(
      1,
      Math.min(this.config.tenantPoolsMax, Math.floor(connections / this.config.tenantPoolSize)),
    );
    this.logger.log(
      `server ${server}: max_connections ${max}, budget ${pools} tenant pools × ${this.config.tenantPoolSize} connections`,
    );
    return pools;
  }

  private async each(fn: (pools: PoolRegistry<MikroORM>) => Promise<unknown>): Promise<void> {
    await Promise.all(
      [...this.servers.values()].map((p) => p.then((pools) => fn(pools.registry)).catch(() => undefined)),
    );
  }

  private async open(tenant: ResolvedTenant): Promise<MikroORM> {
    const address = this.addresses.address(tenant.dbServer);
    const orm = await this.factory.create({
      ...address,
      user: tenant.dbRole,
      password: this.secrets.open(tenant.dbPasswordEnc),
      dbName: tenant.dbName,
      poolSize: this.config.tenantPoolSize,
      applicationName: 'tessera-tenant',
    });
    const check = await orm.checkConnection();
    if (!check.ok) {
      await orm.close(true);
      throw new Error(check.reason);
    }
    return orm;
  }
}

/** Connections a tenant ORM's pool holds right now (knex/tarn pool). */
function connectionsOf(orm: MikroORM): number {
  const pool = (
    orm.em.getConnection().getKnex().client as {
      pool?: { numUsed(): number; numFree(): number; numPendingCreates(): number };
    }
  ).pool;
  return pool ? pool.numUsed() + pool.numFree() + pool.numPendingCreates() : 0;
}
