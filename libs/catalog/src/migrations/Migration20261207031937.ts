import { Migration } from '@mikro-orm/migrations';

/** Catalog: spare tenant databases, cloned ahead of onboarding and claimed instead of cloning. */
export class Migration20261207031937 extends Migration {
  override up(): void {
    this.addSql(
      `create table "spare_databases" ("id" uuid not null, "db_server" text not null, "db_name" text not null, "schema_version" text not null, "created_at" timestamptz not null default now(), "claimed_by" uuid null, "claimed_at" timestamptz null, constraint "spare_databases_pkey" primary key ("id"));`,
    );
    this.addSql(`alter table "spare_databases" add constraint "spare_databases_db_name_unique" unique ("db_name");`);
    this.addSql(
      `create index "spare_databases_unclaimed_idx" on "spare_databases" ("db_server", "schema_version", "created_at");`,
    );

    this.addSql(
      `alter table "spare_databases" add constraint "spare_databases_db_server_fkey" foreign key ("db_server") references "db_servers" ("name") on update cascade on delete restrict;`,
    );
    this.addSql(
      `alter table "spare_databases" add constraint "spare_databases_claimed_by_fkey" foreign key ("claimed_by") references "tenants" ("id") on update cascade on delete set null;`,
    );
  }

  override down(): void {
    this.addSql(`drop table if exists "spare_databases" cascade;`);
  }
}
