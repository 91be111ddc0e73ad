import { Migration } from '@mikro-orm/migrations';

/** Tenant database: privacy requests (access, erase) about one person, each answered by a job. */
export class Migration20261207181311 extends Migration {
  override up(): void {
    this.addSql(
      `create table "privacy_requests" ("id" uuid not null, "type" text check ("type" in ('access', 'erase')) not null, "status" text check ("status" in ('pending', 'running', 'done', 'failed')) not null default 'pending', "email" text null, "requested_by" text not null, "result" jsonb null, "error" text null, "created_at" timestamptz not null default now(), "completed_at" timestamptz null, "expires_at" timestamptz null, constraint "privacy_requests_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "privacy_requests_created_at_index" on "privacy_requests" ("created_at");`);
  }

  override down(): void {
    this.addSql(`drop table if exists "privacy_requests" cascade;`);
  }
}
