import { type FleetMigrationFailure, FleetMigrationRun } from '@app/catalog';
import { describeError } from '@app/common';
import { type MigrationResult, TenantFleet } from '@app/fleet';
import { latestMigration, TENANT_SCHEMA, type TenantSchema } from '@app/tenancy';
import { MikroORM, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { PlatformErrors } from '../platform.exception';
import { FleetMigrationsView, FleetMigrationRunView, toFleetMigrationRunView } from './fleet-migration.view';

/** A run whose instance died leaves its row `running`: past this age it no longer blocks a new run. */
const ABANDONED_AFTER_MS = 30 * 60_000;

/**
 * The fleet's schema status, and fleet migrations started from the platform API: the tenants
 * behind are queued on the `migrations` queue (TenantFleet, as `migrate --all` does) and the run's
 * row counts each result as it lands, so every instance shows the same progress.
 */
@Injectable()
export class FleetMigrationsService {
  private readonly logger = new Logger(FleetMigrationsService.name);

  constructor(
    private readonly orm: MikroORM,
    private readonly fleet: TenantFleet,
    @Inject(TENANT_SCHEMA) private readonly schema: TenantSchema,
  ) {}

  async status(): Promise<FleetMigrationsView> {
    const latest = latestMigration(this.schema);
    const sql = this.orm.em.fork().getConnection();
    const versions = await sql.execute<{ version: string | null; n: string }[]>(
      `select schema_version as version, count(*) as n from tenants where status in ('active', 'suspended')
        group by schema_version order by schema_version desc nulls last`,
    );
    const behind = await sql.execute<{ slug: string }[]>(
      `select slug from tenants where status in ('active', 'suspended') and (schema_version is null or schema_version < ?)
        order by schema_version asc nulls first, slug asc limit 100`,
      [latest],
    );
    const tenants = versions.reduce((n, row) => n + Number(row.n), 0);
    const upToDate = Number(versions.find((row) => row.version === latest)?.n ?? 0);
    const [lastRun] = await this.orm.em
      .fork()
      .find(FleetMigrationRun, {}, { orderBy: { startedAt: 'desc' }, limit: 1 });
    const view: FleetMigrationsView = {
      latest,
      tenants,
      upToDate,
      behind: tenants - upToDate,
      versions: versions.map((row) => ({ version: row.version, tenants: Number(row.n) })),
      behindTenants: behind.map((row) => row.slug),
      failed: await this.stillBehind(lastRun?.failures ?? [], latest),
    };
    if (lastRun) view.lastRun = toFleetMigrationRunView(lastRun);
    return view;
  }

  /** Queues every tenant behind; one run at a time (the partial unique index): another → 409. */
  async start(actor: string, perServer = 4): Promise<FleetMigrationRunView> {
    const em = this.orm.em.fork();
    const target = latestMigration(this.schema);
    await em.nativeUpdate(
      FleetMigrationRun,
      { status: 'running', startedAt: { $lt: new Date(Date.now() - ABANDONED_AFTER_MS) } },
      { status: 'done', finishedAt: new Date() },
    );
    const total = await em
      .getConnection()
      .execute<{ n: string }[]>(
        `select count(*) as n from tenants where status in ('active', 'suspended') and (schema_version is null or schema_version < ?)`,
        [target],
      );
    const run = em.create(FleetMigrationRun, { target, total: Number(total[0].n), startedBy: actor });
    try {
      await em.flush();
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) throw PlatformErrors.fleetMigrationRunning();
      throw error;
    }
    void this.execute(run.id, perServer);
    return toFleetMigrationRunView(run);
  }

  private async execute(id: string, perServer: number): Promise<void> {
    const sql = this.orm.em.fork().getConnection();
    try {
      await this.fleet.migrateAll(perServer, (result) => void this.count(id, result), true);
    } catch (error) {
      this.logger.error(`fleet migration ${id} stopped: ${describeError(error)}`);
    } finally {
      await sql
        .execute(
          `update fleet_migration_runs set status = 'done', finished_at = now(), total = greatest(total, done) where id = ?`,
          [id],
        )
        .catch(() => undefined);
    }
  }

  /** One tenant's result, counted in the run's row by one conditional UPDATE (no read-then-write). */
  private async count(id: string, result: MigrationResult): Promise<void> {
    const failure: FleetMigrationFailure[] = result.ok
      ? []
      : [{ slug: result.slug, from: result.from, error: result.error ?? 'failed', at: new Date().toISOString() }];
    await this.orm.em
      .fork()
      .getConnection()
      .execute(
        `update fleet_migration_runs set done = done + 1, failed = failed + ?, failures = failures || ?::jsonb where id = ?`,
        [failure.length, JSON.stringify(failure), id],
      )
      .catch((error: unknown) =>
        this.logger.error(`fleet migration ${id}: a result was not counted: ${describeError(error)}`),
      );
  }

  private async stillBehind(failures: FleetMigrationFailure[], latest: string): Promise<FleetMigrationFailure[]> {
    if (!failures.length) return [];
    const rows = await this.orm.em
      .fork()
      .getConnection()
      .execute<{ slug: string }[]>(
        `select slug from tenants where slug in (${failures.map(() => '?').join(', ')}) and status in ('active', 'suspended') and (schema_version is null or schema_version < ?)`,
        [...failures.map((f) => f.slug), latest],
      );
    const behind = new Set(rows.map((row) => row.slug));
    return failures.filter((f) => behind.has(f.slug));
  }
}
