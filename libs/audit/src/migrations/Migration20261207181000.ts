import { Migration } from '@mikro-orm/migrations';

/**
 * Tenant database: audit entries that can be redacted (a privacy erasure) while the hash chain
 * still verifies.
 *
 * From now on an entry's hash covers a digest of its `changes`, not the values themselves:
 * `changes_digest = sha256(changes_salt | changes)`, the salt random per entry. All three are set
 * by the insert trigger. The verifier checks the chain (hash over the canonical text, which names
 * the digest) and, while an entry still has its salt, that the digest matches its `changes`.
 *
 * An erasure redacts an entry's personal values through `audit_logs_redact` (SECURITY DEFINER:
 * the runtime role still has no UPDATE on the table) and only when a `privacy.erase` entry is
 * already in the chain: `changes` loses the personal values, the salt is dropped (a value guessed
 * later can no longer be confirmed against the digest) and `redacted_by` names the erasure entry,
 * whose own `changes.redactedEntries` lists the entry. Every other column stays as it was, so the
 * entry's hash and its links still verify; the verifier accepts the changed `changes` of a
 * redacted entry only when that erasure entry lists it.
 *
 * Entries written before this migration (no digest) were hashed over their values: redacting one
 * is accepted the same way (recorded by an erasure entry), but its content can no longer be
 * re-checked — only its place in the chain.
 */
export class Migration20261207181000 extends Migration {
  override up(): void {
    this.addSql(`alter table "audit_logs" add column "changes_salt" text null, add column "changes_digest" text null,
      add column "redacted_by" uuid null;`);
    this.addSql(`create or replace function audit_logs_canonical(a audit_logs) returns text language sql immutable as $$
      select concat_ws('|', a.seq::text, a.id::text, to_char(a.at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), a.tenant,
        coalesce(a.actor_id, ''), coalesce(a.actor_role, ''), a.action, coalesce(a.entity, ''), coalesce(a.entity_id, ''),
        case when a.changes_digest is null then a.changes::text else 'sha256:' || a.changes_digest end,
        a.outcome, coalesce(a.ip, ''), coalesce(a.user_agent, ''), coalesce(a.request_id, ''), a.prev_hash)
    $$;`);
    this
      .addSql(`create function audit_logs_changes_digest(salt text, changes jsonb) returns text language sql immutable as $$
      select encode(sha256(convert_to(salt || '|' || changes::text, 'UTF8')), 'hex')
    $$;`);
    this.addSql(`create or replace function audit_logs_chain() returns trigger language plpgsql as $$
      declare previous text;
      begin
        perform pg_advisory_xact_lock(7312005);
        new.seq := nextval('audit_logs_seq');
        new.at := clock_timestamp();
        new.redacted_by := null;
        new.changes_salt := gen_random_uuid()::text;
        new.changes_digest := audit_logs_changes_digest(new.changes_salt, new.changes);
        select hash into previous from audit_logs order by seq desc limit 1;
        new.prev_hash := coalesce(previous, 'genesis');
        new.hash := encode(sha256(convert_to(audit_logs_canonical(new), 'UTF8')), 'hex');
        return new;
      end
    $$;`);
    // Still append-only, but for one kind of update: a redaction made by audit_logs_redact.
    this.addSql(`create or replace function audit_logs_refuse_change() returns trigger language plpgsql as $$
      begin
        if tg_op = 'UPDATE' and current_setting('tessera.audit_redaction', true) = 'on' and new.redacted_by is not null
           and (new.id, new.seq, new.at, new.tenant, new.actor_id, new.actor_role, new.action, new.entity, new.entity_id,
                new.outcome, new.ip, new.user_agent, new.request_id, new.prev_hash, new.hash, new.changes_digest)
               is not distinct from
               (old.id, old.seq, old.at, old.tenant, old.actor_id, old.actor_role, old.action, old.entity, old.entity_id,
                old.outcome, old.ip, old.user_agent, old.request_id, old.prev_hash, old.hash, old.changes_digest)
           and new.changes_salt is null then
          return new;
        end if;
        raise exception 'audit_logs is append-only' using errcode = 'insufficient_privilege';
      end
    $$;`);
    // A top-level field of `changes` is replaced by the marker (each of its before/after when it has them)
    // when it is one of `fields`, or when its value mentions one of `needles` (compared in lower case).
    this.addSql(`create function audit_logs_redacted(changes jsonb, fields text[], needles text[], marker text)
      returns jsonb language sql immutable as $$
      select coalesce(jsonb_object_agg(e.key,
               case when e.key = any(fields)
                      or exists (select 1 from unnest(needles) n where n <> '' and strpos(lower(e.value::text), lower(n)) > 0)
                    then case when jsonb_typeof(e.value) = 'object'
                              then (select coalesce(jsonb_object_agg(i.key, to_jsonb(marker)), '{}'::jsonb) from jsonb_each(e.value) i)
                              else to_jsonb(marker) end
                    else e.value end), '{}'::jsonb)
        from jsonb_each(changes) e
    $$;`);
    this
      .addSql(`create function audit_logs_redact(entries uuid[], fields text[], needles text[], marker text, erasure uuid)
      returns integer language plpgsql security definer set search_path = public, pg_temp as $$
      declare redacted integer;
      begin
        if not exists (select 1 from audit_logs where id = erasure and action = 'privacy.erase'
                         and changes -> 'redactedEntries' @> (select coalesce(jsonb_agg(e), '[]'::jsonb) from unnest(entries) e)) then
          raise exception 'a redaction needs a privacy.erase entry listing its entries' using errcode = 'invalid_parameter_value';
        end if;
        perform set_config('tessera.audit_redaction', 'on', true);
        update audit_logs a set changes = audit_logs_redacted(a.changes, fields, needles, marker), changes_salt = null,
               redacted_by = erasure
         where a.id = any(entries) and a.id <> erasure;
        get diagnostics redacted = row_count;
        perform set_config('tessera.audit_redaction', 'off', true);
        return redacted;
      end
    $$;`);
  }

