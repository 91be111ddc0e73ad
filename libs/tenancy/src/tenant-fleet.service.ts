import { Tenant } from '@app/catalog';
import { NotFoundException } from '@app/common';
import { MikroORM } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { DatabaseAdmin } from './database-admin';
import { describeFailure } from './tenant-provisioner';
import { TenantMigrator } from './tenant-migrator';

export interface MigrationResult {
  slug: string;
  ok: boolean;
  applied: string[];
  ms: number;
  error?: string;
}

/** Schema migrations across tenant databases: one tenant, or every active one with bounded concurrency. */
@Injectable()
export class TenantFleet {
  constructor(
    private readonly orm: MikroORM,
    private readonly migrator: TenantMigrator,
    private readonly admin: DatabaseAdmin,
  ) {}

  async migrateOne(slug: string): Promise<MigrationResult> {
    const tenant = await this.orm.em.fork().findOne(Tenant, { slug }, { populate: ['dbServer'] });
    if (!tenant || tenant.status === 'offboarded') throw new NotFoundException(`No tenant "${slug}".`);
    return this.migrate(tenant);
  }

  /** Migrates every active or suspended tenant; a failing tenant does not stop the others. */
  async migrateAll(concurrency: number, onResult: (result: MigrationResult) => void): Promise<MigrationResult[]> {
    const tenants = await this.orm.em.fork().find(Tenant, { status: { $in: ['active', 'suspended'] } }, { populate: ['dbServer'], orderBy: { slug: 'asc' } });
    const results: MigrationResult[] = [];
    let next = 0;
    const lane = async () => {
      while (next < tenants.length) {
        const result = await this.migrate(tenants[next++]);
        results.push(result);
        onResult(result);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, tenants.length)) }, lane));
    return results;
  }

  private async migrate(tenant: Tenant): Promise<MigrationResult> {
    const started = Date.now();
    try {
      const applied = await this.migrator.migrate(tenant.dbServer.name, tenant.dbName);
      await this.admin.grantRuntimePrivileges(tenant.dbServer.name, tenant.dbName, tenant.dbRole);
      return { slug: tenant.slug, ok: true, applied, ms: Date.now() - started };
    } catch (error) {
      return { slug: tenant.slug, ok: false, applied: [], ms: Date.now() - started, error: describeFailure(error) };
    }
  }
}
