import { Migration } from '@mikro-orm/migrations';

export class Migration20261126000000 extends Migration {
  override up(): void {
    this.addSql(`create table "db_servers" (
      "name" text not null primary key,
      "use_catalog_server" boolean not null default false,
      "host" text null,
      "port" int null,
      "capacity" int not null,
      "tags" text[] not null default '{}',
      "active" boolean not null default true,
      "created_at" timestamptz not null default now(),
      "updated_at" timestamptz not null default now()
    );`);
    this.addSql(`create table "tenants" (
      "id" uuid not null primary key,
      "slug" text not null,
      "name" text not null,
      "plan" text not null default 'standard',
      "status" text not null default 'provisioning',
      "db_server" text not null references "db_servers" ("name") on update cascade on delete restrict,
      "db_name" text not null,
      "db_role" text not null,
      "db_password_enc" text not null,
      "pending_admin" jsonb null,
      "last_error" text null,
      "created_at" timestamptz not null default now(),
      "updated_at" timestamptz not null default now(),
      "activated_at" timestamptz null,
      constraint "tenants_slug_unique" unique ("slug"),
      constraint "tenants_status_check" check ("status" in ('provisioning','active','suspended','failed','offboarded'))
    );`);
    this.addSql(`create index "tenants_status_index" on "tenants" ("status");`);
    this.addSql(`create unique index "tenants_db_server_db_name_unique" on "tenants" ("db_server", "db_name");`);
    this.addSql(`create table "platform_users" (
      "id" uuid not null primary key,
      "email" text not null,
      "name" text not null,
      "password_hash" text not null,
      "role" text not null default 'super_admin',
      "active" boolean not null default true,
      "created_at" timestamptz not null default now(),
      "updated_at" timestamptz not null default now(),
      constraint "platform_users_email_unique" unique ("email")
    );`);
  }

  override down(): void {
    this.addSql('drop table if exists "platform_users";');
    this.addSql('drop table if exists "tenants";');
    this.addSql('drop table if exists "db_servers";');
  }
}
