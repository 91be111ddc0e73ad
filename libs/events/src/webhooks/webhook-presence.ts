import { ResolvedTenant, TenantContext, TenantOrmRegistry } from '@app/tenancy';
import { Injectable } from '@nestjs/common';

/** How long this process trusts what it read about a tenant's endpoints (another instance's change shows within it). */
export const PRESENCE_TTL_MS = 5_000;

/**
 * Whether a tenant has an active webhook endpoint, read at most every PRESENCE_TTL_MS per tenant
 * and at once after a change made here. A commit's relay is skipped for a tenant without one: most
 * tenants have none, and relaying for them would cost a transaction (and a tenant pool
 * connection) per burst of commits. The sweeps relay every tenant regardless, so the cursor and
 * the 30-day pruning move on, and an endpoint created elsewhere is served within the TTL.
 */
@Injectable()
export class WebhookPresence {
  private readonly known = new Map<string, { has: boolean; at: number }>();

  constructor(
    private readonly registry: TenantOrmRegistry,
    private readonly tenancy: TenantContext,
  ) {}

  async has(tenant: ResolvedTenant): Promise<boolean> {
    const seen = this.known.get(tenant.id);
    if (seen && Date.now() - seen.at < PRESENCE_TTL_MS) return seen.has;
    const has = await this.registry.run(tenant, async () => {
      const [row] = await this.tenancy.rootEm
        .getConnection()
        .execute<{ has: boolean }[]>('select exists (select 1 from webhook_endpoints where active) as has');
      return row?.has === true;
    });
    this.known.set(tenant.id, { has, at: Date.now() });
    return has;
  }

  /**
   * What this process last read, however long ago, without asking the database: the sweep of recent
   * tenants relays only those last seen with an endpoint, so it never keeps an endpoint-less
   * tenant's pool (and its PgBouncer server connection) open.
   */
  lastKnown(tenantId: string): boolean {
    return this.known.get(tenantId)?.has === true;
  }

  /** After an endpoint of the tenant was created, changed or removed in this process. */
  changed(tenantId: string): void {
    const seen = this.known.get(tenantId);
    if (seen) seen.at = 0; // read again on the next commit; until then the sweep keeps what it knew
  }
}
