import { verifyAuditChain } from '@app/audit';
import { parsePostgresUrl, PgTarget, SecretBox, toPostgresUrl, withClient } from '@app/catalog';
// eslint-disable-next-line no-restricted-imports -- the test drives the admin directly; DatabaseAdmin never leaves fleet's public door
import { DatabaseAdmin } from '../libs/fleet/src/database-admin';
import { TenantContext, TenantDirectory, TenantOrmRegistry } from '@app/tenancy';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { TestApp, TestTenant } from './support/test-app';
import { OwnServer, startOwnServer } from './support/own-server';

/** A PostgreSQL server of this suite's own (so its list of databases is known), logging every statement. */
const startLoggingServer = (dataDir: string) =>
  startOwnServer(dataDir, { log_statement: 'all', log_min_error_statement: 'error' });

interface Role {
  tenant: TestTenant;
  role: string;
  password: string;
}

describe('tenant database roles (a PostgreSQL server of its own)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-roles-'));
  let server: OwnServer;
  let target: PgTarget;
  let t: TestApp;
  let roles: Role[];

  const sql = <T>(text: string, params: unknown[] = [], database = 'postgres') =>
    withClient({ ...target, database }, async (c) => (await c.query(text, params)).rows as T[]);
  /** Connects as a tenant role with its clear password; resolves to the SQLSTATE of a refusal, or 'ok'. */
  const connectAs = async (role: Role, database: string): Promise<string> => {
    const client = new Client({
      host: target.host,
      port: target.port,
      user: role.role,
      password: role.password,
      database,
      connectionTimeoutMillis: 10_000,
    });
    try {
      await client.connect();
      await client.query('select 1');
      return 'ok';
    } catch (error) {
      return (error as { code?: string }).code ?? String(error);
    } finally {
      await client.end().catch(() => undefined);
    }
  };

  beforeAll(async () => {
    server = await startLoggingServer(dir);
    target = parsePostgresUrl(server.url);
    t = await TestApp.start({ DATABASE_URL: toPostgresUrl({ ...target, database: 'tessera_roles' }) });
    const pt = await t.platformToken();
    const tenants = await Promise.all([t.createTenant('acme', pt), t.createTenant('globex', pt)]);
    const box = t.app.get(SecretBox);
    roles = [];
    for (const tenant of tenants) {
      const [row] = await sql<{ db_role: string; db_password_enc: string }>(
        'select db_role, db_password_enc from tenants where slug = $1',
        [tenant.slug],
        'tessera_roles',
      );
      roles.push({ tenant, role: row.db_role, password: box.open(row.db_password_enc) });
    }
  }, 120_000);

  afterAll(async () => {
    await t?.stop();
    if (server) await server.destroy();
    else rmSync(dir, { recursive: true, force: true });
  });

  it('never lets a clear-text tenant password reach PostgreSQL, even when the role step runs again and again', async () => {
    const admin = t.app.get(DatabaseAdmin);
    for (let round = 0; round < 3; round++) {
      // A retried onboarding: the role step again, 10 at once per tenant.
      await Promise.all(
        roles.flatMap((r) => Array.from({ length: 10 }, () => admin.ensureRole('main', r.role, r.password))),
      );
      for (const r of roles) {
        const [row] = await sql<{ n: string; login: boolean; verifier: string }>(
          'select count(*) over () as n, rolcanlogin as login, rolpassword as verifier from pg_authid where rolname = $1',
          [r.role],
        );
        expect(row).toMatchObject({ n: '1', login: true });
        expect(row.verifier).toMatch(/^SCRAM-SHA-256\$4096:/);
        expect(await connectAs(r, r.tenant.dbName)).toBe('ok'); // the verifier matches the clear password
      }
    }
    const log = server.log();
    expect(log).toMatch(/ALTER ROLE .* PASSWORD 'SCRAM-SHA-256\$4096:/); // statements are logged…
    for (const r of roles) expect(log).not.toContain(r.password); // …but never a clear password
  });

  it('lets each tenant role connect to its own database and to no other database of the server', async () => {
    const databases = (
      await sql<{ datname: string }>('select datname from pg_database where datallowconn order by 1')
    ).map((d) => d.datname);
    expect(databases).toEqual(
      expect.arrayContaining(['postgres', 'template1', 'tessera_roles', ...roles.map((r) => r.tenant.dbName)]),
    );
    for (let round = 0; round < 3; round++) {
      const attempts = roles.flatMap((r) =>
        databases.map(async (database) => ({ role: r.role, database, result: await connectAs(r, database) })),
      );
      const results = await Promise.all(attempts);
      for (const r of roles) {
        const mine = results.filter((a) => a.role === r.role);
        expect(mine.filter((a) => a.result === 'ok').map((a) => a.database)).toEqual([r.tenant.dbName]);
        expect(mine.filter((a) => a.result !== 'ok').every((a) => a.result === '42501')).toBe(true); // insufficient_privilege, not a bad password
      }
    }
  });

  it('stamps every audit entry itself and refuses the runtime role any chain field, under concurrent inserts', async () => {
    const [acme] = roles;
    const columns = 'id, tenant, actor_id, actor_role, action, entity, entity_id, changes, outcome';
    const values = (id: string) => [
      id,
      acme.tenant.slug,
      'forger',
      'admin',
      'leads.update',
      'lead',
      randomUUID(),
      '{}',
      'success',
    ];
    const asRuntimeRole = <T>(text: string, params: unknown[]) =>
      withClient(
        { ...target, user: acme.role, password: acme.password, database: acme.tenant.dbName },
        async (c) => (await c.query(text, params)).rows as T[],
      );
    for (const forged of ['at', 'seq', 'hash', 'prev_hash']) {
      const value = forged === 'at' ? '2000-01-01T00:00:00Z' : forged === 'seq' ? '1' : 'f'.repeat(64);
      await expect(
        asRuntimeRole(
          `insert into audit_logs (${columns}, ${forged}) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
          [...values(randomUUID()), value],
        ),
      ).rejects.toMatchObject({
        code: '42501',
      });
    }
    for (let round = 0; round < 3; round++) {
      const before = new Date(Date.now() - 5_000);
      const ids = Array.from({ length: 20 }, () => randomUUID());
      await Promise.all(
        ids.map((id, i) =>
          i % 2
            ? asRuntimeRole(
                `insert into audit_logs (${columns}) values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
                values(id),
              )
            : // Even the admin's back-dated insert is stamped by the trigger.
              sql(
                `insert into audit_logs (${columns}, at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, '2000-01-01T00:00:00Z')`,
                values(id),
                acme.tenant.dbName,
              ),
        ),
      );
      const rows = await sql<{ at: Date }>('select at from audit_logs where id = any($1)', [ids], acme.tenant.dbName);
      expect(rows).toHaveLength(20);
      for (const row of rows) expect(row.at.getTime()).toBeGreaterThanOrEqual(before.getTime());
    }
    const tenant = (await t.app.get(TenantDirectory).find(acme.tenant.slug))!;
    const report = await t.app.get(TenantOrmRegistry).run(tenant, () => verifyAuditChain(t.app.get(TenantContext).em));
    expect(report.ok).toBe(true);
    const [{ gaps }] = await sql<{ gaps: string }>(
      'select count(*) - (max(seq) - min(seq) + 1) as gaps from audit_logs',
      [],
      acme.tenant.dbName,
    );
    expect(Number(gaps)).toBe(0);
  });

  it('still writes the API’s own audit entries through the column grants', async () => {
    const [acme] = roles;
    await t.as(acme.tenant.token, acme.tenant.slug).post('/leads', { name: 'Granted' }).expect(201);
    await t
      .as(acme.tenant.token, acme.tenant.slug)
      .patch('/leads/00000000-0000-4000-8000-000000000000', { name: 'ghost' })
      .expect(404);
    const entries = await sql<{ action: string; outcome: string }>(
      "select action, outcome from audit_logs where actor_id <> 'forger' and action like 'lead.%' order by seq",
      [],
      acme.tenant.dbName,
    );
    expect(entries).toEqual([
      { action: 'lead.create', outcome: 'success' },
      { action: 'lead.update', outcome: 'failed' },
    ]);
  });
});
