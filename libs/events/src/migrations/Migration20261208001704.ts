import { Migration } from '@mikro-orm/migrations';

/**
 * Tenant database: the relay cursor's one row, and the webhooks plan limit. Inserting or deleting
 * endpoints moves the `webhooks` usage counter through the platform lib's `usage_count` function,
 * which refuses (SQLSTATE TQ001) an endpoint past the plan's limit inside the creating transaction.
 */
export class Migration20261208001704 extends Migration {
  override up(): void {
    this.addSql(`insert into "webhook_relay" ("id", "last_seq") values (1, 0) on conflict do nothing;`);
    this.addSql(
      `update "usage_counters" set "used" = (select count(*) from "webhook_endpoints") where "resource" = 'webhooks';`,
    );
    this.addSql(
      `create trigger "webhook_endpoints_usage_insert" after insert on "webhook_endpoints" referencing new table as new_rows for each statement execute function usage_count('webhooks');`,
    );
    this.addSql(
      `create trigger "webhook_endpoints_usage_delete" after delete on "webhook_endpoints" referencing old table as old_rows for each statement execute function usage_count('webhooks');`,
    );
  }

  override down(): void {
    this.addSql(`drop trigger if exists "webhook_endpoints_usage_insert" on "webhook_endpoints";`);
    this.addSql(`drop trigger if exists "webhook_endpoints_usage_delete" on "webhook_endpoints";`);
    this.addSql(`delete from "webhook_relay";`);
  }
}
