import { Migration } from '@mikro-orm/migrations';

const ALL_FEATURES = JSON.stringify(['webhooks', 'events', 'customFields', 'analytics', 'exports', 'supportAccess']);

/** Catalog: plans with limits and feature flags, their immutable versions, and the tenants' plan as a foreign key */
export class Migration20261207212606 extends Migration {
  override up(): void {
    this.addSql(
      `create table "plans" ("code" text not null, "name" text not null, "version" int not null default 1, "limits" jsonb not null default '{}', "features" jsonb not null default '[]', "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), constraint "plans_pkey" primary key ("code"));`,
    );

    this.addSql(
      `create table "plan_versions" ("code" text not null, "version" int not null, "name" text not null, "limits" jsonb not null, "features" jsonb not null, "created_by" text not null, "created_at" timestamptz not null default now(), constraint "plan_versions_pkey" primary key ("code", "version"));`,
    );

    this.addSql(
      `alter table "plan_versions" add constraint "plan_versions_code_fkey" foreign key ("code") references "plans" ("code") on update cascade on delete cascade;`,
    );

    // The plans every catalog starts with. `standard` (every tenant's default so far) and
    // `enterprise` are unlimited with every feature, so existing tenants keep working unchanged;
    // `starter` shows what limits look like. A plan code an existing tenant already carries
    // becomes an unlimited plan of that name, so the foreign key holds on any catalog.
    this.addSql(`insert into "plans" ("code", "name", "limits", "features") values
      ('standard', 'Standard', '{}', '${ALL_FEATURES}'),
      ('enterprise', 'Enterprise', '{}', '${ALL_FEATURES}'),
      ('starter', 'Starter', '{"users": 5, "leads": 1000, "deals": 500, "apiKeys": 2, "customFields": 5, "webhooks": 1, "requestsPerSecond": 20}', '["exports"]');`);
    this.addSql(`insert into "plans" ("code", "name", "limits", "features")
      select distinct "plan", "plan", '{}'::jsonb, '${ALL_FEATURES}'::jsonb from "tenants" where "plan" not in (select "code" from "plans");`);
    this.addSql(`insert into "plan_versions" ("code", "version", "name", "limits", "features", "created_by")
      select "code", "version", "name", "limits", "features", 'system' from "plans";`);

    this.addSql(
      `alter table "tenants" add constraint "tenants_plan_fkey" foreign key ("plan") references "plans" ("code") on update cascade on delete restrict;`,
    );
  }

  override down(): void {
    this.addSql(`alter table "plan_versions" drop constraint "plan_versions_code_fkey";`);

    this.addSql(`alter table "tenants" drop constraint "tenants_plan_fkey";`);

    this.addSql(`drop table if exists "plans" cascade;`);

    this.addSql(`drop table if exists "plan_versions" cascade;`);
  }
}
