import { Migration } from '@mikro-orm/migrations';

/**
 * Tenant database: usage counters kept by triggers, refusing a record past the plan's limit.
 *
 * Every insert, delete (and, for users and API keys, activation or revocation) statement moves its
 * counter once, in the same transaction. An addition takes the counter's row lock, so concurrent creates queue
 * on it: each sees the count the previous one committed, and the one past the limit raises
 * SQLSTATE TQ001 (its transaction rolls back). The limit comes from the transaction-local setting
 * `tessera.limit_<resource>` that the API sets from the tenant's plan; without one (provisioning,
 * jobs, a plan without that limit) the counter moves and nothing is refused. Removals never check,
 * so a tenant over a lowered limit keeps its data and can delete down to it.
 */
export class Migration20261207212636 extends Migration {
  override up(): void {
    this.addSql(
      `create table "usage_counters" ("resource" text not null, "used" bigint not null default 0, constraint "usage_counters_pkey" primary key ("resource"));`,
    );
    this.addSql(`insert into "usage_counters" ("resource", "used") values
      ('users', (select count(*) from "users" where "active")),
      ('leads', (select count(*) from "leads")),
      ('deals', (select count(*) from "deals")),
      ('apiKeys', (select count(*) from "api_keys" where "revoked_at" is null)),
      ('customFields', 0),
      ('webhooks', 0);`);
    // Statement triggers over transition tables: a bulk insert or delete moves its counter once.
    this.addSql(`create function "usage_count"() returns trigger language plpgsql as $$
declare
  counted text := tg_argv[0];
  added bigint := 0;
  removed bigint := 0;
  delta bigint;
  total bigint;
  cap bigint;
begin
  if tg_op in ('INSERT', 'UPDATE') then
    if counted = 'users' then select count(*) filter (where active) into added from new_rows;
    elsif counted = 'apiKeys' then select count(*) filter (where revoked_at is null) into added from new_rows;
    else select count(*) into added from new_rows;
    end if;
  end if;
  if tg_op in ('DELETE', 'UPDATE') then
    if counted = 'users' then select count(*) filter (where active) into removed from old_rows;
    elsif counted = 'apiKeys' then select count(*) filter (where revoked_at is null) into removed from old_rows;
    else select count(*) into removed from old_rows;
    end if;
  end if;
  delta := added - removed;
  if delta = 0 then
    return null;
  end if;
  update usage_counters set used = used + delta where resource = counted returning used into total;
  if delta > 0 then
    cap := nullif(current_setting('tessera.limit_' || lower(counted), true), '')::bigint;
    if cap is not null and total > cap then
      raise exception using errcode = 'TQ001', message = 'quota exceeded: ' || counted,
        detail = json_build_object('resource', counted, 'limit', cap, 'used', total - delta)::text;
    end if;
  end if;
  return null;
end $$;`);
    for (const [table, resource] of [
      ['leads', 'leads'],
      ['deals', 'deals'],
      ['users', 'users'],
      ['api_keys', 'apiKeys'],
    ]) {
      this.addSql(
        `create trigger "${table}_usage_insert" after insert on "${table}" referencing new table as new_rows for each statement execute function usage_count('${resource}');`,
      );
      this.addSql(
        `create trigger "${table}_usage_delete" after delete on "${table}" referencing old table as old_rows for each statement execute function usage_count('${resource}');`,
      );
    }
    // Activation and revocation move the count too (an UPDATE trigger with transition tables cannot name columns).
    for (const [table, resource] of [
      ['users', 'users'],
      ['api_keys', 'apiKeys'],
    ]) {
      this.addSql(
        `create trigger "${table}_usage_update" after update on "${table}" referencing old table as old_rows new table as new_rows for each statement execute function usage_count('${resource}');`,
      );
    }
  }

  override down(): void {
    for (const table of ['leads', 'deals', 'users', 'api_keys']) {
      this.addSql(`drop trigger if exists "${table}_usage_insert" on "${table}";`);
      this.addSql(`drop trigger if exists "${table}_usage_delete" on "${table}";`);
    }
    this.addSql(`drop trigger if exists "users_usage_update" on "users";`);
    this.addSql(`drop trigger if exists "api_keys_usage_update" on "api_keys";`);
    this.addSql(`drop function if exists "usage_count"();`);
    this.addSql(`drop table if exists "usage_counters" cascade;`);
  }
}
