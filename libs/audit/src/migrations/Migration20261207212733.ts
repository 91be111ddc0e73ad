import { Migration } from '@mikro-orm/migrations';

const CANONICAL_BEFORE = `create or replace function audit_logs_canonical(a audit_logs) returns text language sql immutable as $$
      select concat_ws('|', a.seq::text, a.id::text, to_char(a.at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), a.tenant,
        coalesce(a.actor_id, ''), coalesce(a.actor_role, ''), a.action, coalesce(a.entity, ''), coalesce(a.entity_id, ''),
        case when a.changes_digest is null then a.changes::text else 'sha256:' || a.changes_digest end,
        a.outcome, coalesce(a.ip, ''), coalesce(a.user_agent, ''), coalesce(a.request_id, ''), a.prev_hash)
    $$;`;

const REFUSE_CHANGE = (
  columns: string,
) => `create or replace function audit_logs_refuse_change() returns trigger language plpgsql as $$
      begin
        if tg_op = 'UPDATE' and current_setting('tessera.audit_redaction', true) = 'on' and new.redacted_by is not null
           and (${columns.replace(/\$/g, 'new')})
               is not distinct from
               (${columns.replace(/\$/g, 'old')})
           and new.changes_salt is null then
          return new;
        end if;
        raise exception 'audit_logs is append-only' using errcode = 'insufficient_privilege';
      end
    $$;`;

const COLUMNS =
  '$.id, $.seq, $.at, $.tenant, $.actor_id, $.actor_role, $.action, $.entity, $.entity_id, $.outcome, $.ip, $.user_agent, $.request_id, $.prev_hash, $.hash, $.changes_digest';

/**
 * Tenant database: an audit entry written in a support session names the platform user acting
 * for `actor_id` (`impersonator_id`, the token's `act.sub`).
 *
 * The chain covers it: the canonical text gains `|act:<id>` at its end, only for entries that have
 * one. `concat_ws` skips a null, so every entry without an impersonator — all those written before
 * this migration — has the same canonical text and hash as before, and the chain still verifies.
 * A redaction (audit_logs_redact) may not change it either.
 */
export class Migration20261207212733 extends Migration {
  override up(): void {
    this.addSql(`alter table "audit_logs" add column "impersonator_id" text null;`);
    this.addSql(`create or replace function audit_logs_canonical(a audit_logs) returns text language sql immutable as $$
      select concat_ws('|', a.seq::text, a.id::text, to_char(a.at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), a.tenant,
        coalesce(a.actor_id, ''), coalesce(a.actor_role, ''), a.action, coalesce(a.entity, ''), coalesce(a.entity_id, ''),
        case when a.changes_digest is null then a.changes::text else 'sha256:' || a.changes_digest end,
        a.outcome, coalesce(a.ip, ''), coalesce(a.user_agent, ''), coalesce(a.request_id, ''), a.prev_hash,
        'act:' || a.impersonator_id)
    $$;`);
    this.addSql(REFUSE_CHANGE(`${COLUMNS}, $.impersonator_id`));
  }

  override down(): void {
    this.addSql(REFUSE_CHANGE(COLUMNS));
    this.addSql(CANONICAL_BEFORE);
    this.addSql(`alter table "audit_logs" drop column "impersonator_id";`);
  }
}
