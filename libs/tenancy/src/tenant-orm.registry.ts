import { describeError } from '@app/common';
import { SecretBox } from '@app/catalog';
import { boundedShutdownStep } from '@app/common';
import { APP_CONFIG, AppConfig } from '@app/config';
import { MikroORM } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { CatalogEvents } from './catalog-events';
import { Lease, PoolBusyError, PoolRegistry, PoolRegistryStats } from './pool-registry';
import { TenantOrmPool } from './tenant-orm-pool';
import { ResolvedTenant } from './resolved-tenant';
import { ServerAddresses, ServerCapacity } from './server-addresses';
import { ServerSlots, ServerSlotsStats } from './server-slots';
import { TenancyErrors } from './tenancy.exception';
import { TenantContext } from './tenant-context';
import { TenantOrmFactory } from './tenant-orm.factory';

/** A tenant pool unused this long may be closed so that a busy one grows. */
const COLD_MS = 1_000;
/** Connections kept out of the tenant budget on each server: catalog, admin work, migrations. */
const RESERVED_CONNECTIONS = 10;
/** Past a pooler's server_idle_timeout: its maintenance pass (every 1/3 s) and clock skew. */
const LINGER_MARGIN_MS = 500;

export interface ServerPoolStats extends PoolRegistryStats {
  server: string;
  /** Pools of TENANT_POOL_SIZE connections the budget holds (maxConnections ÷ TENANT_POOL_SIZE). */
  maxPools: number;
  /** The budget: PostgreSQL connections this process's tenant traffic may cause on the server. */
  maxConnections: number;
  /** Instances kept at most (TENANT_ORMS_MAX). */
  maxInstances: number;
  /** Connections the tenant pools hold right now: to PostgreSQL, or to the pooler when the server has one. */
  connections: number;
  /** Through a pooler: tenant databases that may hold server connections (see ServerSlots). */
  serverSlots?: ServerSlotsStats;
}

interface ServerPools {
  registry: PoolRegistry<TenantOrmPool>;
  maxPools: number;
  maxConnections: number;
  slots?: ServerSlots;
}

interface ServerBudget {
  /** Pools of TENANT_POOL_SIZE the registry may connect at once. */
  maxPools: number;
  /** PostgreSQL connections: the registry's own, or the pooler's server connections (slots × maxDbConnections). */
  maxConnections: number;
  slots?: ServerSlots;
}

/**
 * One MikroORM instance per active tenant database, and a budget of connections per database
 * server. The budget comes from the server's max_connections: at most DB_CONNECTION_SHARE of
 * it, split between API_INSTANCES processes, never more than TENANT_POOLS_MAX pools of
 * TENANT_POOL_SIZE — so the connections this process opens never exceed it, whatever the number
 * of tenants. A tenant's pool starts at one connection and grows to TENANT_POOL_SIZE while the
 * budget has room; past the budget the least recently used idle pools are closed, their
 * instances kept (up to TENANT_ORMS_MAX), so a returning tenant costs one connection, not a new
 * instance. A request waits briefly for a connection rather than fail.
 *
 * A server with a `pooler` is reached through PgBouncer: the pools' connections are cheap
 * client connections, so up to TENANT_POOLS_MAX pools stay connected, and the budget bounds the
 * server connections PgBouncer opens instead — per tenant database at most max_db_connections
 * (auth_query's included), kept for server_idle_timeout after use (ServerSlots).
 */
