import { Migration } from '@mikro-orm/migrations';

/** Catalog: fleet migration runs for the ops console, and indexes for the tenants list's filters */
export class Migration20261208002029 extends Migration {
  override up(): void {
    this.addSql(
      `create table "fleet_migration_runs" ("id" uuid not null, "status" text check ("status" in ('running', 'done')) not null default 'running', "target" text not null, "total" int not null, "done" int not null default 0, "failed" int not null default 0, "failures" jsonb not null default '[]', "started_by" text not null, "started_at" timestamptz not null default now(), "finished_at" timestamptz null, constraint "fleet_migration_runs_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create unique index "fleet_migration_runs_one_running" on "fleet_migration_runs" ((true)) where "status" = 'running';`,
    );

    this.addSql(`create index "tenants_plan_index" on "tenants" ("plan");`);
    this.addSql(`create index "tenants_created_at_index" on "tenants" ("created_at");`);
    this.addSql(`create index "tenants_schema_version_index" on "tenants" ("schema_version");`);
  }

  override down(): void {
    this.addSql(`drop table if exists "fleet_migration_runs" cascade;`);

    this.addSql(`drop index "tenants_plan_index";`);
    this.addSql(`drop index "tenants_created_at_index";`);
    this.addSql(`drop index "tenants_schema_version_index";`);
  }
}
