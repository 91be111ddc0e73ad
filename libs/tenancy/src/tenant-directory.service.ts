import { describeError } from '@app/common';
import { Tenant } from '@app/catalog';
import { MikroORM } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import { CatalogEvents } from './catalog-events';
import { ResolvedTenant } from './resolved-tenant';
import { TenancyErrors } from './tenancy.exception';

const FOUND_TTL_MS = 30_000;
const MISSING_TTL_MS = 5_000;
/** Slugs kept at most; past it the oldest entry goes (unknown slugs probed by a client must not grow it without bound). */
const MAX_ENTRIES = 10_000;

/** A looked-up slug: its tenant, or null when the catalog has none (or only an offboarded one). */
interface CachedEntry {
  tenant: ResolvedTenant | null;
  expiresAt: number;
}

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
    writesFrozen: tenant.writesFrozen,
    plan: tenant.plan,
  };
}

/**
 * Looks tenants up in the catalog through an in-process cache; every catalog change calls
 * `invalidate`. A plain map, read synchronously: a hit (nearly every request) costs no promise.
 */
@Injectable()
export class TenantDirectory {
  private readonly logger = new Logger(TenantDirectory.name);
  private readonly cache = new Map<string, CachedEntry>();
  /** Bumped by every invalidation: a lookup that read the catalog before one does not cache what it read. */
  private generation = 0;

  constructor(
    private readonly orm: MikroORM,
    events: CatalogEvents,
  ) {
    events.on((change) => this.invalidate(change.slug));
  }

  /** The cached answer for `slug` (null: no such tenant), or undefined when it must be read from the catalog. */
  peek(slug: string, now = Date.now()): ResolvedTenant | null | undefined {
    const entry = this.cache.get(slug);
    if (!entry) return undefined;
    if (entry.expiresAt > now) return entry.tenant;
    this.cache.delete(slug);
    return undefined;
  }

  async find(slug: string): Promise<ResolvedTenant | null> {
    const cached = this.peek(slug);
    if (cached !== undefined) return cached;
    const generation = this.generation;
    let tenant: Tenant | null;
    try {
      tenant = await this.orm.em.fork().findOne(Tenant, { slug }, { populate: ['dbServer'] });
    } catch (error) {
      this.logger.error(`catalog lookup failed: ${describeError(error)}`);
      throw TenancyErrors.catalogUnavailable();
    }
    const resolved = tenant && tenant.status !== 'offboarded' ? toResolvedTenant(tenant) : null;
    if (generation === this.generation) {
      if (this.cache.size >= MAX_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(slug, { tenant: resolved, expiresAt: Date.now() + (resolved ? FOUND_TTL_MS : MISSING_TTL_MS) });
    }
    return resolved;
  }

  invalidate(slug: string): Promise<void> {
    this.generation++;
    this.cache.delete(slug);
    return Promise.resolve();
  }
}
