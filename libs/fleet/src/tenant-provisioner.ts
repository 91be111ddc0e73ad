import { describeError } from '@app/common';
import { CATALOG_URL, parsePostgresUrl, ProvisioningStep, SecretBox, Tenant, withClient } from '@app/catalog';
import { JobContext, JobEnvelope, JobQueue, PermanentJobError } from '@app/jobs';
import { CatalogEvents } from '@app/tenancy';
import { MikroORM } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { DatabaseAdmin } from './database-admin';
import { TemplateDatabases } from './template-databases';
import { TenantMigrator } from './tenant-migrator';

export type ProvisionOutcome = 'active' | 'failed' | 'retrying' | 'skipped';

/**
 * The provisioning saga, run as a job: role → database cloned from the template (CONNECT for
 * that role only) → migrations → runtime grants → company admin → active. Each step is
 * idempotent and recorded in the catalog; a failed attempt is retried with backoff, the last
 * one leaves the tenant `failed` with the reason. A worker killed mid-way leaves the job to the
 * next worker, which finishes the same steps — nothing orphaned.
 */
@Injectable()
export class TenantProvisioner {
  private readonly logger = new Logger(TenantProvisioner.name);
  private readonly activated: ((seconds: number) => void)[] = [];

  constructor(
    private readonly orm: MikroORM,
    @Inject(CATALOG_URL) private readonly catalogUrl: string,
    private readonly secrets: SecretBox,
    private readonly admin: DatabaseAdmin,
    private readonly templates: TemplateDatabases,
    private readonly migrator: TenantMigrator,
    private readonly events: CatalogEvents,
    private readonly jobs: JobQueue,
  ) {}

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
    return withClient(parsePostgresUrl(this.catalogUrl), async (lock) => {
      const got = await lock.query<{ ok: boolean }>("select pg_try_advisory_lock(hashtext('provision:' || $1)) as ok", [
        slug,
      ]);
      if (!got.rows[0]?.ok) return 'skipped';
      try {
        return await this.provisionLocked(slug, context.final);
      } finally {
        await lock.query("select pg_advisory_unlock(hashtext('provision:' || $1))", [slug]);
      }
    });
  }

  private async provisionLocked(slug: string, final: boolean): Promise<ProvisionOutcome> {
    const em = this.orm.em.fork();
    const tenant = await em.findOne(Tenant, { slug }, { populate: ['dbServer'] });
    if (!tenant || tenant.status !== 'provisioning') return 'skipped';
    const started = Date.now();
    const server = tenant.dbServer.name;
    tenant.attempts++;
    await em.flush();
    const step = async (name: string, work: () => Promise<unknown>) => {
      const t0 = Date.now();
      await work();
      const record: ProvisioningStep = { step: name, at: new Date().toISOString(), ms: Date.now() - t0 };
      tenant.steps = [...tenant.steps.filter((s) => s.step !== name), record];
      await em.flush();
    };
    try {
      await step('role', () => this.admin.ensureRole(server, tenant.dbRole, this.secrets.open(tenant.dbPasswordEnc)));
      await step('database', () => this.templates.cloneInto(server, tenant.dbName, tenant.dbRole));
      await step('migrations', () => this.migrator.migrate(server, tenant.dbName));
      await step('grants', () => this.admin.grantRuntimePrivileges(server, tenant.dbName, tenant.dbRole));
      await step('company-admin', () => this.migrator.seed(server, tenant.dbName, tenant.pendingAdmin ?? undefined));
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
