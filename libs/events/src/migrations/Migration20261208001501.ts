import { Migration } from '@mikro-orm/migrations';

/**
 * Tenant database: the transactional outbox and its head row. `seq` is not a sequence: the flush
 * subscriber takes `outbox_head.last_seq + n` just before COMMIT, so seqs are gap-free and in commit
 * order (a reader that sees seq N has seen every seq below it). The head row exists from the start.
 */
export class Migration20261208001501 extends Migration {
  override up(): void {
    this.addSql(
      `create table "outbox" ("seq" bigint not null, "id" uuid not null, "type" text not null, "entity" text not null, "entity_id" uuid not null, "visible_to" uuid[] not null, "data" jsonb not null, "occurred_at" timestamptz not null default now(), constraint "outbox_pkey" primary key ("seq"));`,
    );
    this.addSql(`alter table "outbox" add constraint "outbox_id_unique" unique ("id");`);
    this.addSql(`create index "outbox_occurred_at_index" on "outbox" ("occurred_at");`);

    this.addSql(
      `create table "outbox_head" ("id" smallint not null, "last_seq" bigint not null, constraint "outbox_head_pkey" primary key ("id"), constraint outbox_head_id_check check ("id" = 1));`,
    );
    this.addSql(`insert into "outbox_head" ("id", "last_seq") values (1, 0);`);
  }

  override down(): void {
    this.addSql(`drop table if exists "outbox" cascade;`);

    this.addSql(`drop table if exists "outbox_head" cascade;`);
  }
}
