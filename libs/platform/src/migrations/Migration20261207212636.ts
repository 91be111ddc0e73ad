import { Migration } from '@mikro-orm/migrations';

/**
 * Tenant database: usage counters kept by triggers, refusing a record past the plan's limit.
 *
 * Every insert, delete (and, for users and API keys, activation or revocation) moves its counter
 * in the same transaction. An addition takes the counter's row lock, so concurrent creates queue
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
    this.addSql(`create function "usage_count"() returns trigger language plpgsql as $$
declare
  counted text := tg_argv[0];
  delta bigint := tg_argv[1]::bigint;
  total bigint;
  cap bigint;
begin
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
    for (const table of ['leads', 'deals']) {
      this.addSql(
        `create trigger "${table}_usage_add" after insert on "${table}" for each row execute function usage_count('${table}', '1');`,
      );
      this.addSql(
        `create trigger "${table}_usage_remove" after delete on "${table}" for each row execute function usage_count('${table}', '-1');`,
      );
    }
    this.addSql(
      `create trigger "users_usage_add" after insert on "users" for each row when (new.active) execute function usage_count('users', '1');`,
    );
    this.addSql(
      `create trigger "users_usage_activate" after update of "active" on "users" for each row when (new.active and not old.active) execute function usage_count('users', '1');`,
    );
    this.addSql(
      `create trigger "users_usage_deactivate" after update of "active" on "users" for each row when (old.active and not new.active) execute function usage_count('users', '-1');`,
    );
    this.addSql(
      `create trigger "users_usage_remove" after delete on "users" for each row when (old.active) execute function usage_count('users', '-1');`,
    );
    this.addSql(
      `create trigger "api_keys_usage_add" after insert on "api_keys" for each row when (new.revoked_at is null) execute function usage_count('apiKeys', '1');`,
    );
    this.addSql(
      `create trigger "api_keys_usage_revoke" after update of "revoked_at" on "api_keys" for each row when (old.revoked_at is null and new.revoked_at is not null) execute function usage_count('apiKeys', '-1');`,
    );
    this.addSql(
      `create trigger "api_keys_usage_remove" after delete on "api_keys" for each row when (old.revoked_at is null) execute function usage_count('apiKeys', '-1');`,
    );
  }

  override down(): void {
    for (const trigger of ['leads_usage_add', 'leads_usage_remove', 'deals_usage_add', 'deals_usage_remove'])
      this.addSql(`drop trigger if exists "${trigger}" on "${trigger.split('_')[0]}";`);
    for (const trigger of ['users_usage_add', 'users_usage_activate', 'users_usage_deactivate', 'users_usage_remove'])
      this.addSql(`drop trigger if exists "${trigger}" on "users";`);
    for (const trigger of ['api_keys_usage_add', 'api_keys_usage_revoke', 'api_keys_usage_remove'])
      this.addSql(`drop trigger if exists "${trigger}" on "api_keys";`);
    this.addSql(`drop function if exists "usage_count"();`);
    this.addSql(`drop table if exists "usage_counters" cascade;`);
  }
}