  override down(): void {
    this.addSql('drop function if exists audit_logs_redact(uuid[], text[], text[], text, uuid);');
    this.addSql('drop function if exists audit_logs_redacted(jsonb, text[], text[], text);');
    this.addSql(`create or replace function audit_logs_refuse_change() returns trigger language plpgsql as $$
      begin
        raise exception 'audit_logs is append-only' using errcode = 'insufficient_privilege';
      end
    $$;`);
    this.addSql(`create or replace function audit_logs_chain() returns trigger language plpgsql as $$
      declare previous text;
      begin
        perform pg_advisory_xact_lock(7312005);
        new.seq := nextval('audit_logs_seq');
        new.at := clock_timestamp();
        select hash into previous from audit_logs order by seq desc limit 1;
        new.prev_hash := coalesce(previous, 'genesis');
        new.hash := encode(sha256(convert_to(audit_logs_canonical(new), 'UTF8')), 'hex');
        return new;
      end
    $$;`);
    this.addSql(`create or replace function audit_logs_canonical(a audit_logs) returns text language sql immutable as $$
      select concat_ws('|', a.seq::text, a.id::text, to_char(a.at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), a.tenant,
        coalesce(a.actor_id, ''), coalesce(a.actor_role, ''), a.action, coalesce(a.entity, ''), coalesce(a.entity_id, ''),
        a.changes::text, a.outcome, coalesce(a.ip, ''), coalesce(a.user_agent, ''), coalesce(a.request_id, ''), a.prev_hash)
    $$;`);
    this.addSql('drop function if exists audit_logs_changes_digest(text, jsonb);');
    this.addSql(
      'alter table "audit_logs" drop column "changes_salt", drop column "changes_digest", drop column "redacted_by";',
    );
  }
}
