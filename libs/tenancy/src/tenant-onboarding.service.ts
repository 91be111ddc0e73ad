import { SecretBox, Tenant } from '@app/catalog';
import { ConflictException, NotFoundException } from '@app/common';
import { APP_CONFIG, AppConfig } from '@app/config';
import { MikroORM, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { DatabaseAdmin } from './database-admin';
import { Placement } from './placement';
import { TenantDirectory } from './tenant-directory.service';
import { TenantProvisioner } from './tenant-provisioner';
import { CompanyAdminSeed } from './tenant-schema';
import { tenantDbName } from './tenant-slug';

export interface NewTenant {
  slug: string;
  name: string;
  plan?: string;
  dbServer?: string;
  admin: CompanyAdminSeed;
}

/**
 * Registers tenants in the catalog and provisions them in the background of this process.
 * (Issue 5 moves the background work onto Bull; the provisioner stays the same.)
 */
@Injectable()
export class TenantOnboarding implements OnApplicationShutdown {
  private readonly logger = new Logger(TenantOnboarding.name);
  private readonly running = new Map<string, Promise<unknown>>();

  constructor(
    private readonly orm: MikroORM,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly secrets: SecretBox,
    private readonly placement: Placement,
    private readonly provisioner: TenantProvisioner,
    private readonly directory: TenantDirectory,
    private readonly admin: DatabaseAdmin,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.running.values()]);
  }

  async register(input: NewTenant): Promise<Tenant> {
    const em = this.orm.em.fork();
    if (await em.count(Tenant, { slug: input.slug })) throw duplicate(input.slug);
    const server = await this.placement.choose(em, input.dbServer);
    const dbName = tenantDbName(this.config.tenantDbPrefix, input.slug);
    // Never adopt a database or role the catalog does not know: it could belong to anyone.
    if ((await this.admin.databaseExists(server.name, dbName)) || (await this.admin.roleExists(server.name, dbName))) {
      throw new ConflictException(`A database or role named "${dbName}" already exists on server "${server.name}".`, 'tenant-db-exists');
    }
    const tenant = em.create(Tenant, {
      slug: input.slug,
      name: input.name,
      plan: input.plan ?? 'standard',
      status: 'provisioning',
      dbServer: server,
      dbName,
      dbRole: dbName,
      dbPasswordEnc: this.secrets.seal(randomBytes(24).toString('base64url')),
      pendingAdmin: input.admin,
    });
    try {
      await em.flush();
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) throw duplicate(input.slug);
      throw error;
    }
    await this.directory.invalidate(input.slug);
    this.startProvisioning(input.slug);
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

  /** Picks up tenants a stopped process left in `provisioning`. */
  async resumeUnfinished(): Promise<number> {
    const pending = await this.orm.em.fork().find(Tenant, { status: 'provisioning' }, { fields: ['slug'] });
    for (const tenant of pending) this.startProvisioning(tenant.slug);
    return pending.length;
  }

  /** Resolves when every provisioning started by this process has ended. */
  async idle(): Promise<void> {
    while (this.running.size) await Promise.allSettled([...this.running.values()]);
  }

  private startProvisioning(slug: string): void {
    if (this.running.has(slug)) return;
    const run = this.provisioner
      .provision(slug)
      .catch((error: unknown) => this.logger.error(`tenant ${slug}: provisioning stopped: ${(error as Error).message}`))
      .finally(() => this.running.delete(slug));
    this.running.set(slug, run);
  }
}

function duplicate(slug: string): ConflictException {
  return new ConflictException(`A tenant with the slug "${slug}" already exists.`, 'tenant-exists');
}
