import { parsePostgresUrl } from '@app/catalog';
import { Lead } from '@app/crm';
import { TenantOrmFactory, TenantOrmPool, TenantOrmRegistry } from '@app/tenancy';
import { TestApp, TestTenant } from './support/test-app';
import { until } from './support/wait';

/*
 * Tenant churn: three times as many tenants as the budget has connections (TENANT_POOLS_MAX=2 ×
 * TENANT_POOL_SIZE=2 = 4 connections, 12 tenants), all hammered at once. Idle tenants' pools
 * are closed to make room, their ORM instances kept; the budget holds on PostgreSQL itself.
 */
describe('tenant churn: 12 tenants on a budget of 4 connections', () => {
  let t: TestApp;
  let pt: string;
  let tenants: TestTenant[];

  beforeAll(async () => {
    // A generous wait for a connection: on a busy machine, 36 requests at once on 4 connections
    // must queue, not meet the 503 backpressure meant for true overload.
    t = await TestApp.start({
      TENANT_POOLS_MAX: '2',
      TENANT_POOL_SIZE: '2',
      TENANT_RATE_LIMIT_RPS: '0',
      TENANT_ACQUIRE_TIMEOUT_MS: '30000',
    });
    pt = await t.platformToken();
    tenants = [];
    for (let i = 0; i < 12; i++) tenants.push(await t.createTenant(`churn${i}`, pt));
  }, 240_000);
  afterAll(() => t?.stop());

  const registry = () => t.app.get(TenantOrmRegistry);
  const get = (tenant: TestTenant, path = '/api/v1/leads?limit=100') =>
    t.http().get(path).set('authorization', `Bearer ${tenant.token}`);
  const post = (tenant: TestTenant, name: string) =>
    t.http().post('/api/v1/leads').set('authorization', `Bearer ${tenant.token}`).send({ name });

  async function tenantConnections(dbName?: string): Promise<number> {
    const [row] = await t.sql<{ n: string }>(
      `select count(*) as n from pg_stat_activity
        where application_name = 'tessera-tenant' and starts_with(datname, $1) and ($2::text is null or datname = $2)`,
      [t.prefix, dbName ?? null],
    );
    return Number(row.n);
  }

  /** Runs `work` while sampling the tenant connections PostgreSQL sees; returns its result and the peak. */
  async function sampled<T>(work: () => Promise<T>): Promise<{ value: T; peak: number }> {
    let peak = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peak = Math.max(peak, await tenantConnections());
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    try {
      return { value: await work(), peak };
    } finally {
      sampling = false;
      await sampler;
    }
  }

  it('serves 36 requests at once over 12 tenants without a failure and never above 4 connections', async () => {
    const { value: statuses, peak } = await sampled(async () => {
      const all: number[] = [];
      for (let wave = 0; wave < 3; wave++) {
        const requests = Array.from({ length: 36 }, (_, i) => {
          const tenant = tenants[i % tenants.length];
          return i < tenants.length ? post(tenant, `${tenant.slug} lead ${wave}`) : get(tenant); // 1 POST, 2 GETs each
        });
        all.push(...(await Promise.all(requests)).map((r) => r.status));
      }
      return all;
    });

    expect(statuses.filter((s) => s >= 400)).toEqual([]);
    expect(statuses).toHaveLength(108);
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(4);
    const [stats] = await registry().stats();
    expect(stats).toMatchObject({ server: 'main', maxPools: 2, maxConnections: 4 });
    expect(stats.reserved).toBeLessThanOrEqual(4);
    expect(stats.connections).toBeLessThanOrEqual(4);
    expect(stats.evictions).toBeGreaterThan(0);
  });

  it('each tenant saw only its own leads, all of them, as its database holds them', async () => {
    const answers = await Promise.all(tenants.map((tenant) => get(tenant)));
    for (const [i, tenant] of tenants.entries()) {
      expect(answers[i].status).toBe(200);
      const names: string[] = answers[i].body.data.map((lead: { name: string }) => lead.name);
      expect(names).toHaveLength(3); // one POST per wave
      for (const name of names) expect(name.startsWith(`${tenant.slug} lead `)).toBe(true);
      const [row] = await t.sql<{ n: string }>('select count(*) as n from leads', [], tenant.dbName);
      expect(answers[i].body.meta.total).toBe(Number(row.n));
    }
  });

  it('keeps one ORM instance per tenant: a returning tenant reconnects it instead of building a new one', async () => {
    const [stats] = await registry().stats();
    expect(stats.created).toBe(tenants.length);
    expect(stats.open).toBe(tenants.length);
    expect(stats.reconnects).toBeGreaterThan(0);
    expect(stats.connected).toBeLessThanOrEqual(4);
  });

  it('a reconnected tenant writes through its EntityManager and the audit flush subscriber records it', async () => {
    const [first, ...others] = tenants;
    const created = await post(first, `${first.slug} before`).expect(201);
    // Every other tenant, one after the other: the first one's idle pool must give way.
    for (const other of others) await get(other).expect(200);
    await until('its connections to close', async () => (await tenantConnections(first.dbName)) === 0, 10_000);
    const before = (await registry().stats())[0].reconnects;

    const again = await post(first, `${first.slug} after`).expect(201);
    await t
      .http()
      .patch(`/api/v1/leads/${created.body.id}`)
      .set('authorization', `Bearer ${first.token}`)
      .send({ status: 'contacted' })
      .expect(200);

    expect((await registry().stats())[0].reconnects).toBeGreaterThan(before);
    const rows = await t.sql<{ action: string; entity_id: string }>(
      "select action, entity_id from audit_logs where action like 'lead.%' and entity_id in ($1, $2) order by seq",
      [created.body.id, again.body.id],
      first.dbName,
    );
    expect(rows).toEqual([
      { action: 'lead.create', entity_id: created.body.id },
      { action: 'lead.create', entity_id: again.body.id },
      { action: 'lead.update', entity_id: created.body.id },
    ]);
  });

  it('suspending a tenant closes its pool and instance; the others keep working', async () => {
    const [, target, neighbour] = tenants;
    await get(target).expect(200);
    const [before] = await registry().stats();
    await t
      .http()
      .post(`/api/v1/platform/tenants/${target.slug}/suspend`)
      .set('authorization', `Bearer ${pt}`)
      .expect(200);

    await until(
      'its instance to be dropped',
      async () => (await registry().stats())[0].open === before.open - 1,
      10_000,
    );
    expect(await tenantConnections(target.dbName)).toBe(0);
    expect((await get(target)).status).toBe(403);
    await get(neighbour).expect(200);
    await t
      .http()
      .post(`/api/v1/platform/tenants/${target.slug}/resume`)
      .set('authorization', `Bearer ${pt}`)
      .expect(200);
    await until('it to serve again', async () => (await get(target)).status === 200, 10_000);
  });

  it('a tenant ORM pool (MikroORM 6, knex/tarn) grows, closes every connection and opens again on the same instance', async () => {
    const { host, port, user, password } = parsePostgresUrl(t.adminUrl);
    const [, , , tenant] = tenants;
    const applicationName = `pool-spec-${t.prefix}`;
    const orm = await t.app
      .get(TenantOrmFactory)
      .create({ host, port, user, password, dbName: tenant.dbName, poolSize: 4, applicationName }, false);
    const pool = new TenantOrmPool(orm);
    const seen = async () =>
      Number(
        (
          await t.sql<{ n: string }>('select count(*) as n from pg_stat_activity where application_name = $1', [
            applicationName,
          ])
        )[0].n,
      );
    const sleepers = (n: number) =>
      Promise.all(Array.from({ length: n }, () => orm.em.getConnection().execute('select pg_sleep(0.1)')));
    try {
      await pool.connect(1);
      await sleepers(3);
      expect(pool.connections()).toBe(1);
      expect(await seen()).toBe(1);

      pool.resize(2);
      await sleepers(3);
      expect(pool.connections()).toBe(2);
      expect(await seen()).toBe(2);

      await pool.disconnect();
      expect(pool.connections()).toBe(0);
      await until('its connections to close', async () => (await seen()) === 0, 5_000);

      await pool.connect(1);
      const leads = await orm.em.fork().find(Lead, {}, { orderBy: { name: 'asc' } });
      expect(leads.map((lead) => lead.name)).toEqual([0, 1, 2].map((wave) => `${tenant.slug} lead ${wave}`));
      expect(await seen()).toBe(1);
    } finally {
      await pool.close();
    }
    await until('every connection to close', async () => (await seen()) === 0, 5_000);
  });
});
