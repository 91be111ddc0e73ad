import { ACTIVE_RELOCATION_STATUSES, Plan, Relocation, Tenant } from '@app/catalog';
import { describeError, NotFoundException } from '@app/common';
import { APP_CONFIG, AppConfig } from '@app/config';
import { JobContext, JobEnvelope, JobQueue, PermanentJobError } from '@app/jobs';
import { CatalogEvents } from '@app/tenancy';
import { ForeignKeyConstraintViolationException, MikroORM } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { execFile } from 'node:child_process';
import { chmod, mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { randomUUID } from 'node:crypto';
import { FleetErrors, RelocationErrors } from './fleet.exception';
import { DatabaseAdmin } from './database-admin';
import { TenantOnboarding } from './tenant-onboarding.service';

const run = promisify(execFile);

/** Suspend, resume, retry a failed onboarding, offboard (verified backup, then drop). */
@Injectable()
export class TenantLifecycle {
  private readonly logger = new Logger(TenantLifecycle.name);

  constructor(
    private readonly orm: MikroORM,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly admin: DatabaseAdmin,
    private readonly events: CatalogEvents,
    private readonly onboarding: TenantOnboarding,
    private readonly jobs: JobQueue,
  ) {}

  async suspend(slug: string): Promise<Tenant> {
    return this.change(
      slug,
      ['active', 'suspended'],
      (t) => Object.assign(t, { status: 'suspended', suspendedAt: t.suspendedAt ?? new Date() }),
      'suspended',
    );
  }

  async resume(slug: string): Promise<Tenant> {
    return this.change(
      slug,
      ['suspended', 'active'],
      (t) => Object.assign(t, { status: 'active', suspendedAt: null }),
      'changed',
      (t) => {
        if (t.steps.some((s) => s.step === 'offboarding')) throw FleetErrors.offboarding();
      },
    );
  }

  /** Moves the tenant to another plan of the catalog; every instance enforces it from its next request. */
  async setPlan(slug: string, plan: string): Promise<Tenant> {
    if (!(await this.orm.em.fork().count(Plan, { code: plan }))) throw FleetErrors.unknownPlan(plan);
    try {
      return await this.change(
        slug,
        ['provisioning', 'active', 'suspended', 'failed'],
        (t) => (t.plan = plan),
        'changed',
      );
    } catch (error) {
      // The plan went away between the check and the update.
      if (error instanceof ForeignKeyConstraintViolationException) throw FleetErrors.unknownPlan(plan);
      throw error;
    }
  }

  /** Sends a failed onboarding back to the queue; every step is idempotent, so it picks up where it broke. */
  async retry(slug: string, correlationId: string = randomUUID()): Promise<Tenant> {
    const tenant = await this.change(
      slug,
      ['failed'],
      (t) => Object.assign(t, { status: 'provisioning', lastError: null }),
      'changed',
    );
    await this.onboarding.enqueue(tenant, correlationId);
    return tenant;
  }

  /** Refuses traffic at once, then a job backs the database up (verified) and drops it and its role. */
  async offboard(slug: string, correlationId: string = randomUUID()): Promise<Tenant> {
    // Not while a relocation copies it: abort that first (its target would outlive the tenant).
    const moving = await this.orm.em
      .fork()
      .count(Relocation, { tenant: { slug }, status: { $in: [...ACTIVE_RELOCATION_STATUSES] } });
    if (moving) throw RelocationErrors.underWay(slug);
    const tenant = await this.change(
      slug,
      ['active', 'suspended', 'failed'],
      (t) =>
        Object.assign(t, {
          status: 'suspended',
          suspendedAt: t.suspendedAt ?? new Date(),
          steps: [
            ...t.steps.filter((s) => s.step !== 'offboarding'),
            { step: 'offboarding', at: new Date().toISOString(), ms: 0 },
          ],
        }),
      'suspended',
    );
    await this.jobs.enqueue(
      'offboarding',
      { tenant: slug, tenantId: tenant.id, correlationId, data: {} },
      { jobId: `offboard:${tenant.id}`, attempts: 3, backoffMs: 1000 },
    );
    return tenant;
  }

  waitForOffboarding(tenantId: string): Promise<unknown> {
    return this.jobs.wait('offboarding', `offboard:${tenantId}`);
  }

  /** One offboarding job (OffboardingProcessor): a verified backup, then the database and role dropped. */
  async completeOffboarding(job: JobEnvelope, context: JobContext): Promise<string> {
    const em = this.orm.em.fork();
    const tenant = await em.findOne(Tenant, { slug: job.tenant }, { populate: ['dbServer'] });
    if (!tenant || tenant.id !== job.tenantId)
      throw new PermanentJobError(`job for an unknown or mismatched tenant ${job.tenant}`);
    if (tenant.status === 'offboarded') return tenant.backupPath ?? '';
    const server = tenant.dbServer.name;
    try {
      if (await this.admin.databaseExists(server, tenant.dbName)) {
        tenant.backupPath = await this.backup(server, tenant.dbName, tenant.slug);
        await em.flush();
      } else if (!tenant.backupPath) {
        throw new PermanentJobError(`the database of ${tenant.slug} is gone and no backup was recorded`);
      }
      await this.admin.dropDatabase(server, tenant.dbName);
      await this.admin.dropRole(server, tenant.dbRole);
      em.assign(tenant, { status: 'offboarded', offboardedAt: new Date(), lastError: null, pendingAdmin: null });
      await em.flush();
      await this.events.publish({ slug: tenant.slug, tenantId: tenant.id, kind: 'offboarded' });
      this.logger.log(`tenant ${tenant.slug} offboarded; backup ${tenant.backupPath}`);
      return tenant.backupPath!;
    } catch (error) {
      tenant.lastError = `offboarding: ${describeError(error)}`;
      await em.flush();
      if (context.final) this.logger.error(`tenant ${tenant.slug} offboarding failed: ${tenant.lastError}`);
      throw error;
    }
  }

  /** pg_dump (custom format) verified by pg_restore --list before anything is dropped. */
  private async backup(server: string, database: string, slug: string): Promise<string> {
    await mkdir(this.config.backupDir, { recursive: true, mode: 0o700 });
    const path = join(this.config.backupDir, `${slug}-${new Date().toISOString().replace(/[:.]/g, '-')}.dump`);
    const target = this.admin.adminTarget(server, database);
    const env = { ...process.env, PGPASSWORD: target.password ?? '', PGCONNECT_TIMEOUT: '10' };
    const connection = ['-h', target.host, '-p', String(target.port), '-U', target.user];
    try {
      await run(
        this.config.pgDump,
        [...connection, '-d', database, '-Fc', '--no-owner', '--no-privileges', '-f', path],
        { env, timeout: 10 * 60_000 },
      );
      await chmod(path, 0o600); // a tenant's whole data: readable by this service's user only
      const { stdout } = await run(this.config.pgRestore, ['--list', path], {
        env,
        timeout: 60_000,
        maxBuffer: 64 * 1024 * 1024,
      });
      if (!/TABLE DATA public audit_logs/.test(stdout) || (await stat(path)).size === 0)
        throw new Error('the backup does not list the expected tables');
      return path;
    } catch (error) {
      await rm(path, { force: true });
      throw new Error(`backup of ${database} failed: ${(error as Error).message.split('\n')[0]}`);
    }
  }

  private async change(
    slug: string,
    from: Tenant['status'][],
    apply: (tenant: Tenant) => void,
    kind: 'changed' | 'suspended',
    check?: (tenant: Tenant) => void,
  ): Promise<Tenant> {
    const em = this.orm.em.fork();
    const tenant = await em.findOne(Tenant, { slug }, { populate: ['dbServer'] });
    if (!tenant || tenant.status === 'offboarded') throw new NotFoundException('No such tenant.');
    if (!from.includes(tenant.status)) throw FleetErrors.invalidState(tenant.status);
    check?.(tenant);
    apply(tenant);
    await em.flush();
    await this.events.publish({ slug, tenantId: tenant.id, kind });
    return tenant;
  }
}
