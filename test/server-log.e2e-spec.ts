import { parsePostgresUrl, toPostgresUrl, withClient } from '@app/catalog';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OwnServer, startOwnServer } from './support/own-server';
import { TestApp, TestTenant } from './support/test-app';

/**
 * PostgreSQL's own log, at its default settings (a failed statement is logged with its text),
 * keeps none of the values of a failed write: MikroORM inlines values into its SQL, so tenant
 * roles and the catalog log failures tersely and without the statement.
 */
describe("PostgreSQL's own log after failed writes (a server of its own, default logging)", () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-server-log-'));
  let server: OwnServer;
  let t: TestApp;
  let acme: TestTenant;
  let globex: TestTenant;

  beforeAll(async () => {
    server = await startOwnServer(dir, { log_min_error_statement: 'error', log_error_verbosity: 'default' });
    t = await TestApp.start({
      DATABASE_URL: toPostgresUrl({ ...parsePostgresUrl(server.url), database: 'tessera_server_log' }),
    });
    const pt = await t.platformToken();
    [acme, globex] = await Promise.all([t.createTenant('acme', pt), t.createTenant('globex', pt)]);
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
    await server?.destroy();
  });

  it('keeps the e-mail, name and password hash of a duplicate user out of it (10 duplicates at once per tenant, 3 rounds)', async () => {
    for (let round = 0; round < 3; round++) {
      await Promise.all(
        [acme, globex].map(async (tenant) => {
          const body = {
            email: `kept-secret-${round}@${tenant.slug}.test`,
            name: `Secret Name ${round}`,
            password: `secret-passphrase-${round}`,
            role: 'staff',
          };
          const answers = await Promise.all(
            Array.from({ length: 10 }, () => t.as(tenant.token, tenant.slug).post('/users', body)),
          );
          expect(answers.map((a) => a.status).sort()).toEqual([201, ...Array(9).fill(409)]);
        }),
      );
    }
    const [{ hash }] = await withClient(
      { ...parsePostgresUrl(server.url), database: acme.dbName },
      async (c) =>
        (await c.query("select password_hash as hash from users where email like 'kept-secret-%' limit 1")).rows,
    );
    const log = server.log();
    expect(log).toMatch(/duplicate key value violates unique constraint/); // the failures were logged…
    expect(log).not.toContain('kept-secret-'); // …without their values
    expect(log).not.toContain('Secret Name');
    expect(log).not.toContain('$argon2id$');
    expect(log).not.toContain(String(hash).slice(-20));
  });

  it('keeps a lost conversion race out of it (10 conversions of one lead at once)', async () => {
    const lead = (
      await t
        .as(acme.token, acme.slug)
        .post('/leads', { name: 'Lead of Secret Company', company: 'Secret Company Ltd' })
        .expect(201)
    ).body;
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        t.as(acme.token, acme.slug).post(`/leads/${lead.id}/convert`, { amount: '1.00', currency: 'EUR' }),
      ),
    );
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    expect(server.log()).not.toContain('Secret Company');
  });

  it('sets the quiet settings on every tenant role and on the catalog database', async () => {
    const rows = await withClient(
      { ...parsePostgresUrl(server.url), database: 'postgres' },
      async (c) =>
        (
          await c.query(
            `select coalesce(r.rolname, '') as role, coalesce(d.datname, '') as db, s.setconfig
             from pg_db_role_setting s left join pg_roles r on r.oid = s.setrole left join pg_database d on d.oid = s.setdatabase`,
          )
        ).rows as { role: string; db: string; setconfig: string[] }[],
    );
    const quiet = ['log_min_error_statement=panic', 'log_error_verbosity=terse'];
    for (const tenant of [acme, globex])
      expect(rows.find((r) => r.role === tenant.dbName)?.setconfig).toEqual(expect.arrayContaining(quiet));
    expect(rows.find((r) => r.db === 'tessera_server_log')?.setconfig).toEqual(expect.arrayContaining(quiet));
  });
});
