import { APP_CONFIG, AppConfig } from '@app/config';
import { Inject, Injectable } from '@nestjs/common';
import { ResolvedTenant } from './resolved-tenant';
import { TenancyErrors } from './tenancy.exception';
import { TenantDirectory } from './tenant-directory.service';
import { TENANT_SCHEMA, TenantSchema } from './tenant-schema';
import { isTenantSlug } from './tenant-slug';

export interface TenantHints {
  /** X-Tenant-ID header. */
  header?: string | string[];
  /** Host header (sub-domain of APP_BASE_DOMAIN). */
  host?: string;
  /** `tid` claim of a verified access token. */
  tokenTenant?: string;
}

/** Reads the slug the request names (header, else sub-domain); a malformed one is a 400 before any lookup. */
export function requestedSlug(hints: Pick<TenantHints, 'header' | 'host'>, baseDomain: string): string | undefined {
  const header = Array.isArray(hints.header) ? hints.header[0] : hints.header;
  if (header !== undefined) {
    const slug = header.trim();
    if (!isTenantSlug(slug)) throw TenancyErrors.badSlug();
    return slug;
  }
  const host = hints.host?.toLowerCase().replace(/:\d+$/, '');
  const suffix = `.${baseDomain}`;
  if (!host || !host.endsWith(suffix)) return undefined;
  const label = host.slice(0, -suffix.length);
  if (!isTenantSlug(label)) throw TenancyErrors.badSlug();
  return label;
}

/** Decides which tenant a request is for and whether it may be served. */
@Injectable()
export class TenantResolver {
  private readonly schemaVersion: string;

  constructor(
    private readonly directory: TenantDirectory,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(TENANT_SCHEMA) schema: TenantSchema,
  ) {
    this.schemaVersion = latestMigration(schema);
  }

  /** Returns the tenant, or undefined when the request names none. */
  async resolve(hints: TenantHints): Promise<ResolvedTenant | undefined> {
    return this.resolveNow(hints);
  }

  /**
   * `resolve`, synchronous when the directory holds the tenant in memory (nearly every
   * request): a refusal is then thrown, not rejected. A promise only when the catalog is read.
   */
  resolveNow(hints: TenantHints): ResolvedTenant | undefined | Promise<ResolvedTenant> {
    const named = requestedSlug(hints, this.config.baseDomain);
    if (hints.tokenTenant !== undefined && !isTenantSlug(hints.tokenTenant)) throw TenancyErrors.mismatch();
    if (named && hints.tokenTenant && named !== hints.tokenTenant) throw TenancyErrors.mismatch();
    const slug = named ?? hints.tokenTenant;
    if (!slug) return undefined;
    const known = this.directory.peek(slug);
    if (known !== undefined) return this.servable(known);
    return this.directory.find(slug).then((tenant) => this.servable(tenant));
  }

  private servable(tenant: ResolvedTenant | null): ResolvedTenant {
    if (!tenant) throw TenancyErrors.unknown();
    assertServable(tenant, this.schemaVersion);
    return tenant;
  }
}

/** The schema version this code needs: the name of its newest tenant migration. */
export function latestMigration(schema: Pick<TenantSchema, 'migrations'>): string {
  return (
    schema.migrations
      .map((m) => m.name)
      .sort()
      .at(-1) ?? ''
  );
}

/** Refuses a tenant that is not active, or whose database is behind the code's schema (never served against the wrong schema). */
export function assertServable(tenant: ResolvedTenant, requiredVersion = ''): void {
  switch (tenant.status) {
    case 'active':
      if ((tenant.schemaVersion ?? '') < requiredVersion) throw TenancyErrors.migrating();
      return;
    case 'suspended':
      throw TenancyErrors.suspended();
    case 'provisioning':
      throw TenancyErrors.provisioning();
    case 'failed':
      throw TenancyErrors.failed();
    case 'offboarded': // answered as if it never existed
    default:
      throw TenancyErrors.unknown();
  }
}
