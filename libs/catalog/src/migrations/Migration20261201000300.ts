import { Migration } from '@mikro-orm/migrations';

/**
 * Catalog: anchors of each tenant's audit hash chain, outside the tenant database. Each row is
 * a chain head (seq, hash) seen by the application, signed with a key the tenant database never
 * sees; `audit verify` checks the chain still holds that entry with that hash and reaches that
 * far, so a superuser who rewrites and re-chains the trail, or cuts its newest entries, is caught.
 * One row per anchored head: the history is kept.
 */
export class Migration20261201000300 extends Migration {
  override up(): void {
    this.addSql(`create table "audit_anchors" (
      "tenant_id" uuid not null references "tenants" ("id") on delete cascade,
      "seq" bigint not null,
      "hash" text not null,
      "anchored_at" timestamptz not null default now(),
      "signature" text not null,
      constraint "audit_anchors_pkey" primary key ("tenant_id", "seq")
    );`);
  }

  override down(): void {
    this.addSql('drop table if exists "audit_anchors";');
  }
}
