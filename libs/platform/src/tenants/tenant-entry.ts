import { TenancyErrors, TenantDirectory, TenantOrmRegistry } from '@app/tenancy';
import { Injectable } from '@nestjs/common';
import { PlatformErrors } from '../platform.exception';

/** Runs a platform route's work in an active tenant's context (unknown or offboarded: 404; otherwise not active: 409). */
@Injectable()
export class TenantEntry {
  constructor(
    private readonly directory: TenantDirectory,
    private readonly registry: TenantOrmRegistry,
  ) {}

  async run<T>(slug: string, work: () => Promise<T>): Promise<T> {
    const tenant = await this.directory.find(slug);
    if (!tenant || tenant.status === 'offboarded') throw TenancyErrors.unknown();
    if (tenant.status !== 'active') throw PlatformErrors.tenantNotActive(tenant.status);
    return this.registry.run(tenant, work);
  }
}
