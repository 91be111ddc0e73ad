import { Migration } from '@mikro-orm/migrations';

/** Tenant database: refresh-token families and API keys (both stored only as hashes). */
export class Migration20261126000300 extends Migration {
  override up(): void {
    this.addSql(`create table "refresh_tokens" (
      "id" uuid not null primary key,
      "subject_id" uuid not null,
      "family_id" uuid not null,
      "token_hash" text not null,
      "expires_at" timestamptz not null,
      "family_expires_at" timestamptz not null,
      "used_at" timestamptz null,
      "revoked_at" timestamptz null,
      "created_at" timestamptz not null default now(),
      constraint "refresh_tokens_token_hash_unique" unique ("token_hash")
    );`);
    this.addSql(`create index "refresh_tokens_family_id_index" on "refresh_tokens" ("family_id");`);
    this.addSql(`create index "refresh_tokens_subject_id_index" on "refresh_tokens" ("subject_id");`);
    this.addSql(`create table "api_keys" (
      "id" uuid not null primary key,
      "name" text not null,
      "scopes" text[] not null,
      "key_hash" text not null,
      "key_prefix" text not null,
      "created_by" uuid not null,
      "expires_at" timestamptz null,
      "revoked_at" timestamptz null,
      "last_used_at" timestamptz null,
      "created_at" timestamptz not null default now(),
      constraint "api_keys_key_hash_unique" unique ("key_hash")
    );`);
  }

  override down(): void {
    this.addSql('drop table if exists "api_keys";');
    this.addSql('drop table if exists "refresh_tokens";');
  }
}
