import { CATALOG_URL, parsePostgresUrl, SecretBox, Tenant, withClient } from '@app/catalog';
import { MikroORM } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { DatabaseAdmin } from './database-admin';
import { TemplateDatabases } from './template-databases';
import { TenantDirectory } from './tenant-directory.service';
import { TenantMigrator } from './tenant-migrator';

export type ProvisionOutcome = 'active' | 'failed' | 'skipped';

/** Keeps what reaches the catalog's `last_error` (and the platform API) short and free of secrets. */
export function describeFailure(error: unknown): string {
  const e = error as { code?: string; message?: string };
  const message = (e.message ?? String(error)).replace(/PASSWORD\s+'[^']*'/gi, "PASSWORD '…'").split('\n')[0];
  return (e.code ? `${e.code}: ` : '') + message.slice(0, 500);
}

/**
 * Brings a tenant from `provisioning` to `active`: its role, its database cloned from the
 * migrated template, CONNECT for its role alone, migrations, runtime grants, the company
 * admin. Every step is idempotent, so running it again finishes what a crash left.
 */
@Injectable()
export class TenantProvisioner {
  private readonly logger = new Logger(TenantProvisioner.name);

  constructor(
    private readonly orm: MikroORM,
    @Inject(CATALOG_URL) private readonly catalogUrl: string,
    private readonly secrets: SecretBox,
    private readonly admin: DatabaseAdmin,
    private readonly templates: TemplateDatabases,
    private readonly migrator: TenantMigrator,
    private readonly directory: TenantDirectory,
  ) {}

  async provision(slug: string): Promise<ProvisionOutcome> {
    // One provisioner per tenant across every process: a session advisory lock on the catalog.
    return withClient(parsePostgresUrl(this.catalogUrl), async (lock) => {
      const got = await lock.query<{ ok: boolean }>("select pg_try_advisory_lock(hashtext('provision:' || $1)) as ok", [slug]);
      if (!got.rows[0]?.ok) return 'skipped';
      try {
        return await this.provisionLocked(slug);
      } finally {
        await lock.query("select pg_advisory_unlock(hashtext('provision:' || $1))", [slug]);
      }
    });
  }

  private async provisionLocked(slug: string): Promise<ProvisionOutcome> {
    const em = this.orm.em.fork();
    const tenant = await em.findOne(Tenant, { slug }, { populate: ['dbServer'] });
    if (!tenant || tenant.status !== 'provisioning') return 'skipped';
    const started = Date.now();
    const server = tenant.dbServer.name;
    const steps: string[] = [];
    const step = async (name: string, work: () => Promise<unknown>) => {
      const t0 = Date.now();
      await work();
      steps.push(`${name} ${Date.now() - t0}`);
    };
    try {
      await step('role', () => this.admin.ensureRole(server, tenant.dbRole, this.secrets.open(tenant.dbPasswordEnc)));
      await step('database', () => this.templates.cloneInto(server, tenant.dbName, tenant.dbRole));
      await step('migrations', () => this.migrator.migrate(server, tenant.dbName, tenant.pendingAdmin ?? undefined));
      await step('grants', () => this.admin.grantRuntimePrivileges(server, tenant.dbName, tenant.dbRole));
      em.assign(tenant, { status: 'active', activatedAt: new Date(), pendingAdmin: null, lastError: null });
      await step('active', () => em.flush());
      this.logger.log(`tenant ${slug} active on ${server} in ${Date.now() - started} ms (${steps.join(', ')} ms)`);
      return 'active';
    } catch (error) {
      const reason = describeFailure(error);
      this.logger.error(`tenant ${slug} provisioning failed: ${reason}`);
      em.assign(tenant, { status: 'failed', lastError: reason });
      await em.flush();
      return 'failed';
    } finally {
      await this.directory.invalidate(slug);
    }
  }
}
