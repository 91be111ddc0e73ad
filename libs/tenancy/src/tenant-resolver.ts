import { APP_CONFIG, AppConfig } from '@app/config';
import { Inject, Injectable } from '@nestjs/common';
import { ResolvedTenant } from './resolved-tenant';
import { TenancyErrors } from './tenancy.exception';
import { TenantDirectory } from './tenant-directory.service';
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
  constructor(
    private readonly directory: TenantDirectory,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Returns the tenant, or undefined when the request names none. */
  async resolve(hints: TenantHints): Promise<ResolvedTenant | undefined> {
    const named = requestedSlug(hints, this.config.baseDomain);
    if (hints.tokenTenant !== undefined && !isTenantSlug(hints.tokenTenant)) throw TenancyErrors.mismatch();
    if (named && hints.tokenTenant && named !== hints.tokenTenant) throw TenancyErrors.mismatch();
    const slug = named ?? hints.tokenTenant;
    if (!slug) return undefined;
    const tenant = await this.directory.find(slug);
    if (!tenant) throw TenancyErrors.unknown();
    assertServable(tenant);
    return tenant;
  }
}

export function assertServable(tenant: ResolvedTenant): void {
  switch (tenant.status) {
    case 'active':
      return;
    case 'suspended':
      throw TenancyErrors.suspended();
    case 'provisioning':
      throw TenancyErrors.provisioning();
    case 'failed':
      throw TenancyErrors.failed();
    default:
      throw TenancyErrors.unknown();
  }
}
