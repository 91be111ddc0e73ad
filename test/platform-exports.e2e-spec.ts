import { parsePostgresUrl } from '@app/catalog';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestApp, TestTenant } from './support/test-app';
import { binary, ndjson, unzip } from './support/zip';

/** super_admin exports of a tenant, suspended or not (two tenants: neither sees the other's). */
describe('platform exports: a suspended tenant is exported by the platform team only', () => {
  let t: TestApp;
  let pt: string;
  let acme: TestTenant;
  let globex: TestTenant;
  let dataDir: string;

  const platform = () => ({
    post: (path: string) =>
      t.http().post(`/api/v1/platform/tenants${path}`).set('authorization', `Bearer ${pt}`).send({}),
    get: (path: string) => t.http().get(`/api/v1/platform/tenants${path}`).set('authorization', `Bearer ${pt}`),
  });

  async function ready(slug: string, id: string): Promise<void> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const res = await platform().get(`/${slug}/exports/${id}`).expect(200);
      if (res.body.status === 'ready') return;
      if (res.body.status === 'failed') throw new Error(`export failed: ${res.body.error}`);
      if (Date.now() > deadline) throw new Error(`export ${id} still ${res.body.status}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'tessera-platform-exports-'));
    t = await TestApp.start({ DATA_DIR: dataDir });
    pt = await t.platformToken();
    [acme, globex] = await Promise.all([t.createTenant('acme', pt), t.createTenant('globex', pt)]);
    await t.as(acme.token, acme.slug).post('/leads', { name: 'Acme lead', email: 'a@acme.test' }).expect(201);
    await t.as(globex.token, globex.slug).post('/leads', { name: 'Globex lead', email: 'g@globex.test' }).expect(201);
    await platform().post(`/${globex.slug}/suspend`).expect(200);
  });
  afterAll(async () => {
    await t?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("refuses the suspended tenant's own company admin (403 tenant-suspended)", async () => {
    const res = await t.as(globex.token, globex.slug).post('/exports', {});
    expect({ status: res.status, type: res.body.type }).toEqual({
      status: 403,
      type: expect.stringMatching(/tenant-suspended$/),
    });
  });

  it('exports the suspended tenant for a super admin: its rows only, the download audited in its trail', async () => {
    const created = await platform().post(`/${globex.slug}/exports`).expect(202);
    expect(created.headers.location).toBe(`/api/v1/platform/tenants/${globex.slug}/exports/${created.body.id}`);
    await ready(globex.slug, created.body.id as string);
    const res = await platform()
      .get(`/${globex.slug}/exports/${created.body.id}/download`)
      .buffer(true)
      .parse(binary)
      .expect(200);
    const files = await unzip(res.body as Buffer);
    const leads = ndjson(files.get('leads.ndjson')!) as { email: string }[];
    expect(leads.map((l) => l.email)).toEqual(['g@globex.test']);
    const audited = await t.sql<{ actor_role: string }>(
      "select actor_role from audit_logs where action = 'export.download'",
      [],
      globex.dbName,
    );
    expect(audited).toEqual([{ actor_role: 'super_admin' }]);
    const trail = await t.sql<{ n: string }>(
      "select count(*)::text as n from platform_audit_logs where action like 'platform.tenant.%' and entity_id = $1 and outcome = 'success'",
      [globex.slug],
      parsePostgresUrl(t.catalogUrl).database,
    );
    expect(Number(trail[0].n)).toBeGreaterThanOrEqual(2); // the export and its download
  });

  it("answers 404 for another tenant's export under this tenant's slug, and for an unknown tenant", async () => {
    const acmeExport = await platform().post(`/${acme.slug}/exports`).expect(202);
    await platform().get(`/${globex.slug}/exports/${acmeExport.body.id}`).expect(404);
    await platform().get(`/${acme.slug}/exports/${acmeExport.body.id}`).expect(200);
    await platform().post('/nosuch-tenant/exports').expect(404);
  });

  it("refuses a tenant's company admin on the platform route (403) and a bad slug or id (400)", async () => {
    const res = await t
      .http()
      .post(`/api/v1/platform/tenants/${acme.slug}/exports`)
      .set('authorization', `Bearer ${acme.token}`)
      .send({});
    expect(res.status).toBe(403);
    await platform().post('/Not_A_Slug/exports').expect(400);
    await platform().get(`/${acme.slug}/exports/not-a-uuid`).expect(400);
    await t
      .http()
      .post(`/api/v1/platform/tenants/${acme.slug}/exports`)
      .set('authorization', `Bearer ${pt}`)
      .send({ format: 'csv' })
      .expect(400);
  });
});
