import type { EventSubscriber, TransactionEventArgs } from '@mikro-orm/core';
import type { AppException } from '@app/common';
import type { PlanBook } from './plan-book';
import { TenancyErrors } from './tenancy.exception';
import type { TenantContext } from './tenant-context';

/** The SQLSTATE the tenant database's usage trigger raises for a record past the plan's limit. */
export const QUOTA_EXCEEDED_SQLSTATE = 'TQ001';

/**
 * Hands the plan's counted limits to the tenant database at the start of each transaction of a
 * tenant request (`set_config(…, true)`: they end with the transaction, so a pooled or
 * PgBouncer-shared connection never carries them further). The database's usage triggers then
 * refuse, inside the creating transaction, the record past a limit: no read-then-write, so N
 * concurrent creates at `limit − 1` let exactly one through. A plan without counted limits costs
 * nothing here.
 */
export class PlanQuotaSubscriber implements EventSubscriber {
  constructor(
    private readonly context: TenantContext,
    private readonly plans: PlanBook,
  ) {}

  async afterTransactionStart(args: TransactionEventArgs): Promise<void> {
    if (!this.context.active) return;
    const rules = await this.plans.rules(this.context.tenant.plan);
    if (!rules.limitSettings) return;
    const { sql, params } = rules.limitSettings;
    await args.em.getConnection().execute(sql, params, 'run', args.transaction);
  }
}

/** The 403 quota-exceeded problem of a database refusal by the usage trigger; undefined for any other error. */
export function quotaProblemOf(error: unknown): AppException | undefined {
  let current = error as { code?: unknown; detail?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; current && depth < 4; depth++, current = current.cause as typeof current) {
    if (current.code !== QUOTA_EXCEEDED_SQLSTATE) continue;
    try {
      const { resource, limit, used } = JSON.parse(String(current.detail)) as Record<string, unknown>;
      return TenancyErrors.quotaExceeded(String(resource), Number(limit), Number(used));
    } catch {
      return TenancyErrors.quotaExceeded('records', 0, 0);
    }
  }
  return undefined;
}
