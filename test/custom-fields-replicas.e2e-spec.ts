import { TestApp, TestTenant } from './support/test-app';
import { until } from './support/wait';

/**
 * Custom field definitions are cached in every API instance; a change made through one instance
 * reaches the other's cache within a second (CatalogEvents' cache messages over Redis pub/sub),
 * and the other tenant's cache is never touched.
 */
describe('custom field definitions on two API instances sharing Redis', () => {
  let first: TestApp;
  let second: TestApp;
  let acme: TestTenant;
  let globex: TestTenant;

  const env = () => ({ REDIS_URL: process.env.TESSERA_TEST_REDIS!, TENANT_RATE_LIMIT_RPS: '0' });

  beforeAll(async () => {
    first = await TestApp.start(env());
    second = await TestApp.start(env(), first);
    const pt = await first.platformToken();
    [acme, globex] = await Promise.all([first.createTenant('acme', pt), first.createTenant('globex', pt)]);
  });
  afterAll(async () => {
    await second?.stop();
    await first?.stop();
  });

  it('a field defined through one instance is accepted by the other within 1 s', async () => {
    // The second instance caches acme's (empty) definitions first.
    await second.as(acme.token, acme.slug).post('/leads', { name: 'before' }).expect(201);
    const refused = await second.as(acme.token, acme.slug).get('/leads?cf.rank=1').expect(400);
    expect(refused.body.errors[0].field).toBe('cf.rank');
    await first
      .as(acme.token, acme.slug)
      .post('/custom-fields', { entity: 'lead', key: 'rank', label: 'Rank', type: 'number', indexed: true })
      .expect(201);
    const defined = Date.now();
    await until(
      'the second instance to know the field',
      async () => (await second.as(acme.token, acme.slug).get('/leads?cf.rank=1')).status === 200,
      1_000,
    );
    expect(Date.now() - defined).toBeLessThan(1_000);
    await second.as(globex.token, globex.slug).get('/leads?cf.rank=1').expect(400);
  });

  it('an archive through one instance hides the values on the other within 1 s', async () => {
    const lead = await second
      .as(acme.token, acme.slug)
      .post('/leads', { name: 'ranked', customFields: { rank: 3 } })
      .expect(201);
    expect(lead.body.customFields).toEqual({ rank: 3 });
    await first.as(acme.token, acme.slug).delete('/custom-fields/lead/rank').expect(204);
    const archived = Date.now();
    await until(
      'the second instance to hide the archived field',
      async () => {
        const res = await second.as(acme.token, acme.slug).get(`/leads/${lead.body.id}`).expect(200);
        return Object.keys(res.body.customFields as object).length === 0;
      },
      1_000,
    );
    expect(Date.now() - archived).toBeLessThan(1_000);
  });
});
