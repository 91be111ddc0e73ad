import { Plan, SecretBox, Tenant } from '@app/catalog';
import { boundedShutdownStep, describeError, NotFoundException } from '@app/common';
import { APP_CONFIG, AppConfig } from '@app/config';
import {
  ForeignKeyConstraintViolationException,
  MikroORM,
  UniqueConstraintViolationException,
} from '@mikro-orm/postgresql';
import { JobQueue } from '@app/jobs';
import { CatalogEvents, CompanyAdminSeed, tenantDbName } from '@app/tenancy';
import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import { DatabaseAdmin } from './database-admin';
import { FleetErrors } from './fleet.exception';
import { Placement } from './placement';

export interface NewTenant {
  slug: string;
  name: string;
  plan?: string;
  dbServer?: string;
  /** The company admin; a promise lets its password hashing overlap the checks before the tenant is recorded. */
  admin: CompanyAdminSeed | Promise<CompanyAdminSeed>;
}

/** Registers tenants in the catalog and queues their provisioning (see TenantProvisioner). */
@Injectable()
export class TenantOnboarding implements OnApplicationShutdown {
  private readonly logger = new Logger(TenantOnboarding.name);
  private readonly running = new Map<string, Promise<unknown>>();

  constructor(
    private readonly orm: MikroORM,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly secrets: SecretBox,
    private readonly placement: Placement,
    private readonly events: CatalogEvents,
    private readonly admin: DatabaseAdmin,
    private readonly jobs: JobQueue,
  ) {}

  /** Onboardings under way finish (a retrying one may not: it is resumed at the next start). */
  async onApplicationShutdown(): Promise<void> {
    if (this.running.size === 0) return;
    await boundedShutdownStep(
      `onboardings in progress (${this.running.size})`,
      () => Promise.allSettled([...this.running.values()]),
      this.config.shutdownTimeoutMs / 2,
    );
  }

  async register(input: NewTenant, correlationId: string = randomUUID()): Promise<Tenant> {
    const em = this.orm.em.fork();
    if (await em.count(Tenant, { slug: input.slug })) throw FleetErrors.tenantExists(input.slug);
    const plan = input.plan ?? this.config.defaultPlan;
    if (!(await em.count(Plan, { code: plan }))) throw FleetErrors.unknownPlan(plan);
    const server = await this.placement.choose(em, input.dbServer);
    const dbName = tenantDbName(this.config.tenantDbPrefix, input.slug);
    // Never adopt a database or role the catalog does not know: it could belong to anyone.
    if (await this.admin.databaseOrRoleExists(server.name, dbName)) {
      throw FleetErrors.databaseExists(dbName, server.name);
    }
    const tenant = em.create(Tenant, {
      slug: input.slug,
      name: input.name,
      plan,
      status: 'provisioning',
      dbServer: server,
      dbName,
      dbRole: dbName,
      dbPasswordEnc: this.secrets.seal(randomBytes(24).toString('base64url')),
      pendingAdmin: await input.admin,
    });
    try {
      await em.flush();
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) throw FleetErrors.tenantExists(input.slug);
      // The plan went away between the check and the insert.
      if (error instanceof ForeignKeyConstraintViolationException) throw FleetErrors.unknownPlan(plan);
      throw error;
    }
    await this.events.publish({ slug: tenant.slug, tenantId: tenant.id, kind: 'changed' });
    await this.enqueue(tenant, correlationId);
    return tenant;
  }

  list(): Promise<Tenant[]> {
    return this.orm.em.fork().find(Tenant, {}, { populate: ['dbServer'], orderBy: { createdAt: 'asc' } });
  }

  async get(slug: string): Promise<Tenant> {
    const tenant = await this.orm.em.fork().findOne(Tenant, { slug }, { populate: ['dbServer'] });
    if (!tenant) throw new NotFoundException('No such tenant.');
    return tenant;
  }

  /** Queues tenants left in `provisioning` (a stopped process, a lost job); duplicates are harmless. */
  async resumeUnfinished(): Promise<number> {
    const pending = await this.orm.em.fork().find(Tenant, { status: 'provisioning' });
    for (const tenant of pending) await this.enqueue(tenant, randomUUID());
    return pending.length;
  }

  /** Queues the provisioning saga; a tenant's job id changes with its state, so a retry is a new job. */
  async enqueue(tenant: Tenant, correlationId: string): Promise<void> {
    const jobId = `provision:${tenant.id}:${tenant.updatedAt.getTime()}`;
    await this.jobs.enqueue(
      'provisioning',
      { tenant: tenant.slug, tenantId: tenant.id, correlationId, data: {} },
      { jobId, attempts: this.config.provisioning.attempts, backoffMs: this.config.provisioning.backoffMs },
    );
    if (this.running.has(jobId)) return;
    const done = this.jobs
      .wait('provisioning', jobId)
      .catch((error: unknown) =>
        this.logger.warn(`tenant ${tenant.slug}: provisioning job ended: ${describeError(error)}`),
      )
      .finally(() => this.running.delete(jobId));
    this.running.set(jobId, done);
  }

  /** Resolves when every provisioning job queued by this process has ended. */
  async idle(): Promise<void> {
    while (this.running.size) await Promise.allSettled([...this.running.values()]);
  }
}
