import { parsePostgresUrl, PgTarget } from '@app/catalog';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TenantFleet, TenantRelocator } from '@app/fleet';
import type { RelocationView } from '@app/platform';
import { dropFromSecondServer, secondServer, sqlOn, twoServerEnv } from './support/second-server';
import { TestApp, TestTenant } from './support/test-app';

/**
 * Relocation of live tenants between `main` (the catalog's server, wal_level replica: the freeze
 * method) and `dedicated-1` (the second test server, wal_level logical: replication), under a
 * writer at 20 writes/s and a reader.
 */
describe('relocating a live tenant to another database server', () => {
  let t: TestApp;
  let pt: string;
  const dir = mkdtempSync(join(tmpdir(), 'tessera-relocation-'));
  const second = secondServer();
  const on = sqlOn;
  const main = () => parsePostgresUrl(t.adminUrl);

  beforeAll(async () => {
    t = await TestApp.start({
      ...twoServerEnv(dir, [{ name: 'tiny-1', capacity: 1 }]),
      TENANT_SPARE_DATABASES: '0',
      RELOCATION_FREEZE_DRAIN_MS: '1000',
    });
    pt = await t.platformToken();
  }, 120_000);

  afterAll(async () => {
    await t?.stop();
    await dropFromSecondServer(t.prefix, { relocationLogins: true });
    rmSync(dir, { recursive: true, force: true });
  });

  const platform = () => ({
    post: (path: string, body: object) =>
      t.http().post(`/api/v1/platform${path}`).set('authorization', `Bearer ${pt}`).send(body),
    get: (path: string) => t.http().get(`/api/v1/platform${path}`).set('authorization', `Bearer ${pt}`),
  });

  /** Onboards `name` on `server` and signs its company admin in. */
  async function tenantOn(name: string, server: string): Promise<TestTenant> {
    const slug = `${name}-${t.id}`;
    const admin = { email: `admin@${name}.test`, password: `admin-${name}-passphrase`, name: `${name} admin` };
    await platform()
      .post('/tenants', {
        slug,
        name,
        adminEmail: admin.email,
        adminName: admin.name,
        adminPassword: admin.password,
        dbServer: server,
      })
      .expect(202);
    await t.waitForStatus(slug, 'active', pt, 60_000);
    const login = await t
      .http()
      .post('/api/v1/auth/login')
      .set('x-tenant-id', slug)
      .send({ email: admin.email, password: admin.password })
      .expect(200);
    return { slug, admin, token: login.body.accessToken, dbName: `${t.prefix}${slug.replace(/-/g, '_')}` };
  }

  /** `count` leads written straight into the tenant's database (volume for the copy). */
  async function seedLeads(server: PgTarget, tenant: TestTenant, count: number): Promise<void> {
    await on(
      server,
      `insert into leads (id, name, email, status, source, owner_id, created_at, updated_at)
       select gen_random_uuid(), 'Seeded ' || g, 'seeded' || g || '@example.test', 'new', 'import',
              (select id from users order by created_at limit 1), now(), now()
         from generate_series(1, $1::int) g`,
      [count],
      tenant.dbName,
    );
  }

  interface Traffic {
    stop: () => Promise<{
      written: string[];
      writeStatuses: Record<string, number>;
      readStatuses: Record<string, number>;
    }>;
  }

  /** A writer (POST /leads every 50 ms: ≤ 20 writes/s) and a reader (GET /leads) until stopped. */
  function traffic(tenant: TestTenant): Traffic {
    let running = true;
    const written: string[] = [];
    const writeStatuses: Record<string, number> = {};
    const readStatuses: Record<string, number> = {};
    const count = (into: Record<string, number>, key: string) => (into[key] = (into[key] ?? 0) + 1);
    const writer = (async () => {
      for (let i = 0; running; i++) {
        const res = await t
          .as(tenant.token, tenant.slug)
          .post('/leads', { name: `Live ${i}`, email: `live${i}@example.test` });
        if (res.status === 201) written.push(res.body.id as string);
        count(writeStatuses, res.status === 503 ? `503 ${String(res.body.type).split('/').pop()}` : String(res.status));
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const reader = (async () => {
      while (running) {
        const res = await t.as(tenant.token, tenant.slug).get('/leads?limit=5');
        count(readStatuses, String(res.status));
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    return {
      stop: async () => {
        running = false;
        await Promise.all([writer, reader]);
        return { written, writeStatuses, readStatuses };
      },
    };
  }

  async function waitForEnd(slug: string, id: string, timeoutMs = 120_000): Promise<RelocationView> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const res = await platform().get(`/tenants/${slug}/relocations/${id}`).expect(200);
      const body = res.body as RelocationView;
      if (['done', 'failed', 'aborted'].includes(body.status)) return body;
      if (Date.now() > deadline) throw new Error(`relocation ${id} still ${res.body.status}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** The audit chain of a tenant database verifies (the query of verifyAuditChain). */
  async function chainBreaks(server: PgTarget, dbName: string): Promise<unknown[]> {
    return on(
      server,
      `select seq from (select seq, hash, prev_hash, coalesce(lag(hash) over (order by seq), 'genesis') as previous,
              encode(sha256(convert_to(audit_logs_canonical(a), 'UTF8')), 'hex') as expected from audit_logs a) c
        where hash <> expected or prev_hash <> previous`,
      [],
      dbName,
    );
  }

  it('freeze method (source without logical WAL): nothing lost, reads served throughout, writes refused only with 503 tenant-relocating', async () => {
    const acme = await tenantOn('acme', 'main');
    const other = await tenantOn('other', 'main');
    await t.as(other.token, other.slug).post('/leads', { name: 'Stays', email: 'stays@other.test' }).expect(201);
    await seedLeads(main(), acme, 3000);
    const load = traffic(acme);
    await new Promise((r) => setTimeout(r, 500));
    const started = await platform()
      .post(`/tenants/${acme.slug}/relocations`, { targetServer: 'dedicated-1' })
      .expect(202);
    expect(started.headers.location).toBe(`/api/v1/platform/tenants/${acme.slug}/relocations/${started.body.id}`);
    expect(started.body).toMatchObject({ status: 'copying', fromServer: 'main', toServer: 'dedicated-1' });
    const ended = await waitForEnd(acme.slug, started.body.id);
    await new Promise((r) => setTimeout(r, 500));
    const { written, writeStatuses, readStatuses } = await load.stop();

    expect(ended).toMatchObject({ status: 'done', method: 'freeze', verification: { auditHeadMatch: true } });
    expect(ended.writeFreezeMs).toBeGreaterThan(0);
    expect(ended.verification?.tables.every((x) => x.checksumMatch)).toBe(true);
    expect(Object.keys(readStatuses)).toEqual(['200']);
    expect(Object.keys(writeStatuses).sort()).toEqual(
      Object.keys(writeStatuses)
        .filter((k) => k === '201' || k === '503 tenant-relocating')
        .sort(),
    );
    expect(written.length).toBeGreaterThan(5);
    // Every acknowledged write is on the new server, and the catalog routes there.
    const there = await on<{ id: string }>(
      second,
      'select id from leads where id = any($1::uuid[])',
      [written],
      acme.dbName,
    );
    expect(there).toHaveLength(written.length);
    expect((await platform().get(`/tenants/${acme.slug}`).expect(200)).body.dbServer).toBe('dedicated-1');
    expect(await chainBreaks(second, acme.dbName)).toEqual([]);
    const after = await t
      .as(acme.token, acme.slug)
      .post('/leads', { name: 'After', email: 'after@acme.test' })
      .expect(201);
    expect(await on(second, 'select 1 from leads where id = $1', [after.body.id], acme.dbName)).toHaveLength(1);
    // The source is kept, read-only; the other tenant on it never noticed.
    expect(await on(main(), 'select 1 from pg_database where datname = $1', [acme.dbName])).toHaveLength(1);
    const page = await t.as(other.token, other.slug).get('/leads').expect(200);
    expect(page.body.data.map((l: { email: string }) => l.email)).toEqual(['stays@other.test']);
  }, 180_000);

  it('takes the tenant’s custom field indexes along (cf_…, made by jobs, not by migrations)', async () => {
    const fields = await tenantOn('fields', 'main');
    await t
      .as(fields.token, fields.slug)
      .post('/custom-fields', { entity: 'lead', key: 'rank', label: 'Rank', type: 'number', indexed: true })
      .expect(201);
    const built = `select 1 from pg_indexes where indexname = 'cf_lead_rank'`;
    for (let i = 0; !(await on(main(), built, [], fields.dbName)).length; i++) {
      if (i > 300) throw new Error('the custom field index was not built');
      await new Promise((r) => setTimeout(r, 100));
    }
    const started = await platform()
      .post(`/tenants/${fields.slug}/relocations`, { targetServer: 'dedicated-1' })
      .expect(202);
    expect(await waitForEnd(fields.slug, started.body.id)).toMatchObject({ status: 'done' });
    expect(await on(second, built, [], fields.dbName)).toHaveLength(1);
  }, 120_000);

  it('logical method (source with logical WAL): writes go on during the copy, refused only at the cut-over', async () => {
    const globex = await tenantOn('globex', 'dedicated-1');
    await seedLeads(second, globex, 3000);
    const load = traffic(globex);
    await new Promise((r) => setTimeout(r, 500));
    const started = await platform().post(`/tenants/${globex.slug}/relocations`, { targetServer: 'main' }).expect(202);
    const ended = await waitForEnd(globex.slug, started.body.id);
    await new Promise((r) => setTimeout(r, 500));
    const { written, writeStatuses, readStatuses } = await load.stop();

    expect(ended).toMatchObject({ status: 'done', method: 'logical', verification: { auditHeadMatch: true } });
    expect(ended.writeFreezeMs).toBeLessThan(5000);
    expect(Object.keys(readStatuses)).toEqual(['200']);
    expect(Object.keys(writeStatuses).filter((k) => k !== '201' && k !== '503 tenant-relocating')).toEqual([]);
    const there = await on<{ id: string }>(
      main(),
      'select id from leads where id = any($1::uuid[])',
      [written],
      globex.dbName,
    );
    expect(there).toHaveLength(written.length);
    expect(await chainBreaks(main(), globex.dbName)).toEqual([]);
    // Replication is gone from both servers.
    expect(await on(second, "select 1 from pg_replication_slots where slot_name like 'tessera_reloc_%'")).toEqual([]);
    const subscriptions =
      'select 1 from pg_subscription s join pg_database d on d.oid = s.subdbid where d.datname = $1';
    expect(await on(main(), subscriptions, [globex.dbName])).toEqual([]);
  }, 180_000);

  it('a table logical replication cannot publish (no replica identity) makes it copy under a freeze instead', async () => {
    const oscorp = await tenantOn('oscorp', 'dedicated-1');
    await on(second, 'alter table leads replica identity nothing', [], oscorp.dbName);
    const started = await platform().post(`/tenants/${oscorp.slug}/relocations`, { targetServer: 'main' }).expect(202);
    const ended = await waitForEnd(oscorp.slug, started.body.id as string);
    expect(ended).toMatchObject({ status: 'done', method: 'freeze' });
    await t.as(oscorp.token, oscorp.slug).post('/leads', { name: 'After', email: 'after@oscorp.test' }).expect(201);
  });

  it('a table made by hand on the source fails the relocation with its name, and the tenant stays put', async () => {
    const cyberdyne = await tenantOn('cyberdyne', 'main');
    await on(main(), 'create table scratch_notes (note text)', [], cyberdyne.dbName);
    const started = await platform()
      .post(`/tenants/${cyberdyne.slug}/relocations`, { targetServer: 'dedicated-1' })
      .expect(202);
    const ended = await waitForEnd(cyberdyne.slug, started.body.id as string);
    expect(ended).toMatchObject({ status: 'failed', error: expect.stringMatching(/scratch_notes only on the source/) });
    expect(await on(second, 'select 1 from pg_database where datname = $1', [cyberdyne.dbName])).toEqual([]);
    expect((await platform().get(`/tenants/${cyberdyne.slug}`).expect(200)).body.dbServer).toBe('main');
    await t
      .as(cyberdyne.token, cyberdyne.slug)
      .post('/leads', { name: 'Still', email: 's@cyberdyne.test' })
      .expect(201);
  });

  /** The relocation's status and phases as the catalog has them (polled fast, past the API). */
  async function recorded(id: string): Promise<{ status: string; phases: string[] }> {
    const catalog = parsePostgresUrl(t.catalogUrl).database;
    const [row] = await t.sql<{ status: string; phases: { phase: string }[] }>(
      'select status, phases from relocations where id = $1',
      [id],
      catalog,
    );
    return { status: row.status, phases: row.phases.map((p) => p.phase) };
  }

  /** Cuts every session matching `where` on `server`, every 20 ms, until `done` says stop (at most `ms`). */
  async function cutSessions(
    server: PgTarget,
    where: string,
    params: unknown[],
    done: () => Promise<boolean>,
    ms: number,
  ) {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline && !(await done())) {
      await on(
        server,
        `select pg_terminate_backend(pid) from pg_stat_activity where pid <> pg_backend_pid() and ${where}`,
        params,
      );
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  it('the target lost mid-copy: the relocation fails with the reason, the tenant keeps serving from the source', async () => {
    const soylent = await tenantOn('soylent', 'main');
    await seedLeads(main(), soylent, 150_000);
    const started = await platform()
      .post(`/tenants/${soylent.slug}/relocations`, { targetServer: 'dedicated-1' })
      .expect(202);
    const id = started.body.id as string;
    for (const deadline = Date.now() + 60_000; !(await recorded(id)).phases.includes('freeze');) {
      if (Date.now() > deadline) throw new Error('the copy did not start');
      await new Promise((r) => setTimeout(r, 10));
    }
    // Every session on the tenant's new database is cut while the copy runs.
    const ended = async () => ['done', 'failed', 'aborted'].includes((await recorded(id)).status);
    await cutSessions(second, 'datname = $1', [soylent.dbName], ended, 10_000);
    const result = await waitForEnd(soylent.slug, id);
    expect(result).toMatchObject({ status: 'failed', error: expect.stringMatching(/terminat|connection|ECONNRESET/i) });
    expect((await platform().get(`/tenants/${soylent.slug}`).expect(200)).body.dbServer).toBe('main');
    await t.as(soylent.token, soylent.slug).post('/leads', { name: 'Still', email: 's@soylent.test' }).expect(201);
    await t.as(soylent.token, soylent.slug).get('/leads?limit=1').expect(200);
  }, 120_000);

  it('the source lost during the cut-over: the switch does not happen, the freeze ends', async () => {
    const massive = await tenantOn('massive', 'dedicated-1');
    await seedLeads(second, massive, 20_000);
    const started = await platform().post(`/tenants/${massive.slug}/relocations`, { targetServer: 'main' }).expect(202);
    const id = started.body.id as string;
    for (const deadline = Date.now() + 60_000; (await recorded(id)).status !== 'cutting-over';) {
      if (Date.now() > deadline) throw new Error('the cut-over did not start');
      await new Promise((r) => setTimeout(r, 5));
    }
    // The verification's sessions on the source database (the admin's) are cut until it gives up.
    const ended = async () => ['done', 'failed', 'aborted'].includes((await recorded(id)).status);
    await cutSessions(second, 'datname = $1 and usename = $2', [massive.dbName, second.user], ended, 20_000);
    const result = await waitForEnd(massive.slug, id);
    expect(result).toMatchObject({ status: 'failed', cutoverAt: null });
    expect((await platform().get(`/tenants/${massive.slug}`).expect(200)).body.dbServer).toBe('dedicated-1');
    await t.as(massive.token, massive.slug).post('/leads', { name: 'Still', email: 's@massive.test' }).expect(201);
  }, 120_000);

  it('one relocation at a time: 10 concurrent requests give one 202 and nine 409; abort drops the target and leaves the tenant as it was', async () => {
    const initech = await tenantOn('initech', 'main');
    await seedLeads(main(), initech, 20_000);
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        platform().post(`/tenants/${initech.slug}/relocations`, { targetServer: 'dedicated-1' }),
      ),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([202, ...Array(9).fill(409)]);
    const id = answers.find((a) => a.status === 202)!.body.id as string;
    const aborted = await platform().post(`/tenants/${initech.slug}/relocations/${id}/abort`, {});
    // Aborted before the cut-over, or (a fast machine) the copy already cut over: then abort is refused.
    if (aborted.status === 200) {
      expect(aborted.body.status).toBe('aborted');
      expect(await on(second, 'select 1 from pg_database where datname = $1', [initech.dbName])).toEqual([]);
      expect((await platform().get(`/tenants/${initech.slug}`).expect(200)).body.dbServer).toBe('main');
    } else {
      expect(aborted.status).toBe(409);
    }
    await t.as(initech.token, initech.slug).post('/leads', { name: 'Writes', email: 'w@initech.test' }).expect(201);
    const rows = await t.sql<{ n: string }>(
      'select count(*)::text as n from relocations',
      [],
      parsePostgresUrl(t.catalogUrl).database,
    );
    expect(Number(rows[0].n)).toBeGreaterThanOrEqual(1);
  }, 180_000);

  it('a fleet migration skips a tenant being relocated, and says so', async () => {
    const umbrella = await tenantOn('umbrella', 'main');
    const catalog = parsePostgresUrl(t.catalogUrl).database;
    const [{ id: tenantId }] = await t.sql<{ id: string }>(
      'select id from tenants where slug = $1',
      [umbrella.slug],
      catalog,
    );
    // A relocation under way as the catalog records it (its job is not needed to see the refusal).
    await t.sql(
      `insert into relocations (id, tenant_id, from_server, to_server, status) values (gen_random_uuid(), $1, 'main', 'dedicated-1', 'copying')`,
      [tenantId],
      catalog,
    );
    const result = await t.app.get(TenantFleet).migrateOne(umbrella.slug);
    expect(result).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^skipped: the tenant is being relocated/),
    });
    await t.sql("update relocations set status = 'aborted' where tenant_id = $1", [tenantId], catalog);
    expect(await t.app.get(TenantFleet).migrateOne(umbrella.slug)).toMatchObject({ ok: true });
  });

  it('a tenant being relocated cannot be offboarded (409 relocation-in-progress)', async () => {
    const stark = await tenantOn('stark', 'main');
    const catalog = parsePostgresUrl(t.catalogUrl).database;
    const [{ id: tenantId }] = await t.sql<{ id: string }>(
      'select id from tenants where slug = $1',
      [stark.slug],
      catalog,
    );
    await t.sql(
      `insert into relocations (id, tenant_id, from_server, to_server, status) values (gen_random_uuid(), $1, 'main', 'dedicated-1', 'verifying')`,
      [tenantId],
      catalog,
    );
    const refused = await t
      .http()
      .delete(`/api/v1/platform/tenants/${stark.slug}`)
      .set('authorization', `Bearer ${pt}`);
    expect({ status: refused.status, type: refused.body.type }).toEqual({
      status: 409,
      type: expect.stringMatching(/relocation-in-progress$/),
    });
    expect((await platform().get(`/tenants/${stark.slug}`).expect(200)).body.status).toBe('active');
  });

  it('a failed preflight leaves everything as it was, a database of that name on the target included', async () => {
    const wayne = await tenantOn('wayne', 'main');
    // Someone else's database under the tenant's name on the target: never adopted, never dropped.
    await on(second, `create database "${wayne.dbName}"`);
    const started = await platform()
      .post(`/tenants/${wayne.slug}/relocations`, { targetServer: 'dedicated-1' })
      .expect(202);
    const ended = await waitForEnd(wayne.slug, started.body.id as string);
    expect(ended).toMatchObject({ status: 'failed', error: expect.stringMatching(/exists on dedicated-1 already/) });
    expect(await on(second, 'select 1 from pg_database where datname = $1', [wayne.dbName])).toHaveLength(1);
    expect((await platform().get(`/tenants/${wayne.slug}`).expect(200)).body.dbServer).toBe('main');
    await t.as(wayne.token, wayne.slug).post('/leads', { name: 'Still', email: 'still@wayne.test' }).expect(201);
  });

  it('drops a relocated source once RELOCATION_KEEP_HOURS have passed, and only then', async () => {
    const tyrell = await tenantOn('tyrell', 'main');
    const started = await platform()
      .post(`/tenants/${tyrell.slug}/relocations`, { targetServer: 'dedicated-1' })
      .expect(202);
    expect((await waitForEnd(tyrell.slug, started.body.id as string)).status).toBe('done');
    const relocator = t.app.get(TenantRelocator);
    await relocator.dropExpiredSources();
    expect(await on(main(), 'select 1 from pg_database where datname = $1', [tyrell.dbName])).toHaveLength(1);
    const catalog = parsePostgresUrl(t.catalogUrl).database;
    await t.sql(
      "update relocations set keep_until = now() - interval '1 minute' where id = $1",
      [started.body.id],
      catalog,
    );
    await relocator.dropExpiredSources();
    expect(await on(main(), 'select 1 from pg_database where datname = $1', [tyrell.dbName])).toEqual([]);
    expect(await on(main(), 'select 1 from pg_roles where rolname = $1', [tyrell.dbName])).toEqual([]);
    await t.as(tyrell.token, tyrell.slug).post('/leads', { name: 'Moved', email: 'moved@tyrell.test' }).expect(201);
  });

  it('refuses the server the tenant is on (400), an unknown one (400) and a full one (409)', async () => {
    const hooli = await tenantOn('hooli', 'main');
    await tenantOn('filler', 'tiny-1');
    const same = await platform().post(`/tenants/${hooli.slug}/relocations`, { targetServer: 'main' });
    expect(same.status).toBe(400);
    expect(same.body.type).toMatch(/same-server$/);
    const unknown = await platform().post(`/tenants/${hooli.slug}/relocations`, { targetServer: 'nowhere' });
    expect(unknown.status).toBe(400);
    const full = await platform().post(`/tenants/${hooli.slug}/relocations`, { targetServer: 'tiny-1' });
    expect(full.status).toBe(409);
    expect(full.body.type).toMatch(/server-full$/);
    for (const body of [{}, { targetServer: null }, { targetServer: 'a\u0000b' }, { targetServer: 'x'.repeat(5000) }])
      expect((await platform().post(`/tenants/${hooli.slug}/relocations`, body)).status).toBe(400);
  }, 120_000);
});
