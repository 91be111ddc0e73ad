import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { TestApp, TestTenant } from './support/test-app';
import { until } from './support/wait';

/**
 * Plans across replicas: two API instances of one deployment (one catalog, one Redis) in this
 * process. A plan change made through one instance is enforced by the other within 5 s (pub/sub,
 * with a 5 s re-read as the backstop), and a limit holds over both at once (it lives in the
 * tenant's database, not in either process).
 */
describe('plans on two API instances sharing Redis', () => {
  let first: TestApp;
  let second: TestApp;
  let pt: string;
  let acme: TestTenant;
  let globex: TestTenant;
  let planSeq = 0;

  const env = () => ({ REDIS_URL: process.env.TESSERA_TEST_REDIS!, TENANT_RATE_LIMIT_RPS: '0' });
  const platform = (method: 'post' | 'patch' | 'put', path: string) =>
    first.http()[method](`/api/v1/platform${path}`).set('authorization', `Bearer ${pt}`);
  const leadsIn = async (tenant: TestTenant) =>
    Number((await first.sql<{ n: string }>('select count(*) as n from leads', [], tenant.dbName))[0].n);
  const newPlan = async (limits: Record<string, number>, features: string[]) => {
    const code = `replica-${++planSeq}`;
    await platform('post', '/plans').send({ code, name: code, limits, features }).expect(201);
    return code;
  };

  beforeAll(async () => {
    first = await TestApp.start(env());
    second = await TestApp.start(env(), first);
    pt = await first.platformToken();
    [acme, globex] = await Promise.all([first.createTenant('acme', pt), first.createTenant('globex', pt)]);
  });
  afterAll(async () => {
    await second?.stop();
    await first?.stop();
  });

  it('a tenant moved to a smaller plan through one instance is refused past its limit by the other within 5 s', async () => {
    await second.as(acme.token, acme.slug).post('/leads', { name: 'Before the move' }).expect(201);
    const code = await newPlan({ leads: await leadsIn(acme) }, ['exports']);
    const moved = Date.now();
    await platform('put', `/tenants/${acme.slug}/plan`).send({ plan: code }).expect(200);
    const refused = await until(
      'the second instance to apply the plan',
      async () => {
        const res = await second.as(acme.token, acme.slug).post('/leads', { name: 'After the move' });
        return res.status === 403 ? res : undefined;
      },
      5_000,
    );
    expect(Date.now() - moved).toBeLessThan(5_000);
    expect(refused.body).toMatchObject({ type: expect.stringMatching(/\/quota-exceeded$/), resource: 'leads' });
    await second.as(globex.token, globex.slug).post('/leads', { name: 'Unlimited' }).expect(201);
  });

  it("a plan's feature turned off through one instance is refused by the other within 5 s", async () => {
    const code = await newPlan({}, ['exports']);
    await platform('put', `/tenants/${acme.slug}/plan`).send({ plan: code }).expect(200);
    await until(
      'exports served on the second instance',
      async () => (await second.as(acme.token, acme.slug).post('/exports', {})).status === 202,
      5_000,
    );
    const changed = Date.now();
    await platform('patch', `/plans/${code}`).send({ features: [] }).expect(200);
    const refused = await until(
      'the second instance to drop the feature',
      async () => {
        const res = await second.as(acme.token, acme.slug).post('/exports', {});
        return res.status === 403 ? res : undefined;
      },
      5_000,
    );
    expect(Date.now() - changed).toBeLessThan(5_000);
    expect(refused.body).toMatchObject({ type: expect.stringMatching(/\/feature-not-in-plan$/), feature: 'exports' });
  });

  it('`tenants plan <slug> <plan>` moves a tenant, both instances enforce it, and an unknown plan exits 1', async () => {
    const code = await newPlan({ leads: await leadsIn(acme) }, []);
    const cli = (...args: string[]) =>
      promisify(execFile)(process.execPath, ['dist/apps/cli/src/main.js', ...args], {
        cwd: resolve(__dirname, '..'),
        env: { ...process.env, ...first.env },
        encoding: 'utf8',
      }).then(
        ({ stdout, stderr }) => ({ code: 0, out: stdout, err: stderr }),
        (error: { code: number; stdout: string; stderr: string }) => ({
          code: error.code,
          out: error.stdout,
          err: error.stderr,
        }),
      );
    expect(await cli('plan', acme.slug, code)).toMatchObject({ code: 0, out: `${acme.slug}\t${code}\n` });
    for (const instance of [first, second])
      await until(
        'the instance to apply the plan',
        async () => (await instance.as(acme.token, acme.slug).post('/leads', { name: 'Over' })).status === 403,
        15_000, // the CLI's own start-up included
      );
    const unknown = await cli('plan', acme.slug, 'no-such-plan');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/^tenants: .*no plan "no-such-plan"/);
  });

  it('holds a limit over both instances: of 30 concurrent creates at limit − 1, alternating instances, one succeeds', async () => {
    const held = await leadsIn(globex);
    const code = await newPlan({ leads: held + 1 }, []);
    await platform('put', `/tenants/${globex.slug}/plan`).send({ plan: code }).expect(200);
    // Both instances answer for the new plan before the race (the second learns it by pub/sub).
    await until(
      'the second instance to see the plan',
      async () => (await second.as(globex.token, globex.slug).get('/usage')).body.plan === code,
      5_000,
    );
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        (i % 2 ? second : first).as(globex.token, globex.slug).post('/leads', { name: `Racer ${i}` }),
      ),
    );
    expect(answers.filter((res) => res.status === 201)).toHaveLength(1);
    expect(answers.filter((res) => res.status === 403)).toHaveLength(29);
    expect(await leadsIn(globex)).toBe(held + 1);
  });
});
