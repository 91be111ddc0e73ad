import { Migration } from '@mikro-orm/migrations';

/** Catalog: refresh-token families of platform users. */
export class Migration20261126000400 extends Migration {
  override up(): void {
    this.addSql(`create table "platform_refresh_tokens" (
      "id" uuid not null primary key,
      "subject_id" uuid not null references "platform_users" ("id") on delete cascade,
      "family_id" uuid not null,
      "token_hash" text not null,
      "expires_at" timestamptz not null,
      "family_expires_at" timestamptz not null,
      "used_at" timestamptz null,
      "revoked_at" timestamptz null,
      "created_at" timestamptz not null default now(),
      constraint "platform_refresh_tokens_token_hash_unique" unique ("token_hash")
    );`);
    this.addSql(`create index "platform_refresh_tokens_family_id_index" on "platform_refresh_tokens" ("family_id");`);
  }

  override down(): void {
    this.addSql('drop table if exists "platform_refresh_tokens";');
  }
}
