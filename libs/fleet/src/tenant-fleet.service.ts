import { ACTIVE_RELOCATION_STATUSES, Relocation, Tenant } from '@app/catalog';
import { describeError, NotFoundException } from '@app/common';
import { JobEnvelope, JobQueue, PermanentJobError } from '@app/jobs';
import { CatalogEvents } from '@app/tenancy';
import { APP_CONFIG, AppConfig } from '@app/config';
import { MikroORM } from '@mikro-orm/postgresql';
import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DatabaseAdmin } from './database-admin';
import { LocalServerSlots, RedisServerSlots, ServerSlots } from './server-slots';
import { TenantMigrator } from './tenant-migrator';

export interface MigrationResult {
  slug: string;
  ok: boolean;
  from: string | null;
  to: string | null;
  applied: string[];
  ms: number;
  error?: string;
}

export interface MigrationJob {
  /** Most tenants of one database server migrated at once (by all workers on one Redis, else by this process). */
  perServer: number;
}

/**
 * Schema migrations across the fleet: one job per tenant, a per-server concurrency limit,
 * past a failing tenant. The limit holds across every worker on one Redis (slots in Redis
 * with a lease, ServerSlots), else in this process. Each tenant's schema version is kept in
 * the catalog, so a second run resumes: tenants already at the latest version are done in a
 * moment.
 */
@Injectable()
export class TenantFleet implements OnApplicationShutdown {
  private readonly slots: ServerSlots;

  constructor(
    private readonly orm: MikroORM,
    private readonly migrator: TenantMigrator,
    private readonly admin: DatabaseAdmin,
    private readonly events: CatalogEvents,
    private readonly jobs: JobQueue,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.slots = config.redisUrl
      ? new RedisServerSlots(config.redisUrl, `tessera:${config.tenantDbPrefix}:migration-slots:`)
      : new LocalServerSlots();
  }

  onApplicationShutdown(): void {
    this.slots.close();
  }

  async migrateOne(slug: string): Promise<MigrationResult> {
    const tenant = await this.orm.em.fork().findOne(Tenant, { slug }, { populate: ['dbServer'] });
    if (!tenant || !['active', 'suspended'].includes(tenant.status))
      throw new NotFoundException(`No active or suspended tenant "${slug}".`);
    return this.migrate(tenant);
  }

  /** Queues every active or suspended tenant; reports each result as it lands. */
  async migrateAll(
    concurrency: number,
    onResult: (result: MigrationResult) => void,
    onlyBehind = false,
  ): Promise<MigrationResult[]> {
    const latest = this.migrator.latestVersion();
    const tenants = await this.orm.em
      .fork()
      .find(Tenant, { status: { $in: ['active', 'suspended'] } }, { orderBy: { slug: 'asc' } });
    const chosen = onlyBehind ? tenants.filter((t) => (t.schemaVersion ?? '') < latest) : tenants;
    const runId = randomUUID();
    const results = await Promise.all(
      chosen.map(async (tenant) => {
        const jobId = `migrate:${runId}:${tenant.id}`;
        await this.jobs.enqueue<MigrationJob>(
          'migrations',
          { tenant: tenant.slug, tenantId: tenant.id, correlationId: runId, data: { perServer: concurrency } },
          { jobId },
        );
        const result = await this.jobs.wait('migrations', jobId).then(
          (value) => value as MigrationResult,
          (error: Error): MigrationResult => ({
            slug: tenant.slug,
            ok: false,
            from: tenant.schemaVersion ?? null,
            to: null,
            applied: [],
            ms: 0,
            error: describeError(error),
          }),
        );
        onResult(result);
        return result;
      }),
    );
    return results;
  }

  /** One tenant's migration job (MigrationsProcessor), under the per-server limit the run asked for. */
  async runJob(job: JobEnvelope<MigrationJob>): Promise<MigrationResult> {
    const tenant = await this.orm.em.fork().findOne(Tenant, { slug: job.tenant }, { populate: ['dbServer'] });
    if (!tenant || tenant.id !== job.tenantId)
      throw new PermanentJobError(`job for an unknown or mismatched tenant ${job.tenant}`);
    return this.slots.use(tenant.dbServer.name, job.data.perServer, () => this.migrate(tenant));
  }

  private async migrate(tenant: Tenant): Promise<MigrationResult> {
    const started = Date.now();
    const from = tenant.schemaVersion ?? null;
    // A relocation copies this schema to another server (and replication carries no DDL): not now.
    const moving = await this.orm.em
      .fork()
      .count(Relocation, { tenant: tenant.id, status: { $in: [...ACTIVE_RELOCATION_STATUSES] } });
    if (moving) {
      const error = 'skipped: the tenant is being relocated; migrate it once the relocation has ended';
      return { slug: tenant.slug, ok: false, from, to: from, applied: [], ms: Date.now() - started, error };
    }
    try {
      const applied = await this.migrator.migrate(tenant.dbServer.name, tenant.dbName);
      await this.admin.grantRuntimePrivileges(tenant.dbServer.name, tenant.dbName, tenant.dbRole);
      const to = this.migrator.latestVersion();
      if (to !== from) {
        await this.orm.em.fork().nativeUpdate(Tenant, { id: tenant.id }, { schemaVersion: to });
        await this.events.publish({ slug: tenant.slug, tenantId: tenant.id, kind: 'changed' });
      }
      return { slug: tenant.slug, ok: true, from, to, applied, ms: Date.now() - started };
    } catch (error) {
      return {
        slug: tenant.slug,
        ok: false,
        from,
        to: from,
        applied: [],
        ms: Date.now() - started,
        error: describeError(error),
      };
    }
  }
}
