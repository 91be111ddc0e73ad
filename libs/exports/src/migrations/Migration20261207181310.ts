import { Migration } from '@mikro-orm/migrations';

/** Tenant database: exports of the tenant's data, each written by a job. */
export class Migration20261207181310 extends Migration {
  override up(): void {
    this.addSql(
      `create table "exports" ("id" uuid not null, "status" text check ("status" in ('pending', 'running', 'ready', 'failed', 'expired')) not null default 'pending', "requested_by" text not null, "manifest" jsonb null, "size_bytes" bigint null, "error" text null, "created_at" timestamptz not null default now(), "completed_at" timestamptz null, "expires_at" timestamptz null, constraint "exports_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "exports_created_at_index" on "exports" ("created_at");`);
  }

  override down(): void {
    this.addSql(`drop table if exists "exports" cascade;`);
  }
}
