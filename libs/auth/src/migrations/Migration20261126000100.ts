import { Migration } from '@mikro-orm/migrations';

/** Tenant database: users. */
export class Migration20261126000100 extends Migration {
  override up(): void {
    this.addSql(`create table "users" (
      "id" uuid not null primary key,
      "email" text not null,
      "name" text not null,
      "password_hash" text not null,
      "role" text not null,
      "active" boolean not null default true,
      "token_version" int not null default 0,
      "created_at" timestamptz not null default now(),
      "updated_at" timestamptz not null default now(),
      constraint "users_email_unique" unique ("email"),
      constraint "users_email_lower" check ("email" = lower("email")),
      constraint "users_role_check" check ("role" in ('company_admin', 'manager', 'staff'))
    );`);
  }

  override down(): void {
    this.addSql('drop table if exists "users";');
  }
}
