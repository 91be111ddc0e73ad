import { Migration } from '@mikro-orm/migrations';

/** Catalog: the schema version of each tenant, the provisioning saga's steps, lifecycle times, backups. */
export class Migration20261126000800 extends Migration {
  override up(): void {
    this.addSql(`alter table "tenants"
      add column "schema_version" text null,
      add column "steps" jsonb not null default '[]',
      add column "attempts" int not null default 0,
      add column "suspended_at" timestamptz null,
      add column "offboarded_at" timestamptz null,
      add column "backup_path" text null;`);
  }

  override down(): void {
    this.addSql(`alter table "tenants" drop column "schema_version", drop column "steps", drop column "attempts",
      drop column "suspended_at", drop column "offboarded_at", drop column "backup_path";`);
  }
}
