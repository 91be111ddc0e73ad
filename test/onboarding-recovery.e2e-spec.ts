import { openCatalogDatabase } from '@app/catalog';
import { ConfigError } from '@app/config';
import { PasswordHasher } from '@app/auth';
import { TenantOnboarding, TenantProvisioner } from '@app/fleet';
import { TestApp } from './support/test-app';

describe('onboarding recovers what a stopped process left, and start-up fails clearly', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start();
  });
  afterAll(() => t?.stop());

  it('finishes a tenant left in provisioning after its database was lost mid-way', async () => {
    const pt = await t.platformToken();
    const tenant = await t.createTenant('phoenix', pt);
    const other = await t.createTenant('bystander', pt);
    await t
      .http()
      .post('/api/v1/leads')
      .set('authorization', `Bearer ${other.token}`)
      .send({ name: 'kept' })
      .expect(201);
    // A crash after the role step: the database is gone, the catalog still says provisioning.
    const passwordHash = await t.app.get(PasswordHasher).hash('phoenix-new-passphrase');
    await t.sql(`drop database "${tenant.dbName}" with (force)`);
    await t.sql(
      'update tenants set status = $1, activated_at = null, pending_admin = $2 where slug = $3',
      [
        'provisioning',
        JSON.stringify({ email: 'admin@phoenix.test', name: 'Phoenix admin', passwordHash }),
        tenant.slug,
      ],
      `tessera_test_${t.id}`,
    );
    await t.setTenantStatus(tenant.slug, 'provisioning');
    await t
      .http()
      .post('/api/v1/auth/login')
      .set('x-tenant-id', tenant.slug)
      .send({ email: 'admin@phoenix.test', password: 'x' })
      .expect(409);

    const onboarding = t.app.get(TenantOnboarding);
    expect(await onboarding.resumeUnfinished()).toBe(1);
    await onboarding.idle();

    await t.waitForStatus(tenant.slug, 'active', pt);
    const login = await t
      .http()
      .post('/api/v1/auth/login')
      .set('x-tenant-id', tenant.slug)
      .send({ email: 'admin@phoenix.test', password: 'phoenix-new-passphrase' })
      .expect(200);
    await t.http().get('/api/v1/leads').set('authorization', `Bearer ${login.body.accessToken}`).expect(200);
    const roles = await t.sql('select 1 from pg_roles where rolname = $1', [tenant.dbName]);
    expect(roles).toHaveLength(1);
    // The other tenant never noticed.
    const leads = await t.http().get('/api/v1/leads').set('authorization', `Bearer ${other.token}`).expect(200);
    expect(leads.body.data.map((l: { name: string }) => l.name)).toEqual(['kept']);
  });

  it('runs one saga per tenant when provisioners race, and releases the lock for the next', async () => {
    const pt = await t.platformToken();
    const tenant = await t.createTenant('contested', pt);
    const passwordHash = await t.app.get(PasswordHasher).hash('contested-passphrase');
    await t.sql(`drop database "${tenant.dbName}" with (force)`);
    const catalogDb = `tessera_test_${t.id}`;
    const reopen = () =>
      t.sql(
        'update tenants set status = $1, activated_at = null, pending_admin = $2 where slug = $3',
        ['provisioning', JSON.stringify({ email: 'admin@contested.test', name: 'Admin', passwordHash }), tenant.slug],
        catalogDb,
      );
    await reopen();
    const provisioner = t.app.get(TenantProvisioner);
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => provisioner.provision(tenant.slug)));
    expect(outcomes.filter((o) => o === 'active')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'skipped')).toHaveLength(9);
    const held = await t.sql(
      `select 1 from pg_locks l join pg_database d on d.oid = l.database
        where l.locktype = 'advisory' and l.granted and d.datname = $1`,
      [catalogDb],
    );
    expect(held).toEqual([]);
    // The kept lock sessions took nothing with them: the next saga for the tenant runs.
    await reopen();
    expect(await provisioner.provision(tenant.slug)).toBe('active');
  });

  it('an unreachable catalog stops start-up with one line', async () => {
    const config = { ...t.config, databaseUrl: 'postgresql://postgres@127.0.0.1:1/tessera' };
    const error = await openCatalogDatabase(config, () => undefined).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe(
      'DATABASE_URL: cannot reach PostgreSQL at 127.0.0.1:1/tessera (connection refused)',
    );
  });
});
