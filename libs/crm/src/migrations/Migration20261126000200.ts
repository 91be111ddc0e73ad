import { Migration } from '@mikro-orm/migrations';

/** Tenant database: leads, with indexes for the list's filters and default order. */
export class Migration20261126000200 extends Migration {
  override up(): void {
    this.addSql(`create table "leads" (
      "id" uuid not null primary key,
      "name" text not null,
      "email" text null,
      "phone" text null,
      "company" text null,
      "source" text null,
      "status" text not null default 'new',
      "owner_id" uuid not null,
      "created_at" timestamptz not null default now(),
      "updated_at" timestamptz not null default now(),
      constraint "leads_status_check" check ("status" in ('new', 'contacted', 'qualified', 'lost', 'converted'))
    );`);
    this.addSql(`create index "leads_owner_id_index" on "leads" ("owner_id");`);
    this.addSql(`create index "leads_created_at_index" on "leads" ("created_at" desc, "id");`);
    this.addSql(`create index "leads_status_index" on "leads" ("status");`);
  }

  override down(): void {
    this.addSql('drop table if exists "leads";');
  }
}
