import { PasswordHasher } from '@app/auth';
import { Tenant } from '@app/catalog';
import { escapeLike, normalizeEmail, Page, pageOf, pageWindow, parseSort } from '@app/common';
import { TenantLifecycle, TenantOnboarding } from '@app/fleet';
import { FilterQuery, MikroORM } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { CreateTenantDto } from './dto/create-tenant.dto';
import { ListTenantsQuery } from './dto/list-tenants.query';
import { TenantView, toTenantView } from './tenant.view';

@Injectable()
export class PlatformTenantsService {
  constructor(
    private readonly onboarding: TenantOnboarding,
    private readonly lifecycle: TenantLifecycle,
    private readonly hasher: PasswordHasher,
    private readonly orm: MikroORM,
  ) {}

  async create(dto: CreateTenantDto, correlationId?: string): Promise<TenantView> {
    // Only the hash is kept (until the company admin exists); the password itself is never stored.
    // Hashing (tens of milliseconds, off the event loop) runs while the catalog and server are checked.
    const admin = this.hasher
      .hash(dto.adminPassword)
      .then((passwordHash) => ({ email: normalizeEmail(dto.adminEmail), name: dto.adminName, passwordHash }));
    // A check that refuses first leaves the hash unawaited: its outcome is dropped, never an unhandled rejection.
    admin.catch(() => undefined);
    const tenant = await this.onboarding.register(
      { slug: dto.slug, name: dto.name, plan: dto.plan, dbServer: dto.dbServer, admin },
      correlationId,
    );
    return toTenantView(tenant);
  }

  /** The catalog's tenants, newest first unless `sort` says otherwise; each filter narrows (indexed columns). */
  async list(query: ListTenantsQuery): Promise<Page<TenantView>> {
    const sort = parseSort(query.sort, { field: 'createdAt', direction: 'desc' });
    const where: FilterQuery<Tenant> = {};
    if (query.status) where.status = query.status;
    if (query.server) where.dbServer = { name: query.server };
    if (query.plan) where.plan = query.plan;
    if (query.schemaVersion) where.schemaVersion = query.schemaVersion === 'none' ? null : query.schemaVersion;
    if (query.q) {
      const like = `%${escapeLike(query.q)}%`;
      where.$or = [{ slug: { $ilike: like } }, { name: { $ilike: like } }];
    }
    const found = await this.orm.em.fork().findAndCount(Tenant, where, {
      populate: ['dbServer'],
      orderBy: [{ [sort.field]: sort.direction }, { id: 'asc' }],
      ...pageWindow(query),
    });
    return pageOf(query, found, toTenantView);
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
