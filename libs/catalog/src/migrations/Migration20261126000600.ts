import { Migration } from '@mikro-orm/migrations';

/** Catalog: the platform's own audit trail (tenants created, suspended, offboarded; platform sign-ins). Append-only. */
export class Migration20261126000600 extends Migration {
  override up(): void {
    this.addSql(`create table "platform_audit_logs" (
      "id" uuid not null primary key,
      "seq" bigint generated always as identity,
      "at" timestamptz not null default now(),
      "actor_id" text null,
      "actor_role" text null,
      "action" text not null,
      "entity" text null,
      "entity_id" text null,
      "changes" jsonb not null default '{}',
      "outcome" text not null,
      "ip" text null,
      "user_agent" text null,
      "request_id" text null,
      constraint "platform_audit_logs_outcome_check" check ("outcome" in ('success', 'denied', 'failed'))
    );`);
    this.addSql(`create index "platform_audit_logs_at_index" on "platform_audit_logs" ("at" desc);`);
    this.addSql(`create function platform_audit_logs_refuse_change() returns trigger language plpgsql as $$
      begin
        raise exception 'platform_audit_logs is append-only' using errcode = 'insufficient_privilege';
      end
    $$;`);
    this.addSql(
      `create trigger "platform_audit_logs_no_update" before update or delete on "platform_audit_logs" for each row execute function platform_audit_logs_refuse_change();`,
    );
    this.addSql(
      `create trigger "platform_audit_logs_no_truncate" before truncate on "platform_audit_logs" for each statement execute function platform_audit_logs_refuse_change();`,
    );
  }

  override down(): void {
    this.addSql('drop table if exists "platform_audit_logs";');
    this.addSql('drop function if exists platform_audit_logs_refuse_change();');
  }
}
