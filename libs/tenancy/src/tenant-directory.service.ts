import { describeError } from '@app/common';
import { Tenant } from '@app/catalog';
import { MikroORM } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import { Cache, createCache } from 'cache-manager';
import { CatalogEvents } from './catalog-events';
import { ResolvedTenant } from './resolved-tenant';
import { TenancyErrors } from './tenancy.exception';

const FOUND_TTL_MS = 30_000;
const MISSING_TTL_MS = 5_000;

type CachedEntry = { tenant: ResolvedTenant } | { missing: true };

export function toResolvedTenant(tenant: Tenant): ResolvedTenant {
  return {
    id: tenant.id,
    slug: tenant.slug,
    name: tenant.name,
    status: tenant.status,
    dbServer: tenant.dbServer.name,
    dbName: tenant.dbName,
    dbRole: tenant.dbRole,
    dbPasswordEnc: tenant.dbPasswordEnc,
    schemaVersion: tenant.schemaVersion ?? null,
  };
}

/** Looks tenants up in the catalog through a cache; every catalog change calls `invalidate`. */
@Injectable()
export class TenantDirectory {
  private readonly logger = new Logger(TenantDirectory.name);
  private readonly cache: Cache = createCache({ ttl: FOUND_TTL_MS });

  constructor(
    private readonly orm: MikroORM,
    events: CatalogEvents,
  ) {
    events.on((change) => this.invalidate(change.slug));
  }

  async find(slug: string): Promise<ResolvedTenant | null> {
    const key = `tenant:${slug}`;
    const cached = await this.cache.get<CachedEntry>(key);
    if (cached) return 'tenant' in cached ? cached.tenant : null;
    let tenant: Tenant | null;
    try {
      tenant = await this.orm.em.fork().findOne(Tenant, { slug }, { populate: ['dbServer'] });
    } catch (error) {
      this.logger.error(`catalog lookup failed: ${describeError(error)}`);
      throw TenancyErrors.catalogUnavailable();
    }
    const resolved = tenant && tenant.status !== 'offboarded' ? toResolvedTenant(tenant) : null;
    await this.cache.set<CachedEntry>(
      key,
      resolved ? { tenant: resolved } : { missing: true },
      resolved ? FOUND_TTL_MS : MISSING_TTL_MS,
    );
    return resolved;
  }

  async invalidate(slug: string): Promise<void> {
    await this.cache.del(`tenant:${slug}`);
  }
}
