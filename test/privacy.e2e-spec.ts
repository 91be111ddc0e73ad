import { AuditAnchors, verifyAuditChain } from '@app/audit';
import { TenantContext, TenantDirectory, TenantOrmRegistry } from '@app/tenancy';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestApp, TestTenant } from './support/test-app';
import { binary, ndjson, unzip } from './support/zip';

interface PrivacyRequestBody {
  id: string;
  type: string;
  status: string;
  email: string | null;
  result: { leads: number; deals: number; auditEntries: number } | null;
  error: string | null;
}

describe('privacy requests (two tenants)', () => {
  let t: TestApp;
  let acme: TestTenant;
  let globex: TestTenant;
  let manager: string;
  let dataDir: string;

  const as = (tenant: TestTenant, token = tenant.token) => t.as(token, tenant.slug);

  async function finished(tenant: TestTenant, id: string): Promise<PrivacyRequestBody> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const res = await as(tenant).get(`/privacy/requests/${id}`).expect(200);
      if (res.body.status === 'done') return res.body;
      if (res.body.status === 'failed') throw new Error(`privacy request failed: ${res.body.error}`);
      if (Date.now() > deadline) throw new Error(`privacy request ${id} still ${res.body.status}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async function ask(tenant: TestTenant, type: 'access' | 'erase', email: string): Promise<string> {
    const res = await as(tenant).post('/privacy/requests', { type, email }).expect(202);
    expect(res.headers.location).toBe(`/api/v1/privacy/requests/${res.body.id}`);
    return res.body.id;
  }

  async function lead(tenant: TestTenant, name: string, email: string, extra: object = {}): Promise<string> {
    return (
      await as(tenant)
        .post('/leads', { name, email, ...extra })
        .expect(201)
    ).body.id;
  }

  async function chain(tenant: TestTenant) {
    const resolved = (await t.app.get(TenantDirectory).find(tenant.slug))!;
    return t.app.get(TenantOrmRegistry).run(resolved, () => verifyAuditChain(t.app.get(TenantContext).em));
  }

  const count = async (tenant: TestTenant, sql: string, params: unknown[] = []) =>
    Number((await t.sql<{ n: string }>(`select count(*) as n from (${sql}) q`, params, tenant.dbName))[0].n);

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'tessera-privacy-'));
    t = await TestApp.start({ DATA_DIR: dataDir });
    const pt = await t.platformToken();
    [acme, globex] = await Promise.all([t.createTenant('acme', pt), t.createTenant('globex', pt)]);
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

  it("access returns exactly the person's records, and nothing of another person or tenant", async () => {
    const first = await lead(acme, 'Wile E. Coyote', 'wile@acme.test', { phone: '+1 555 0100', company: 'Acme' });
    const second = await lead(acme, 'Wile Coyote', 'Wile@Acme.test');
    await as(acme).patch(`/leads/${first}`, { status: 'contacted' }).expect(200);
    const deal = (await as(acme).post(`/leads/${first}/convert`, { amount: '10.00', currency: 'USD' }).expect(201)).body
      .id;
    const lookalike = await lead(acme, 'Not Wile', 'e.wile@acme.test');
    const globexWile = await lead(globex, 'Globex Wile', 'wile@acme.test');

    const id = await ask(acme, 'access', 'WILE@acme.test');
    const done = await finished(acme, id);
    expect(done).toMatchObject({ type: 'access', email: 'wile@acme.test', result: { leads: 2, deals: 1 } });
    const res = await as(acme).get(`/privacy/requests/${id}/download`).buffer(true).parse(binary).expect(200);
    const files = await unzip(res.body as Buffer);
    expect([...files.keys()].sort()).toEqual(['audit_logs.ndjson', 'deals.ndjson', 'leads.ndjson', 'manifest.json']);
    expect(
      ndjson(files.get('leads.ndjson'))
        .map((row) => row.id)
        .sort(),
    ).toEqual([first, second].sort());
    expect(ndjson(files.get('deals.ndjson')).map((row) => row.id)).toEqual([deal]);
    const audit = ndjson(files.get('audit_logs.ndjson'));
    expect(audit.length).toBe(done.result!.auditEntries);
    const about = new Set(audit.map((row) => row.entity_id));
    for (const record of [first, second, deal]) expect(about.has(record)).toBe(true);
    expect(audit.every((row) => !('changes_salt' in row))).toBe(true);
    const everything = [...files.values()].map((file) => file.toString()).join('\n');
    expect(everything).not.toContain(lookalike);
    expect(everything).not.toContain('e.wile@acme.test');
    expect(everything).not.toContain(globexWile);
    expect(everything).not.toContain('Globex Wile');
    // Another tenant sees neither the request nor its zip.
    await as(globex).get(`/privacy/requests/${id}`).expect(404);
    await as(globex).get(`/privacy/requests/${id}/download`).expect(404);
    const downloads = await count(
      acme,
      "select 1 from audit_logs where action = 'privacy_request.download' and entity_id = $1",
      [id],
    );
    expect(downloads).toBe(1);
  });

  it('erase removes the person from leads and deals, keeps the audit entries redacted, and the chain verifies', async () => {
    await as(acme)
      .post('/custom-fields', { entity: 'lead', key: 'nickname', label: 'Nickname', type: 'text' })
      .expect(201);
    const first = await lead(acme, 'Road Runner', 'road@acme.test', {
      phone: '+1 555 0199',
      company: 'Desert',
      customFields: { nickname: 'Beep Beep' },
    });
    await as(acme).patch(`/leads/${first}`, { company: 'Desert Inc', phone: '+1 555 0200' }).expect(200);
    const deal = (await as(acme).post(`/leads/${first}/convert`, { amount: '20.00', currency: 'USD' }).expect(201)).body
      .id;
    const second = await lead(acme, 'R. Runner', 'ROAD@acme.test');
    const bystander = await lead(acme, 'Bystander', 'bystander@acme.test', { company: 'Desert Inc' });
    const globexRoad = await lead(globex, 'Globex Road', 'road@acme.test');
    const access = await ask(acme, 'access', 'road@acme.test');
    await finished(acme, access);
    const entriesAbout = `select 1 from audit_logs where entity_id = any($1::text[])`;
    const before = await count(acme, entriesAbout, [[first, second, deal]]);
    expect(before).toBeGreaterThanOrEqual(4);

    const id = await ask(acme, 'erase', 'road@acme.test');
    const done = await finished(acme, id);
    expect(done).toMatchObject({ type: 'erase', email: null, result: { leads: 2, deals: 1 } });
    expect(done.result!.auditEntries).toBeGreaterThanOrEqual(before);

    // Gone from leads and deals, whatever the spelling.
    for (const value of ['road@acme.test', 'Road Runner', 'R. Runner', 'Desert Inc', '555 0199', '555 0200', 'Beep']) {
      const hits = await count(
        acme,
        `select 1 from leads l where concat_ws('|', l.name, l.email, l.phone, l.company, l.custom_fields) ilike $1
         union all select 1 from deals d where d.title ilike $1 and d.id = $2`,
        [`%${value}%`, deal],
      );
      expect({ value, hits }).toEqual({ value, hits: value === 'Desert Inc' ? 1 : 0 }); // the bystander's company stays
    }
    const [erased] = await t.sql('select name, email, phone, company from leads where id = $1', [first], acme.dbName);
    expect(erased).toEqual({ name: '[erased]', email: null, phone: null, company: null });
    expect((await t.sql('select title from deals where id = $1', [deal], acme.dbName))[0]).toEqual({
      title: '[erased]',
    });
    // Nowhere in the audit trail either, though its entries stay (the legal record).
    expect(await count(acme, "select 1 from audit_logs where changes::text ilike '%road@acme.test%'")).toBe(0);
    expect(await count(acme, "select 1 from audit_logs where changes::text ilike '%Road Runner%'")).toBe(0);
    expect(await count(acme, "select 1 from audit_logs where changes::text ilike '%555 0199%'")).toBe(0);
    expect(await count(acme, "select 1 from audit_logs where changes::text ilike '%Beep Beep%'")).toBe(0);
    // Nor in the event log: the person's events stay, their values do not.
    for (const value of ['road@acme.test', 'Road Runner', 'R. Runner', 'Beep Beep', '555 0200'])
      expect({
        value,
        events: await count(acme, 'select 1 from outbox where data::text ilike $1', [`%${value}%`]),
      }).toEqual({
        value,
        events: 0,
      });
    expect(
      await count(acme, 'select 1 from outbox where entity_id = any($1::uuid[])', [[first, second, deal]]),
    ).toBeGreaterThanOrEqual(5);
    expect(await count(acme, entriesAbout, [[first, second, deal]])).toBe(before);
    // The privacy requests forget the address too.
    expect(await count(acme, "select 1 from privacy_requests where email ilike '%road@acme.test%'")).toBe(0);
    // One entry states the erasure and lists what it redacted.
    const [erasure] = await t.sql<{ id: string; changes: { redactedEntries: string[]; leads: number } }>(
      "select id, changes from audit_logs where action = 'privacy.erase' and entity_id = $1",
      [id],
      acme.dbName,
    );
    expect(erasure.changes.leads).toBe(2);
    expect(erasure.changes.redactedEntries).toHaveLength(done.result!.auditEntries);
    expect(await count(acme, 'select 1 from audit_logs where redacted_by = $1', [erasure.id])).toBe(
      done.result!.auditEntries,
    );
    const entries = (await as(acme).get(`/audit-logs?entity=lead&entityId=${first}`).expect(200)).body.data;
    const update = entries.find((e: { action: string }) => e.action === 'lead.update');
    expect(update.changes.company).toEqual({ before: '[redacted]', after: '[redacted]' });
    // The chain still verifies, against its anchors too.
    expect(await chain(acme)).toMatchObject({ ok: true });
    await t.app.get(AuditAnchors).anchor(acme.slug);
    expect((await t.app.get(AuditAnchors).verify(acme.slug))?.ok).toBe(true);
    // Nobody else was touched.
    const [kept] = await t.sql('select name, email, company from leads where id = $1', [bystander], acme.dbName);
    expect(kept).toEqual({ name: 'Bystander', email: 'bystander@acme.test', company: 'Desert Inc' });
    const [other] = await t.sql('select name, email from leads where id = $1', [globexRoad], globex.dbName);
    expect(other).toEqual({ name: 'Globex Road', email: 'road@acme.test' });
  });

  it('twenty concurrent erasures of one person leave nothing behind and a chain that verifies', async () => {
    const leads = await Promise.all(
      Array.from({ length: 5 }, (_, i) => lead(acme, `Speedy ${i}`, 'speedy@acme.test', { phone: `+1 555 01${i}0` })),
    );
    const ids = await Promise.all(Array.from({ length: 20 }, () => ask(acme, 'erase', 'speedy@acme.test')));
    const done = await Promise.all(ids.map((id) => finished(acme, id)));
    expect(done.every((request) => request.status === 'done' && request.email === null)).toBe(true);
    expect(done.reduce((sum, request) => sum + request.result!.leads, 0)).toBe(5);
    expect(await count(acme, "select 1 from leads where email = 'speedy@acme.test'")).toBe(0);
    expect(await count(acme, 'select 1 from leads where id = any($1::uuid[]) and name = $2', [leads, '[erased]'])).toBe(
      5,
    );
    expect(await count(acme, "select 1 from audit_logs where changes::text ilike '%speedy%'")).toBe(0);
    expect(await count(acme, "select 1 from audit_logs where action = 'privacy.erase'")).toBeGreaterThanOrEqual(20);
    expect(await chain(acme)).toMatchObject({ ok: true });
  });

  it('refuses bad input with problem details, other roles with 403 and unknown ids with 404', async () => {
    const bad: unknown[] = [
      { type: 'delete', email: 'a@acme.test' },
      { type: 'access' },
      { email: 'a@acme.test' },
      { type: null, email: 'a@acme.test' },
      { type: 'access', email: null },
      { type: 'access', email: 'not-an-email' },
      { type: 'access', email: 'a\u0000b@acme.test' },
      { type: 'access', email: 'a\ud800@acme.test' },
      { type: 'access', email: `${'a'.repeat(100_000)}@acme.test` },
      { type: 'access', email: 'a@acme.test', extra: true },
      { type: ['access'], email: 'a@acme.test' },
      { type: 'access', email: 42 },
      [],
    ];
    for (const body of bad) {
      const res = await as(acme).post('/privacy/requests', body as object);
      expect({ body, status: res.status }).toEqual({ body, status: expect.any(Number) });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    }
    await as(acme).get('/privacy/requests/not-a-uuid').expect(400);
    await as(acme).get('/privacy/requests/00000000-0000-4000-8000-000000000000').expect(404);
    await as(acme, manager).post('/privacy/requests', { type: 'access', email: 'a@acme.test' }).expect(403);
    const id = await ask(acme, 'erase', 'nobody@acme.test');
    await as(acme, manager).get(`/privacy/requests/${id}`).expect(403);
    const done = await finished(acme, id);
    expect(done.result).toEqual({ leads: 0, deals: 0, auditEntries: 1 }); // its own creation entry named the address
    const res = await as(acme).get(`/privacy/requests/${id}/download`).expect(409);
    expect(res.body.type).toMatch(/\/no-download$/);
  });

  it('refuses a redaction that no erasure entry records, and reports one made behind its back', async () => {
    await lead(globex, 'Victim', 'victim@globex.test');
    const [victim] = await t.sql<{ id: string; seq: string }>(
      "select id, seq from audit_logs where changes::text like '%victim@globex.test%' order by seq limit 1",
      [],
      globex.dbName,
    );
    await expect(
      t.sql(
        "select audit_logs_redact(array[$1::uuid], '{name}', '{}', '[redacted]', gen_random_uuid())",
        [victim.id],
        globex.dbName,
      ),
    ).rejects.toThrow(/privacy.erase/);
    await expect(
      t.sql("update audit_logs set changes = '{}' where id = $1", [victim.id], globex.dbName),
    ).rejects.toThrow(/append-only/);
    expect(await chain(globex)).toMatchObject({ ok: true });
    // A superuser, bypassing the triggers, marks the entry redacted without an erasure entry.
    await t.sql(
      `begin; set local session_replication_role = replica;
       update audit_logs set changes = '{}', changes_salt = null, redacted_by = gen_random_uuid() where id = '${victim.id}'; commit;`,
      [],
      globex.dbName,
    );
    expect(await chain(globex)).toMatchObject({
      ok: false,
      firstBroken: { id: victim.id, seq: Number(victim.seq), reason: 'redaction-unrecorded' },
    });
  });
});
