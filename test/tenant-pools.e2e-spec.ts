import { TenantOrmRegistry } from '@app/tenancy';
import { TestApp, TestTenant } from './support/test-app';

describe('the budget follows the server: max_connections × DB_CONNECTION_SHARE ÷ API_INSTANCES', () => {
  it('caps tenant pools below TENANT_POOLS_MAX when the server has few connections to share', async () => {
    const t = await TestApp.start({
      TENANT_POOLS_MAX: '1000',
      TENANT_POOL_SIZE: '4',
      DB_CONNECTION_SHARE: '0.5',
      API_INSTANCES: '4',
    });
    try {
      const tenant = await t.createTenant('budget');
      await t.http().get('/api/v1/leads').set('authorization', `Bearer ${tenant.token}`).expect(200);
      const [{ max_connections }] = await t.sql<{ max_connections: string }>('show max_connections');
      const [stats] = await t.app.get(TenantOrmRegistry).stats();
      const expected = Math.max(1, Math.floor((Math.floor((Number(max_connections) * 0.5) / 4) - 10) / 4));
      expect(stats.maxPools).toBe(expected);
      expect(stats.maxPools).toBeLessThan(1000);
    } finally {
      await t.stop();
    }
  });
});

describe('tenant connection budget (TENANT_POOLS_MAX=1 × TENANT_POOL_SIZE=2 = two connections, four tenants)', () => {
  let t: TestApp;
  let tenants: TestTenant[];
  beforeAll(async () => {
    t = await TestApp.start({ TENANT_POOLS_MAX: '1', TENANT_POOL_SIZE: '2' });
    const pt = await t.platformToken();
    tenants = [];
    for (const name of ['alpha', 'bravo', 'charlie', 'delta']) tenants.push(await t.createTenant(name, pt));
  });
  afterAll(() => t?.stop());

  async function tenantConnections(): Promise<number> {
    const [row] = await t.sql<{ n: string }>(
      "select count(*) as n from pg_stat_activity where application_name = 'tessera-tenant' and starts_with(datname, $1)",
      [t.prefix],
    );
    return Number(row.n);
  }

  it('serves every tenant under load without ever holding more than 2 connections', async () => {
    let peak = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peak = Math.max(peak, await tenantConnections());
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const send = (i: number) => {
      const tenant = tenants[i % tenants.length];
      return i % 3 === 0
        ? t
            .http()
            .post('/api/v1/leads')
            .set('authorization', `Bearer ${tenant.token}`)
            .send({ name: `lead ${i}` })
        : t.http().get('/api/v1/leads').set('authorization', `Bearer ${tenant.token}`);
    };
    // 120 requests at once on 2 connections: one that waits longer than the pool's acquire bound
    // is told to come back (503 tenant-pools-busy, Retry-After), as a client would; nothing else.
    const backpressure: string[] = [];
    const requests = Array.from({ length: 120 }, async (_, i) => {
      for (let attempt = 0; ; attempt++) {
        const res = await send(i);
        if (res.status !== 503 || attempt === 3) return res;
        backpressure.push(`${String(res.body.type)} retry-after=${String(res.headers['retry-after'])}`);
        await new Promise((r) => setTimeout(r, Number(res.headers['retry-after']) * 1000));
      }
    });
    const statuses = (await Promise.all(requests)).map((r) => r.status);
    expect(backpressure.filter((b) => !/\/tenant-pools-busy retry-after=1$/.test(b))).toEqual([]);
    sampling = false;
    await sampler;
    expect(statuses.filter((s) => s >= 400)).toEqual([]);
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(2);
    const [stats] = await t.app.get(TenantOrmRegistry).stats();
    expect(stats).toMatchObject({ server: 'main', maxPools: 1, maxConnections: 2 });
    expect(stats.reserved).toBeLessThanOrEqual(2);
    expect(stats.connections).toBeLessThanOrEqual(2);
    expect(stats.evictions).toBeGreaterThan(0);
    // Pools were closed to make room, but every tenant kept its one ORM instance.
    expect(stats.created).toBe(4);
    // Each tenant's leads stayed in its own database.
    for (const tenant of tenants) {
      const res = await t
        .http()
        .get('/api/v1/leads?limit=100')
        .set('authorization', `Bearer ${tenant.token}`)
        .expect(200);
      const rows = await t.sql<{ n: string }>('select count(*) as n from leads', [], tenant.dbName);
      expect(res.body.meta.total).toBe(Number(rows[0].n));
      expect(res.body.meta.total).toBe(10);
    }
  });

  it('exports the pools, connections, evictions and per-tenant request durations at /metrics', async () => {
    const res = await t.http().get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/text\/plain/);
    expect(res.text).toMatch(/tessera_tenant_pools_max\{server="main"\} 1/);
    expect(res.text).toMatch(/tessera_tenant_connections_max\{server="main"\} 2/);
    expect(res.text).toMatch(/tessera_tenant_pools_open\{server="main"\} 4/);
    expect(res.text).toMatch(/tessera_tenant_pool_reconnects\{server="main"\} [1-9]/);
    expect(res.text).toMatch(/tessera_tenant_connections\{server="main"\} \d+/);
    expect(res.text).toMatch(/tessera_tenant_pool_evictions\{server="main"\} [1-9]/);
    expect(res.text).toContain(
      `tessera_http_request_duration_seconds_count{method="GET",route="/api/v1/leads",status="200",tenant="${tenants[0].slug}"}`,
    );
    expect(res.text).toMatch(/tessera_queue_jobs\{queue="provisioning",state="waiting"\} 0/);
    expect(res.text).toMatch(/tessera_onboarding_duration_seconds_count 4/);
    expect(res.text).toMatch(/tessera_job_duration_seconds_count\{queue="provisioning",result="ok"\} 4/);
  });

  it('a tenant whose database cannot be opened gets 503 while the others keep working', async () => {
    const [broken, healthy] = [tenants[0], tenants[1]];
    await t.sql(`alter role "${broken.dbName}" nologin`);
    // Push the broken tenant's pool out (its instance stays) so the next request must open a new connection.
    for (const other of tenants.slice(1))
      await t.http().get('/api/v1/leads').set('authorization', `Bearer ${other.token}`).expect(200);
    const res = await t.http().get('/api/v1/leads').set('authorization', `Bearer ${broken.token}`).expect(503);
    expect(res.body.type).toMatch(/\/tenant-unavailable$/);
    expect(res.headers['retry-after']).toBeDefined();
    expect(JSON.stringify(res.body)).not.toContain(broken.dbName);
    await t.http().get('/api/v1/leads').set('authorization', `Bearer ${healthy.token}`).expect(200);
    await t.sql(`alter role "${broken.dbName}" login`);
    await t.http().get('/api/v1/leads').set('authorization', `Bearer ${broken.token}`).expect(200);
  });
});
