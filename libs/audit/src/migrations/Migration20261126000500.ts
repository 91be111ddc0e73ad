import { Migration } from '@mikro-orm/migrations';

/**
 * Tenant database: the audit trail. Append-only (triggers refuse UPDATE, DELETE and TRUNCATE,
 * and the runtime role is only granted SELECT and INSERT) and tamper-evident: a trigger
 * chains every entry to the previous one by SHA-256, under a transaction lock, so the chain
 * follows commit order even under concurrent writes.
 */
export class Migration20261126000500 extends Migration {
  override up(): void {
    this.addSql(`create sequence "audit_logs_seq";`);
    this.addSql(`create table "audit_logs" (
      "id" uuid not null primary key,
      "seq" bigint not null,
      "at" timestamptz not null default now(),
      "tenant" text not null,
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
      "prev_hash" text not null,
      "hash" text not null,
      constraint "audit_logs_seq_unique" unique ("seq"),
      constraint "audit_logs_outcome_check" check ("outcome" in ('success', 'denied', 'failed'))
    );`);
    this.addSql(`create index "audit_logs_at_index" on "audit_logs" ("at" desc, "seq" desc);`);
    this.addSql(`create index "audit_logs_actor_index" on "audit_logs" ("actor_id", "at" desc);`);
    this.addSql(`create index "audit_logs_entity_index" on "audit_logs" ("entity", "entity_id", "at" desc);`);
    this.addSql(`create index "audit_logs_action_index" on "audit_logs" ("action", "at" desc);`);
    this.addSql(`create function audit_logs_canonical(a audit_logs) returns text language sql immutable as $$
      select concat_ws('|', a.seq::text, a.id::text, to_char(a.at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), a.tenant,
        coalesce(a.actor_id, ''), coalesce(a.actor_role, ''), a.action, coalesce(a.entity, ''), coalesce(a.entity_id, ''),
        a.changes::text, a.outcome, coalesce(a.ip, ''), coalesce(a.user_agent, ''), coalesce(a.request_id, ''), a.prev_hash)
    $$;`);
    this.addSql(`create function audit_logs_chain() returns trigger language plpgsql as $$
      declare previous text;
      begin
        perform pg_advisory_xact_lock(7312005);
        new.seq := nextval('audit_logs_seq');
        select hash into previous from audit_logs order by seq desc limit 1;
        new.prev_hash := coalesce(previous, 'genesis');
        new.hash := encode(sha256(convert_to(audit_logs_canonical(new), 'UTF8')), 'hex');
        return new;
      end
    $$;`);
    this.addSql(`create function audit_logs_refuse_change() returns trigger language plpgsql as $$
      begin
        raise exception 'audit_logs is append-only' using errcode = 'insufficient_privilege';
      end
    $$;`);
    this.addSql(
      `create trigger "audit_logs_chain" before insert on "audit_logs" for each row execute function audit_logs_chain();`,
    );
    this.addSql(
      `create trigger "audit_logs_no_update" before update or delete on "audit_logs" for each row execute function audit_logs_refuse_change();`,
    );
    this.addSql(
      `create trigger "audit_logs_no_truncate" before truncate on "audit_logs" for each statement execute function audit_logs_refuse_change();`,
    );
  }

  override down(): void {
    this.addSql('drop table if exists "audit_logs";');
    this.addSql('drop function if exists audit_logs_chain();');
    this.addSql('drop function if exists audit_logs_refuse_change();');
    this.addSql('drop function if exists audit_logs_canonical(audit_logs);');
    this.addSql('drop sequence if exists "audit_logs_seq";');
  }
}
