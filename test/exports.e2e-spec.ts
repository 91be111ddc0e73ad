import { AuditAnchors, verifyAuditChain } from '@app/audit';
import { ExportFiles } from '@app/exports';
import { TenantContext, TenantDirectory, TenantOrmRegistry } from '@app/tenancy';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestApp, TestTenant } from './support/test-app';
import { binary, ndjson, unzip } from './support/zip';

interface ManifestTable {
  name: string;
  rows: number;
  sha256: string;
  omittedColumns?: string[];
}
interface Manifest {
  schemaVersion: string;
  createdAt: string;
  tables: ManifestTable[];
  skippedTables?: { name: string; reason: string }[];
}

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

describe('exports (two tenants)', () => {
  let t: TestApp;
  let acme: TestTenant;
  let globex: TestTenant;
  let manager: string;
  let dataDir: string;

  const as = (tenant: TestTenant, token = tenant.token) => t.as(token, tenant.slug);

  async function exported(tenant: TestTenant, id: string): Promise<{ status: string; manifest: Manifest }> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const res = await as(tenant).get(`/exports/${id}`).expect(200);
      if (res.body.status === 'ready') return res.body;
      if (res.body.status === 'failed') throw new Error(`export failed: ${res.body.error}`);
      if (Date.now() > deadline) throw new Error(`export ${id} still ${res.body.status}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async function newExport(tenant: TestTenant): Promise<string> {
    const res = await as(tenant).post('/exports', {}).expect(202);
    return res.body.id;
  }

  async function download(tenant: TestTenant, id: string): Promise<Map<string, Buffer>> {
    const res = await as(tenant).get(`/exports/${id}/download`).buffer(true).parse(binary).expect(200);
    expect(res.headers['content-type']).toBe('application/zip');
    return unzip(res.body as Buffer);
  }

  async function zipPath(tenant: TestTenant, id: string): Promise<string> {
    const resolved = (await t.app.get(TenantDirectory).find(tenant.slug))!;
    return t.app.get(ExportFiles).path(resolved.id, 'export', id);
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'tessera-exports-'));
    t = await TestApp.start({ DATA_DIR: dataDir });
    const pt = await t.platformToken();
    [acme, globex] = await Promise.all([t.createTenant('acme', pt), t.createTenant('globex', pt)]);
    for (let i = 0; i < 30; i++) {
      const lead = await as(acme)
        .post('/leads', { name: `Lead ${i}`, email: `lead${i}@acme.test`, company: i % 2 ? 'Acme' : null })
        .expect(201);
      if (i % 10 === 0) await as(acme).post(`/leads/${lead.body.id}/convert`, { amount: '100.00', currency: 'EUR' });
    }
    await as(acme)
      .post('/api-keys', { name: 'sync', scopes: ['leads:read'] })
      .expect(201);
    await as(globex).post('/leads', { name: 'Globex only', email: 'g@globex.test' }).expect(201);
    const email = 'manager@acme.test';
    const password = 'manager-acme-passphrase';
    await as(acme).post('/users', { email, name: 'M', password, role: 'manager' }).expect(201);
    manager = (await t.http().post('/api/v1/auth/login').set('x-tenant-id', acme.slug).send({ email, password })).body
      .accessToken;
  });
  afterAll(async () => {
    await t?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('exports every table as NDJSON whose counts and hashes match the database', async () => {
    const res = await as(acme).post('/exports', {}).expect(202);
    expect(res.body).toMatchObject({ id: expect.any(String), status: 'pending' });
    expect(res.headers.location).toBe(`/api/v1/exports/${res.body.id}`);
    const done = await exported(acme, res.body.id);
    const files = await download(acme, res.body.id);

    const manifest = JSON.parse(files.get('manifest.json')!.toString()) as Manifest;
    expect(manifest).toEqual(done.manifest);
    const [{ name: newest }] = await t.sql<{ name: string }>(
      'select name from mikro_orm_migrations order by name desc limit 1',
      [],
      acme.dbName,
    );
    expect(manifest.schemaVersion).toBe(newest);
    expect(manifest.tables.map((table) => table.name)).toEqual(
      expect.arrayContaining(['users', 'api_keys', 'leads', 'deals', 'audit_logs', 'exports', 'privacy_requests']),
    );
    expect([...files.keys()].sort()).toEqual(
      ['manifest.json', ...manifest.tables.map((table) => `${table.name}.ndjson`)].sort(),
    );
    for (const table of manifest.tables) {
      const file = files.get(`${table.name}.ndjson`)!;
      expect(sha256(file)).toBe(table.sha256);
      expect(ndjson(file)).toHaveLength(table.rows);
    }
    // Tables nothing wrote to since the export: the same rows, and the same bytes when read again.
    for (const name of ['leads', 'deals', 'users', 'api_keys']) {
      const table = manifest.tables.find((candidate) => candidate.name === name)!;
      const omitted = `{${(table.omittedColumns ?? []).join(',')}}`;
      const lines = await t.sql<{ line: string }>(
        `select (to_jsonb(t) - $1::text[])::text as line from ${name} t order by id`,
        [omitted],
        acme.dbName,
      );
      expect(table.rows).toBe(lines.length);
      expect(sha256(lines.map((row) => `${row.line}\n`).join(''))).toBe(table.sha256);
    }
    expect(manifest.tables.find((table) => table.name === 'leads')!.rows).toBe(30);
    expect(manifest.tables.find((table) => table.name === 'deals')!.rows).toBe(3);
    const path = await zipPath(acme, res.body.id);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(Date.parse(done.manifest.createdAt)).toBeLessThanOrEqual(Date.now());
    const expiresAt = Date.parse((await as(acme).get(`/exports/${res.body.id}`)).body.expiresAt);
    expect(expiresAt - Date.now()).toBeGreaterThan(6.9 * 24 * 3600 * 1000);
  });

  it('leaves out password hashes, token and key hashes and the idempotency ledger, and says so', async () => {
    const id = await newExport(acme);
    const { manifest } = await exported(acme, id);
    const files = await download(acme, id);
    expect(manifest.skippedTables!.map((s) => s.name).sort()).toEqual(
      ['idempotency_commits', 'mikro_orm_migrations', 'refresh_tokens'].sort(),
    );
    expect(files.has('refresh_tokens.ndjson')).toBe(false);
    expect(files.has('idempotency_commits.ndjson')).toBe(false);
    const users = manifest.tables.find((table) => table.name === 'users')!;
    expect(users.omittedColumns).toEqual(expect.arrayContaining(['password_hash']));
    expect(manifest.tables.find((table) => table.name === 'api_keys')!.omittedColumns).toEqual(['key_hash']);
    for (const row of ndjson(files.get('users.ndjson'))) expect(row).not.toHaveProperty('password_hash');
    for (const row of ndjson(files.get('api_keys.ndjson'))) expect(row).not.toHaveProperty('key_hash');
    const secrets = [
      ...(await t.sql<{ v: string }>('select password_hash as v from users', [], acme.dbName)),
      ...(await t.sql<{ v: string }>('select key_hash as v from api_keys', [], acme.dbName)),
      ...(await t.sql<{ v: string }>('select token_hash as v from refresh_tokens', [], acme.dbName)),
    ].map((row) => row.v);
    expect(secrets.length).toBeGreaterThanOrEqual(3);
    const everything = [...files.values()].map((file) => file.toString('utf8')).join('\n');
    for (const secret of secrets) expect(everything).not.toContain(secret);
    // The audit chain's hashes are not secrets: a holder of the export can check the chain.
    expect(ndjson(files.get('audit_logs.ndjson'))[0]).toHaveProperty('hash');
  });

  it('writes one audit entry per download', async () => {
    const id = await newExport(acme);
    await exported(acme, id);
    const count = async () =>
      Number(
        (
          await t.sql<{ n: string }>(
            "select count(*) as n from audit_logs where action = 'export.download' and entity_id = $1",
            [id],
            acme.dbName,
          )
        )[0].n,
      );
    expect(await count()).toBe(0);
    await download(acme, id);
    await download(acme, id);
    expect(await count()).toBe(2);
    const entries = (await as(acme).get(`/audit-logs?action=export.download&entityId=${id}`).expect(200)).body.data;
    expect(entries).toHaveLength(2);
    expect(entries[0]).toMatchObject({ entity: 'export', outcome: 'success', actorRole: 'company_admin' });
  });

  it("answers 404 for another tenant's export, 403 to other roles and 400 to a bad id", async () => {
    const id = await newExport(acme);
    await exported(acme, id);
    await as(globex).get(`/exports/${id}`).expect(404);
    await as(globex).get(`/exports/${id}/download`).expect(404);
    await as(acme, manager).get(`/exports/${id}`).expect(403);
    await as(acme, manager).post('/exports', {}).expect(403);
    const bad = await as(acme).get('/exports/not-a-uuid').expect(400);
    expect(bad.headers['content-type']).toMatch(/application\/problem\+json/);
    await as(acme).get('/exports/00000000-0000-4000-8000-000000000000').expect(404);
    await as(acme).get('/exports/%00').expect(400);
    await as(acme)
      .post('/exports', { include: ['leads'] })
      .expect(400);
    await as(acme).post('/exports', []).expect(400);
    // Body-less: no body at all, with or without a JSON content type.
    await as(acme).post('/exports', {}).unset('content-type').send().expect(202);
    await t
      .http()
      .post('/api/v1/exports')
      .set('authorization', `Bearer ${acme.token}`)
      .set('content-type', 'application/json')
      .expect(202);
    const globexExport = await newExport(globex);
    const { manifest } = await exported(globex, globexExport);
    const files = await download(globex, globexExport);
    expect(manifest.tables.find((table) => table.name === 'leads')!.rows).toBe(1);
    expect(files.get('leads.ndjson')!.toString()).not.toContain('acme.test');
  });

  it('answers 409 while an export is not ready', async () => {
    const [row] = await t.sql<{ id: string }>(
      "insert into exports (id, status, requested_by) values (gen_random_uuid(), 'running', 'test') returning id",
      [],
      acme.dbName,
    );
    const res = await as(acme).get(`/exports/${row.id}/download`).expect(409);
    expect(res.body.type).toMatch(/\/export-not-ready$/);
  });

  it('an expired export is gone: 404, its file removed, and the sweep removes files past their expiry', async () => {
    const id = await newExport(acme);
    await exported(acme, id);
    const path = await zipPath(acme, id);
    expect(existsSync(path)).toBe(true);
    await t.sql("update exports set expires_at = now() - interval '1 second' where id = $1", [id], acme.dbName);
    await as(acme).get(`/exports/${id}/download`).expect(404);
    await as(acme).get(`/exports/${id}`).expect(404);
    expect(existsSync(path)).toBe(false);
    const [{ status }] = await t.sql<{ status: string }>('select status from exports where id = $1', [id], acme.dbName);
    expect(status).toBe('expired');

    const other = await newExport(acme);
    await exported(acme, other);
    const otherPath = await zipPath(acme, other);
    const past = new Date(Date.now() - 1000);
    utimesSync(otherPath, past, past);
    expect(await t.app.get(ExportFiles).sweep()).toBeGreaterThanOrEqual(1);
    expect(existsSync(otherPath)).toBe(false);
  });

  it('twenty concurrent exports each finish with a complete zip of their own', async () => {
    const ids = await Promise.all(Array.from({ length: 20 }, () => newExport(acme)));
    expect(new Set(ids).size).toBe(20);
    const done = await Promise.all(ids.map((id) => exported(acme, id)));
    const rows = await t.sql<{ id: string; status: string }>(
      'select id, status from exports where id = any($1::uuid[])',
      [ids],
      acme.dbName,
    );
    expect(rows).toHaveLength(20);
    expect(rows.every((row) => row.status === 'ready')).toBe(true);
    for (const [i, id] of ids.entries()) {
      expect(existsSync(await zipPath(acme, id))).toBe(true);
      expect(done[i].manifest.tables.find((table) => table.name === 'leads')!.rows).toBe(30);
    }
  });

  it('records the exports in the audit trail and leaves its chain verifying', async () => {
    const tenant = (await t.app.get(TenantDirectory).find(acme.slug))!;
    const report = await t.app.get(TenantOrmRegistry).run(tenant, () => verifyAuditChain(t.app.get(TenantContext).em));
    expect(report.ok).toBe(true);
    const verification = await t.app.get(AuditAnchors).verify(acme.slug);
    expect(verification?.ok).toBe(true);
    const created = (await as(acme).get('/audit-logs?action=export.create&limit=100').expect(200)).body.data;
    expect(created.length).toBeGreaterThanOrEqual(20);
  });
});
