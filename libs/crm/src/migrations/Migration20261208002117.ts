import { Migration } from '@mikro-orm/migrations';

/** usage_count of Migration20261207212636 with one more counted resource (its `extra` branch). */
function usageCount(extra: string): string {
  return `create or replace function "usage_count"() returns trigger language plpgsql as $$
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
    ${extra.replaceAll('ROWS', 'new_rows').replaceAll('INTO', 'added')}
    else select count(*) into added from new_rows;
    end if;
  end if;
  if tg_op in ('DELETE', 'UPDATE') then
    if counted = 'users' then select count(*) filter (where active) into removed from old_rows;
    elsif counted = 'apiKeys' then select count(*) filter (where revoked_at is null) into removed from old_rows;
    ${extra.replaceAll('ROWS', 'old_rows').replaceAll('INTO', 'removed')}
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
end $$;`;
}

const USAGE_COUNT_WITH_CUSTOM_FIELDS = usageCount(
  `elsif counted = 'customFields' then select count(*) filter (where archived_at is null) into INTO from ROWS;`,
);
const USAGE_COUNT_BEFORE = usageCount('');

/**
 * Tenant database: custom fields. Definitions (`custom_fields`), the version of each entity's
 * definitions (`custom_field_schemas`, one row per entity: writers of values lock it FOR SHARE,
 * definition changes FOR UPDATE), the values as `custom_fields jsonb` on leads and deals (the
 * same schema in every tenant; the expression indexes a tenant asks for are named `cf_…` and
 * made by a job, outside migrations). The plan's `customFields` limit counts definitions that
 * are not archived: usage_count gains that branch, and custom_fields its usage triggers
 * (archiving gives the slot back, restoring takes it again).
 */
export class Migration20261208002117 extends Migration {
  override up(): void {
    this.addSql(
      `create table "custom_fields" ("id" uuid not null, "entity" text check ("entity" in ('lead', 'deal')) not null, "key" text not null, "label" text not null, "type" text check ("type" in ('text', 'number', 'money', 'date', 'boolean', 'select', 'multiselect', 'email', 'url')) not null, "required" boolean not null default false, "options" jsonb null, "indexed" boolean not null default false, "unique" boolean not null default false, "index_status" text check ("index_status" in ('none', 'pending', 'ready', 'failed')) not null default 'none', "index_error" text null, "archived_at" timestamptz null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), constraint "custom_fields_pkey" primary key ("id"));`,
    );
    this.addSql(
      `alter table "custom_fields" add constraint "custom_fields_entity_key_unique" unique ("entity", "key");`,
    );

    this.addSql(
      `create table "custom_field_schemas" ("entity" text not null, "version" int not null default 0, constraint "custom_field_schemas_pkey" primary key ("entity"));`,
    );

    this.addSql(`alter table "leads" add column "custom_fields" jsonb not null default '{}';`);

    this.addSql(`alter table "deals" add column "custom_fields" jsonb not null default '{}';`);

    this.addSql(`insert into "custom_field_schemas" ("entity", "version") values ('lead', 0), ('deal', 0);`);
    this.addSql(USAGE_COUNT_WITH_CUSTOM_FIELDS);
    this.addSql(
      `create trigger "custom_fields_usage_insert" after insert on "custom_fields" referencing new table as new_rows for each statement execute function usage_count('customFields');`,
    );
    this.addSql(
      `create trigger "custom_fields_usage_delete" after delete on "custom_fields" referencing old table as old_rows for each statement execute function usage_count('customFields');`,
    );
    this.addSql(
      `create trigger "custom_fields_usage_update" after update on "custom_fields" referencing old table as old_rows new table as new_rows for each statement execute function usage_count('customFields');`,
    );
  }

  override down(): void {
    this.addSql(USAGE_COUNT_BEFORE);
    this.addSql(`drop table if exists "custom_fields" cascade;`);

    this.addSql(`drop table if exists "custom_field_schemas" cascade;`);

    this.addSql(`alter table "deals" drop column "custom_fields";`);

    this.addSql(`alter table "leads" drop column "custom_fields";`);
  }
}