@Injectable()
export class TenantOrmRegistry implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(TenantOrmRegistry.name);
  private readonly servers = new Map<string, Promise<ServerPools>>();
  /** The servers whose budget is known (`servers` resolved): read synchronously by tryAcquire. */
  private readonly ready = new Map<string, ServerPools>();
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

  /**
   * A lease on the tenant's ORM at once, without a promise, when its pool is connected and its
   * server needs no slot (no pooler); undefined when `run`/`acquire` must open, connect or wait.
   */
  tryAcquire(tenant: ResolvedTenant): Lease<MikroORM> | undefined {
    const pools = this.ready.get(tenant.dbServer);
    if (!pools || pools.slots) return undefined;
    const lease = pools.registry.tryAcquire(this.key(tenant));
    return lease && { value: lease.value.orm, release: lease.release };
  }

  async acquire(tenant: ResolvedTenant): Promise<Lease<MikroORM>> {
    try {
      const { registry, slots } = await this.server(tenant.dbServer);
      // One bound for both waits: a server slot (through a pooler), then a connection.
      const deadline = Date.now() + this.config.tenantAcquireTimeoutMs;
      const releaseSlot = slots ? await slots.acquire(this.key(tenant), deadline) : undefined;
      try {
        const lease = await registry.acquire(this.key(tenant), () => this.open(tenant), deadline);
        return {
          value: lease.value.orm,
          release: () => {
            lease.release();
            releaseSlot?.();
          },
        };
      } catch (error) {
        releaseSlot?.();
        throw error;
      }
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

  /** Per server: instances kept, pools connected, in use, waiting, evictions, and the connections they hold. */
  async stats(): Promise<ServerPoolStats[]> {
    const out: ServerPoolStats[] = [];
    for (const [server, pending] of this.servers) {
      const pools = await pending.catch(() => undefined);
      if (!pools) continue;
      out.push({
        server,
        ...pools.registry.stats(),
        maxPools: pools.maxPools,
        maxConnections: pools.maxConnections,
        maxInstances: this.config.tenantOrmsMax,
        connections: pools.registry.values().reduce((n, pool) => n + pool.connections(), 0),
        ...(pools.slots && { serverSlots: pools.slots.stats() }),
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
      pools = this.budget(name).then(({ maxPools, maxConnections, slots }) => ({
        maxPools,
        maxConnections,
        slots,
        registry: new PoolRegistry<TenantOrmPool>({
          maxConnections: maxPools * this.config.tenantPoolSize,
          poolSize: this.config.tenantPoolSize,
          maxInstances: this.config.tenantOrmsMax,
          coldMs: COLD_MS,
          idleMs: this.config.tenantPoolIdleMs,
          acquireTimeoutMs: this.config.tenantAcquireTimeoutMs,
        }),
      }));
      pools.then(
        (resolved) => this.ready.set(name, resolved),
        () => this.servers.delete(name),
      );
      this.servers.set(name, pools);
    }
    return pools;
  }

  /** Tenant pools this process may connect on a server, and the PostgreSQL connections they may cause. */
  private async budget(server: string): Promise<ServerBudget> {
    const max = await this.capacity.maxConnections(server);
    const { share, instances } = this.config.connectionBudget;
    const connections = Math.floor((max * share) / instances) - RESERVED_CONNECTIONS;
    const { pooler } = this.addresses.address(server);
    if (pooler) {
      const perDatabase = pooler.maxDbConnections;
      const count = Math.max(1, Math.floor(connections / perDatabase));
      const slots = new ServerSlots({
        slots: count,
        // PgBouncer closes idle server connections in a maintenance pass 3 times a second.
        lingerMs: Math.ceil(pooler.serverIdleTimeout * 1000) + LINGER_MARGIN_MS,
        acquireTimeoutMs: this.config.tenantAcquireTimeoutMs,
      });
      const maxPools = this.config.tenantPoolsMax;
      this.logger.log(
        `server ${server} through its pooler: max_connections ${max}, budget ${count} tenant databases × ${perDatabase} server connections, ${maxPools} tenant pools`,
      );
      return { maxPools, maxConnections: count * perDatabase, slots };
    }
    const pools = Math.max(
      1,
      Math.min(this.config.tenantPoolsMax, Math.floor(connections / this.config.tenantPoolSize)),
    );
    this.logger.log(
      `server ${server}: max_connections ${max}, budget ${pools * this.config.tenantPoolSize} tenant connections (${pools} pools × ${this.config.tenantPoolSize})`,
    );
    return { maxPools: pools, maxConnections: pools * this.config.tenantPoolSize };
  }

  private async each(fn: (pools: PoolRegistry<TenantOrmPool>) => Promise<unknown>): Promise<void> {
    await Promise.all(
      [...this.servers.values()].map((p) => p.then((pools) => fn(pools.registry)).catch(() => undefined)),
    );
  }

  /** A kept instance for the tenant's database; its pool opens (and reopens) when a request needs it. */
  private async open(tenant: ResolvedTenant): Promise<TenantOrmPool> {
    const { host, port } = this.addresses.address(tenant.dbServer);
    const orm = await this.factory.create(
      {
        host,
        port,
        user: tenant.dbRole,
        password: this.secrets.open(tenant.dbPasswordEnc),
        dbName: tenant.dbName,
        poolSize: this.config.tenantPoolSize,
        applicationName: 'tessera-tenant',
      },
      false,
    );
    return new TenantOrmPool(orm);
  }
}
