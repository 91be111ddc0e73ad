import type { PlanFeature } from '@app/catalog';
import { PlanBook, TenancyErrors, TenantDirectory, TenantOrmRegistry } from '@app/tenancy';
import { Injectable } from '@nestjs/common';
import { PlatformErrors } from '../platform.exception';

/** Runs a platform route's work in an active tenant's context (unknown or offboarded: 404; otherwise not active: 409). */
@Injectable()
export class TenantEntry {
  constructor(
    private readonly directory: TenantDirectory,
    private readonly registry: TenantOrmRegistry,
    private readonly plans: PlanBook,
  ) {}

  /** `feature`: the tenant's plan must have it, else 403 feature-not-in-plan. */
  async run<T>(slug: string, work: () => Promise<T>, feature?: PlanFeature): Promise<T> {
    const tenant = await this.directory.find(slug);
    if (!tenant || tenant.status === 'offboarded') throw TenancyErrors.unknown();
    if (tenant.status !== 'active') throw PlatformErrors.tenantNotActive(tenant.status);
    if (feature) await this.plans.requireFeature(tenant.plan, feature);
    return this.registry.run(tenant, work);
  }
}
