import { parsePostgresUrl, toPostgresUrl, withClient } from '@app/catalog';
import { migrateSchema, schemaDrift, withSchemaOrm, withScratchDatabase } from '../apps/schema/schema-drift';
import { TestApp, TestTenant } from './support/test-app';

/**
 * Entities and migrations agree (Immich's schema check): the databases Tessera really migrates — the catalog at
 * start-up, a server's template by the fleet (TemplateDatabases → TenantMigrator) when a tenant is onboarded —
 * have no pending schema diff against the entities.
 */
describe('entities and migrations agree', () => {
  let t: TestApp;
  let tenant: TestTenant;
  const database = (name: string) => toPostgresUrl({ ...parsePostgresUrl(t.adminUrl), database: name });
  const updateSql = (name: 'catalog' | 'tenant', url: string) =>
    withSchemaOrm(name, url, (orm) => orm.getSchemaGenerator().getUpdateSchemaSQL());

  beforeAll(async () => {
    t = await TestApp.start();
    tenant = await t.createTenant('drift'); // onboarding migrates the server's template, then clones it
  });
  // Drops the suite's catalog, template and tenant databases (and its role).
  afterAll(() => t?.stop());

  it('the migrated template database has no pending schema diff against the tenant entities', async () => {
    expect(await updateSql('tenant', database(`${t.prefix}_template`))).toBe('');
  });

  it('a tenant database cloned from the template has none either', async () => {
    expect(await updateSql('tenant', database(tenant.dbName))).toBe('');
  });

  it('the catalog migrated at start-up has no pending schema diff against the catalog entities', async () => {
    expect(await updateSql('catalog', t.catalogUrl)).toBe('');
  });

  it("the template's columns, indexes and constraints are those a database built from the tenant entities has", async () => {
    expect((await schemaDrift('tenant', database(`${t.prefix}_template`))).definitions).toEqual([]);
  });

  it("the catalog's columns, indexes and constraints are those a database built from the catalog entities has", async () => {
    expect((await schemaDrift('catalog', t.catalogUrl)).definitions).toEqual([]);
  });

  it('reports a migrated database that lost an index, a constraint and a NOT NULL, and one whose index changed', async () => {
    const drift = await withScratchDatabase(t.adminUrl, 'tenant_changed', async (url) => {
      await migrateSchema('tenant', url);
      await withClient(parsePostgresUrl(url), async (client) => {
        await client.query('drop index "leads_name_trgm"');
        await client.query('alter table "deals" drop constraint "deals_currency_check"');
        await client.query('alter table "users" alter column "name" drop not null');
        await client.query('drop index "deals_closed_at_index"');
        await client.query(`create index "deals_closed_at_index" on "deals" ("closed_at") where "stage" = 'lost'`);
      });
      return schemaDrift('tenant', url);
    });
    expect(drift.sql).toContain('create index "leads_name_trgm" on "leads" using gin ("name" gin_trgm_ops);');
    expect(drift.sql).toContain(`add constraint deals_currency_check check("currency" ~ '^[A-Z]{3}$');`);
    expect(drift.sql).toContain('alter table "users" alter column "name" set not null;');
    // MikroORM compares an index declared by `expression` by its name only: the definitions catch the change.
    expect(drift.sql).not.toContain('deals_closed_at_index');
    expect(drift.definitions).toEqual(
      expect.arrayContaining([
        "- index CREATE INDEX deals_closed_at_index ON public.deals USING btree (closed_at) WHERE (stage = 'lost'::text)",
        "+ index CREATE INDEX deals_closed_at_index ON public.deals USING btree (closed_at) WHERE (stage = 'won'::text)",
      ]),
    );
  });
});
