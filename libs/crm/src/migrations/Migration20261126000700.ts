import { Migration } from '@mikro-orm/migrations';

/**
 * Tenant database: deals (money as numeric, never float), and an index for every filter and
 * sort of the leads and deals lists, trigram indexes for the case-insensitive search.
 */
export class Migration20261126000700 extends Migration {
  override up(): void {
    this.addSql(`create extension if not exists pg_trgm;`);
    this.addSql(`drop index if exists "leads_owner_id_index";`);
    this.addSql(`drop index if exists "leads_status_index";`);
    this.addSql(`create index "leads_owner_created_index" on "leads" ("owner_id", "created_at" desc, "id" desc);`);
    this.addSql(`create index "leads_status_created_index" on "leads" ("status", "created_at" desc, "id" desc);`);
    this.addSql(`drop index if exists "leads_created_at_index";`);
    this.addSql(`create index "leads_created_index" on "leads" ("created_at" desc, "id" desc);`);
    this.addSql(`create index "leads_updated_index" on "leads" ("updated_at" desc, "id" desc);`);
    this.addSql(`create index "leads_name_index" on "leads" ("name", "id");`);
    this.addSql(`create index "leads_company_index" on "leads" ("company", "id");`);
    this.addSql(`create index "leads_name_trgm" on "leads" using gin ("name" gin_trgm_ops);`);
    this.addSql(`create index "leads_email_trgm" on "leads" using gin ("email" gin_trgm_ops);`);
    this.addSql(`create index "leads_company_trgm" on "leads" using gin ("company" gin_trgm_ops);`);
    this.addSql(`create table "deals" (
      "id" uuid not null primary key,
      "title" text not null,
      "amount" numeric(14, 2) not null,
      "currency" char(3) not null,
      "stage" text not null default 'prospecting',
      "lead_id" uuid null references "leads" ("id") on delete set null,
      "owner_id" uuid not null,
      "expected_close_date" date null,
      "closed_at" timestamptz null,
      "created_at" timestamptz not null default now(),
      "updated_at" timestamptz not null default now(),
      constraint "deals_amount_check" check ("amount" >= 0),
      constraint "deals_currency_check" check ("currency" ~ '^[A-Z]{3}$'),
      constraint "deals_stage_check" check ("stage" in ('prospecting', 'proposal', 'negotiation', 'won', 'lost')),
      constraint "deals_closed_check" check (("stage" in ('won', 'lost')) = ("closed_at" is not null))
    );`);
    this.addSql(`create index "deals_created_index" on "deals" ("created_at" desc, "id" desc);`);
    this.addSql(`create index "deals_owner_created_index" on "deals" ("owner_id", "created_at" desc, "id" desc);`);
    this.addSql(`create index "deals_stage_created_index" on "deals" ("stage", "created_at" desc, "id" desc);`);
    this.addSql(`create index "deals_lead_index" on "deals" ("lead_id");`);
    this.addSql(`create index "deals_amount_index" on "deals" ("amount", "id");`);
    this.addSql(`create index "deals_close_date_index" on "deals" ("expected_close_date", "id");`);
    this.addSql(`create index "deals_closed_at_index" on "deals" ("closed_at") where "stage" = 'won';`);
    this.addSql(`create index "deals_title_trgm" on "deals" using gin ("title" gin_trgm_ops);`);
  }

  override down(): void {
    this.addSql('drop table if exists "deals";');
  }
}
