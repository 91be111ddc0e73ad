import { PasswordHasher } from '@app/auth';
import { TenantOnboarding } from '@app/tenancy';
import { Injectable } from '@nestjs/common';
import { CreateTenantDto } from './dto/create-tenant.dto';
import { TenantView, toTenantView } from './tenant.view';

@Injectable()
export class PlatformTenantsService {
  constructor(
    private readonly onboarding: TenantOnboarding,
    private readonly hasher: PasswordHasher,
  ) {}

  async create(dto: CreateTenantDto): Promise<TenantView> {
    // Only the hash is kept (until the company admin exists); the password itself is never stored.
    const passwordHash = await this.hasher.hash(dto.adminPassword);
    const tenant = await this.onboarding.register({
      slug: dto.slug,
      name: dto.name,
      plan: dto.plan,
      dbServer: dto.dbServer,
      admin: { email: dto.adminEmail.toLowerCase(), name: dto.adminName, passwordHash },
    });
    return toTenantView(tenant);
  }

  async list(): Promise<{ data: TenantView[] }> {
    return { data: (await this.onboarding.list()).map(toTenantView) };
  }

  async get(slug: string): Promise<TenantView> {
    return toTenantView(await this.onboarding.get(slug));
  }
}
