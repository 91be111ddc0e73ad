import { EntityRepository } from '@mikro-orm/postgresql';
import type { Tenant } from './tenant.entity';

export class TenantRepository extends EntityRepository<Tenant> {
  findBySlug(slug: string): Promise<Tenant | null> {
    return this.findOne({ slug }, { populate: ['dbServer'] });
  }

  /** Tenants holding a database on each server (offboarded ones hold none). */
  async countByServer(): Promise<Map<string, number>> {
    const rows: { db_server: string; count: string }[] = await this.getEntityManager()
      .getConnection()
      .execute(`select db_server, count(*) as count from tenants where status <> 'offboarded' group by db_server`);
    return new Map(rows.map((row) => [row.db_server, Number(row.count)]));
  }
}
