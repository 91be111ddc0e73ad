import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dropFromSecondServer, secondServer, sqlOn, twoServerEnv } from './support/second-server';
import { TestApp } from './support/test-app';

describe('placement on a second PostgreSQL server (dedicated)', () => {
  let t: TestApp;
  let pt: string;
  const dir = mkdtempSync(join(tmpdir(), 'tessera-placement-'));
  const onSecond = <T>(sql: string, params: unknown[] = [], database = 'postgres') =>
    sqlOn<T>(secondServer(), sql, params, database);

  beforeAll(async () => {
    t = await TestApp.start(twoServerEnv(dir));
    pt = await t.platformToken();
  });
  afterAll(async () => {
    await t?.stop();
    await dropFromSecondServer(t.prefix);
    rmSync(dir, { recursive: true, force: true });
  });

  it('pins an enterprise tenant to the dedicated server; it works there, isolated, and the catalog says where', async () => {
    const slug = `bigcorp-${t.id}`;
    const admin = { email: 'admin@bigcorp.test', password: 'bigcorp-admin-passphrase' };
    await t
      .http()
      .post('/api/v1/platform/tenants')
      .set('authorization', `Bearer ${pt}`)
      .send({
        slug,
        name: 'BigCorp',
        plan: 'enterprise',
        adminEmail: admin.email,
        adminName: 'Boss',
        adminPassword: admin.password,
        dbServer: 'dedicated-1',
      })
      .expect(202);
    const active = await t.waitForStatus(slug, 'active', pt);
    expect(active.dbServer).toBe('dedicated-1');
    const dbName = `${t.prefix}bigcorp_${t.id}`;
    expect(await onSecond('select 1 from pg_database where datname = $1', [dbName])).toHaveLength(1);
    expect(await t.sql('select 1 from pg_database where datname = $1', [dbName])).toEqual([]);
    const small = await t.createTenant('smallco', pt);
    const [{ db_server }] = await t.sql<{ db_server: string }>(
      'select db_server from tenants where slug = $1',
      [small.slug],
      `tessera_test_${t.id}`,
    );
    expect(db_server).toBe('main'); // general tenants never land on the dedicated server
    expect(await onSecond('select 1 from pg_database where datname = $1', [small.dbName])).toEqual([]);

    const login = await t.http().post('/api/v1/auth/login').set('x-tenant-id', slug).send(admin).expect(200);
    const token = login.body.accessToken as string;
    await t
      .http()
      .post('/api/v1/leads')
      .set('authorization', `Bearer ${token}`)
      .send({ name: 'Enterprise lead' })
      .expect(201);
    expect(await onSecond<{ name: string }>('select name from leads', [], dbName)).toEqual([
      { name: 'Enterprise lead' },
    ]);
    const smallList = await t.http().get('/api/v1/leads').set('authorization', `Bearer ${small.token}`).expect(200);
    expect(smallList.body.meta.total).toBe(0);
    await t
      .http()
      .get('/api/v1/leads')
      .set('authorization', `Bearer ${token}`)
      .set('x-tenant-id', small.slug)
      .expect(403);
    const [{ ok }] = await onSecond<{ ok: boolean }>("select has_database_privilege('public', $1, 'CONNECT') as ok", [
      dbName,
    ]);
    expect(ok).toBe(false);
  });

  it('refuses a server that tenants.config.json does not list', async () => {
    const body = {
      slug: `nowhere-${t.id}`,
      name: 'x',
      adminEmail: 'a@x.test',
      adminName: 'A',
      adminPassword: 'long-enough-pass',
      dbServer: 'nope',
    };
    await t.http().post('/api/v1/platform/tenants').set('authorization', `Bearer ${pt}`).send(body).expect(400);
  });
});
