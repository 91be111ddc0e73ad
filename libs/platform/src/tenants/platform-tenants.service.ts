import { PasswordHasher } from '@app/auth';
import { normalizeEmail } from '@app/common';
import { TenantLifecycle, TenantOnboarding } from '@app/fleet';
import { Injectable } from '@nestjs/common';
import { CreateTenantDto } from './dto/create-tenant.dto';
import { TenantView, toTenantView } from './tenant.view';

@Injectable()
export class PlatformTenantsService {
  constructor(
    private readonly onboarding: TenantOnboarding,
    private readonly lifecycle: TenantLifecycle,
    private readonly hasher: PasswordHasher,
  ) {}

  async create(dto: CreateTenantDto, correlationId?: string): Promise<TenantView> {
    // Only the hash is kept (until the company admin exists); the password itself is never stored.
    const passwordHash = await this.hasher.hash(dto.adminPassword);
    const tenant = await this.onboarding.register(
      {
        slug: dto.slug,
        name: dto.name,
        plan: dto.plan,
        dbServer: dto.dbServer,
        admin: { email: normalizeEmail(dto.adminEmail), name: dto.adminName, passwordHash },
      },
      correlationId,
    );
    return toTenantView(tenant);
  }

  async list(): Promise<{ data: TenantView[] }> {
    return { data: (await this.onboarding.list()).map(toTenantView) };
  }

  async get(slug: string): Promise<TenantView> {
    return toTenantView(await this.onboarding.get(slug));
  }

  async suspend(slug: string): Promise<TenantView> {
    return toTenantView(await this.lifecycle.suspend(slug));
  }

  async resume(slug: string): Promise<TenantView> {
    return toTenantView(await this.lifecycle.resume(slug));
  }

  async retry(slug: string, correlationId?: string): Promise<TenantView> {
    return toTenantView(await this.lifecycle.retry(slug, correlationId));
  }

  async offboard(slug: string, correlationId?: string): Promise<TenantView> {
    return toTenantView(await this.lifecycle.offboard(slug, correlationId));
  }
}
