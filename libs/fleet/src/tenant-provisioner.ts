import { describeError } from '@app/common';
import {
  CATALOG_URL,
  clientConfig,
  parsePostgresUrl,
  ProvisioningStep,
  SecretBox,
  sturdyPool,
  Tenant,
} from '@app/catalog';
import { JobContext, JobEnvelope, JobQueue, PermanentJobError } from '@app/jobs';
import { CatalogEvents } from '@app/tenancy';
import { MikroORM } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'pg';
import { DatabaseAdmin } from './database-admin';
import { SpareDatabases } from './spare-databases';
import { TemplateDatabases } from './template-databases';
import { TenantMigrator } from './tenant-migrator';

export type ProvisionOutcome = 'active' | 'failed' | 'retrying' | 'skipped';

/**
 * The provisioning saga, run as a job: database and role (a spare renamed to the tenant's, which
 * brings its schema, privileges and settings) → company admin → active; without a spare: role →
 * database (cloned from the template; CONNECT for that role only) → migrations → runtime grants →
 * company admin → active. Each step is
 * idempotent and recorded in the catalog; a failed attempt is retried with backoff, the last
 * one leaves the tenant `failed` with the reason. A worker killed mid-way leaves the job to the
 * next worker, which finishes the same steps — nothing orphaned.
 */
@Injectable()
export class TenantProvisioner implements OnApplicationShutdown {
  private readonly logger = new Logger(TenantProvisioner.name);
  private readonly activated: ((seconds: number) => void)[] = [];
  /**
   * Catalog sessions that hold a saga's advisory lock, kept between sagas: a sign-up does not
   * wait for a new connection (and its sign-in) before its first step.
   */
  private readonly lockSessions: Pool;

  constructor(
    private readonly orm: MikroORM,
    @Inject(CATALOG_URL) private readonly catalogUrl: string,
    private readonly secrets: SecretBox,
    private readonly admin: DatabaseAdmin,
    private readonly templates: TemplateDatabases,
    private readonly spares: SpareDatabases,
    private readonly migrator: TenantMigrator,
    private readonly events: CatalogEvents,
    private readonly jobs: JobQueue,
  ) {
    // A session lost while held (the catalog restarted or dropped) fails the unlock, never the process.
    this.lockSessions = sturdyPool({
      ...clientConfig(parsePostgresUrl(catalogUrl)),
      max: 8,
      idleTimeoutMillis: 10_000,
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.lockSessions.end();
  }

  /** Called with the time from registration to `active` of each tenant this process onboards. */
  onActivated(listener: (seconds: number) => void): void {
    this.activated.push(listener);
  }

  /** One provisioning job (ProvisioningProcessor): fails closed unless the payload names a tenant of the catalog, by slug and id. */
  async run(job: JobEnvelope, context: JobContext): Promise<ProvisionOutcome> {
    const tenant = await this.orm.em.fork().findOne(Tenant, { slug: job.tenant });
    if (!tenant || tenant.id !== job.tenantId)
      throw new PermanentJobError(`job for an unknown or mismatched tenant ${job.tenant}`);
    return this.provision(job.tenant, context);
  }

  async provision(slug: string, context: Pick<JobContext, 'final'> = { final: true }): Promise<ProvisionOutcome> {
    // One provisioner per tenant across every process: a session advisory lock on the catalog.
    const lock = await this.lockSessions.connect();
    // Reused only when the lock is known to be released: else the session is closed, never lent on holding it.
    let released = false;
    try {
      const got = await lock.query<{ ok: boolean }>("select pg_try_advisory_lock(hashtext('provision:' || $1)) as ok", [
        slug,
      ]);
      if (!got.rows[0]?.ok) {
        released = true;
        return 'skipped';
      }
      try {
        return await this.provisionLocked(slug, context.final);
      } finally {
        await lock.query("select pg_advisory_unlock(hashtext('provision:' || $1))", [slug]);
        released = true;
      }
    } finally {
      lock.release(released ? undefined : new Error('advisory lock state unknown'));
    }
  }

  private async provisionLocked(slug: string, final: boolean): Promise<ProvisionOutcome> {
    const em = this.orm.em.fork();
    const tenant = await em.findOne(Tenant, { slug }, { populate: ['dbServer'] });
    if (!tenant || tenant.status !== 'provisioning') return 'skipped';
    const started = Date.now();
    const server = tenant.dbServer.name;
    tenant.attempts++;
    await em.flush();
    // A step's record is written as it ends, so a slow onboarding shows its progress; `quiet` steps
    // (a spare's, done in milliseconds) are written once, with the end of the saga or its failure.
    const record = async (name: string, since: number, quiet = false) => {
      const entry: ProvisioningStep = { step: name, at: new Date().toISOString(), ms: Date.now() - since };
      tenant.steps = [...tenant.steps.filter((s) => s.step !== name), entry];
      if (!quiet) await em.flush();
    };
    const step = async (name: string, work: () => Promise<unknown>, quiet = false) => {
      const since = Date.now();
      await work();
      await record(name, since, quiet);
    };
    try {
      const password = this.secrets.open(tenant.dbPasswordEnc);
      // A spare when one is ready: its database and role renamed to the tenant's, privileges and
      // settings already in place. Else the role, then a clone of the template.
      const claimed = Date.now();
      const spareVersion = await this.spares.claimInto(server, { ...tenant, dbPassword: password });
      const fromSpare = spareVersion !== null;
      if (fromSpare) await record('database', claimed, true);
      else {
        await step('role', () => this.admin.ensureRole(server, tenant.dbRole, password));
        await step('database', () => this.templates.cloneInto(server, tenant.dbName, tenant.dbRole));
      }
      // The next steps share one admin connection to the new database.
      await this.migrator.session(server, tenant.dbName, async (db) => {
        // A spare made at this code's newest migration has nothing to apply, and its grants are made.
        if (spareVersion !== this.migrator.latestVersion()) {
          await step('migrations', () => db.migrate(), fromSpare);
          await step(
            'grants',
            () => db.transaction((run) => this.admin.grantRuntimePrivilegesWith(run, tenant.dbRole)),
            fromSpare,
          );
        }
        await step('company-admin', () => db.seed(tenant.pendingAdmin ?? undefined), fromSpare);
      });
      // The last step and its record land in one write: whoever sees `active` sees every step.
      const activeStep: ProvisioningStep = { step: 'active', at: new Date().toISOString(), ms: 0 };
      em.assign(tenant, {
        status: 'active',
        activatedAt: new Date(),
        pendingAdmin: null,
        lastError: null,
        schemaVersion: this.migrator.latestVersion(),
        steps: [...tenant.steps.filter((s) => s.step !== 'active'), activeStep],
      });
      await em.flush();
      this.logger.log(
        `tenant ${slug} active on ${server} in ${Date.now() - started} ms (${tenant.steps.map((s) => `${s.step} ${s.ms}`).join(', ')} ms)`,
      );
      const sinceRegistration = (Date.now() - tenant.createdAt.getTime()) / 1000;
      for (const listener of this.activated) listener(sinceRegistration);
      return 'active';
    } catch (error) {
      // What reaches the catalog's `last_error` (and GET /platform/tenants/:slug) holds no values.
      const reason = describeError(error);
      this.logger.error(`tenant ${slug} provisioning attempt ${tenant.attempts} failed: ${reason}`);
      em.assign(tenant, { lastError: reason, ...(final && { status: 'failed' as const }) });
      await em.flush();
      if (!final) throw error; // the queue retries with backoff
      return 'failed';
    } finally {
      await this.events.publish({ slug, tenantId: tenant.id, kind: 'changed' });
    }
  }
}
