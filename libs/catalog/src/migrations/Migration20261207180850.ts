import { Migration } from '@mikro-orm/migrations';

/** Catalog: relocations of tenants to another server, and the write freeze flag */
export class Migration20261207180850 extends Migration {
  override up(): void {
    this.addSql(
      `create table "relocations" ("id" uuid not null, "tenant_id" uuid not null, "from_server" text not null, "to_server" text not null, "status" text check ("status" in ('copying', 'verifying', 'cutting-over', 'done', 'failed', 'aborted')) not null default 'copying', "method" text check ("method" in ('logical', 'freeze')) null, "phases" jsonb not null default '[]', "attempts" int not null default 0, "abort_requested" boolean not null default false, "started_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "cutover_at" timestamptz null, "finished_at" timestamptz null, "write_freeze_ms" int null, "verification" jsonb null, "error" text null, "keep_until" timestamptz null, "source_dropped_at" timestamptz null, constraint "relocations_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create unique index "relocations_one_active" on "relocations" ("tenant_id") where "status" in ('copying', 'verifying', 'cutting-over');`,
    );

    this.addSql(
      `alter table "relocations" add constraint "relocations_tenant_id_fkey" foreign key ("tenant_id") references "tenants" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "relocations" add constraint "relocations_from_server_fkey" foreign key ("from_server") references "db_servers" ("name") on update cascade on delete restrict;`,
    );
    this.addSql(
      `alter table "relocations" add constraint "relocations_to_server_fkey" foreign key ("to_server") references "db_servers" ("name") on update cascade on delete restrict;`,
    );

    this.addSql(`alter table "tenants" add column "writes_frozen" boolean not null default false;`);
  }

  override down(): void {
    this.addSql(`drop table if exists "relocations" cascade;`);

    this.addSql(`alter table "tenants" drop column "writes_frozen";`);
  }
}
