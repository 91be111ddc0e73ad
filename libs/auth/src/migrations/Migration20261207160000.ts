import { Migration } from '@mikro-orm/migrations';

/**
 * Tenant database: the Idempotency-Keys whose request committed, written in the request's own
 * transaction (AuditSubscriber). A retry of a request whose instance died between its commit and
 * its answer finds the key here and is refused (409 idempotency-key-committed) instead of writing
 * twice. `key` is a SHA-256 of the caller's scope and the key, never the key itself. Rows past
 * the 24 h replay window are pruned by later inserts.
 */
export class Migration20261207160000 extends Migration {
  override up(): void {
    this.addSql(`create table "idempotency_commits" (
      "key" text not null primary key,
      "fingerprint" text not null,
      "entity" text not null,
      "entity_id" text not null,
      "created_at" timestamptz not null default now()
    );`);
    this.addSql(`create index "idempotency_commits_created_at_index" on "idempotency_commits" ("created_at");`);
  }

  override down(): void {
    this.addSql(`drop table if exists "idempotency_commits";`);
  }
}
