import { Migration } from '@mikro-orm/migrations';

/**
 * Tenant database: a lead has at most one deal (a lead converts once). Deals that an older
 * version linked to an already-linked lead keep existing but lose the link (the oldest keeps it),
 * so the unique index can be built on any existing data.
 */
export class Migration20261201000100 extends Migration {
  override up(): void {
    this.addSql(`update "deals" set "lead_id" = null where "id" in (
      select "id" from (
        select "id", row_number() over (partition by "lead_id" order by "created_at", "id") as "n"
        from "deals" where "lead_id" is not null
      ) as "linked" where "n" > 1
    );`);
    this.addSql(`create unique index "deals_lead_id_unique" on "deals" ("lead_id") where "lead_id" is not null;`);
    this.addSql(`drop index if exists "deals_lead_index";`);
  }

  override down(): void {
    this.addSql(`create index if not exists "deals_lead_index" on "deals" ("lead_id");`);
    this.addSql(`drop index if exists "deals_lead_id_unique";`);
  }
}
