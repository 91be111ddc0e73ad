import { Migration } from '@mikro-orm/migrations';

/** Tenant database: Webhook endpoints, deliveries, attempts and the relay cursor */
export class Migration20261208001652 extends Migration {
  override up(): void {
    this.addSql(
      `create table "webhook_endpoints" ("id" uuid not null, "url" text not null, "events" text[] not null, "active" boolean not null default true, "secret" text not null, "previous_secret" text null, "previous_secret_expires_at" timestamptz null, "after_seq" bigint not null, "failing_since" timestamptz null, "disabled_at" timestamptz null, "disabled_reason" text null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), constraint "webhook_endpoints_pkey" primary key ("id"));`,
    );

    this.addSql(
      `create table "webhook_deliveries" ("id" uuid not null, "endpoint_id" uuid not null, "event_id" uuid not null, "seq" bigint not null, "entity_key" text not null, "status" text not null default 'pending', "attempts" int not null default 0, "next_attempt_at" timestamptz not null, "created_at" timestamptz not null default now(), "completed_at" timestamptz null, constraint "webhook_deliveries_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "webhook_deliveries_due_index" on "webhook_deliveries" ("status", "next_attempt_at");`);
    this.addSql(
      `create index "webhook_deliveries_entity_order_index" on "webhook_deliveries" ("endpoint_id", "entity_key", "seq");`,
    );
    this.addSql(
      `alter table "webhook_deliveries" add constraint "webhook_deliveries_endpoint_event_unique" unique ("endpoint_id", "event_id");`,
    );

    this.addSql(
      `create table "webhook_attempts" ("id" uuid not null, "delivery_id" uuid not null, "endpoint_id" uuid not null, "event_id" uuid not null, "attempt" int not null, "status" text not null, "response_code" int null, "ms" int not null, "at" timestamptz not null default now(), "error" text null, constraint "webhook_attempts_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "webhook_attempts_endpoint_at_index" on "webhook_attempts" ("endpoint_id", "at");`);

    this.addSql(
      `create table "webhook_relay" ("id" smallint not null default 1, "last_seq" bigint not null, constraint "webhook_relay_pkey" primary key ("id"));`,
    );

    this.addSql(
      `alter table "webhook_deliveries" add constraint "webhook_deliveries_endpoint_id_foreign" foreign key ("endpoint_id") references "webhook_endpoints" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "webhook_attempts" add constraint "webhook_attempts_delivery_id_foreign" foreign key ("delivery_id") references "webhook_deliveries" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "webhook_attempts" add constraint "webhook_attempts_endpoint_id_foreign" foreign key ("endpoint_id") references "webhook_endpoints" ("id") on update cascade on delete cascade;`,
    );
  }

  override down(): void {
    this.addSql(`alter table "webhook_deliveries" drop constraint "webhook_deliveries_endpoint_id_foreign";`);

    this.addSql(`alter table "webhook_attempts" drop constraint "webhook_attempts_endpoint_id_foreign";`);

    this.addSql(`alter table "webhook_attempts" drop constraint "webhook_attempts_delivery_id_foreign";`);

    this.addSql(`drop table if exists "webhook_endpoints" cascade;`);

    this.addSql(`drop table if exists "webhook_deliveries" cascade;`);

    this.addSql(`drop table if exists "webhook_attempts" cascade;`);

    this.addSql(`drop table if exists "webhook_relay" cascade;`);
  }
}
