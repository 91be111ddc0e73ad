import { Migration } from '@mikro-orm/migrations';

/**
 * Tenant database: support access (impersonation). `support_access_settings` holds the tenant's
 * one row (no row: mode `off`); `support_sessions` every request of the platform team to act as
 * one of the tenant's users, from request to end. Each move of a session is one conditional
 * UPDATE on its `status`, so approve, deny and start are single-use under concurrency.
 */
export class Migration20261207212710 extends Migration {
  override up(): void {
    this.addSql(
      `create table "support_access_settings" ("id" smallint not null default 1, "mode" text check ("mode" in ('off', 'approval', 'always')) not null, "max_minutes" int not null, "updated_at" timestamptz not null default now(), "updated_by" uuid null, constraint "support_access_settings_pkey" primary key ("id"), constraint support_access_settings_max_minutes_max check ("max_minutes" <= 480), constraint support_access_settings_max_minutes_min check ("max_minutes" >= 1), constraint support_access_settings_single_row check ("id" = 1));`,
    );

    this.addSql(
      `create table "support_sessions" ("id" uuid not null, "platform_user_id" uuid not null, "platform_user_email" text not null, "user_id" uuid not null, "reason" text not null, "minutes" int not null, "status" text check ("status" in ('pending', 'approved', 'denied', 'active', 'ended')) not null, "requested_at" timestamptz not null, "decided_at" timestamptz null, "decided_by" uuid null, "started_at" timestamptz null, "expires_at" timestamptz null, "ended_at" timestamptz null, "ended_by" uuid null, "end_reason" text null, constraint "support_sessions_pkey" primary key ("id"), constraint support_sessions_minutes_max check ("minutes" <= 480), constraint support_sessions_minutes_min check ("minutes" >= 1), constraint support_sessions_reason_max check (char_length("reason") <= 500), constraint support_sessions_reason_min check (char_length("reason") >= 1));`,
    );
    this.addSql(`create index "support_sessions_user_id_index" on "support_sessions" ("user_id");`);
    this.addSql(`create index "support_sessions_requested_at_index" on "support_sessions" ("requested_at");`);
  }

  override down(): void {
    this.addSql(`drop table if exists "support_access_settings" cascade;`);

    this.addSql(`drop table if exists "support_sessions" cascade;`);
  }
}
