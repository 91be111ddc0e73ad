import { Migration } from '@mikro-orm/migrations';

/** The backfill (what it cannot know: see the class). Ordered so ids follow time within a record. */
export const HISTORY_BACKFILL: readonly string[] = [
  `insert into lead_status_history (lead_id, from_status, to_status, owner_id, at)
      select id, null, 'new', owner_id, created_at from leads order by created_at, id;`,
  `insert into lead_status_history (lead_id, from_status, to_status, owner_id, at)
      select id, 'new', status, owner_id, greatest(updated_at, created_at) from leads where status <> 'new' order by updated_at, id;`,
  `insert into deal_stage_history (deal_id, from_stage, to_stage, amount, currency, owner_id, at)
      select id, null, 'prospecting', amount, currency, owner_id, created_at from deals order by created_at, id;`,
  `insert into deal_stage_history (deal_id, from_stage, to_stage, amount, currency, owner_id, at)
      select id, 'prospecting', stage, amount, currency, owner_id, greatest(coalesce(closed_at, updated_at), created_at)
        from deals where stage <> 'prospecting' order by updated_at, id;`,
];

/**
 * Tenant database: stage and status history kept by triggers, backfilled; lead score models.
 *
 * `lead_status_history` and `deal_stage_history` are written by row triggers on `leads` and `deals`,
 * so each entry is in the transaction of its change by construction (whatever code path or lib made
 * it) and `at` is that transaction's `now()`. Leads: an insert (from null), each status change, a
 * delete (to null). Deals: an insert, each change of stage, amount or currency (with the deal's
 * amount, currency and owner after it), a delete (to null). No foreign keys: a deleted record keeps
 * its history, so figures about past intervals never change.
 *
 * The backfill of records that exist already cannot know their past: it writes the creation as the
 * first entry (status `new` / stage `prospecting` at `created_at`, the API's defaults: a record created
 * in another state shows a change at once) and, when the record is elsewhere now, one change to its
 * current state at `updated_at` (a closed deal's at `closed_at`). Intermediate changes, their times,
 * earlier amounts and owners are unknown: the current amount and owner stand for the whole history.
 */
export class Migration20261208002106 extends Migration {
  override up(): void {
    this.addSql(
      `create table "deal_stage_history" ("id" bigserial primary key, "deal_id" uuid not null, "from_stage" text null, "to_stage" text null, "amount" numeric(14,2) not null, "currency" char(3) not null, "owner_id" uuid not null, "at" timestamptz not null default now());`,
    );
    this.addSql(`create index "deal_stage_history_at_index" on "deal_stage_history" ("at");`);
    this.addSql(`create index "deal_stage_history_deal_index" on "deal_stage_history" ("deal_id", "at", "id");`);

    this.addSql(
      `create table "lead_score_models" ("version" int not null, "trained_at" timestamptz not null default now(), "samples" int not null, "positives" int not null, "auc" double precision not null, "weights" jsonb not null, "data_digest" text not null, constraint "lead_score_models_pkey" primary key ("version"), constraint lead_score_models_version_check check ("version" > 0));`,
    );

    this.addSql(
      `create table "lead_status_history" ("id" bigserial primary key, "lead_id" uuid not null, "from_status" text null, "to_status" text null, "owner_id" uuid not null, "at" timestamptz not null default now());`,
    );
    this.addSql(`create index "lead_status_history_at_index" on "lead_status_history" ("at");`);
    this.addSql(`create index "lead_status_history_lead_index" on "lead_status_history" ("lead_id", "at", "id");`);

    this.addSql(`create function "lead_status_history_write"() returns trigger language plpgsql as $$
begin
  if tg_op = 'INSERT' then
    insert into lead_status_history (lead_id, from_status, to_status, owner_id) values (new.id, null, new.status, new.owner_id);
  elsif tg_op = 'UPDATE' then
    insert into lead_status_history (lead_id, from_status, to_status, owner_id) values (new.id, old.status, new.status, new.owner_id);
  else
    insert into lead_status_history (lead_id, from_status, to_status, owner_id) values (old.id, old.status, null, old.owner_id);
  end if;
  return null;
end $$;`);
    this.addSql(
      `create trigger "leads_status_history_insert" after insert on "leads" for each row execute function lead_status_history_write();`,
    );
    this.addSql(
      `create trigger "leads_status_history_update" after update of "status" on "leads" for each row when (old.status is distinct from new.status) execute function lead_status_history_write();`,
    );
    this.addSql(
      `create trigger "leads_status_history_delete" after delete on "leads" for each row execute function lead_status_history_write();`,
    );

    this.addSql(`create function "deal_stage_history_write"() returns trigger language plpgsql as $$
begin
  if tg_op = 'INSERT' then
    insert into deal_stage_history (deal_id, from_stage, to_stage, amount, currency, owner_id) values (new.id, null, new.stage, new.amount, new.currency, new.owner_id);
  elsif tg_op = 'UPDATE' then
    insert into deal_stage_history (deal_id, from_stage, to_stage, amount, currency, owner_id) values (new.id, old.stage, new.stage, new.amount, new.currency, new.owner_id);
  else
    insert into deal_stage_history (deal_id, from_stage, to_stage, amount, currency, owner_id) values (old.id, old.stage, null, old.amount, old.currency, old.owner_id);
  end if;
  return null;
end $$;`);
    this.addSql(
      `create trigger "deals_stage_history_insert" after insert on "deals" for each row execute function deal_stage_history_write();`,
    );
    this.addSql(
      `create trigger "deals_stage_history_update" after update of "stage", "amount", "currency" on "deals" for each row when ((old.stage, old.amount, old.currency) is distinct from (new.stage, new.amount, new.currency)) execute function deal_stage_history_write();`,
    );
    this.addSql(
      `create trigger "deals_stage_history_delete" after delete on "deals" for each row execute function deal_stage_history_write();`,
    );

    for (const statement of HISTORY_BACKFILL) this.addSql(statement);
  }

  override down(): void {
    for (const [table, kind] of [
      ['leads', 'status'],
      ['deals', 'stage'],
    ]) {
      for (const event of ['insert', 'update', 'delete'])
        this.addSql(`drop trigger if exists "${table}_${kind}_history_${event}" on "${table}";`);
    }
    this.addSql(`drop function if exists "lead_status_history_write"();`);
    this.addSql(`drop function if exists "deal_stage_history_write"();`);
    this.addSql(`drop table if exists "deal_stage_history" cascade;`);

    this.addSql(`drop table if exists "lead_score_models" cascade;`);

    this.addSql(`drop table if exists "lead_status_history" cascade;`);
  }
}
