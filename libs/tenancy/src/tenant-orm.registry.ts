import { SecretBox } from '@app/catalog';
import { APP_CONFIG, AppConfig } from '@app/config';
import { MikroORM } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { CatalogEvents } from './catalog-events';
import { DatabaseServers } from './database-servers';
import { Lease, PoolBusyError, PoolRegistry, PoolRegistryStats } from './pool-registry';
import { ResolvedTenant } from './resolved-tenant';
import { TenancyErrors } from './tenancy.exception';
import { TenantContext } from './tenant-context';
import { TenantOrmFactory } from './tenant-orm.factory';

const ACQUIRE_TIMEOUT_MS = 2_000;

/**
 * One MikroORM instance (one pg pool, at most TENANT_POOL_SIZE connections) per active tenant
 * database, at most TENANT_POOLS_MAX of them: the connections this process opens to tenant
 * databases never exceed TENANT_POOLS_MAX × TENANT_POOL_SIZE, whatever the number of tenants.
 */
@Injectable()
export class TenantOrmRegistry implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(TenantOrmRegistry.name);
  private readonly pools: PoolRegistry<MikroORM>;
  private sweeper?: NodeJS.Timeout;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly factory: TenantOrmFactory,
    private readonly servers: DatabaseServers,
    private readonly secrets: SecretBox,
    private readonly context: TenantContext,
    events: CatalogEvents,
  ) {
    events.on((change) => (change.kind === 'changed' ? undefined : this.evictTenant(change.tenantId)));
    this.pools = new PoolRegistry<MikroORM>({
      maxPools: config.tenantPoolsMax,
      idleMs: config.tenantPoolIdleMs,
      acquireTimeoutMs: ACQUIRE_TIMEOUT_MS,
    });
  }

  onModuleInit(): void {
    const every = Math.min(60_000, Math.max(1_000, Math.floor(this.config.tenantPoolIdleMs / 2)));
    this.sweeper = setInterval(() => void this.pools.sweepIdle(), every);
    this.sweeper.unref();
  }

  /** Graceful shutdown: requests and jobs still holding a tenant pool finish first (up to 10 s). */
  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.sweeper);
    await this.pools.drain(10_000);
    await this.pools.closeAll();
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
      return await this.pools.acquire(this.key(tenant), () => this.open(tenant));
    } catch (error) {
      if (error instanceof PoolBusyError) throw TenancyErrors.busy();
      this.logger.warn(`tenant ${tenant.slug}: cannot open its database: ${(error as Error).message}`);
      throw TenancyErrors.unavailable();
    }
  }

  /** Closes the tenant's pool once unused (suspension, offboarding, credential change). */
  evict(tenant: Pick<ResolvedTenant, 'id' | 'dbServer' | 'dbName'>): Promise<void> {
    return this.pools.evict(this.key(tenant));
  }

  /** Closes every pool of a tenant (by id) once unused. */
  async evictTenant(tenantId: string): Promise<void> {
    await Promise.all(this.pools.keys().filter((key) => key.endsWith(`/${tenantId}`)).map((key) => this.pools.evict(key)));
  }

  stats(): PoolRegistryStats & { maxPools: number; poolSize: number } {
    return { ...this.pools.stats(), maxPools: this.config.tenantPoolsMax, poolSize: this.config.tenantPoolSize };
  }

  private key(tenant: Pick<ResolvedTenant, 'id' | 'dbServer' | 'dbName'>): string {
    return `${tenant.dbServer}/${tenant.dbName}/${tenant.id}`;
  }

  private async open(tenant: ResolvedTenant): Promise<MikroORM> {
    const address = this.servers.address(tenant.dbServer);
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
